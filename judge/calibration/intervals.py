"""The intervals calibration reports, from the project's one statistics engine.

Every figure is a ``judge.stats.Estimate``: rates get a Wilson interval (each case is an
independent trial), means over cases and kappas a BCa bootstrap over cases
(``judge.stats.mean`` / ``statistic``; fixed seed, so the same verdicts always give the
same interval; fewer than ten cases: no interval, with the reason). Kappa itself is
``judge.grading.agreement.cohen_kappa``.
"""

from __future__ import annotations

from collections.abc import Sequence

from judge import stats
from judge.grading.agreement import Value, Weights, cohen_kappa
from judge.stats import Estimate


def proportion(k: int, n: int) -> Estimate:
    """k of n, with a Wilson 95% interval (value None when n is 0)."""
    return stats.wilson(k, n)


def mean(values: Sequence[float]) -> Estimate:
    """A mean over cases of shares in [0, 1], with a 95% interval."""
    return stats.mean(list(values), bounds=(0.0, 1.0))


def kappa(a: Sequence[Value], b: Sequence[Value], weights: Weights = "none") -> Estimate:
    """Cohen's kappa of two paired ratings (weighted for scores) with a 95% interval over
    the pairs; value None when kappa is undefined (one category only)."""
    rows = list(zip(a, b))
    if not rows:
        return stats.empty("bca")
    return stats.statistic(lambda units: cohen_kappa([x for x, _ in units],
                                                     [y for _, y in units], weights), rows)
