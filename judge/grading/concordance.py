"""Agreement tables for a run: judge vs judge, self-consistency, judge vs human.

Raters are columns of a ratings matrix whose rows are items (response × rubric ×
against-query × other response). A judge at judge sample 0 is the judge "as deployed";
self-consistency (test-retest) compares one judge's samples 0..k-1 on the same items.
Per rubric the level of measurement is the rubric's: intention ordinal, coverage and
faithfulness interval, strategy / reflection / pairwise nominal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from judge.grading.agreement import (
    Level,
    Matrix,
    Weights,
    bootstrap,
    kappa_for,
    krippendorff_alpha,
    percent_agreement,
)
from judge.grading.labels import HumanLabel
from judge.grading.panel import ItemKey, headline_value, item_key
from judge.grading.rubrics import RUBRICS
from judge.records import JudgmentRecord
from judge.stats import Estimate

Ratings = dict[ItemKey, Any]  # one rater's value per item


@dataclass
class AgreementRow:
    """One line of the agreement table."""

    comparison: str  # judge-vs-judge | self-consistency | judge-vs-human | human-vs-human
    rubric: str
    raters: list[str]
    level: Level
    alpha: Estimate
    kappa_name: str
    kappa: Estimate
    percent: Estimate

    @property
    def n(self) -> int:
        return self.alpha.n

    def as_dict(self) -> dict[str, Any]:
        return {"comparison": self.comparison, "rubric": self.rubric, "raters": self.raters,
                "level": self.level, "n": self.n, "alpha": ci_dict(self.alpha),
                "kappa": {"name": self.kappa_name, **ci_dict(self.kappa)},
                "percent_agreement": ci_dict(self.percent)}


def ci_dict(est: Estimate) -> dict[str, Any]:
    """{value, ci: [lo, hi], n, method, note}, rounded to 4 places (None when absent)."""
    clean = lambda x: None if x is None else round(x, 4)  # noqa: E731
    return {"value": clean(est.value), "ci": [clean(est.lo), clean(est.hi)], "n": est.n,
            "method": est.method, "note": est.note}


def judge_ratings(judgments: Iterable[JudgmentRecord]) -> dict[tuple[str, int], Ratings]:
    """(judge, judge_sample) → item → value, from ok judgments."""
    out: dict[tuple[str, int], Ratings] = defaultdict(dict)
    for j in judgments:
        value = headline_value(j)
        if value is not None:
            out[(j.judge, j.judge_sample)][item_key(j)] = value
    return out


def human_ratings(labels: Iterable[HumanLabel]) -> dict[str, Ratings]:
    """rater → item → value (human labels are about a response's own query)."""
    out: dict[str, Ratings] = defaultdict(dict)
    for lab in labels:
        out[lab.rater][(lab.response_id, lab.rubric, None, None)] = lab.value
    return out


def matrix(columns: list[Ratings], rubric: str, min_raters: int = 2) -> Matrix:
    """Rows of items of ``rubric`` rated by at least ``min_raters`` of the columns."""
    keys = sorted({k for col in columns for k in col if k[1] == rubric}, key=str)
    rows = [[col.get(k) for col in columns] for k in keys]
    return [r for r in rows if sum(v is not None for v in r) >= min_raters]


def compare(comparison: str, rubric: str, names: list[str], columns: list[Ratings],
            n_boot: int, weights: Weights, seed: int = 0) -> AgreementRow | None:
    """Agreement among ``columns`` on one rubric (None when no item has two ratings)."""
    m = matrix(columns, rubric)
    if not m:
        return None
    level: Level = RUBRICS[rubric].kind
    kappa_name, kappa = kappa_for(m, level, weights)
    return AgreementRow(
        comparison=comparison, rubric=rubric, raters=names, level=level,
        alpha=bootstrap(lambda x: krippendorff_alpha(x, level), m, n_boot, seed),
        kappa_name=kappa_name, kappa=bootstrap(kappa, m, n_boot, seed),
        percent=bootstrap(percent_agreement, m, n_boot, seed, bounds=(0.0, 1.0)))


def agreement_rows(judgments: list[JudgmentRecord], labels: list[HumanLabel] | None = None,
                   n_boot: int = 1000, weights: Weights = "quadratic") -> list[AgreementRow]:
    """Every comparison the run supports, rubric by rubric."""
    by_rater = judge_ratings(judgments)
    judges = sorted({j for j, _ in by_rater})
    humans = human_ratings(labels or [])
    plans: list[tuple[str, list[str], list[Ratings]]] = []
    for a, b in combinations(judges, 2):
        plans.append(("judge-vs-judge", [a, b], [by_rater[(a, 0)], by_rater[(b, 0)]]))
    if len(judges) > 2:
        plans.append(("judge-vs-judge", judges, [by_rater[(j, 0)] for j in judges]))
    for j in judges:
        samples = sorted(k for jj, k in by_rater if jj == j)
        if len(samples) >= 2:
            plans.append(("self-consistency", [f"{j} #{k}" for k in samples],
                          [by_rater[(j, k)] for k in samples]))
    for j in judges:
        for h in sorted(humans):
            plans.append(("judge-vs-human", [j, f"human:{h}"], [by_rater[(j, 0)], humans[h]]))
    if len(humans) >= 2:
        names = sorted(humans)
        plans.append(("human-vs-human", [f"human:{h}" for h in names], [humans[h] for h in names]))
    rows = []
    for comparison, names, columns in plans:
        for rubric in RUBRICS:
            row = compare(comparison, rubric, names, columns, n_boot, weights)
            if row is not None:
                rows.append(row)
    return rows
