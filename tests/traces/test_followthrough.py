"""Follow-through: the cheap signal of whether the answer took up a correction."""

from __future__ import annotations

import pytest

from judge.traces.parser import lexical_parse as parse_trace  # the pattern library alone
from judge.traces.followthrough import extract, present


@pytest.mark.parametrize(("trace", "answer", "value", "how"), [
    ("So the answer is not 12 but 14.", "The answer is 14.", True, "not_x_but_y"),
    ("So the answer is not 12 but 14.", "The answer is 12.", False, "not_x_but_y"),
    ("Hmm. Actually, it should be 25, not 23.", "25 apples", True, "should_be_not"),
    ("Wait. I made a mistake; it should be March 3.", "The vote was on May 1.", False,
     "should_be"),
    ("I need to adjust my summary to include the 1,200 adults.", "A study of 1,200 adults.",
     True, "includes"),
    ("所以答案不是 12，而是 14。", "答案是 14。", True, "zh_not_but"),
    ("我刚才算错了，应该是 56。", "结果是 65。", False, "zh_should_be"),
])
def test_follow_through_values(trace, answer, value, how):
    res = parse_trace(trace, answer=answer)
    assert res.corrections, trace
    ft = res.corrections[-1]
    assert (ft.value, ft.how) == (value, how), ft
    assert res.follow_through is value


def test_nothing_checkable_or_no_answer_is_none():
    assert parse_trace("I made a mistake.", answer="Fine.").follow_through is None
    res = parse_trace("Actually, it should be 4.")
    assert res.corrections[0].value is None and "no separate answer" in res.corrections[0].reason


def test_gap_named_by_the_self_check_is_used_for_summary_episodes():
    trace = ("My summary did not mention the sample size of 3,000 students. "
             "I need to adjust.")
    assert parse_trace(trace, answer="The study of 3,000 students found...").follow_through
    assert parse_trace(trace, answer="The study found...").follow_through is False


def test_extract_and_present_helpers():
    assert extract("not 3:35 but 3:45. The user")[:2] == (["3:45"], ["3:35"])
    assert present("1,200", "about 1200 people", {"1200"})
    assert not present("first Sunday", "free every Sunday", set())
    assert present("噪音的问题", "住客抱怨夜间噪音", set())
