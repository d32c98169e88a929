"""Exact McNemar (via scipy's binomtest) and Holm's step-down correction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from scipy.stats import binomtest


@dataclass(frozen=True)
class McNemar:
    """Exact McNemar test on paired pass/fail: the discordant pairs pass→fail and
    fail→pass, the two-sided exact binomial p-value, and the number of pairs ``n``.
    ``p_adjusted`` is set when the test is part of a corrected family."""

    pass_to_fail: int
    fail_to_pass: int
    p_value: float
    n: int
    p_adjusted: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mcnemar(pass_to_fail: int, fail_to_pass: int, n: int = 0) -> McNemar:
    """Two-sided exact McNemar: binomtest(min(b, c), b + c, ½); p = 1 with no
    discordant pair."""
    m = pass_to_fail + fail_to_pass
    p = 1.0 if m == 0 else float(binomtest(min(pass_to_fail, fail_to_pass), m, 0.5).pvalue)
    return McNemar(pass_to_fail, fail_to_pass, p, n)


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm (1979) adjusted p-values, in the input order; None entries (tests not run)
    stay None and do not count towards the family size."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(tested)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out
