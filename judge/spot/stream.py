"""One streamed generation on screen: a dim "thinking" section, then the answer.

Reasoning and answer deltas are appended to their buffers and shown through
``LiveText``; the trace patterns re-read the tail of the traced text (the reasoning, or
the answer when the model has no reasoning channel) as it grows — at most every
``SCAN_EVERY`` seconds, and always at the end of a section — and their events become
highlighted spans at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal, TextIO

from rich.text import Text

from judge.errors import RetryableProviderError
from judge.providers.base import Delta, Done, Provider, Request, Response
from judge.spot.reflect import Event, LiveScanner, TracedOn
from judge.spot.view import ANSWER_STYLE, REASONING_STYLE, RESET, LiveText, Span
from judge.traces.models import REFLECTION_KINDS

Kind = Literal["reasoning", "text"]
SCAN_EVERY = 0.05
DIM = "\x1b[2m"


def rule(title: str, width: int, color: bool, note: str = "") -> str:
    """A section header line: ``── title ──── note``."""
    head = f"── {title} "
    tail = f" {note}" if note else ""
    fill = "─" * max(3, min(width - 1, 78) - len(head) - len(tail))
    text = f"{head}{fill}{tail}"
    return f"{DIM}{text}{RESET}" if color else text


def summary_line(events: list[Event], traced_on: str, episodes: int = 0) -> Text:
    """What the parser found, in one line (quotes shortened), styled like the spans."""
    if not events:
        return Text(f"reflection: no self-check or correction found in the {traced_on}")
    line = Text(f"reflection in the {traced_on}:")
    if not any(e.kind in REFLECTION_KINDS for e in events):
        line.append(" no self-check or correction;")
    for kind, name, style in (("self_check", "self-check", "bold black on yellow"),
                              ("correction", "correction", "bold bright_white on magenta"),
                              ("pivot", "pivot (not reflection)", "italic underline black on cyan")):
        found = [e for e in events if e.kind == kind]
        if found:
            quotes = ", ".join(f"“{_short(e.quote)}”" for e in found[:3])
            more = f" +{len(found) - 3}" if len(found) > 3 else ""
            line.append("  ")
            line.append(f" {name} ×{len(found)} ", style=style)
            line.append(f" {quotes}{more}")
    if episodes:
        line.append(f"  · {episodes} episode{'s' if episodes > 1 else ''} (a self-check, then a "
                    "correction of the same point)")
    return line


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class StreamDisplay:
    """Renders one generation's deltas; ``finish`` returns the events of the traced text."""

    def __init__(self, out: TextIO, width: int, *, live: bool, color: bool) -> None:
        self.out, self.width, self.live, self.color = out, width, live, color
        self.scanners: dict[Kind, LiveScanner] = {"reasoning": LiveScanner(),
                                                  "text": LiveScanner()}
        self.buffers: dict[Kind, str] = {"reasoning": "", "text": ""}
        self.section: Kind | None = None
        self.view: LiveText | None = None
        self.offset = 0  # where the current section's piece starts in its buffer
        self.events: list[Event] = []
        self._scanned_at = 0.0
        self._scanned: tuple[Kind, int] | None = None  # (kind, length) at the last scan

    @property
    def traced_kind(self) -> Kind:
        return "reasoning" if self.buffers["reasoning"].strip() else "text"

    def feed(self, kind: Kind, piece: str) -> None:
        """Add one delta and redraw."""
        if not piece:
            return
        if kind != self.section:
            self._open(kind)
        self.buffers[kind] += piece
        self._maybe_scan(force=False)
        self._draw()

    def _open(self, kind: Kind) -> None:
        if self.view is not None:  # show what was found so far before leaving a section
            self._maybe_scan(force=True)
            self._draw()
            self.view.finish()
        if kind == "reasoning":
            header = rule("thinking", self.width, self.color)
        else:
            note = "" if self.buffers["reasoning"].strip() else \
                "(no reasoning channel: reflection is looked for in the answer)"
            header = rule("answer", self.width, self.color, note)
        self.out.write(header + "\n")
        base = REASONING_STYLE if kind == "reasoning" else ANSWER_STYLE
        self.view = LiveText(self.out, self.width, base=base, live=self.live, color=self.color)
        self.section, self.offset = kind, len(self.buffers[kind])

    def _maybe_scan(self, force: bool) -> None:
        kind = self.traced_kind
        text = self.buffers[kind]
        now = time.monotonic()
        if self._scanned == (kind, len(text)):
            return
        if force or now - self._scanned_at >= SCAN_EVERY:
            self.events = self.scanners[kind](text)
            self._scanned_at, self._scanned = now, (kind, len(text))

    def _draw(self) -> None:
        if self.view is None or self.section is None:
            return
        text = self.buffers[self.section][self.offset:]
        spans: list[Span] = []
        if self.section == self.traced_kind:
            spans = [Span(e.start - self.offset, e.end - self.offset, e.kind)
                     for e in self.events if e.end > self.offset]
        self.view.update(text, spans)

    def finish(self, response: Response | None) -> None:
        """Close the display (with reasoning that only came in the final response)."""
        self._maybe_scan(force=True)
        self._draw()
        late = response.reasoning.text if response is not None else ""
        if late.strip() and not self.buffers["reasoning"].strip():
            self.feed("reasoning", late)
            self._maybe_scan(force=True)
            self._draw()
        if self.view is not None:
            self.view.finish()
            self.view = None

    @property
    def traced_on(self) -> TracedOn:
        """Which streamed text the live events are in."""
        return "reasoning" if self.traced_kind == "reasoning" else "answer"


async def stream_into(provider: Provider, request: Request,
                      on_delta: Callable[[Kind, str], None]) -> Response:
    """Consume ``provider.stream``, passing deltas on; return the final (Done) response."""
    stream = provider.stream(request)
    try:
        async for event in stream:
            if isinstance(event, Delta):
                on_delta(event.kind, event.text)
            elif isinstance(event, Done):
                return event.response
    finally:
        await stream.aclose()  # type: ignore[attr-defined]
    raise RetryableProviderError("the stream ended without a final response",
                                 model=provider.spec)
