"""Live text rendering: wrapping, span styling, committed vs live rows."""

from __future__ import annotations

import io
import re

from judge.spot.view import STYLES, LiveText, Span, styled, wrap_rows
from tests.spot.conftest import plain

TEXT = ("Let me read the page first. The bridge closed on Monday. Wait, let me re-check the "
        "second paragraph.\nActually, that's wrong: the repairs take 14 months, not 12. "
        "Averyveryverylongwordthatcannotfitononerowatallbecauseitislong ok.")


def test_rows_fit_the_width_and_cover_the_text() -> None:
    for width in (10, 17, 40):
        rows = wrap_rows(TEXT, 0, width)
        assert all(hi - lo <= width for lo, hi in rows)
        covered = "".join(TEXT[lo:hi] for lo, hi in rows).replace(" ", "")
        assert covered == TEXT.replace(" ", "").replace("\n", "")


def test_full_rows_never_move_when_text_is_appended() -> None:
    for cut in range(1, len(TEXT)):
        early = wrap_rows(TEXT[:cut], 0, 23)[:-1]  # the last row may still grow
        assert wrap_rows(TEXT, 0, 23)[:len(early)] == early


def test_spans_are_styled_and_control_characters_never_reach_the_terminal() -> None:
    text = "ok \x1b[31m wait, let me re-check"
    at = text.index("let me")
    out = styled(text, 0, len(text), [Span(at, at + 15, "self_check")], "\x1b[0m", True)
    assert STYLES["self_check"] + "let me re-check" in out
    assert "\x1b[31m" not in out and "\ufffd[31m" in out
    assert styled(text, 0, 2, [], "", False) == "ok"


def test_live_text_redraws_the_tail_with_late_spans() -> None:
    out = io.StringIO()
    view = LiveText(out, 30, live=True, color=True, tail=3)
    view.update(TEXT[:60], [])
    at = TEXT.index("Wait")
    view.update(TEXT[:90], [Span(at, at + 4, "self_check")])
    view.finish()
    assert STYLES["self_check"] + "Wait" in out.getvalue()
    assert re.search(r"\x1b\[\d+A", out.getvalue())  # moved up to redraw printed rows


def test_piped_output_prints_each_row_once_with_final_styles() -> None:
    out = io.StringIO()
    view = LiveText(out, 30, live=False, color=True, tail=3)
    at = TEXT.index("Wait")
    for n in range(10, len(TEXT) + 1, 10):
        spans = [Span(at, at + 4, "self_check")] if n > at + 8 else []
        view.update(TEXT[:n], spans)
    view.update(TEXT, [Span(at, at + 4, "self_check")])
    view.finish()
    shown = plain(out.getvalue())
    assert not re.search(r"\x1b\[\d+A", out.getvalue())
    assert "".join(shown.split()) == "".join(TEXT.split())
    assert out.getvalue().count(STYLES["self_check"] + "Wait") == 1
