"""Text matching for planted errors: does a text carry a string, and does a self-check
or correction event touch a planted error.

Normalisation (both sides): Unicode NFKC (full-width digits and letters become ASCII),
case folded, runs of whitespace collapsed to one space, and digit-group separators
dropped (``41,000`` → ``41000``). A needle that starts or ends with a digit matches only
where the text has no other digit (or nonzero decimal part) on that side, so ``52`` is not
found in ``520``, ``1952`` or ``52.5``, but ``$549`` is found in ``$549.00``.

Detection window of an event: from the start of the sentence holding the event's start
to the end of the sentence after the one holding its end (sentences end at ``. ! ?``
followed by a space or line end, at ``。！？``, and at line breaks), at most
WINDOW_AFTER characters past the event's end. An event *touches* a plant when its window
contains one of the plant's markers (judge.plants.schema.markers).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

WINDOW_AFTER = 300
REFLECTION_KINDS = ("self_check", "correction")  # a pivot never counts as reflection
_SPACE = re.compile(r"\s+")
_GROUP = re.compile(r"(?<=\d)[,\u2009\u202f'](?=\d{3}(?!\d))")
_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])|\n+")


def normalize(text: str) -> str:
    """The comparable form of a text (module docstring)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", _GROUP.sub("", text)).strip()


def _bounded(needle: str) -> re.Pattern[str]:
    head = r"(?<![\d.])" if needle[:1].isdigit() else ""
    tail = r"(?!\d|\.0*[1-9])" if needle[-1:].isdigit() else ""
    return re.compile(head + re.escape(needle) + tail)


def contains(text: str, needle: str) -> bool:
    """Does ``text`` carry ``needle`` (normalised, digit-bounded)?"""
    n = normalize(needle)
    return bool(n) and _bounded(n).search(normalize(text)) is not None


def contains_any(text: str, needles: Iterable[str]) -> list[str]:
    """The needles ``text`` carries, in order."""
    return [n for n in needles if contains(text, n)]


def sentence_bounds(text: str) -> list[int]:
    """Offsets where sentences start (0 first)."""
    return [0, *(m.end() for m in _END.finditer(text) if 0 < m.end() < len(text))]


def window(text: str, start: int, end: int) -> str:
    """The detection window of an event spanning ``text[start:end]`` (module docstring)."""
    starts = sentence_bounds(text)
    lo = max((s for s in starts if s <= start), default=0)
    later = [s for s in starts if s > end]
    hi = later[1] if len(later) > 1 else len(text)
    return text[lo:min(hi, end + WINDOW_AFTER)]


def event_span(text: str, event: Mapping[str, Any]) -> tuple[int, int] | None:
    """Where an event lies in ``text``: its offsets when they hold its quote, else the
    first occurrence of the quote; None when neither does."""
    quote = str(event.get("quote") or "")
    start, end = event.get("start"), event.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text):
        if not quote or text[start:end] == quote:
            return start, end
    at = text.find(quote) if quote else -1
    return (at, at + len(quote)) if at >= 0 else None


def touching(text: str, events: Iterable[Mapping[str, Any]], marks: list[str]
             ) -> list[tuple[int, list[str]]]:
    """(index, markers found) of each self-check or correction event whose window in
    ``text`` carries a marker; an event that cannot be placed in ``text`` is judged by
    its quote alone."""
    out = []
    for i, event in enumerate(events):
        if event.get("kind") not in REFLECTION_KINDS:
            continue
        span = event_span(text, event)
        seen = window(text, *span) if span else str(event.get("quote") or "")
        found = contains_any(seen, marks)
        if found:
            out.append((i, found))
    return out
