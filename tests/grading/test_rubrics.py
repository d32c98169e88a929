"""Rubric applicability, subjects (combos, cross-query) and computed headline numbers."""

from __future__ import annotations

import pytest

from judge.errors import ConfigError
from judge.grading.rubrics import RUBRICS, coverage_score, get_rubrics
from judge.grading.subject import EXPECTED_STRATEGY, other_queries, subject_for
from judge.grading.verdicts import (
    CoverageVerdict,
    FaithfulnessVerdict,
    ReflectionVerdict,
    StrategyVerdict,
    json_schema,
)
from judge.probeset import ProbeSet
from judge.templates import Templates
from tests.grading.conftest import response, task_of


def test_applicability(probes: ProbeSet) -> None:
    single = subject_for(probes, response(task_of(probes, "paper-screen-curfew", "method")))
    combo = subject_for(probes, response(task_of(probes, combo="phones-battery")))
    thinking = subject_for(probes, response(task_of(probes, "short-kettle", "tldr"),
                                            reasoning="Wait, let me re-check the price."))
    applies = lambda s: [r for r in RUBRICS if RUBRICS[r].applies(s)]
    assert applies(single) == ["intention", "strategy", "coverage", "faithfulness"]
    assert applies(combo) == ["intention", "coverage", "faithfulness"]
    assert applies(thinking) == ["intention", "strategy", "coverage", "faithfulness",
                                 "reflection"]


def test_combo_subject_uses_combo_query_and_all_key_points(probes: ProbeSet,
                                                           templates: Templates) -> None:
    s = subject_for(probes, response(task_of(probes, combo="phones-battery")))
    assert s.query_text.startswith("Which phone should I buy") and s.intent == "combo"
    assert [k.id for k in s.key_points][:2] == ["review-phone-arcwave/kp1",
                                                "review-phone-arcwave/kp2"]
    assert len(s.key_points) == 10 and s.expected_strategy is None
    user = RUBRICS["intention"].messages(templates, s)[1].content
    assert "Page 2 (review" in user and "about these pages together" in user


def test_cross_query_subjects(probes: ProbeSet) -> None:
    r = response(task_of(probes, "paper-screen-curfew", "overview"))
    others = [q.id for q in other_queries(probes, r)]
    assert others == ["method", "extract-fact", "zh-summary", "tldr"]
    s = subject_for(probes, r, against=probes.query_by_id("method"))
    assert s.against_query_id == "method" and s.query_text.startswith("Summarize the method")
    assert other_queries(probes, response(task_of(probes, combo="phones-battery"))) == []


def test_strategy_records_expected_label(probes: ProbeSet) -> None:
    s = subject_for(probes, response(task_of(probes, "news-bridge-ledger", "overview")))
    v = StrategyVerdict(evidence=["closed Wednesday"], rationale="5 Ws", label="event")
    head = RUBRICS["strategy"].headline(v, s)
    assert head.label == "event" and head.passed is True
    assert head.extra == {"expected_label": "event", "match": True, "page_type": "news"}
    assert EXPECTED_STRATEGY["short"] == "one-sentence" and EXPECTED_STRATEGY["paper"] == \
        "method-conclusion" and EXPECTED_STRATEGY["review"] == "pros-cons"


def test_coverage_score_weights_core() -> None:
    roles = {"a": "core", "b": "core", "c": "supporting", "d": "background"}
    assert coverage_score({k: "covered" for k in roles}, roles) == 1.0
    assert coverage_score({"a": "covered", "b": "partial"}, roles) == pytest.approx(3 / 5.5,
                                                                                   abs=1e-4)
    assert coverage_score({"c": "covered", "d": "covered"}, roles) == pytest.approx(1.5 / 5.5,
                                                                                   abs=1e-4)


