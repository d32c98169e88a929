"""Level 1, critical ignition: A vs B on the same tasks.

The unit is the task (page × query, or combo) present in both A and B. Per task and
dimension the value is the mean over its samples (rates as shares). The difference B − A
of each dimension gets a paired bootstrap interval over tasks; it is significant when the
interval excludes 0. Pass/fail per task: a task passes when at least half of its scored
samples pass; the exact McNemar test runs on the tasks that flipped, which are listed as
bad cases (pass→fail) and fixes (fail→pass).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from judge.analysis.metrics import DIM_KIND, present_dims
from judge.analysis.rows import ResponseRow
from judge.analysis.stats import (Estimate, McNemar, bootstrap_mean, cluster_mean,
                                  mcnemar_exact, paired_bootstrap)


def task_values(rows: list[ResponseRow], dim: str) -> dict[str, float]:
    """Per task: the mean of ``dim`` over samples that have a value."""
    acc: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        v = r.value(dim)
        if v is not None:
            acc[r.task_id].append(v)
    return {t: sum(v) / len(v) for t, v in acc.items()}


def task_pass(rows: list[ResponseRow]) -> dict[str, bool]:
    """Per task: passes when at least half of its scored samples pass."""
    return {t: v >= 0.5 for t, v in task_values(rows, "pass").items()}


@dataclass
class DimDiff:
    dim: str
    kind: str
    a: Estimate
    b: Estimate
    diff: Estimate

    @property
    def significant(self) -> bool:
        return self.diff.excludes(0)

    @property
    def direction(self) -> str:
        if not self.significant or self.diff.value is None:
            return "no significant difference"
        return "B better" if self.diff.value > 0 else "B worse"

    def to_dict(self) -> dict[str, Any]:
        return {"dim": self.dim, "kind": self.kind, "a": self.a.to_dict(),
                "b": self.b.to_dict(), "diff": self.diff.to_dict(),
                "significant": self.significant, "direction": self.direction}


@dataclass
class Flip:
    task_id: str
    where: str
    page_ids: list[str]
    query_id: str | None
    combo_id: str | None
    a_rate: float
    b_rate: float
    b_response_ids: list[str]


@dataclass
class Comparison:
    """The whole L1 result."""

    a_label: str
    b_label: str
    common_tasks: int
    only_a: int
    only_b: int
    dims: list[DimDiff] = field(default_factory=list)
    mcnemar: McNemar | None = None
    pairwise: Estimate | None = None  # B's share of pairwise wins (ties ½), if judged
    to_fail: list[Flip] = field(default_factory=list)
    to_pass: list[Flip] = field(default_factory=list)

    def dim(self, name: str) -> DimDiff | None:
        return next((d for d in self.dims if d.dim == name), None)

    def worse(self, name: str) -> bool:
        """Is B significantly worse than A on ``name``?"""
        d = self.dim(name)
        return bool(d and d.significant and (d.diff.value or 0) < 0)

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a_label, "b": self.b_label, "common_tasks": self.common_tasks,
                "only_a": self.only_a, "only_b": self.only_b,
                "dims": [d.to_dict() for d in self.dims],
                "mcnemar": self.mcnemar.to_dict() if self.mcnemar else None,
                "pairwise_b_share": self.pairwise.to_dict() if self.pairwise else None,
                "pass_to_fail": [f.__dict__ for f in self.to_fail],
                "fail_to_pass": [f.__dict__ for f in self.to_pass]}


def _dim_diff(dim: str, a_rows: list[ResponseRow], b_rows: list[ResponseRow],
              common: set[str]) -> DimDiff | None:
    va, vb = task_values(a_rows, dim), task_values(b_rows, dim)
    tasks = sorted(t for t in common if t in va and t in vb)
    if not tasks:
        return None
    xa, xb = [va[t] for t in tasks], [vb[t] for t in tasks]
    return DimDiff(dim, DIM_KIND[dim], bootstrap_mean(xa), bootstrap_mean(xb),
                   paired_bootstrap(xa, xb))


def pairwise_share(a_rows: list[ResponseRow], b_rows: list[ResponseRow]) -> Estimate | None:
    """B's share of pairwise verdicts between A and B responses (ties ½), resampling tasks;
    None when no pairwise judgment links the two sides."""
    a_ids, b_ids = {r.response_id for r in a_rows}, {r.response_id for r in b_rows}
    values, tasks = [], []
    for rows, others, flip in ((a_rows, b_ids, True), (b_rows, a_ids, False)):
        for r in rows:
            for other, own_share in r.pairwise.items():
                if other in others:
                    values.append(1.0 - own_share if flip else own_share)
                    tasks.append(r.task_id)
    if not values:
        return None
    return cluster_mean(values, tasks)


def _flip(task: str, rows: list[ResponseRow], ra: float, rb: float) -> Flip:
    first = rows[0]
    return Flip(task, first.where, first.page_ids, first.query_id, first.combo_id,
                round(ra, 4), round(rb, 4), [r.response_id for r in rows if r.passed is False])


def compare_rows(a_rows: list[ResponseRow], b_rows: list[ResponseRow], a_label: str,
                 b_label: str) -> Comparison:
    """L1: every dimension's paired difference B − A, McNemar, flipped tasks."""
    ta, tb = {r.task_id for r in a_rows}, {r.task_id for r in b_rows}
    common = ta & tb
    out = Comparison(a_label, b_label, len(common), len(ta - tb), len(tb - ta))
    dims = [d for d in present_dims(a_rows) if d in present_dims(b_rows)]
    out.dims = [dd for d in dims if (dd := _dim_diff(d, a_rows, b_rows, common))]
    out.pairwise = pairwise_share(a_rows, b_rows)
    pa, pb = task_pass(a_rows), task_pass(b_rows)
    rate_a, rate_b = task_values(a_rows, "pass"), task_values(b_rows, "pass")
    paired = sorted(t for t in common if t in pa and t in pb)
    if not paired:
        return out
    b_by_task: dict[str, list[ResponseRow]] = defaultdict(list)
    for r in b_rows:
        b_by_task[r.task_id].append(r)
    for t in paired:
        if pa[t] and not pb[t]:
            out.to_fail.append(_flip(t, b_by_task[t], rate_a[t], rate_b[t]))
        elif pb[t] and not pa[t]:
            out.to_pass.append(_flip(t, b_by_task[t], rate_a[t], rate_b[t]))
    out.mcnemar = mcnemar_exact(len(out.to_fail), len(out.to_pass), len(paired))
    return out
