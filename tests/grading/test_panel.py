"""Panel aggregation."""

from __future__ import annotations

import pytest

from judge.errors import ConfigError
from judge.grading.panel import aggregate, panel
from judge.records import JudgmentRecord


def _j(judge: str, rubric: str, sample: int = 0, score: float | None = None,
       label: str | None = None, response: str = "r1") -> JudgmentRecord:
    return JudgmentRecord(id=f"{judge}{rubric}{sample}{response}", run_id="x",
                          response_id=response, task_id="t", model="m", sample=0, judge=judge,
                          rubric=rubric, template_hash="h", judge_sample=sample, score=score,
                          label=label)


def test_aggregate_methods() -> None:
    assert aggregate([1, 2, 6], "mean") == 3.0
    assert aggregate([1, 2, 6], "median") == 2.0
    assert aggregate(["A", "B", "A"], "majority") == "A"
    assert aggregate(["A", "B"], "majority") is None  # tie: no majority
    assert aggregate([], "mean") is None
    with pytest.raises(ConfigError):
        aggregate(["A"], "mean")


def test_panel_folds_repeats_before_judges() -> None:
    js = [_j("big", "intention", 0, 5), _j("big", "intention", 1, 5), _j("big", "intention", 2, 5),
          _j("small", "intention", 0, 1),
          _j("big", "strategy", label="event"), _j("small", "strategy", label="event"),
          _j("mid", "strategy", label="generic")]
    by_rubric = {p.key[1]: p for p in panel(js)}
    assert by_rubric["intention"].value == 3.0  # (5 + 1) / 2, not (5+5+5+1) / 4
    assert by_rubric["intention"].by_judge == {"big": 5.0, "small": 1.0}
    assert by_rubric["strategy"].value == "event" and not by_rubric["strategy"].unanimous
    assert panel(js, judges=["big"])[0].by_judge == {"big": 5.0}


def test_unparseable_judgments_do_not_vote() -> None:
    bad = _j("a", "intention", score=None).model_copy(update={"status": "unparseable"})
    assert panel([bad, _j("b", "intention", score=2)])[0].value == 2.0
