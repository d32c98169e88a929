"""The whole analysis of one or more runs: arms, the five levels, review queue, bad cases.

An *arm* is one model inside one run. One run with two models gives two arms (compared
with each other); two runs with one model each give two arms (A = the first run given).
Consecutive arms in the given order are compared (level 1); with three or more arms in
order the mirage check runs across them. The success rule is decided once, on all the
runs together (``SuccessRule.decided``), so every arm is held to the same criteria.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from judge.analysis.compare import Comparison, Correction, compare_rows
from judge.analysis.functional import FunctionalReport, functional_report
from judge.analysis.intention import FLAG_AT, IntentionReport, intention_report
from judge.analysis.levels import (DEFAULT_GATE, ComboReport, StrategyStats, combo_report,
                                   strategy_report)
from judge.analysis.load import RunData
from judge.analysis.metrics import ModelMetrics, model_metrics, present_dims
from judge.analysis.mirage import MirageDim, mirage
from judge.analysis.reflection import ReflectionReport, reflection_report
from judge.analysis.rows import ResponseRow, SuccessRule, build_rows
from judge.errors import ConfigError

MAX_COMPARISONS = 5
SPREAD_SCALE = {"intention": 4.0}  # normalise spreads to 0–1 (intention is 1–5)


@dataclass
class Arm:
    """One model inside one run, with its rows."""

    label: str
    run: RunData
    model: str
    rows: list[ResponseRow]


@dataclass
class ArmAnalysis:
    """Metrics and levels 2–5 for one arm."""

    arm: Arm
    metrics: ModelMetrics
    combos: ComboReport
    strategy: list[StrategyStats]
    intention: IntentionReport
    reflection: ReflectionReport
    functional: FunctionalReport | None = None  # planted-error tasks, when the run has some

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.arm.label, "run": self.arm.run.run_id, "model": self.arm.model,
                "responses": len(self.arm.rows), "metrics": self.metrics.to_dict(),
                "L2_combos": self.combos.to_dict(),
                "L3_strategy": [s.__dict__ | {k: getattr(s, k).to_dict() for k in
                                              ("match", "stable", "length_ok")}
                                for s in self.strategy],
                "L4_intention": self.intention.to_dict(),
                "L5_reflection": self.reflection.to_dict(),
                "L5_functional": self.functional.to_dict() if self.functional else None}


@dataclass
class Analysis:
    """Everything the CLI and the report show."""

    rule: SuccessRule
    arms: list[ArmAnalysis]
    comparisons: list[Comparison] = field(default_factory=list)
    mirage: list[MirageDim] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"success_rule": self.rule.describe(), "success_banner": self.rule.banner(),
                "arms": [a.to_dict() for a in self.arms],
                "L1_comparisons": [c.to_dict() for c in self.comparisons],
                "mirage": [m.to_dict() for m in self.mirage]}


def make_arms(runs: list[RunData], rule: SuccessRule) -> list[Arm]:
    """Arms in order: every model of every run (labels say run and model as needed);
    ``rule`` is decided on ``runs`` unless it already is."""
    rule = rule if rule.judged is not None else rule.decided(runs)
    arms = []
    for run in runs:
        rows = build_rows(run, rule)
        for model in run.models:
            label = model if len(runs) == 1 else (
                run.label if len(run.models) == 1 else f"{run.run_id} ({model})")
            arms.append(Arm(label, run, model, [r for r in rows if r.model == model]))
    return arms


def pick_arm(run: RunData, rule: SuccessRule, model: str | None) -> Arm:
    """The arm of ``model`` in ``run`` (the only model when None). Decide ``rule`` on
    every run being compared first, so both arms share it."""
    rows = build_rows(run, rule)
    models = run.models
    if model is None:
        if len(models) != 1:
            raise ConfigError(f"run {run.run_id} has {len(models)} models "
                              f"({', '.join(models) or 'none'}); pick one with --a/--b")
        model = models[0]
    if model not in models:
        raise ConfigError(f"model {model!r} is not in run {run.run_id} "
                          f"(it has: {', '.join(models) or 'no responses'})")
    return Arm(f"{run.run_id} ({model})", run, model, [r for r in rows if r.model == model])


def analyze_arm(arm: Arm, gate: float = DEFAULT_GATE, flag_at: float = FLAG_AT,
                correction: Correction = "holm") -> ArmAnalysis:
    dims = present_dims(arm.rows)
    return ArmAnalysis(arm, model_metrics(arm.label, arm.rows, dims),
                       combo_report(arm.label, arm.rows, arm.run.probeset, gate),
                       strategy_report(arm.rows), intention_report(arm.label, arm.rows, flag_at),
                       reflection_report(arm.label, arm.rows),
                       functional_report(arm.label, arm.rows, correction))


def compare_arms(a: Arm, b: Arm, correction: Correction = "holm") -> Comparison:
    return compare_rows(a.rows, b.rows, a.label, b.label, correction)


def analyze(runs: list[RunData], rule: SuccessRule | None = None, gate: float = DEFAULT_GATE,
            flag_at: float = FLAG_AT, correction: Correction = "holm") -> Analysis:
    """Analyse runs given in order (see module docstring)."""
    rule = (rule or SuccessRule()).decided(runs)
    arms = make_arms(runs, rule)
    out = Analysis(rule, [analyze_arm(a, gate, flag_at, correction) for a in arms])
    for a, b in list(zip(arms, arms[1:]))[:MAX_COMPARISONS]:
        out.comparisons.append(compare_arms(a, b, correction))
    if len(arms) >= 3:
        out.mirage = mirage([(a.label, a.rows) for a in arms], rule.min_intention or 4.0)
    return out


@dataclass
class ReviewItem:
    arm: str
    row: ResponseRow
    rubric: str
    spread: float
    judged: int


def review_queue(arms: list[Arm], limit: int = 40) -> list[ReviewItem]:
    """Responses where the judge disagreed with itself (repeats) or a panel disagreed,
    most uncertain first. Spreads are normalised to 0–1 (intention's 1–5 range / 4)."""
    items = [ReviewItem(arm.label, r, rubric, s / SPREAD_SCALE.get(rubric, 1.0),
                        r.n_judged.get(rubric, 0))
             for arm in arms for r in arm.rows for rubric, s in r.spread.items() if s > 0]
    items.sort(key=lambda i: (-i.spread, i.arm, i.row.where))
    return items[:limit]


def bad_cases(analysis: Analysis, arms: list[Arm], limit: int = 20
              ) -> list[tuple[str, ResponseRow]]:
    """(why, row): a failing B sample of each task that flipped pass→fail, else the
    lowest-scoring failed sample of each task."""
    by_id = {r.response_id: (a.label, r) for a in arms for r in a.rows}
    out: list[tuple[str, ResponseRow]] = []
    for comp in analysis.comparisons:
        for flip in comp.to_fail:
            for rid in flip.b_response_ids[:1]:
                if rid in by_id:
                    out.append((f"pass→fail in {comp.b_label}", by_id[rid][1]))
    if not out:
        failed = [(a.label, r) for a in arms for r in a.rows if r.passed is False]
        failed.sort(key=lambda x: (x[1].scores.get("intention", 9), x[1].scores.get(
            "coverage", 9)))
        seen: set[tuple[str, str]] = set()
        for label, r in failed:  # the worst sample of each task
            if (label, r.task_id) not in seen:
                seen.add((label, r.task_id))
                out.append((f"failed ({label})", r))
    return out[:limit]


def _natural(value: Any) -> tuple[Any, ...]:
    """Sort key that orders '0.5b' < '7b' < '13b' and numbers numerically."""
    if isinstance(value, (int, float)):
        return ((0, float(value), ""),)
    parts = re.split(r"(\d+(?:\.\d+)?)", str(value))
    return tuple((0, float(p), "") if re.fullmatch(r"\d+(?:\.\d+)?", p) else (1, 0.0, p)
                 for p in parts if p)


def order_runs(runs: list[RunData], key: str = "given") -> list[RunData]:
    """Runs in the order given, or sorted by a manifest field (dotted path, e.g.
    ``settings.temperature``, ``probeset.version``, ``created``) or ``model``."""
    if key == "given":
        return list(runs)

    def value(run: RunData) -> Any:
        if key == "model":
            return run.models[0] if run.models else ""
        node: Any = run.manifest
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ConfigError(f"--order {key}: run {run.run_id} has no manifest field "
                                  f"{key!r} (try given, model, settings.temperature, created)")
            node = node[part]
        return node

    return sorted(runs, key=lambda r: _natural(value(r)))
