"""Bootstrap intervals (BCa, from ``scipy.stats.bootstrap``) for means, differences and
any statistic of units, with the degenerate cases handled on purpose.

Every bootstrap here resamples *clusters* (tasks) with replacement and computes a ratio
of sums, so a task with three samples weighs three responses but moves as one.

Small samples. Bootstrap intervals are too narrow at small n (they use the spread of the
sample, not of the population; bench/stats.py measures 8.5% false positives for a
nominal 5% at 10 tasks). So the BCa interval is computed at the *expanded* level of
Hesterberg (2015, "What teachers should know about the bootstrap", §4.3): the 95% normal
quantile 1.96 is replaced by √(n/(n − 1))·t(n − 1, 0.975), i.e. 98.3% at 10 clusters,
96.8% at 20, 95.7% at 55, → 95% as n grows. ``expanded_level(n)`` gives it.

The BCa interval needs at least MIN_TASKS clusters and some variation; otherwise:

* a mean of a bounded score falls back to the conservative Wilson interval of its
  rescaled mean (judge.stats.rates.bounded); an unbounded one gets no interval;
* a difference on fewer than MIN_TASKS tasks is "n too small": a value, no interval,
  no p-value, never significant;
* a difference whose bootstrap is degenerate (every task moved by the same amount, so
  every resample gives the same number) gets the MOVER interval (Zou & Donner 2008;
  Newcombe's method 10 for two proportions) built from the two sides' own intervals,
  which ignores the pairing and is therefore conservative; its p-value is 1 when nothing
  moved, the exact sign test when every paired task moved by the same amount, and
  otherwise (e.g. two unpaired groups that are each constant) the smallest α at which
  the MOVER interval from the two sides' bounded intervals at level 1 − α excludes 0.

The p-value of a BCa difference inverts the interval: the smallest α at which the
(expanded) 100(1 − α)% BCa interval (same resamples, same bias correction and
acceleration) excludes 0, so p < 0.05 exactly when the reported interval excludes 0. It
is floored at 1/B.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Literal, TypeVar

import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import binomtest
from scipy.stats import t as student_t
from scipy.stats import bootstrap as scipy_bootstrap

from judge.stats.estimate import (ALL_EQUAL, LEVEL, MIN_TASKS, N_RESAMPLES, SEED, TOO_SMALL,
                                  Estimate, empty)
from judge.stats.rates import bounded, cluster_sums, wilson_bounds

FEW_TASKS = f"fewer than {MIN_TASKS} tasks"
DEGENERATE = "bootstrap degenerate"
Kind = Literal["rate", "mean"]
T = TypeVar("T")
BATCH = 256  # resamples per batch: bounds the memory of large runs


def _rng(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(SEED if seed is None else seed)


def _ratio(s: np.ndarray, c: np.ndarray, axis: int = -1) -> np.ndarray:
    return s.sum(axis=axis) / c.sum(axis=axis)


def _ratio_diff(sa: np.ndarray, ca: np.ndarray, sb: np.ndarray, cb: np.ndarray,
                axis: int = -1) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return sb.sum(axis=axis) / cb.sum(axis=axis) - sa.sum(axis=axis) / ca.sum(axis=axis)


def _expanded_z(alpha: float, n: int) -> float:
    """Hesterberg's small-sample quantile √(n/(n − 1))·t(n − 1, 1 − α/2)."""
    return float(np.sqrt(n / (n - 1)) * student_t.ppf(1 - alpha / 2, n - 1))


def expanded_level(n: int, level: float = LEVEL) -> float:
    """The confidence level at which a bootstrap on ``n`` clusters is computed so that
    it behaves like a ``level`` interval (module docstring)."""
    return float(1 - 2 * ndtr(-_expanded_z(1 - level, n))) if n > 1 else level


