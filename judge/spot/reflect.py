"""Self-check / correction events of a text, from the trace scanner (judge.traces).

``scan`` reads a whole text once (for the record of a finished sample). While a text
streams, ``LiveScanner`` re-reads only its last ``WINDOW`` characters on each call:
a pattern match is short (the library bounds its gaps), so an event that starts before
the window was already complete at the previous call and is kept as it was. The combined
pattern is compiled once per process (``warm_up``, about a second) before the first
stream, so the first deltas are not held up.
"""

from __future__ import annotations

from dataclasses import dataclass

from judge.traces.library import load_library
from judge.traces.scan import clean_text, fold, raw_hits, resolve

WINDOW = 600  # characters re-read per live call; far longer than any one match
MERGE_GAP = 4  # hits of one kind this close together are merged by the parser


@dataclass(frozen=True)
class Event:
    """One self-check or correction: [start, end) offsets into the scanned text."""

    kind: str  # "self_check" | "correction"
    start: int
    end: int
    quote: str
    pattern: str = ""


def warm_up() -> None:
    """Load and compile the pattern library now."""
    load_library().scanner()


def scan(text: str, start: int = 0) -> list[Event]:
    """Events of ``text`` that start at or after ``start`` (look-behinds see before it).

    Hits are resolved as the trace parser resolves them: overlapping or adjacent hits of
    one kind merge, and between kinds the longer hit wins.
    """
    if not text.strip():
        return []
    scanner = load_library().scanner()
    text = clean_text(text)
    low = fold(text)
    kinds: list[str] = [p.category for p in scanner.patterns]
    hits = resolve(raw_hits(scanner, low, start), kinds, low)
    return [Event(kinds[p], s, e, text[s:e], scanner.patterns[p].name) for s, e, p in hits]


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
