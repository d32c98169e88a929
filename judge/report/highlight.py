"""Split a text into plain and highlighted segments from trace events (start/end/quote).

The template escapes every segment (autoescape); this module never builds HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from judge.analysis.rows import ResponseRow

MAX_CHARS = 20_000


@dataclass(frozen=True)
class Segment:
    text: str
    kind: str | None = None  # self_check | correction | pivot | None
    why: str = ""  # why the event was reported (untrusted text: the template escapes it)


def _span(text: str, event: dict[str, Any]) -> tuple[int, int] | None:
    """The event's (start, end) in ``text``; re-found by its quote when offsets drifted."""
    start, end, quote = event.get("start"), event.get("end"), event.get("quote") or ""
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        if not quote or text[start:end] == quote:
            return start, end
    if quote:
        at = text.find(quote)
        if at >= 0:
            return at, at + len(quote)
    return None


def segments(text: str, events: list[dict[str, Any]], limit: int = MAX_CHARS) -> list[Segment]:
    """Plain and highlighted pieces of ``text`` (overlapping events: the first wins)."""
    spans = sorted((s[0], s[1], str(e.get("kind")), str(e.get("why") or ""))
                   for e in events if (s := _span(text, e)))
    out: list[Segment] = []
    pos = 0
    for start, end, kind, why in spans:
        if start < pos or start >= limit:
            continue
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], kind, why))
        pos = end
    if pos < min(len(text), limit):
        out.append(Segment(text[pos:limit]))
    if len(text) > limit:
        out.append(Segment(f" … [{len(text) - limit:,} more characters]"))
    return out


def traced_text(row: ResponseRow) -> tuple[str, str]:
    """(which, text) the trace events point into: the reasoning, else the answer (the
    parser's ``think_tags`` events lie in ``<think>`` blocks of the answer text)."""
    if row.trace_source in ("answer", "text", "think_tags") or not row.reasoning.strip():
        return "answer", row.text
    return "reasoning", row.reasoning
