"""Agreement statistics: Krippendorff's alpha, Cohen's and Fleiss' kappa, percent agreement,
each with a BCa bootstrap interval over units (items), from the statistics engine.

Data is a ratings matrix: one row per unit, one column per rater, ``None`` where a rater
did not rate a unit. Values are numbers (scores) or strings (labels). Undefined
statistics (e.g. every rating identical, so expected disagreement is zero) are ``nan``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from itertools import combinations
from typing import Any, Literal

import krippendorff
import numpy as np

from judge.stats import Estimate, statistic

Level = Literal["nominal", "ordinal", "interval"]
Weights = Literal["none", "linear", "quadratic"]
Value = float | int | str
Matrix = Sequence[Sequence[Value | None]]
NAN = float("nan")


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _rated(row: Sequence[Value | None]) -> list[Value]:
    return [v for v in row if v is not None]


def percent_agreement(matrix: Matrix) -> float:
    """Mean over units (with ≥2 ratings) of the share of rater pairs that agree exactly."""
    shares = []
    for row in matrix:
        vals = _rated(row)
        if len(vals) >= 2:
            pairs = list(combinations(vals, 2))
            shares.append(sum(a == b for a, b in pairs) / len(pairs))
    return float(np.mean(shares)) if shares else NAN


def _positions(values: Sequence[Value]) -> dict[Value, float]:
    cats = sorted(set(values), key=lambda v: (not _is_num(v), v if _is_num(v) else str(v)))
    if all(_is_num(c) for c in cats):
        return {c: float(c) for c in cats}
    return {c: float(i) for i, c in enumerate(cats)}


def cohen_kappa(a: Sequence[Value | None], b: Sequence[Value | None],
                weights: Weights = "none") -> float:
    """Cohen's kappa of two raters over units both rated; weighted kappa uses the numeric
    values (or ranks) as positions, disagreement |i−j| (linear) or (i−j)² (quadratic)."""
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    if not pairs:
        return NAN
    pos = _positions([v for p in pairs for v in p])
    cats = list(pos)
    idx = {c: i for i, c in enumerate(cats)}
    observed = np.zeros((len(cats), len(cats)))
    for x, y in pairs:
        observed[idx[x], idx[y]] += 1
    observed /= len(pairs)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    p = np.array([pos[c] for c in cats])
    diff = np.abs(p[:, None] - p[None, :])
    w = {"none": (diff > 0).astype(float), "linear": diff, "quadratic": diff ** 2}[weights]
    denom = float((w * expected).sum())
    return NAN if denom == 0 else 1.0 - float((w * observed).sum()) / denom


def fleiss_kappa(matrix: Matrix) -> float:
    """Fleiss' kappa over the units rated by every rater (nominal categories)."""
    rows = [list(r) for r in matrix if all(v is not None for v in r)]
    if not rows or len(rows[0]) < 2:
        return NAN
    n = len(rows[0])
    cats = sorted({v for r in rows for v in r}, key=str)
    counts = np.array([[Counter(r)[c] for c in cats] for r in rows], dtype=float)
    p_i = ((counts ** 2).sum(axis=1) - n) / (n * (n - 1))
    p_j = counts.sum(axis=0) / (len(rows) * n)
    p_bar, p_e = float(p_i.mean()), float((p_j ** 2).sum())
    return NAN if p_e >= 1.0 else (p_bar - p_e) / (1.0 - p_e)


def krippendorff_alpha(matrix: Matrix, level: Level) -> float:
    """Krippendorff's alpha (the ``krippendorff`` package) at a level of measurement;
    labels are coded as integers for the nominal level."""
    values = [v for row in matrix for v in row if v is not None]
    if len(set(values)) < 2:
        return NAN
    pos = _positions(values)
    data = np.array([[NAN if v is None else pos[v] for v in row] for row in matrix],
                    dtype=float).T  # raters × units
    if level != "nominal" and not all(_is_num(v) for v in values):
        level = "ordinal"
    try:
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    except (ValueError, ZeroDivisionError):
        return NAN


def bootstrap(stat: Callable[[Matrix], float], matrix: Matrix, n_boot: int = 1000,
              seed: int = 0, bounds: tuple[float, float] | None = None) -> Estimate:
    """``stat`` on the matrix with a 95% BCa interval resampling units (rows), from the
    statistics engine (judge.stats.statistic: undefined resamples, degenerate data and
    fewer than 10 units are handled there). ``bounds``: the statistic is a mean on that
    range (percent agreement), which allows an interval when every resample agrees."""
    return statistic(stat, list(matrix), n_boot, seed, bounds)


def kappa_for(matrix: Matrix, level: Level, weights: Weights = "quadratic") -> tuple[str, Callable[[Matrix], float]]:
    """The kappa that fits: Cohen's (weighted unless nominal) for two raters, else Fleiss'."""
    width = len(matrix[0]) if matrix else 2
    if width == 2:
        w: Weights = "none" if level == "nominal" else weights
        name = "Cohen κ" + ("" if w == "none" else f" ({w})")
        return name, lambda m: cohen_kappa([r[0] for r in m], [r[1] for r in m], w)
    return "Fleiss κ", fleiss_kappa
