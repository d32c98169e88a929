"""Self-check / correction events: live while a text streams, and the parser's at the end.

While a text streams, ``LiveScanner`` re-reads only its last ``WINDOW`` characters on
each call with the trace parser's own scanner and hit resolution (judge.traces.scan): a
pattern match is short (the library bounds its gaps), so an event that starts before the
window was already complete at the previous call and is kept as it was. A finished
response goes through the trace parser itself (``trace_of`` → ``analyze_response``), as
every response of a run does, so a sample's events, episodes and the text they were
found in (reasoning, ``<think>`` blocks or the answer) match its traces.jsonl record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from judge.providers.base import Response
from judge.traces import Event, analyze_response, load_library
from judge.traces.scan import MERGE_GAP, prepare, raw_hits, resolve

WINDOW = 600  # characters re-read per live call; far longer than any one match
TracedOn = Literal["reasoning", "answer"]

__all__ = ["Event", "LiveScanner", "Trace", "TracedOn", "scan", "trace_of", "warm_up"]


@dataclass(frozen=True)
class Trace:
    """What the parser found in a finished response."""

    events: list[Event]
    episodes: int  # self-checks followed by a correction of the same point
    traced_on: TracedOn  # "answer" when the model gave no reasoning (channel or tags)


def warm_up() -> None:
    """Load the pattern library and compile the common groups now, not mid-stream."""
    scan("Wait, let me re-check. Actually, that's wrong; I need to adjust. 等等，让我再检查一下。")


def trace_of(response: Response) -> Trace:
    """The trace parser on a complete response (reasoning, else think tags, else answer)."""
    result = analyze_response(response.text, response.reasoning.text,
                              response.reasoning.source)
    traced_on: TracedOn = "answer" if result.parsed == "answer" else "reasoning"
    return Trace(list(result.events), len(result.episodes), traced_on)


def scan(text: str, start: int = 0) -> list[Event]:
    """Events of ``text`` that start at or after ``start`` (look-behinds see before it).

    Hits are resolved as the trace parser resolves them: hits of one kind that overlap or
    nearly touch within a sentence merge; between kinds the longer hit wins.
    """
    if not text.strip():
        return []
    scanner = load_library().scanner()
    text, low, _ = prepare(text, scanner.full_fold)
    kinds = scanner.kinds
    hits = resolve(raw_hits(scanner, low, start), kinds, low)
    pats = scanner.patterns
    return [Event(kinds[p], s, e, text[s:e], pats[p].name, pats[p].lang) for s, e, p in hits]


class LiveScanner:
    """Events of a growing text, re-reading only its tail on each call."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._text = ""

    def __call__(self, text: str) -> list[Event]:
        if not text.startswith(self._text[: max(0, len(self._text) - WINDOW)]):
            self.events, self._text = [], ""  # the text was replaced, not extended
        start = max(0, len(self._text) - WINDOW)
        # an event reaching near the window may still merge with a new hit: re-read it too
        near = [e.start for e in self.events if e.end >= start - MERGE_GAP]
        start = min([start, *near])
        kept = [e for e in self.events if e.start < start]
        self.events = kept + scan(text, start)
        self._text = text
        return self.events
