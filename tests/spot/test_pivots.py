"""`judge spot`: pivots get their own live style and are named apart from reflection."""

from __future__ import annotations

from judge.spot.stream import summary_line
from judge.spot.view import STYLES, Span, styled
from judge.traces import Event

TEXT = "Wait, maybe a table would make this easier. Wait, let me re-check the total."


def _ev(kind: str, quote: str) -> Event:
    at = TEXT.index(quote)
    return Event(kind, at, at + len(quote), quote, "", "en", "opens a new idea")


def test_pivot_spans_have_a_distinct_style() -> None:
    pivot = _ev("pivot", "Wait, maybe a table")
    check = _ev("self_check", "let me re-check")
    spans = [Span(e.start, e.end, e.kind) for e in (pivot, check)]
    out = styled(TEXT, 0, len(TEXT), spans, "\x1b[0m", True)
    assert STYLES["pivot"] + "Wait, maybe a table" in out
    assert STYLES["self_check"] + "let me re-check" in out
    assert len({STYLES["pivot"], STYLES["self_check"], STYLES["correction"]}) == 3


def test_summary_line_names_pivots_apart_from_reflection() -> None:
    only = summary_line([_ev("pivot", "Wait, maybe a table")], "reasoning").plain
    assert "no self-check or correction" in only and "pivot (not reflection) ×1" in only
    both = summary_line([_ev("pivot", "Wait, maybe a table"),
                         _ev("self_check", "let me re-check")], "reasoning").plain
    assert "self-check ×1" in both and "pivot (not reflection) ×1" in both
    assert "no self-check" not in both
