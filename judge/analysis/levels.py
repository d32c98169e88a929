"""Levels 2 and 3: combinatorial success vs prediction (with the readiness gate), strategy.

Level 2. A combo declares the single steps it builds on (page × query). Each step's
success rate is the pass rate of that single task's responses (Wilson interval: the
samples of one task are its independent draws). The
predicted combo success is the product of the step rates (independence); its interval is
the product of the step bounds. The observed combo success is the pass rate of the combo's
responses. "worse than predicted" (a compounding failure) when the observed upper bound is
below the predicted lower bound; "better than predicted" symmetrically; else "as predicted".
The readiness gate opens when every step's lower Wilson bound is ≥ the threshold.

Level 3. Per page type: the distribution of strategy labels, the share matching the page
type's expected strategy, stability across samples of a task (share of tasks whose labelled
samples all got the same label), and the reasonable-length rate. Match and length rates
are over responses of many tasks, so their Wilson intervals use the tasks' effective
sample size (judge.stats.rate).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from judge.analysis.rows import ResponseRow
from judge.stats import Estimate, rate, wilson
from judge.probeset import ProbeSet

DEFAULT_GATE = 0.8


@dataclass
class StepStats:
    page: str
    query: str
    success: Estimate
    ready: bool


@dataclass
class ComboStats:
    combo: str
    steps: list[StepStats]
    predicted: float | None
    predicted_lo: float | None
    predicted_hi: float | None
    observed: Estimate
    verdict: str
    ready: bool


@dataclass
class ComboReport:
    """Level 2 for one model."""

    model: str
    threshold: float
    combos: list[ComboStats] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return bool(self.combos) and all(c.ready for c in self.combos)

    @property
    def decision(self) -> str:
        if not self.combos:
            return "no combos with declared steps in this run"
        if self.ready:
            return "start composite evaluation now"
        weak = sorted({f"{s.page} × {s.query}" for c in self.combos for s in c.steps
                       if not s.ready})
        return "not yet: single steps below the gate: " + ", ".join(weak)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ready": self.ready, "decision": self.decision}


def _verdict(observed: Estimate, lo: float | None, hi: float | None) -> str:
    if observed.value is None or lo is None or hi is None:
        return "not enough data"
    if observed.hi is not None and observed.hi < lo:
        return "worse than predicted"
    if observed.lo is not None and observed.lo > hi:
        return "better than predicted"
    return "as predicted"


def combo_report(model: str, rows: list[ResponseRow], probes: ProbeSet | None,
                 threshold: float = DEFAULT_GATE) -> ComboReport:
    """Level 2: predicted vs observed success per combo, and the readiness gate."""
    report = ComboReport(model, threshold)
    if probes is None:
        return report
    singles: dict[tuple[str, str], list[ResponseRow]] = defaultdict(list)
    combos: dict[str, list[ResponseRow]] = defaultdict(list)
    for r in rows:
        if r.kind == "combo" and r.combo_id:
            combos[r.combo_id].append(r)
        elif r.page_id and r.query_id:
            singles[(r.page_id, r.query_id)].append(r)
    for combo in probes.combos:
        if not combo.steps or combo.id not in combos:
            continue
        steps = []
        for s in combo.steps:
            est = rate([r.passed for r in singles.get((s.page, s.query), [])])
            steps.append(StepStats(s.page, s.query, est,
                                   est.lo is not None and est.lo >= threshold))
        known = all(s.success.value is not None for s in steps)
        pred = math.prod(s.success.value for s in steps) if known else None  # type: ignore[misc]
        lo = math.prod(s.success.lo for s in steps) if known else None  # type: ignore[misc]
        hi = math.prod(s.success.hi for s in steps) if known else None  # type: ignore[misc]
        observed = rate([r.passed for r in combos[combo.id]])
        report.combos.append(ComboStats(combo.id, steps, pred, lo, hi, observed,
                                        _verdict(observed, lo, hi), all(s.ready for s in steps)))
    return report


@dataclass
class StrategyStats:
    page_type: str
    labels: dict[str, int]
    expected: list[str]
    match: Estimate
    stable: Estimate
    length_ok: Estimate


def _stability(rows: list[ResponseRow]) -> Estimate:
    labels: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r.label:
            labels[r.task_id].append(r.label)
    multi = [v for v in labels.values() if len(v) >= 2]
    return wilson(sum(len(set(v)) == 1 for v in multi), len(multi))


def strategy_report(rows: list[ResponseRow]) -> list[StrategyStats]:
    """Level 3 per page type (single-page tasks only)."""
    groups: dict[str, list[ResponseRow]] = defaultdict(list)
    for r in rows:
        if r.kind == "single" and r.page_type:
            groups[r.page_type].append(r)
    out = []
    for ptype in sorted(groups):
        g = groups[ptype]
        out.append(StrategyStats(
            page_type=ptype,
            labels=dict(Counter(r.label for r in g if r.label).most_common()),
            expected=sorted({r.expected_label for r in g if r.expected_label}),
            match=rate([r.strategy_match for r in g], [r.task_id for r in g]),
            stable=_stability(g),
            length_ok=rate([r.length_ok for r in g], [r.task_id for r in g]),
        ))
    return out
