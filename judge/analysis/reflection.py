"""Level 5: reflection — how often models self-check and correct, and whether it helps.

Rates are over traced responses (Wilson at the tasks' effective sample size): self-check (≥ 1 self_check event), correction
(≥ 1 correction event), episode (≥ 1 self-check followed by a correction of the same point),
pivot (≥ 1 pivot event: hesitation that examines nothing already said; reported beside the
others and never counted as reflection — not in the self-check rate, episodes, follow-through,
instability or the with/without-correction split). Pivot figures cover only responses whose
trace record reports pivots (traces.jsonl schema ≥ 2; `judge traces RUN` re-traces older runs).
Follow-through is over responses with a correction whose follow-through is known (the
judge's reflection rubric, else the trace record). Instability is over tasks with ≥ 2
traced samples: the share where reflection (a self-check or a correction) appears in some
samples but not in others. The quality difference is mean(with a correction) − mean(without)
with a BCa interval that resamples tasks (a task's samples stay together, whichever side
they are on); fewer than 10 tasks on a side is "n too small". Events per 1k tokens (the
parser's token estimate) are averaged over responses, resampling tasks. All of these describe tendencies across many
responses; a single trace proves nothing about the model's behaviour.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from judge.analysis.metrics import DIM_BOUNDS, DIM_KIND
from judge.analysis.rows import ResponseRow
from judge.stats import Estimate, difference, mean, rate, show_diff, wilson
from judge.traces.models import EVENT_KINDS

QUALITY_DIMS = ("intention", "coverage", "faithfulness", "pass")


@dataclass
class ReflectionReport:
    """Level 5 for one model."""

    model: str
    traced: int
    self_check: Estimate
    correction: Estimate
    episode: Estimate
    follow_through: Estimate
    instability: Estimate
    pivot: Estimate = field(default_factory=lambda: wilson(0, 0))
    pivot_known: int = 0  # traced responses whose record reports pivots
    per_1k: dict[str, Estimate] = field(default_factory=dict)
    quality_diff: dict[str, Estimate] = field(default_factory=dict)
    tendency: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: (v.to_dict() if isinstance(v, Estimate) else v)
                             for k, v in self.__dict__.items()}
        d["quality_diff"] = {k: v.to_dict() for k, v in self.quality_diff.items()}
        d["per_1k"] = {k: v.to_dict() for k, v in self.per_1k.items()}
        return d


def instability(rows: list[ResponseRow]) -> Estimate:
    """Share of multi-sample tasks where reflection shows in some samples but not all."""
    by_task: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        by_task[r.task_id].append(r.reflects)
    multi = [v for v in by_task.values() if len(v) >= 2]
    return wilson(sum(0 < sum(v) < len(v) for v in multi), len(multi))


def _tendency(dim: str, est: Estimate) -> str:
    """One sentence stating a with/without-correction difference as a tendency."""
    if est.value is None:
        return ""
    shown = show_diff(est, "rate" if DIM_KIND.get(dim) == "rate" else "mean")
    if est.too_small:
        return (f"{dim}: too few tasks with and without a correction to compare ({shown}; "
                "at least 10 on each side are needed).")
    if not est.significant(corrected=False):
        return (f"{dim}: no clear difference between responses with and without a "
                f"correction ({shown}, with − without; {est.n} tasks).")
    direction = "higher" if est.value > 0 else "lower"
    return (f"{dim}: responses with a correction tend to score {direction} than those "
            f"without ({shown}, with − without; {est.n} tasks). A tendency across "
            "responses, not a property of any single one.")


def reflection_report(model: str, rows: list[ResponseRow]) -> ReflectionReport:
    """Level 5 for one model's rows (only rows with a trace record count)."""
    traced = [r for r in rows if r.traced]
    corrected = [r for r in traced if r.has("correction")]
    tasks = [r.task_id for r in traced]
    report = ReflectionReport(
        model=model, traced=len(traced),
        self_check=rate([r.has("self_check") for r in traced], tasks),
        correction=rate([r.has("correction") for r in traced], tasks),
        episode=rate([r.episodes > 0 for r in traced], tasks),
        follow_through=rate([r.follow_through for r in corrected],
                            [r.task_id for r in corrected]),
        instability=instability(traced))
    known = [r for r in traced if r.pivots_known]
    report.pivot_known = len(known)
    report.pivot = rate([r.has("pivot") for r in known], [r.task_id for r in known])
    for kind in EVENT_KINDS:
        among = known if kind == "pivot" else traced
        values = [r.per_1k.get(kind) for r in among]
        if any(v is not None for v in values):
            report.per_1k[kind] = mean(values, [r.task_id for r in among])
    for dim in QUALITY_DIMS:
        with_c, without = _split(traced, dim)
        if with_c and without:
            est = difference(without, with_c, "rate" if DIM_KIND[dim] == "rate" else "mean",
                             DIM_BOUNDS[dim], paired=False)
            report.quality_diff[dim] = est
            report.tendency.append(_tendency(dim, est))
    return report


def _split(rows: list[ResponseRow], dim: str) -> tuple[dict[str, list[float]],
                                                         dict[str, list[float]]]:
    """Per task, the values of ``dim`` of responses with and without a correction."""
    with_c: dict[str, list[float]] = defaultdict(list)
    without: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        v = r.value(dim)
        if v is not None:
            (with_c if r.has("correction") else without)[r.task_id].append(v)
    return dict(with_c), dict(without)
