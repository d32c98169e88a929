"""One success rule for every arm; unparseable and claim-less judgments are unscored;
Holm's correction across the compared dimensions; clustered rates in the metrics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from judge.analysis import analyze, compare_rows, load_run
from judge.analysis.analyze import pick_arm
from judge.analysis.compare import Comparison, DimDiff, correct
from judge.analysis.rows import ResponseRow, SuccessRule, apply_judgments, build_rows
from judge.probeset import Task
from judge.stats import Estimate, wilson
from tests.analysis.synth import Outcome, covered, make_probes, write_run
from tests.conftest import judge_cli


def _good(task: Task, k: int, rng: np.random.Generator) -> Outcome:
    return Outcome(intention=5.0, statuses=covered(1.0, rng))


def _no_coverage(task: Task, k: int, rng: np.random.Generator) -> Outcome:
    return Outcome(intention=5.0, statuses=None)


def test_the_rule_is_decided_on_both_arms(tmp_path: Path) -> None:
    """A judged coverage, B did not: B is unscored on pass (before issue 20 it passed on
    intention alone, a rule A was never held to)."""
    probes = make_probes(12, ("overview",))
    ra = load_run(write_run(tmp_path, "a", probes, {"m": _good}, samples=2))
    rb = load_run(write_run(tmp_path, "b", probes, {"m": _no_coverage}, samples=2))
    rule = SuccessRule().decided([ra, rb])
    assert rule.judged is not None and {"intention", "coverage"} <= rule.judged
    a, b = pick_arm(ra, rule, None), pick_arm(rb, rule, None)
    assert all(r.passed is True for r in a.rows) and all(r.passed is None for r in b.rows)
    comp = compare_rows(a.rows, b.rows, "A", "B")
    assert comp.dim("pass") is None and comp.unscored["pass"] == "B has no scored response"
    result = analyze([ra, rb])
    assert result.arms[1].metrics.overall.dims.get("pass") is None  # "–" in the summary
    assert "all core key points covered" in result.rule.banner()
    alone = build_rows(rb)  # analysed on its own, B is held to what B judged
    assert all(r.passed is True for r in alone)


def test_a_rubric_that_never_parsed_still_counts(tmp_path: Path) -> None:
    """Every coverage judgment unparseable: responses are unscored, not judged on
    intention alone."""
    probes = make_probes(4, ("overview",))

    def fn(task: Task, k: int, rng: np.random.Generator) -> Outcome:
        return Outcome(intention=5.0, statuses=covered(1.0, rng), unparseable=("coverage",))

    rows = build_rows(load_run(write_run(tmp_path, "u", probes, {"m": fn})))
    assert rows and all(r.passed is None and r.failures == {"coverage": 1} for r in rows)


def test_faithfulness_without_claims_is_unscored(tmp_path: Path) -> None:
    probes = make_probes(4, ("overview",))

    def fn(task: Task, k: int, rng: np.random.Generator) -> Outcome:
        nothing = task.page_ids[0] == "p000-news"
        return Outcome(intention=5.0, statuses=covered(1.0, rng),
                       faithfulness=float("nan") if nothing else 1.0)

    run = load_run(write_run(tmp_path, "f", probes, {"m": fn}))
    rule = SuccessRule(min_faithfulness=0.8)
    rows = {r.page_ids[0]: r for r in build_rows(run, rule)}
    empty = rows["p000-news"]
    assert "faithfulness" not in empty.scores and empty.passed is None
    assert empty.unscored == {"faithfulness": 1}
    assert rows["p001-review"].passed is True
    failures = analyze([run], rule).arms[0].metrics.failures["faithfulness"]
    assert failures == {"ok": 3, "unscored": 1, "failed": 0}


def test_an_old_claimless_record_scored_1_is_unscored_too() -> None:
    row = ResponseRow("r", "run", "t", "m", 0, "single", ["p"], "q", None, None, None, "", "",
                      0)
    apply_judgments(row, [{"rubric": "faithfulness", "status": "ok", "score": 1.0,
                           "passed": True, "verdict": {"claims": [], "n_claims": 0}}], [])
    assert "faithfulness" not in row.scores and row.unscored == {"faithfulness": 1}


def _dim(name: str, p: float, value: float = -0.2) -> DimDiff:
    diff = Estimate(value, value - 0.15, value + 0.15, 40, "bca", p_value=p)
    return DimDiff(name, "mean", Estimate(3.0, 2.8, 3.2, 40, "bca"),
                   Estimate(2.8, 2.6, 3.0, 40, "bca"), diff)


def test_holm_keeps_one_chance_crossing_of_six_from_being_a_regression() -> None:
    names = ["intention", "coverage", "faithfulness", "pass", "all_core", "length_ok"]
    ps = [0.03, 0.41, 0.62, 0.77, 0.88, 0.95]

    def comp(correction: str) -> Comparison:
        c = Comparison("A", "B", 40, 0, 0, [_dim(n, p) for n, p in zip(names, ps)],
                       correction=correction)  # type: ignore[arg-type]
        correct(c)
        return c

    holm = comp("holm")
    assert holm.dim("intention").diff.p_adjusted == pytest.approx(0.18)  # type: ignore[union-attr]
    assert not holm.worse("intention") and holm.dim("intention").direction == \
        "no significant difference"  # type: ignore[union-attr]
    raw = comp("none")
    assert raw.worse("intention") and raw.dim("intention").diff.p_adjusted is None  # type: ignore[union-attr]


def test_no_correction_flag(step_runs: tuple[Path, Path]) -> None:
    a, b = map(str, step_runs)
    holm = judge_cli("compare", a, b, check=True)
    raw = judge_cli("compare", a, b, "--no-correction", check=True)
    assert "p Holm (raw)" in holm.stdout and "p (uncorrected)" in raw.stdout
    assert "p-values not corrected" in raw.stdout.replace("\n", " ")
    data = judge_cli("compare", a, b, "--no-correction", "--json", check=True).stdout
    assert '"correction": "none"' in data


def test_rates_over_tasks_with_identical_samples_count_tasks(tmp_path: Path) -> None:
    """3 identical samples per task, half the tasks pass: the headline pass rate's
    interval is Wilson's for 10/20 tasks, not 30/60 responses."""
    probes = make_probes(20, ("overview",))

    def fn(task: Task, k: int, rng: np.random.Generator) -> Outcome:
        ok = int(task.page_ids[0][1:4]) % 2 == 0
        return Outcome(intention=5.0 if ok else 2.0, statuses=covered(1.0, rng))

    run = load_run(write_run(tmp_path, "c", probes, {"m": fn}, samples=3))
    est = analyze([run]).arms[0].metrics.overall.dims["pass"]
    assert (est.k, est.n, est.clusters) == (30, 60, 20)
    assert (est.lo, est.hi) == (pytest.approx(wilson(10, 20).lo), pytest.approx(wilson(10, 20).hi))
