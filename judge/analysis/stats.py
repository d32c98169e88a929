"""Small statistics kit: Wilson intervals, bootstrap intervals, exact McNemar.

Every estimate is an :class:`Estimate` (value, interval, n). Bootstraps use the
percentile method with a fixed seed, so the same data always gives the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

Z95 = 1.959963984540054
N_BOOT = 2000
SEED = 20240601


@dataclass(frozen=True)
class Estimate:
    """A headline number with its 95% interval and sample size.

    ``value`` is None when there was nothing to estimate (n == 0). ``k`` is the count of
    successes for rates.
    """

    value: float | None
    lo: float | None
    hi: float | None
    n: int
    method: str
    k: int | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None

    def excludes(self, x: float = 0.0) -> bool:
        """True when the interval lies entirely above or below ``x``."""
        if self.lo is None or self.hi is None:
            return False
        return self.lo > x or self.hi < x

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def empty(method: str) -> Estimate:
    return Estimate(None, None, None, 0, method)


def wilson(k: int, n: int, z: float = Z95) -> Estimate:
    """Wilson score interval of a proportion k/n."""
    if n <= 0:
        return Estimate(None, None, None, 0, "wilson", 0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n, "wilson", k)


def rate(flags: Sequence[bool | None]) -> Estimate:
    """Wilson estimate of the share of True among the non-None flags."""
    seen = [f for f in flags if f is not None]
    return wilson(sum(1 for f in seen if f), len(seen))


def _rng(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(SEED if seed is None else seed)


def _percentile(stats: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    alpha = (1 - level) / 2
    lo, hi = np.quantile(stats, [alpha, 1 - alpha])
    return float(lo), float(hi)


def bootstrap_mean(values: Sequence[float], n_boot: int = N_BOOT,
                   seed: int | None = None) -> Estimate:
    """Mean with a percentile bootstrap interval (resampling the values)."""
    x = np.asarray([v for v in values if v is not None], dtype=float)
    if x.size == 0:
        return empty("bootstrap")
    if x.size == 1:
        return Estimate(float(x[0]), float(x[0]), float(x[0]), 1, "bootstrap")
    idx = _rng(seed).integers(0, x.size, size=(n_boot, x.size))
    lo, hi = _percentile(x[idx].mean(axis=1))
    return Estimate(float(x.mean()), lo, hi, int(x.size), "bootstrap")


def bootstrap_ratio(num: Sequence[float], den: Sequence[float], n_boot: int = N_BOOT,
                    seed: int | None = None) -> Estimate:
    """sum(num)/sum(den) with clusters (index i) resampled together; n = clusters."""
    a, b = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    if a.size == 0 or b.sum() <= 0:
        return empty("bootstrap")
    idx = _rng(seed).integers(0, a.size, size=(n_boot, a.size))
    sums_b = b[idx].sum(axis=1)
    stats = a[idx].sum(axis=1) / np.where(sums_b > 0, sums_b, np.nan)
    stats = stats[~np.isnan(stats)]
    lo, hi = _percentile(stats)
    return Estimate(float(a.sum() / b.sum()), lo, hi, int(a.size), "bootstrap")


def paired_bootstrap(a: Sequence[float], b: Sequence[float], n_boot: int = N_BOOT,
                     seed: int | None = None) -> Estimate:
    """Mean of b - a over paired units, with a bootstrap interval resampling the pairs."""
    if len(a) != len(b):
        raise ValueError("paired_bootstrap needs equally long sequences")
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    est = bootstrap_mean(d.tolist(), n_boot, seed)
    return Estimate(est.value, est.lo, est.hi, est.n, "paired-bootstrap")


def bootstrap_diff(a: Sequence[float], b: Sequence[float], n_boot: int = N_BOOT,
                   seed: int | None = None) -> Estimate:
    """mean(b) - mean(a) for two independent samples; n = len(a) + len(b)."""
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if xa.size == 0 or xb.size == 0:
        return empty("bootstrap-diff")
    rng = _rng(seed)
    ma = xa[rng.integers(0, xa.size, size=(n_boot, xa.size))].mean(axis=1)
    mb = xb[rng.integers(0, xb.size, size=(n_boot, xb.size))].mean(axis=1)
    lo, hi = _percentile(mb - ma)
    return Estimate(float(xb.mean() - xa.mean()), lo, hi, int(xa.size + xb.size),
                    "bootstrap-diff")


@dataclass(frozen=True)
class McNemar:
    """Exact McNemar test on paired pass/fail: b = pass→fail, c = fail→pass."""

    pass_to_fail: int
    fail_to_pass: int
    p_value: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mcnemar_exact(pass_to_fail: int, fail_to_pass: int, n: int = 0) -> McNemar:
    """Two-sided exact binomial test on the discordant pairs."""
    m = pass_to_fail + fail_to_pass
    if m == 0:
        return McNemar(pass_to_fail, fail_to_pass, 1.0, n)
    tail = sum(math.comb(m, i) for i in range(min(pass_to_fail, fail_to_pass) + 1))
    p = min(1.0, 2 * tail / 2**m)  # exact integer arithmetic, then one division
    return McNemar(pass_to_fail, fail_to_pass, p, n)


def fmt(est: Estimate | None, pct: bool = False, digits: int = 2) -> str:
    """'0.62 [0.55, 0.68]' or '62% [55–68%]'; '–' when empty."""
    if est is None or est.value is None:
        return "–"
    if pct:
        return f"{est.value:.0%} [{est.lo:.0%}–{est.hi:.0%}]"
    return f"{est.value:.{digits}f} [{est.lo:.{digits}f}, {est.hi:.{digits}f}]"


def cluster_mean(values: Sequence[float | None], clusters: Sequence[str],
                 n_boot: int = N_BOOT, seed: int | None = None) -> Estimate:
    """Mean over units with a bootstrap that resamples whole clusters (e.g. tasks).

    Samples of one task are not independent; resampling tasks keeps the interval honest.
    ``n`` is the number of units (responses) with a value.
    """
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for v, c in zip(values, clusters):
        if v is None:
            continue
        sums[c] = sums.get(c, 0.0) + float(v)
        counts[c] = counts.get(c, 0) + 1
    if not counts:
        return empty("bootstrap")
    keys = list(counts)
    est = bootstrap_ratio([sums[k] for k in keys], [counts[k] for k in keys], n_boot, seed)
    return Estimate(est.value, est.lo, est.hi, sum(counts.values()), "cluster-bootstrap")


def fmt_diff(est: Estimate | None, rate_kind: bool = False) -> str:
    """A signed difference: '+9 pp [−3, +21]' for rates, '+0.03 [−0.17, +0.22]' for means."""
    if est is None or est.value is None or est.lo is None or est.hi is None:
        return "–"
    if rate_kind:
        return f"{est.value * 100:+.0f} pp [{est.lo * 100:+.0f}, {est.hi * 100:+.0f}]"
    return f"{est.value:+.2f} [{est.lo:+.2f}, {est.hi:+.2f}]"
