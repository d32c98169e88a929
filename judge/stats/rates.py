"""Intervals for rates and bounded scores: Wilson, Clopper-Pearson, and Wilson at an
effective sample size when several responses share a task.

Clustering. Samples of one task are not independent, so a rate over responses of many
tasks gets its Wilson interval at the *effective* sample size n_eff = n / deff (Korn &
Graubard 1998, with Wilson in place of Clopper-Pearson). The design effect deff is the
delete-one-task jackknife variance of the rate over the delete-one-response jackknife
variance of the same rate (1 when every task has one response), and n_eff is kept
between the number of tasks C and n. When every response has the same outcome (0/n or
n/n) the data cannot tell how alike a task's samples are, so the worst case is taken:
n_eff = C (each task counts once). A single task's samples are the independent draws
of that task, so one cluster means n_eff = n.

Bounded scores (a mean on a known range, e.g. intention 1–5) use the same interval on
the score rescaled to 0–1: among variables on [0, 1] with a given mean the 0/1 one has
the largest variance, so this interval is conservative. It is the fallback wherever the
bootstrap cannot give an interval (fewer than MIN_TASKS tasks, or all values equal).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np
from scipy.stats import binomtest

from judge.stats.estimate import LEVEL, Z95, Estimate, empty


def wilson_bounds(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``p`` observed on ``n`` (may be
    fractional: an effective sample size)."""
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def wilson(k: int, n: int) -> Estimate:
    """Wilson score interval of k successes out of n independent trials."""
    if n <= 0:
        return Estimate(None, None, None, 0, "wilson", 0)
    lo, hi = wilson_bounds(k / n, n)
    return Estimate(k / n, lo, hi, n, "wilson", k)


def clopper_pearson(k: int, n: int) -> Estimate:
    """The exact (Clopper-Pearson) interval of k out of n, via scipy's binomtest."""
    if n <= 0:
        return Estimate(None, None, None, 0, "clopper-pearson", 0)
    ci = binomtest(k, n).proportion_ci(confidence_level=LEVEL, method="exact")
    return Estimate(k / n, float(ci.low), float(ci.high), n, "clopper-pearson", k)


def cluster_sums(values: Sequence[float | None], clusters: Sequence[Hashable] | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per cluster (first-seen order): the sum and the count of its non-None values.
    Without clusters every value is its own cluster."""
    if clusters is None:
        x = np.asarray([v for v in values if v is not None], dtype=float)
        return x, np.ones_like(x)
    if len(clusters) != len(values):
        raise ValueError("values and clusters must be equally long")
    sums: dict[Hashable, float] = {}
    counts: dict[Hashable, int] = {}
    for v, c in zip(values, clusters):
        if v is not None:
            sums[c] = sums.get(c, 0.0) + float(v)
            counts[c] = counts.get(c, 0) + 1
    keys = list(counts)
    return (np.asarray([sums[k] for k in keys], dtype=float),
            np.asarray([counts[k] for k in keys], dtype=float))


def _jackknife_var(sums: np.ndarray, counts: np.ndarray) -> float:
    """Delete-one-cluster jackknife variance of the ratio sum(sums) / sum(counts)."""
    m = sums.size
    if m < 2:
        return 0.0
    loo = (sums.sum() - sums) / (counts.sum() - counts)
    return float((m - 1) / m * ((loo - loo.mean()) ** 2).sum())


def effective_n(units: np.ndarray, sums: np.ndarray, counts: np.ndarray) -> float:
    """n / deff, kept within [number of clusters, n] (see the module docstring)."""
    n, c = float(counts.sum()), int(sums.size)
    if c <= 1 or c == n:
        return n
    v_tasks = _jackknife_var(sums, counts)
    v_units = _jackknife_var(units, np.ones_like(units))
    if v_units <= 0:  # every response alike: the worst case, each task counts once
        return float(c)
    deff = v_tasks / v_units
    return float(min(n, max(c, n / deff))) if deff > 0 else n


def bounded(values: Sequence[float | None], clusters: Sequence[Hashable] | None = None,
            bounds: tuple[float, float] = (0.0, 1.0), note: str | None = None,
            is_rate: bool = False, z: float = Z95) -> Estimate:
    """Mean of a score on ``bounds`` with the Wilson interval of its rescaled mean at the
    effective sample size (see the module docstring). ``is_rate``: 0/1 values, counted
    in ``k``; the method is then wilson (no discount: n_eff = n) or wilson-clustered, and
    for scores wilson-bounded. ``z``: another level's quantile."""
    kept = [i for i, v in enumerate(values) if v is not None]
    if not kept:
        return empty("wilson")
    low, high = bounds
    units = (np.asarray([values[i] for i in kept], dtype=float) - low) / (high - low)
    groups = None if clusters is None else [clusters[i] for i in kept]
    sums, counts = cluster_sums(list(units), groups)
    n, c = int(counts.sum()), int(sums.size)
    p = min(max(float(units.mean()), 0.0), 1.0)
    n_eff = effective_n(units, sums, counts)
    lo, hi = wilson_bounds(p, n_eff, z)
    method = "wilson-bounded" if not is_rate else "wilson" if n_eff == n else "wilson-clustered"
    span = high - low
    return Estimate(low + p * span, low + lo * span, low + hi * span, n, method,
                    k=int(round(units.sum())) if is_rate else None,
                    clusters=None if groups is None else c,
                    n_eff=None if n_eff == n else round(n_eff, 3), note=note)


def rate(flags: Sequence[bool | None], clusters: Sequence[Hashable] | None = None) -> Estimate:
    """Share of True among the non-None flags: Wilson, at the effective sample size when
    ``clusters`` (e.g. task ids) group several responses (see the module docstring)."""
    if clusters is None:
        seen = [f for f in flags if f is not None]
        return wilson(sum(1 for f in seen if f), len(seen))
    return bounded([None if f is None else float(f) for f in flags], clusters, is_rate=True)
