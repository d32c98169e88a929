"""Per-run, per-model metrics: every dimension by page type and by query intent.

Rates (pass, all core covered, strategy match, length ok) get Wilson intervals at the
effective sample size of their tasks; means (intention 1–5, coverage and faithfulness
0–1) get a BCa interval that resamples tasks (judge.stats), because samples of one task
are not independent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from judge.analysis.rows import ResponseRow
from judge.stats import Estimate, mean, rate

# (name, kind, what it means) — kind "rate" is 0/1 per response, "mean" a score.
DIMENSIONS: list[tuple[str, str, str]] = [
    ("pass", "rate", "success per the success rule"),
    ("intention", "mean", "intention match, 1–5"),
    ("coverage", "mean", "key-point partial credit, 0–1"),
    ("all_core", "rate", "all core key points covered"),
    ("faithfulness", "mean", "share of supported claims, 0–1"),
    ("strategy_match", "rate", "strategy label = expected for the page type"),
    ("length_ok", "rate", "word count within the page's bounds"),
]
DIM_KIND = {name: kind for name, kind, _ in DIMENSIONS}
DIM_BOUNDS = {name: (1.0, 5.0) if name == "intention" else (0.0, 1.0) for name in DIM_KIND}
RUBRICS = ("intention", "strategy", "coverage", "faithfulness", "reflection", "repair",
           "pairwise")


def estimate(rows: list[ResponseRow], dim: str) -> Estimate:
    """The headline estimate of one dimension over ``rows``."""
    tasks = [r.task_id for r in rows]
    if DIM_KIND[dim] == "rate":
        values = [r.value(dim) for r in rows]
        return rate([None if v is None else v >= 0.5 for v in values], tasks)
    return mean([r.value(dim) for r in rows], tasks, DIM_BOUNDS[dim])


def present_dims(rows: Iterable[ResponseRow]) -> list[str]:
    """Dimensions with at least one value in ``rows`` (in DIMENSIONS order)."""
    rows = list(rows)
    return [d for d, _, _ in DIMENSIONS if any(r.value(d) is not None for r in rows)]


@dataclass
class GroupStats:
    """All dimensions over one group of responses (a page type, an intent, a model)."""

    key: str
    n: int
    tasks: int
    dims: dict[str, Estimate] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "n": self.n, "tasks": self.tasks,
                "dims": {k: v.to_dict() for k, v in self.dims.items()}}


def group_stats(key: str, rows: list[ResponseRow], dims: list[str]) -> GroupStats:
    return GroupStats(key, len(rows), len({r.task_id for r in rows}),
                      {d: estimate(rows, d) for d in dims})


def grouped(rows: list[ResponseRow], key: Callable[[ResponseRow], str | None],
            dims: list[str]) -> list[GroupStats]:
    """GroupStats per distinct key (None keys dropped), sorted by key."""
    groups: dict[str, list[ResponseRow]] = defaultdict(list)
    for r in rows:
        k = key(r)
        if k is not None:
            groups[k].append(r)
    return [group_stats(k, groups[k], dims) for k in sorted(groups)]


def by_model(rows: list[ResponseRow]) -> dict[str, list[ResponseRow]]:
    """Rows per model, in first-seen order."""
    out: dict[str, list[ResponseRow]] = {}
    for r in rows:
        out.setdefault(r.model, []).append(r)
    return out


def parse_failures(rows: list[ResponseRow]) -> dict[str, dict[str, int]]:
    """Per rubric: judgments scored ("ok"), judged but unscored (a faithfulness verdict
    with no claims) and failed (unparseable or error)."""
    ok: Counter[str] = Counter()
    unscored: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for r in rows:
        ok.update(r.n_judged)
        unscored.update(r.unscored)
        failed.update(r.failures)
    return {rb: {"ok": ok[rb], "unscored": unscored[rb], "failed": failed[rb]}
            for rb in RUBRICS if ok[rb] or failed[rb] or unscored[rb]}


@dataclass
class ModelMetrics:
    """Section 1 of the analysis for one model of one run."""

    model: str
    overall: GroupStats
    by_page_type: list[GroupStats]
    by_intent: list[GroupStats]
    failures: dict[str, dict[str, int]]
    short_one_sentence: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "overall": self.overall.to_dict(),
                "by_page_type": [g.to_dict() for g in self.by_page_type],
                "by_intent": [g.to_dict() for g in self.by_intent],
                "parse_failures": self.failures,
                "short_one_sentence": self.short_one_sentence.to_dict()}


def model_metrics(model: str, rows: list[ResponseRow], dims: list[str]) -> ModelMetrics:
    """Every dimension overall, per page type and per query intent, plus parse failures."""
    short = [r for r in rows if r.page_type == "short"]
    return ModelMetrics(
        model=model,
        overall=group_stats(model, rows, dims),
        by_page_type=grouped(rows, lambda r: r.page_type or ("combo" if r.kind == "combo"
                                                             else None), dims),
        by_intent=grouped(rows, lambda r: r.intent, dims),
        failures=parse_failures(rows),
        short_one_sentence=rate([r.length_ok for r in short], [r.task_id for r in short]),
    )
