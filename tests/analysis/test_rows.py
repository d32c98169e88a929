"""Judgments pooled per response: repeats, parse failures, the success rule, length."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from judge.analysis import analyze, build_rows, load_run
from judge.analysis.analyze import review_queue
from judge.analysis.rows import SuccessRule
from judge.analysis.verdicts import all_core, point_statuses, strategy_match
from judge.probeset import Task
from tests.analysis.synth import Outcome, covered, make_probes, write_run


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """p000-news: intention judged twice (2 and 5); p001-short: coverage unparseable on
    sample 0, a one-sentence answer; a combo."""
    probes = make_probes(2, ("overview",), types=("news", "short"),
                         combos=[("both", [("p000-news", "overview"),
                                           ("p001-short", "overview")])])

    def fn(task: Task, k: int, rng: np.random.Generator) -> Outcome:
        if task.kind == "combo":
            return Outcome(text="Both pages.", intention=4.0, statuses=covered(1.0, rng))
        if task.page_type == "news":
            return Outcome(text="One. Two sentences here.", intention=[2.0, 5.0],
                           statuses=covered(1.0, rng))
        return Outcome(text="A small travel kettle for $24.99.", intention=5.0,
                       statuses=covered(1.0, rng),
                       unparseable=("coverage",) if k == 0 else ())

    return write_run(tmp_path_factory.mktemp("rows"), "small", probes, {"m": fn}, samples=2)


def _rows(path: Path, rule: SuccessRule | None = None) -> dict[tuple[str, int], object]:
    rows = build_rows(load_run(path), rule)
    return {(r.combo_id or r.page_ids[0], r.sample): r for r in rows}


def test_judge_repeats_are_pooled(small_run: Path) -> None:
    row = _rows(small_run)[("p000-news", 0)]
    assert row.scores["intention"] == 3.5 and row.spread["intention"] == 3.0  # type: ignore[attr-defined]
    assert row.n_judged["intention"] == 2 and row.judge_values["intention"] == ["2", "5"]  # type: ignore[attr-defined]
    assert row.passed is False  # type: ignore[attr-defined]


def test_unparseable_is_unscored_not_failed(small_run: Path) -> None:
    rows = _rows(small_run)
    bad, good = rows[("p001-short", 0)], rows[("p001-short", 1)]
    assert bad.failures == {"coverage": 1} and bad.passed is None  # type: ignore[attr-defined]
    assert good.passed is True  # type: ignore[attr-defined]
    result = analyze([load_run(small_run)])
    assert result.arms[0].metrics.failures["coverage"] == {"ok": 5, "unscored": 0, "failed": 1}


def test_success_rule_is_configurable(small_run: Path) -> None:
    lenient = _rows(small_run, SuccessRule(min_intention=3.0))
    assert lenient[("p000-news", 0)].passed is True  # type: ignore[attr-defined]
    no_core = _rows(small_run, SuccessRule(all_core=False))
    assert no_core[("p001-short", 0)].passed is True  # type: ignore[attr-defined]


def test_combo_rows_use_combo_key_points(small_run: Path) -> None:
    combo = _rows(small_run)[("both", 0)]
    assert combo.k_core == 6 and combo.all_core is True and combo.passed is True  # type: ignore[attr-defined]


def test_length_short_pages_need_one_sentence(small_run: Path) -> None:
    rows = _rows(small_run)
    assert rows[("p001-short", 0)].length_ok is True  # type: ignore[attr-defined]
    assert rows[("p000-news", 0)].length_ok is True  # type: ignore[attr-defined]
    result = analyze([load_run(small_run)])
    assert result.arms[0].metrics.short_one_sentence.value == 1.0


def test_review_queue_sorts_by_disagreement(small_run: Path) -> None:
    arms = [a.arm for a in analyze([load_run(small_run)]).arms]
    queue = review_queue(arms)
    assert [q.row.page_ids[0] for q in queue] == ["p000-news", "p000-news"]
    assert queue[0].spread == pytest.approx(3 / 4) and queue[0].rubric == "intention"


def test_verdict_shapes() -> None:
    assert point_statuses({"points": [{"id": "kp1", "status": "covered"}]}) == {"kp1": "covered"}
    assert point_statuses({"key_points": {"kp1": "partial", "kp2": {"status": "missing"}}}) == \
        {"kp1": "partial", "kp2": "missing"}
    assert all_core({"verdict": {"points": [{"id": "kp1", "status": "partial"}]}}, ["kp1"]) is False
    assert all_core({"verdict": {}, "passed": True}, ["kp1"]) is True
    assert strategy_match({"label": "event", "verdict": {"expected_label": "event"}}) is True


def test_latest_judgment_of_an_id_counts() -> None:
    from judge.analysis.load import latest_judgments

    old = {"id": "j1", "score": 2.0}
    other = {"id": "j2", "score": 3.0}
    new = {"id": "j1", "score": 5.0}
    assert latest_judgments([old, other, new]) == [other, new]


def test_strategy_label_tie_has_no_majority_like_the_panel():
    """Analysis and judge.grading.panel.aggregate break label ties the same way: none."""
    from judge.analysis.rows import ResponseRow, _apply_strategy
    from judge.grading.panel import aggregate

    def row() -> ResponseRow:
        return ResponseRow("r", "run", "t", "m", 0, "single", ["p"], "q", None, "news",
                           "overview", "text", "", 1)

    tied = [{"label": "narrative"}, {"label": "bullet_digest"}]
    r = row()
    _apply_strategy(r, tied)
    assert r.label is None and aggregate([j["label"] for j in tied], "majority") is None
    assert r.label_agreement == 0.5
    r = row()
    _apply_strategy(r, tied + [{"label": "narrative"}])
    assert r.label == "narrative" and r.label_agreement == pytest.approx(2 / 3)
