"""Level 1, critical ignition: A vs B on the same tasks.

The unit is the task (page × query, or combo) present in both A and B. For each
dimension, the tasks with a value on both sides are used: A's and B's columns are the
same estimates as the headline tables (over those tasks' responses), and B − A gets a
paired BCa interval that resamples tasks (judge.stats.difference). Fewer than
MIN_TASKS such tasks: "n too small", never significant. The dimensions and McNemar form
one family of tests: their p-values are Holm-adjusted unless ``correction`` is "none",
and a difference is significant when its (adjusted) p < 0.05 and its interval excludes
0. Pass/fail per task: a task passes when at least half of its scored samples pass; the
exact McNemar test runs on the tasks that flipped, which are listed as bad cases
(pass→fail) and fixes (fail→pass). Planted-error tasks add the functional-reflection
measures (judge.analysis.functional.functional_compare): paired by planted pair, their own
Holm family.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from judge.analysis.functional import FunctionalDiff, functional_compare
from judge.analysis.metrics import DIM_BOUNDS, DIM_KIND, estimate, present_dims
from judge.analysis.rows import ResponseRow
from judge.stats import Estimate, McNemar, difference, holm, mcnemar, mean

Correction = Literal["holm", "none"]


def task_samples(rows: list[ResponseRow], dim: str) -> dict[str, list[float]]:
    """Per task: the values of ``dim`` over the samples that have one."""
    acc: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        v = r.value(dim)
        if v is not None:
            acc[r.task_id].append(v)
    return dict(acc)


def task_values(rows: list[ResponseRow], dim: str) -> dict[str, float]:
    """Per task: the mean of ``dim`` over samples that have a value."""
    return {t: sum(v) / len(v) for t, v in task_samples(rows, dim).items()}


def task_pass(rows: list[ResponseRow]) -> dict[str, bool]:
    """Per task: passes when at least half of its scored samples pass."""
    return {t: v >= 0.5 for t, v in task_values(rows, "pass").items()}


@dataclass
class DimDiff:
    """One dimension of a comparison: A, B (as the headline shows them) and B − A."""

    dim: str
    kind: str
    a: Estimate
    b: Estimate
    diff: Estimate
    corrected: bool = True

    @property
    def significant(self) -> bool:
        return self.diff.significant(corrected=self.corrected)

    @property
    def direction(self) -> str:
        if self.diff.too_small:
            return "n too small"
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
    correction: Correction = "holm"
    unscored: dict[str, str] = field(default_factory=dict)  # dim -> why it is not compared
    functional: list[FunctionalDiff] = field(default_factory=list)  # planted-error measures

    def dim(self, name: str) -> DimDiff | None:
        return next((d for d in self.dims if d.dim == name), None)

    def worse(self, name: str) -> bool:
        """Is B significantly worse than A on ``name``?"""
        d = self.dim(name)
        return bool(d and d.significant and (d.diff.value or 0) < 0)

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a_label, "b": self.b_label, "common_tasks": self.common_tasks,
                "only_a": self.only_a, "only_b": self.only_b, "correction": self.correction,
                "not_compared": self.unscored,
                "dims": [d.to_dict() for d in self.dims],
                "mcnemar": self.mcnemar.to_dict() if self.mcnemar else None,
                "pairwise_b_share": self.pairwise.to_dict() if self.pairwise else None,
                "pass_to_fail": [f.__dict__ for f in self.to_fail],
                "fail_to_pass": [f.__dict__ for f in self.to_pass],
                "functional_reflection": [d.to_dict() for d in self.functional]}


def _dim_diff(dim: str, a_rows: list[ResponseRow], b_rows: list[ResponseRow],
              common: set[str]) -> DimDiff | None:
    va, vb = task_samples(a_rows, dim), task_samples(b_rows, dim)
    tasks = {t for t in common if t in va and t in vb}
    if not tasks:
        return None
    kind = DIM_KIND[dim]
    ea = estimate([r for r in a_rows if r.task_id in tasks], dim)
    eb = estimate([r for r in b_rows if r.task_id in tasks], dim)
    diff = difference({t: va[t] for t in tasks}, {t: vb[t] for t in tasks},
                      "rate" if kind == "rate" else "mean", DIM_BOUNDS[dim], sides=(ea, eb))
    return DimDiff(dim, kind, ea, eb, diff)


def _why_not(dim: str, a_rows: list[ResponseRow], b_rows: list[ResponseRow]) -> str:
    """Why a dimension has no shared task with values on both sides."""
    sides = [(name, sum(r.value(dim) is not None for r in rows))
             for name, rows in (("A", a_rows), ("B", b_rows))]
    empty = [name for name, k in sides if k == 0]
    if empty:
        return f"{' and '.join(empty)} has no scored response"
    return "no shared task has a value on both sides"


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
    return mean(values, tasks, (0.0, 1.0))


def correct(comp: Comparison) -> None:
    """Holm-adjust the family (every tested dimension and McNemar) unless the comparison's
    correction is "none"."""
    corrected = comp.correction == "holm"
    for d in comp.dims:
        d.corrected = corrected
    if not corrected:
        return
    family = [d.diff.p_value for d in comp.dims] + \
        ([comp.mcnemar.p_value] if comp.mcnemar else [])
    adjusted = holm(family)
    for d, p in zip(comp.dims, adjusted):
        d.diff = d.diff.with_(p_adjusted=p)
    if comp.mcnemar:
        comp.mcnemar = McNemar(comp.mcnemar.pass_to_fail, comp.mcnemar.fail_to_pass,
                               comp.mcnemar.p_value, comp.mcnemar.n, adjusted[-1])


def _flip(task: str, rows: list[ResponseRow], ra: float, rb: float) -> Flip:
    first = rows[0]
    return Flip(task, first.where, first.page_ids, first.query_id, first.combo_id,
                round(ra, 4), round(rb, 4), [r.response_id for r in rows if r.passed is False])


def compare_rows(a_rows: list[ResponseRow], b_rows: list[ResponseRow], a_label: str,
                 b_label: str, correction: Correction = "holm") -> Comparison:
    """L1: every dimension's paired difference B − A, McNemar, flipped tasks (see the
    module docstring); the rows of both sides must come from one decided SuccessRule."""
    ta, tb = {r.task_id for r in a_rows}, {r.task_id for r in b_rows}
    common = ta & tb
    out = Comparison(a_label, b_label, len(common), len(ta - tb), len(tb - ta),
                     correction=correction)
    present_a, present_b = present_dims(a_rows), present_dims(b_rows)
    for d in DIM_KIND:
        if d not in present_a and d not in present_b:
            continue
        dd = _dim_diff(d, a_rows, b_rows, common)
        if dd is None:
            out.unscored[d] = _why_not(d, a_rows, b_rows)
        else:
            out.dims.append(dd)
    out.pairwise = pairwise_share(a_rows, b_rows)
    _flips(out, a_rows, b_rows, common)
    correct(out)
    out.functional = functional_compare(a_rows, b_rows, correction)
    return out


def _flips(out: Comparison, a_rows: list[ResponseRow], b_rows: list[ResponseRow],
           common: set[str]) -> None:
    """Tasks that flipped between pass and fail, and the exact McNemar test on them."""
    pa, pb = task_pass(a_rows), task_pass(b_rows)
    rate_a, rate_b = task_values(a_rows, "pass"), task_values(b_rows, "pass")
    paired = sorted(t for t in common if t in pa and t in pb)
    if not paired:
        return
    b_by_task: dict[str, list[ResponseRow]] = defaultdict(list)
    for r in b_rows:
        b_by_task[r.task_id].append(r)
    for t in paired:
        if pa[t] and not pb[t]:
            out.to_fail.append(_flip(t, b_by_task[t], rate_a[t], rate_b[t]))
        elif pb[t] and not pa[t]:
            out.to_pass.append(_flip(t, b_by_task[t], rate_a[t], rate_b[t]))
    out.mcnemar = mcnemar(len(out.to_fail), len(out.to_pass), len(paired))