def _bca(data: tuple[np.ndarray, ...], statistic: Callable[..., np.ndarray],
         seed: int | None, vectorized: bool = True) -> tuple[float, float, np.ndarray] | None:
    """scipy's BCa interval over paired rows of ``data`` at the expanded level; None
    when it is not finite."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = scipy_bootstrap(data, statistic, paired=True, vectorized=vectorized,
                              n_resamples=N_RESAMPLES, method="BCa", batch=BATCH,
                              confidence_level=expanded_level(len(data[0])), rng=_rng(seed))
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    dist = np.asarray(res.bootstrap_distribution, dtype=float)
    if not (np.isfinite(lo) and np.isfinite(hi)) or np.ptp(dist) == 0:
        return None
    return lo, hi, dist


def mean(values: Sequence[float | None], clusters: Sequence[Hashable] | None = None,
         bounds: tuple[float, float] | None = None, seed: int | None = None) -> Estimate:
    """Mean over units (None skipped) with a BCa interval resampling ``clusters``
    (e.g. task ids; every unit alone when None). ``bounds`` (the score's range) enables
    the bounded fallback; ``n`` counts units, ``clusters`` the tasks."""
    sums, counts = cluster_sums(values, clusters)
    if counts.size == 0:
        return empty("bca")
    n, c = int(counts.sum()), int(sums.size)
    value = float(sums.sum() / counts.sum())
    groups = None if clusters is None else c
    note = FEW_TASKS if c < MIN_TASKS else ALL_EQUAL if np.ptp(sums / counts) == 0 else None
    if note is None:
        got = _bca((sums, counts), _ratio, seed)
        if got is not None:
            return Estimate(value, got[0], got[1], n, "bca", clusters=groups)
        note = DEGENERATE
    if bounds is not None:
        return bounded(values, clusters, bounds, note=note).with_(value=value)
    return Estimate(value, None, None, n, "none", clusters=groups, note=note)


def _acceleration(jack: np.ndarray) -> float:
    """BCa acceleration from leave-one-out values (Efron & Tibshirani eq. 14.15)."""
    u = jack.mean() - jack
    den = float((u ** 2).sum())
    return 0.0 if den == 0 else float((u ** 3).sum() / (6 * den ** 1.5))


def bca_p_value(theta: float, dist: np.ndarray, jack: np.ndarray, null: float = 0.0) -> float:
    """Two-sided p-value of ``null`` by inverting the expanded BCa interval (module
    docstring): the smallest α whose 100(1 − α)% interval excludes ``null``, floored at
    1/B. ``jack``: the statistic with each cluster left out in turn (its length is n)."""
    b, n = dist.size, jack.size
    z0 = float(ndtri((np.count_nonzero(dist < theta) + np.count_nonzero(dist <= theta))
                     / (2 * b)))
    acc = _acceleration(jack)
    ordered = np.sort(dist)

    def excludes(alpha: float) -> bool:
        ends = []
        half = max(float(ndtr(-_expanded_z(alpha, n))), 1e-15)  # the expanded tail
        for z, extreme in ((float(ndtri(half)), 0.0), (float(ndtri(1 - half)), 1.0)):
            level = float(ndtr(z0 + (z0 + z) / (1 - acc * (z0 + z))))
            level = extreme if np.isnan(level) else min(max(level, 0.0), 1.0)
            ends.append(float(np.quantile(ordered, level)))
        return ends[0] > null or ends[1] < null

    return 1.0 if not np.isfinite(z0) else smallest_alpha(excludes, 1.0 / b)


def smallest_alpha(excludes: Callable[[float], bool], floor: float = 1e-12) -> float:
    """The smallest α in [floor, 1) for which ``excludes(α)`` holds (the interval at level
    1 − α excludes the null), by bisection; 1 when none does. ``excludes`` must be
    monotone: once an interval excludes the null, every narrower one does."""
    top = 1.0 - 1e-12
    if not excludes(top):
        return 1.0
    if excludes(floor):
        return floor
    lo, hi = floor, top
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if excludes(mid) else (mid, hi)
    return hi


def _side(by_key: Mapping[Hashable, Sequence[float | None]], keys: list[Hashable]
          ) -> tuple[np.ndarray, np.ndarray]:
    sums, counts = [], []
    for k in keys:
        vals = [float(v) for v in by_key.get(k, ()) if v is not None]
        sums.append(sum(vals))
        counts.append(len(vals))
    return np.asarray(sums, dtype=float), np.asarray(counts, dtype=float)


def _filled(by_key: Mapping[Hashable, Sequence[float | None]]) -> set[Hashable]:
    return {k for k, vals in by_key.items() if any(v is not None for v in vals)}


def marginal(by_key: Mapping[Hashable, Sequence[float | None]], keys: list[Hashable],
             kind: Kind, bounds: tuple[float, float] | None = None) -> Estimate:
    """One side of a difference, as its own column shows it: a clustered rate for
    ``kind == "rate"``, else a clustered mean (BCa, bounded fallback)."""
    values = [v for k in keys for v in by_key.get(k, ())]
    tasks = [k for k in keys for _ in by_key.get(k, ())]
    if kind == "rate":
        return bounded(values, tasks, (0.0, 1.0), is_rate=True)
    return mean(values, tasks, bounds)


def mover(value: float, a: Estimate, b: Estimate) -> tuple[float, float] | None:
    """MOVER interval of b − a from the two sides' intervals (Zou & Donner 2008)."""
    if not (a.has_interval and b.has_interval and a.value is not None and b.value is not None):
        return None
    lo = value - float(np.hypot(b.value - b.lo, a.hi - a.value))  # type: ignore[operator]
    hi = value + float(np.hypot(b.hi - b.value, a.value - a.lo))  # type: ignore[operator]
    return lo, hi


def _mover_p(a: Mapping[Hashable, Sequence[float | None]],
             b: Mapping[Hashable, Sequence[float | None]], keys: list[Hashable],
             value: float, bounds: tuple[float, float]) -> float:
    """Smallest α whose MOVER interval from the sides' bounded Wilson intervals at level
    1 − α excludes 0 (1 when even α → 1 does not)."""
    sides = [([v for k in keys for v in by.get(k, ())], [k for k in keys for _ in by.get(k, ())])
             for by in (a, b)]

    def excludes(alpha: float) -> bool:
        z = float(ndtri(1 - alpha / 2))
        ea, eb = (bounded(vals, tasks, bounds, z=z) for vals, tasks in sides)
        got = mover(value, ea, eb)
        return got is not None and (got[0] > 0 or got[1] < 0)

    return 1.0 if value == 0 else smallest_alpha(excludes)


def _sign_p(d: np.ndarray) -> float | None:
    """p-value when every task moved by the same amount: 1 if by 0, else the exact sign
    test (all n moved the same way); None when the moves differ."""
    if np.ptp(d) != 0:
        return None
    if d[0] == 0:
        return 1.0
    return float(binomtest(d.size, d.size, 0.5).pvalue)


def difference(a: Mapping[Hashable, Sequence[float | None]],
               b: Mapping[Hashable, Sequence[float | None]], kind: Kind = "mean",
               bounds: tuple[float, float] | None = None, paired: bool = True,
               seed: int | None = None, sides: tuple[Estimate, Estimate] | None = None,
               min_tasks: int = MIN_TASKS) -> Estimate:
    """B − A of two means over tasks, where ``a`` and ``b`` map a task to its values.

    The value is mean(B) − mean(A) over the tasks used (responses weighted, as each
    side's own column). ``paired``: only tasks with values on both sides count (the
    same tasks, two versions); otherwise every task with values on either side counts
    and resampling whole tasks keeps their samples together (e.g. responses with vs
    without a correction). ``n`` is the number of tasks. ``sides``: A's and B's own
    estimates as displayed (else :func:`marginal` computes them), used by the MOVER
    fallback. ``min_tasks``: the minimum (bench/stats.py measures below it). See the
    module docstring for "n too small", MOVER and the p-value.
    """
    fa, fb = _filled(a), _filled(b)
    keys = sorted(fa & fb if paired else fa | fb, key=str)
    if not keys:
        return empty("bca")
    sa, ca = _side(a, keys)
    sb, cb = _side(b, keys)
    value = float(sb.sum() / cb.sum() - sa.sum() / ca.sum()) if ca.sum() and cb.sum() else None
    n = len(keys)
    if value is None or min(np.count_nonzero(ca), np.count_nonzero(cb)) < max(min_tasks, 2):
        return Estimate(value, None, None, n, "none", clusters=n, note=TOO_SMALL)
    got = _bca((sa, ca, sb, cb), _ratio_diff, seed)
    if got is not None:
        jack = _leave_one_out(sa, ca, sb, cb)
        p = bca_p_value(value, got[2], jack) if np.all(np.isfinite(jack)) else None
        return Estimate(value, got[0], got[1], n, "bca", clusters=n, p_value=p)
    ea, eb = sides or (marginal(a, keys, kind, bounds), marginal(b, keys, kind, bounds))
    interval = mover(value, ea, eb)
    both = (ca > 0) & (cb > 0)
    p = _sign_p(sb[both] / cb[both] - sa[both] / ca[both]) if paired else None
    if p is None and bounds is not None:
        p = _mover_p(a, b, keys, value, bounds)
    if interval is None:
        return Estimate(value, None, None, n, "none", clusters=n, p_value=p, note=DEGENERATE)
    lo, hi = interval
    if bounds is not None:
        span = bounds[1] - bounds[0]
        lo, hi = max(lo, -span), min(hi, span)
    return Estimate(value, lo, hi, n, "mover", clusters=n, p_value=p, note=DEGENERATE)


def _leave_one_out(sa: np.ndarray, ca: np.ndarray, sb: np.ndarray, cb: np.ndarray
                   ) -> np.ndarray:
    """The ratio difference with each task left out in turn (O(n) from the totals)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sb.sum() - sb) / (cb.sum() - cb) - (sa.sum() - sa) / (ca.sum() - ca)


def statistic(stat: Callable[[list[T]], float], units: Sequence[T],
              n_resamples: int = N_RESAMPLES, seed: int | None = None,
              bounds: tuple[float, float] | None = None) -> Estimate:
    """Any statistic of a list of units (e.g. agreement over items), with a BCa interval
    resampling units. A NaN statistic is "undefined" (value None). When some resamples
    are undefined BCa cannot run: the percentile interval of the defined ones is given
    if they are at least half, else none. When every resample gives the same value, a
    statistic that is a mean on ``bounds`` gets the bounded Wilson interval at n units;
    any other gets no interval. ``n_resamples=0``: no interval."""
    units = list(units)
    raw = stat(units) if units else float("nan")
    value = None if raw is None or np.isnan(raw) else float(raw)
    n = len(units)
    if value is None or n_resamples <= 0:
        return Estimate(value, None, None, n, "none")
    if n < MIN_TASKS:
        return Estimate(value, None, None, n, "none", note=f"fewer than {MIN_TASKS} units")

    def one(idx: np.ndarray) -> float:
        return float(stat([units[i] for i in idx]))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = scipy_bootstrap((np.arange(n),), one, vectorized=False, n_resamples=n_resamples,
                              confidence_level=expanded_level(n), method="BCa", rng=_rng(seed))
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    dist = np.asarray(res.bootstrap_distribution, dtype=float)
    valid = dist[np.isfinite(dist)]
    if np.isfinite(lo) and np.isfinite(hi) and valid.size == dist.size and np.ptp(dist) > 0:
        return Estimate(value, lo, hi, n, "bca")
    if valid.size < dist.size / 2:
        return Estimate(value, None, None, n, "none", note="undefined on most resamples")
    if np.ptp(valid) == 0:
        if bounds is None:
            return Estimate(value, None, None, n, "none", note=ALL_EQUAL)
        low, span = bounds[0], bounds[1] - bounds[0]
        w_lo, w_hi = wilson_bounds(min(max((value - low) / span, 0.0), 1.0), n)
        return Estimate(value, low + w_lo * span, low + w_hi * span, n, "wilson-bounded",
                        note=ALL_EQUAL)
    alpha = (1 - expanded_level(n)) / 2
    q_lo, q_hi = np.quantile(valid, [alpha, 1 - alpha])
    undefined = dist.size - valid.size
    return Estimate(value, float(q_lo), float(q_hi), n, "percentile",
                    note=f"{undefined} of {dist.size} resamples undefined" if undefined else None)
