"""The intervals calibration reports, in one place.

Every figure is a ``judge.analysis.stats.Estimate``: rates get a Wilson interval, means and
kappas a percentile bootstrap over cases (fixed seed, so the same verdicts always give the
same interval). Kappa itself is ``judge.grading.agreement.cohen_kappa``. When the project's
single interval engine changes, these three functions are the only ones to change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from judge.analysis import stats
from judge.analysis.stats import Estimate
from judge.grading.agreement import Value, Weights, bootstrap, cohen_kappa

N_BOOT = 2000
SEED = 20240601


def proportion(k: int, n: int) -> Estimate:
    """k of n, with a Wilson 95% interval (value None when n is 0)."""
    return stats.wilson(k, n)


def mean(values: Sequence[float], n_boot: int = N_BOOT) -> Estimate:
    """A mean over cases with a bootstrap 95% interval."""
    return stats.bootstrap_mean(values, n_boot, SEED)


def _clean(x: float) -> float | None:
    return None if math.isnan(x) else x


def kappa(a: Sequence[Value], b: Sequence[Value], weights: Weights = "none",
          n_boot: int = N_BOOT) -> Estimate:
    """Cohen's kappa of two paired ratings (weighted for scores) with a bootstrap 95%
    interval over the pairs; value None when kappa is undefined (one category only)."""
    rows = [[x, y] for x, y in zip(a, b)]
    if not rows:
        return stats.empty("bootstrap")
    est = bootstrap(lambda m: cohen_kappa([r[0] for r in m], [r[1] for r in m], weights),
                    rows, n_boot, SEED)
    return Estimate(_clean(est.value), _clean(est.low), _clean(est.high), est.n, "bootstrap")
