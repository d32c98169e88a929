"""Parser behaviour: which text is parsed, offsets, episodes, tokens, JSON shape."""

from __future__ import annotations

import orjson
import pytest

from judge.traces import analyze_response, estimate_tokens
from judge.traces.parser import lexical_parse as parse_trace  # the pattern library alone
from judge.traces.parser import think_segments


def kinds(result):
    return [e.kind for e in result.events]


def test_offsets_point_into_the_parsed_text():
    text = "Okay. 2 + 2 = 5. Wait, is that right? No, wait, I made a mistake. It should be 4."
    res = parse_trace(text)
    assert res.parsed == "reasoning"
    for ev in res.events:
        assert text[ev.start:ev.end] == ev.quote
        assert ev.lang == "en" and ev.pattern
    assert kinds(res) == ["self_check", "correction"]


def test_issue_examples():
    page = ("The core information of this page is in the third paragraph, but my summary did "
            "not reflect it. I need to adjust.")
    res = parse_trace(page)
    assert kinds(res) == ["self_check", "correction"]
    assert len(res.episodes) == 1 and res.episodes[0].same_point is True
    zh = parse_trace("这个页面的核心信息在第三段，但我的摘要没有体现。我需要调整。")
    assert kinds(zh) == ["self_check", "correction"] and zh.events[0].lang == "zh"
    for s in ("let me double-check", "wait, is that right?", "let me verify this",
              "让我再检查一下", "等等，这里不对吗"):
        assert kinds(parse_trace(s)) == ["self_check"], s
    for s in ("I made a mistake.", "Actually, it should be 12.", "I need to adjust.",
              "So the answer is not 10 but 12.", "我需要调整。", "更正一下：是周二。"):
        assert kinds(parse_trace(s)) == ["correction"], s
    for s in ("check the weather API", "the wait time is 5 minutes", "actually, the paper says",
              "检查结果显示血压正常"):
        assert parse_trace(s).events == [], s


def test_a_confirming_check_is_a_self_check_without_correction():
    res = parse_trace("x = 3. Let me verify: 3 * 3 = 9. Yes, that's right.")
    assert kinds(res) == ["self_check"] and res.episodes == []


def test_reasoning_field_wins_and_the_answer_is_kept_for_follow_through():
    res = analyze_response("The total is 12.", "10 + 3 = 13. Wait, it's 10 + 2. "
                           "Actually, it should be 12.", "reasoning_content")
    assert res.parsed == "reasoning" and res.reasoning_source == "reasoning_content"
    assert res.follow_through is True


def test_think_tags_closed_unclosed_and_close_only():
    text = "<think>Hmm, wait, is that right? I made a mistake: it's 7.</think>The answer is 7."
    res = analyze_response(text)
    assert res.parsed == "think_tags" and res.segments == [(7, text.index("</think>"))]
    assert all(res.segments[0][0] <= e.start < e.end <= res.segments[0][1] for e in res.events)
    assert res.follow_through is True
    assert think_segments("<think>let me double-check") == [(7, 26)]
    assert think_segments("reasoning here</think>answer") == [(0, 14)]
    assert think_segments("<THINK>a</THINK> b <think>c</think>") == [(7, 8), (26, 27)]
    res = analyze_response("<think>Let me double-check the sum.")
    assert res.parsed == "think_tags" and kinds(res) == ["self_check"]


def test_answer_only_is_flagged_and_has_no_follow_through():
    res = analyze_response("I made a mistake earlier: the total is 12.", None, None)
    assert res.parsed == "answer"
    assert res.corrections and res.corrections[0].value is None
    assert res.follow_through is None


def test_episode_distance_and_unrelated_correction_far_away():
    filler = " The page lists prices for several items." * 80
    text = ("Wait, is the 2019 figure right?" + filler +
            " Separately, I misread the tax column about shipping fees.")
    res = parse_trace(text)
    assert kinds(res) == ["self_check", "correction"]
    assert res.episodes == []  # too far apart and no shared terms
    near = parse_trace("Is 17 prime? Let me check: 17 = 1 * 17. No, wait — I made a mistake.")
    ep = near.episodes[0]
    assert ep.distance == near.events[ep.correction].start - near.events[ep.self_check].end


def test_counts_rates_and_token_estimate():
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd" * 25) == 25
    assert estimate_tokens("检查" * 50) == 100
    assert 30 <= estimate_tokens("abcd" * 25 + "检查" * 10) <= 50
    res = parse_trace("Let me double-check. " * 10)
    assert res.counts["self_check"] >= 1
    assert res.rates_per_1k["self_check"] == pytest.approx(
        1000 * res.counts["self_check"] / res.tokens_est, rel=1e-3)


def test_lang_filter():
    text = "Let me double-check. 让我再检查一下。"
    assert {e.lang for e in parse_trace(text).events} == {"en", "zh"}
    assert {e.lang for e in parse_trace(text, lang="en").events} == {"en"}
    assert {e.lang for e in parse_trace(text, lang="zh").events} == {"zh"}


