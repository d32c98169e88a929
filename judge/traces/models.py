"""Result types of the trace parser: plain dataclasses, JSON-serialisable via ``to_dict``.

Offsets are character (code point) offsets into the text the result was computed from:
the reasoning text when ``parsed == "reasoning"``, otherwise the response text (for
``think_tags`` the events lie inside ``segments``, the ``<think>`` blocks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Parsed = Literal["reasoning", "think_tags", "answer"]
EVENT_KINDS = ("self_check", "correction", "pivot")  # pivots are reported, not reflection
REFLECTION_KINDS = ("self_check", "correction")


@dataclass(slots=True)
class Event:
    """One self-check, correction or pivot: ``text[start:end] == quote``.

    ``pattern`` names the lexical pattern that fired (or "" when none did); ``why`` says in
    words why the event was reported (the pattern, or the classifier's top features).
    A ``pivot`` (hesitation that examines nothing already said) is reported, never
    counted as reflection.
    """

    kind: str  # "self_check" | "correction" | "pivot"
    start: int
    end: int
    quote: str
    pattern: str
    lang: str
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "quote": self.quote,
                "pattern": self.pattern, "lang": self.lang, "why": self.why}


@dataclass(slots=True)
class FollowThrough:
    """Did the final answer take up a correction? A cheap lexical signal with evidence.

    ``expected``: what the correction says is right (numbers, quoted terms, short
    phrases); ``rejected``: what it says was wrong. ``value`` is True when something
    expected appears in the answer and nothing rejected does, False when the answer
    lacks the expected content or still contains the rejected one, None when there is
    no separate answer or the correction names nothing checkable. The judge's
    reflection rubric confirms or overrides it.
    """

    correction: int  # index into TraceResult.events
    episode: int | None
    value: bool | None
    expected: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    found_rejected: list[str] = field(default_factory=list)
    how: str = ""  # which extraction fired: not_x_but_y, should_be, includes, numbers, ...
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"correction": self.correction, "episode": self.episode, "value": self.value,
                "expected": list(self.expected), "rejected": list(self.rejected),
                "found": list(self.found), "found_rejected": list(self.found_rejected),
                "how": self.how, "reason": self.reason}


@dataclass(slots=True)
class Episode:
    """A self-check followed by a correction of (as far as can be told) the same point."""

    self_check: int  # index into TraceResult.events
    correction: int  # first correction after the self-check
    corrections: list[int]  # all corrections continuing the episode
    distance: int  # characters between the end of the self-check and the correction
    same_point: bool | None  # True: shared terms or adjacent; None: cannot tell
    follow_through: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"self_check": self.self_check, "correction": self.correction,
                "corrections": self.corrections, "distance": self.distance,
                "same_point": self.same_point, "follow_through": self.follow_through}


@dataclass(slots=True)
class TraceResult:
    """Everything the parser found in one response (or one trace)."""

    parsed: Parsed
    chars: int  # characters scanned (sum of segment lengths)
    tokens_est: int  # estimated tokens of the scanned text (see estimate_tokens)
    segments: list[tuple[int, int]]
    events: list[Event]
    episodes: list[Episode]
    corrections: list[FollowThrough]
    follow_through: bool | None  # the last checkable correction's value, else None
    reasoning_source: str | None = None
    lang: str = "auto"
    patterns_version: str = ""

    @property
    def counts(self) -> dict[str, int]:
        n = {k: sum(1 for e in self.events if e.kind == k) for k in EVENT_KINDS}
        return {**n, "episodes": len(self.episodes)}

    @property
    def rates_per_1k(self) -> dict[str, float]:
        c, t = self.counts, self.tokens_est
        rate = (lambda n: round(1000.0 * n / t, 3)) if t else (lambda n: 0.0)
        return {k: rate(c[k]) for k in EVENT_KINDS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "parsed": self.parsed, "source": self.parsed,
            "reasoning_source": self.reasoning_source, "lang": self.lang,
            "chars": self.chars, "tokens_est": self.tokens_est,
            "segments": [list(s) for s in self.segments],
            "counts": self.counts, "rates_per_1k": self.rates_per_1k,
            "events": [e.to_dict() for e in self.events],
            "episodes": [e.to_dict() for e in self.episodes],
            "corrections": [c.to_dict() for c in self.corrections],
            "follow_through": self.follow_through,
            "patterns_version": self.patterns_version,
        }
