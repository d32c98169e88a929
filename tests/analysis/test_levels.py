"""Each level reports its planted ground truth (scenarios.py says what is planted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.analysis import analyze, load_run
from judge.analysis.analyze import pick_arm
from judge.analysis.compare import compare_rows
from judge.analysis.mirage import predicted_binary
from judge.analysis.rows import SuccessRule
from tests.analysis.scenarios import MIRAGE_P


def _analysis(*paths: Path, **kw):  # noqa: ANN202
    return analyze([load_run(p) for p in paths], **kw)


def test_l1_version_step_in_one_dimension_only(step_runs: tuple[Path, Path]) -> None:
    comp = _analysis(*step_runs).comparisons[0]
    assert comp.common_tasks == 120 and comp.only_a == comp.only_b == 0
    faith = comp.dim("faithfulness")
    assert faith is not None and faith.direction == "B worse"
    assert faith.diff.hi is not None and faith.diff.hi < -0.1  # planted: about -0.2
    others = {d.dim: d.direction for d in comp.dims if d.dim != "faithfulness"}
    assert set(others) >= {"pass", "intention", "coverage", "all_core", "strategy_match"}
    assert set(others.values()) == {"no significant difference"}, others
    assert comp.mcnemar is not None and comp.mcnemar.p_value > 0.05
    assert comp.worse("faithfulness") and not comp.worse("intention")


def test_l1_flipped_tasks_and_mcnemar(tldr_runs: tuple[Path, Path]) -> None:
    comp = _analysis(*tldr_runs).comparisons[0]
    assert comp.mcnemar is not None
    assert (comp.mcnemar.pass_to_fail, comp.mcnemar.fail_to_pass) == (12, 0)
    assert comp.mcnemar.p_value < 0.001
    assert {f.query_id for f in comp.to_fail} == {"tldr"} and not comp.to_pass
    assert all(f.where.endswith("× tldr") and f.page_ids for f in comp.to_fail)
    assert all(len(f.b_response_ids) == 3 for f in comp.to_fail)
    assert comp.dim("pass").direction == "B worse"  # type: ignore[union-attr]


def test_l1_two_models_inside_one_run(intention_run: Path) -> None:
    run = load_run(intention_run)
    a, b = pick_arm(run, SuccessRule(), "focused"), pick_arm(run, SuccessRule(), "generic")
    comp = compare_rows(a.rows, b.rows, a.label, b.label)
    assert comp.common_tasks == 30
    assert comp.dim("intention").diff.value == pytest.approx(-2.0)  # type: ignore[union-attr]
    assert comp.worse("intention")
    assert comp.pairwise is not None and comp.pairwise.n == 90
    assert comp.pairwise.value == pytest.approx(1 / 6) and comp.pairwise.hi < 0.5  # type: ignore[operator]
    reverse = compare_rows(b.rows, a.rows, b.label, a.label)
    assert reverse.pairwise.value == pytest.approx(5 / 6)  # type: ignore[union-attr]


def test_l2_compounding_failure_and_gate(combo_run: Path) -> None:
    result = _analysis(combo_run)
    strong, weak = (a.combos for a in result.arms)
    combos = {c.combo: c for c in strong.combos}
    assert combos["good"].verdict == "as predicted"
    assert combos["bad"].verdict == "worse than predicted"
    bad = combos["bad"]
    assert bad.predicted == pytest.approx((29 / 30) ** 2)
    assert bad.observed.value == pytest.approx(6 / 30) and bad.observed.n == 30
    assert all(s.success.lo >= 0.8 for s in bad.steps)  # type: ignore[operator]
    assert strong.ready and strong.decision == "start composite evaluation now"
    assert not weak.ready and weak.decision.startswith("not yet")
    assert "p000-news × overview" in weak.decision


def test_l2_gate_threshold_is_configurable(combo_run: Path) -> None:
    strict = _analysis(combo_run, gate=0.9).arms[0].combos
    assert not strict.ready  # 29/30 has a lower Wilson bound of about 0.83


def test_l3_strategy_match_stability_length(intention_run: Path) -> None:
    arms = {a.arm.model: a for a in _analysis(intention_run).arms}
    focused = {s.page_type: s for s in arms["focused"].strategy}
    generic = {s.page_type: s for s in arms["generic"].strategy}
    assert focused["news"].match.value == 1.0 and focused["news"].stable.value == 1.0
    assert focused["news"].labels == {"event": 45}
    assert generic["review"].stable.value == 0.0 and generic["review"].stable.n == 15
    assert generic["review"].match.value == pytest.approx(15 / 45)
    assert generic["news"].expected == ["event"]
    assert focused["news"].length_ok.value == 1.0


def test_l4_discrimination_and_similarity(intention_run: Path) -> None:
    arms = {a.arm.model: a.intention for a in _analysis(intention_run).arms}
    focused, generic = arms["focused"], arms["generic"]
    assert focused.pairs == 90 * 2
    assert focused.discrimination.value == 1.0
    assert generic.discrimination.value == pytest.approx(0.5)  # all ties
    assert generic.discrimination.lo <= 0.5 <= generic.discrimination.hi  # type: ignore[operator]
    assert generic.flagged_rate.value == 1.0 and len(generic.flagged) == 30  # type: ignore[union-attr]
    assert focused.flagged == [] and focused.cross_similarity.value < 0.3  # type: ignore[union-attr]
    qs, matrix = focused.matrix_queries, focused.matrix
    assert qs == ["facts", "overview", "tldr"]
    assert [matrix[i][i] for i in range(3)] == [5.0, 5.0, 5.0] and matrix[0][1] == 2.0
    assert {g.key for g in focused.by_intent} == {"facts", "overview", "tldr"}


def test_l5_reflection_instability_and_tendency(reflection_run: Path) -> None:
    r = _analysis(reflection_run).arms[0].reflection
    assert r.traced == 252
    assert r.instability.value == pytest.approx(1 / 3) and r.instability.n == 63
    assert r.self_check.value == pytest.approx(0.5) and r.self_check.n == 252
    assert r.correction.k == 126 and r.episode.k == 126
    assert r.follow_through.k == 105 and r.follow_through.n == 126
    assert r.self_check.lo < 0.5 < r.self_check.hi  # type: ignore[operator]
    diff = r.quality_diff["intention"]
    assert diff.value == pytest.approx(2.0) and diff.excludes(0)
    text = " ".join(r.tendency)
    assert "tend to score higher" in text and "not a property of any single one" in text


def test_mirage_labels_each_dimension(mirage_runs: list[Path]) -> None:
    result = _analysis(*mirage_runs)
    labels = {m.dim: m.label for m in result.mirage}
    assert labels == {"coverage": "metric artifact", "intention": "threshold",
                      "faithfulness": "smooth growth"}
    cov = next(m for m in result.mirage if m.dim == "coverage")
    partial = [p.partial.value for p in cov.points]
    steps = [b - a for a, b in zip(partial, partial[1:])]
    assert max(steps) - min(steps) < 0.08  # partial credit rises about linearly
    for point, p in zip(cov.points, MIRAGE_P):
        assert point.predicted == pytest.approx(p ** 5, abs=0.06)
        assert abs(point.binary.value - point.predicted) < 0.1  # type: ignore[operator]
    assert len(result.comparisons) == 3


def test_mirage_needs_three_runs(step_runs: tuple[Path, Path]) -> None:
    assert _analysis(*step_runs).mirage == []


def test_predicted_binary_uses_core_points(mirage_runs: list[Path]) -> None:
    arm = _analysis(mirage_runs[-1]).arms[0]
    assert predicted_binary(arm.arm.rows) == pytest.approx(0.95 ** 5, abs=0.06)
