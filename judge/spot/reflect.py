"""Self-check / correction events of a text, from the trace pattern library (judge.traces).

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

WINDOW = 600  # characters re-read per live call; far longer than any one match


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
    """Events of ``text`` that start at or after ``start`` (look-behinds see before it)."""
    if not text.strip():
        return []
    library = load_library()
    out = []
    for m in library.scanner().finditer(text, pos=start):
        name = m.lastgroup or ""
        out.append(Event(library.get(name).category, m.start(), m.end(), m.group(0), name))
    return out


class LiveScanner:
    """Events of a growing text, re-reading only its tail on each call."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._text = ""

    def __call__(self, text: str) -> list[Event]:
        if not text.startswith(self._text[: max(0, len(self._text) - WINDOW)]):
            self.events, self._text = [], ""  # the text was replaced, not extended
        start = max(0, len(self._text) - WINDOW)
        kept = [e for e in self.events if e.start < start]
        floor = max([start, *(e.end for e in kept)])
        self.events = kept + [e for e in scan(text, start) if e.start >= floor]
        self._text = text
        return self.events