def test_result_is_json_serialisable_with_the_documented_keys():
    res = parse_trace("Wait, is that right? Actually, it should be 5, not 6.", answer="5")
    d = orjson.loads(orjson.dumps(res.to_dict()))
    assert {"parsed", "events", "episodes", "corrections", "counts", "rates_per_1k",
            "tokens_est", "follow_through", "segments", "patterns_version"} <= d.keys()
    assert set(d["events"][0]) == {"kind", "start", "end", "quote", "pattern", "lang", "why"}
    assert d["episodes"][0]["distance"] >= 0 and d["follow_through"] is True


def test_curly_apostrophes_and_capitals():
    text = "WAIT, IS THAT RIGHT? I’ve made a mistake. Let’s double-check."
    res = parse_trace(text)
    assert kinds(res) == ["self_check", "correction", "self_check"]


@pytest.mark.parametrize("text, quote", [
    # a quote ends on what the event names, not on a function word
    ("Okay, 2 + 2 = 5. I made a mistake: it should be 4, not 5.",
     "I made a mistake: it should be 4, not 5"),
    ("It's actually the third option, not the second.",
     "It's actually the third option, not the second"),
    ("The answer is actually 7, not 8.", "The answer is actually 7, not 8"),
    ("The total should be 240, not 200.", "The total should be 240, not 200"),
    ("Actually, it should be 1,200 adults.", "Actually, it should be 1,200 adults"),
    ("Actually, it should be 3.5 hours.", "Actually, it should be 3.5 hours"),
    ("Let me verify with a different route: a week is 168 hours.",
     "Let me verify with a different route"),
    ('Swapping in "nos vemos": "Nos vemos mañana".', 'Swapping in "nos vemos"'),
    ('Rewording to "was linked to" and adding the caveat.', 'Rewording to "was linked to"'),
    ("Rewording the intro so it leads with the result.", "Rewording the intro"),
    ("Is anything missing from my summary? The page says more.",
     "Is anything missing from my summary"),
    ("The correct approach is the harmonic mean: 48.", "The correct approach is the harmonic mean"),
    ("But my summary did not reflect it: the sample was small.",
     "my summary did not reflect it"),
])
def test_quotes_end_on_what_they_name(text, quote):
    assert [e.quote for e in parse_trace(text).events][-1] == quote


PIVOT_TRACE = ("The panels differ in size. Wait, maybe the rule is about the colours. Panel A is "
               "red. Wait, is that right? I made a mistake: panel A is blue.")


def test_lexical_pivot_is_reported_apart_and_never_in_an_episode():
    res = parse_trace(PIVOT_TRACE)
    kinds = [e.kind for e in res.events]
    assert kinds == ["pivot", "self_check", "correction"]
    pivot = res.events[0]
    assert (pivot.quote, pivot.pattern) == ("Wait, maybe", "en_pivot")
    assert pivot.why == "pattern en_pivot"
    assert PIVOT_TRACE[pivot.start:pivot.end] == pivot.quote
    assert res.counts["pivot"] == 1 and res.counts["self_check"] == 1
    assert res.rates_per_1k["pivot"] > 0
    assert [(ep.self_check, ep.correction) for ep in res.episodes] == [(1, 2)]


@pytest.mark.parametrize(("text", "kind"), [
    ("So x = 4. Wait, maybe a table would help.", "pivot"),
    ("So x = 4. Wait, maybe I made a mistake.", "self_check"),      # doubt: examines
    ("So x = 4. Wait, maybe the question asks for y.", "self_check"),  # the task re-read
    ("So x = 4. Wait, is that right?", "self_check"),
    ("So x = 4. Alternatively, perhaps the order matters.", "pivot"),
    ("So x = 4. Alternatively, maybe I can check it with x = 2.", "self_check"),
    ("所以是 4。等等，也许可以换个思路。", "pivot"),
    ("所以是 4。等等，也许我算错了。", "self_check"),
])
def test_a_hesitation_opener_is_a_pivot_unless_it_examines(text, kind):
    kinds = {e.kind for e in parse_trace(text).events}
    assert kind in kinds and ("pivot" in kinds) == (kind == "pivot")


def test_a_bare_wait_that_examines_nothing_is_no_event():
    assert parse_trace("So x = 4. Wait, let's see: panel A has four cones.").events == []


def test_the_parser_runs_from_its_python_sources():
    """There is no compiled build: an extension module left in judge/traces/ by an old
    install would be imported in preference to the edited .py file (delete it)."""
    import importlib.machinery
    from pathlib import Path

    from judge.traces import followthrough, parser, scan

    for module in (scan, followthrough, parser):
        assert module.__file__ is not None and module.__file__.endswith(".py"), module.__file__
    here = Path(scan.__file__).parent
    assert not [p.name for suffix in importlib.machinery.EXTENSION_SUFFIXES
                for p in here.glob(f"*{suffix}")]