def test_coverage_check_and_all_or_nothing(probes: ProbeSet) -> None:
    s = subject_for(probes, response(task_of(probes, "short-kettle", "overview")))
    rubric = RUBRICS["coverage"]
    pts = [{"id": k, "evidence": "", "status": st} for k, st in
           (("kp1", "covered"), ("kp2", "partial"), ("kp3", "covered"), ("kp4", "missing"))]
    v = CoverageVerdict.model_validate({"points": pts, "rationale": "r"})
    rubric.check(v, s)
    head = rubric.headline(v, s)
    assert head.passed is False and head.extra["all_core"] is False  # type: ignore[index]
    assert head.score == pytest.approx((2 + 1 + 1) / 5.5, abs=1e-4)
    dup = CoverageVerdict.model_validate({"points": pts[:3] + [pts[0]], "rationale": "r"})
    with pytest.raises(ValueError, match=r"missing key points \['kp4'\].*judged twice \['kp1'\]"):
        rubric.check(dup, s)


def test_faithfulness_and_reflection_headlines(probes: ProbeSet) -> None:
    s = subject_for(probes, response(task_of(probes, "short-kettle", "overview")))
    f = FaithfulnessVerdict.model_validate({"rationale": "r", "claims": [
        {"claim": "costs $24.99", "evidence": "$24.99", "status": "supported"},
        {"claim": "holds 1 litre", "evidence": "0.6-litre", "status": "contradicted"}]})
    head = RUBRICS["faithfulness"].headline(f, s)
    assert head.score == 0.5 and head.passed is False
    assert head.extra == {"n_claims": 2, "unsupported": ["holds 1 litre"]}
    empty = FaithfulnessVerdict(claims=[], rationale="no claims")
    none_checked = RUBRICS["faithfulness"].headline(empty, s)  # judged, unscored: not a pass
    assert (none_checked.score, none_checked.passed, none_checked.label) == (None, None,
                                                                              "no-claims")
    r = RUBRICS["reflection"]
    fixed = ReflectionVerdict(evidence=[], rationale="r", self_check=True, correction=True,
                              reflected="yes")
    assert (r.headline(fixed, s).label, r.headline(fixed, s).score) == ("corrected-reflected", 1.0)
    none = ReflectionVerdict(evidence=[], rationale="r", self_check=False, correction=False,
                             reflected="yes")
    assert r.headline(none, s).label == "no-self-check" and r.headline(none, s).score is None
    with pytest.raises(ValueError, match="must be yes or no"):
        r.check(fixed.model_copy(update={"reflected": "not_applicable"}), s)


def test_schemas_are_closed_and_ref_free() -> None:
    for rubric in RUBRICS.values():
        text = str(json_schema(rubric.verdict))
        assert "$ref" not in text and "$defs" not in text and "title" not in text
        assert "'additionalProperties': False" in text


def test_rubric_selection() -> None:
    assert [r.name for r in get_rubrics(["coverage", "intention", "coverage"])] == [
        "coverage", "intention"]
    with pytest.raises(ConfigError, match="unknown rubric 'tone'"):
        get_rubrics(["tone"])


def test_trace_events_become_hints(probes: ProbeSet, templates: Templates) -> None:
    from judge.grading.hints import events_for, to_events

    row = {"response_id": "r", "result": {"events": [
        {"kind": "self_check", "quote": "wait, let me re-check", "start": 0, "end": 21},
        {"kind": "correction", "text": "actually it is 14"}, {"kind": "noise"}]}}
    events = to_events(row)
    assert [(e.kind, e.quote) for e in events] == [("self_check", "wait, let me re-check"),
                                                   ("correction", "actually it is 14")]
    r = response(task_of(probes, "short-kettle", "tldr"), "Costs $24.99.")
    assert events_for(r, row) == events
    s = subject_for(probes, r, events=events)
    assert RUBRICS["reflection"].applies(s)  # events alone make reflection apply
    user = RUBRICS["reflection"].messages(templates, s)[1].content
    assert "- correction: actually it is 14" in user and "no separate reasoning" in user


def test_live_trace_parser_hints(probes: ProbeSet) -> None:
    from judge.grading.hints import events_for

    r = response(task_of(probes, "short-kettle", "tldr"), "It costs $24.99.",
                 reasoning="The price is $19.99. Wait, let me re-check the page. Actually, "
                           "that's wrong: it is $24.99.")
    kinds = {e.kind for e in events_for(r)}
    assert kinds == {"self_check", "correction"}
    assert events_for(response(task_of(probes, "short-kettle", "tldr"), "Costs $24.99.")) == []
