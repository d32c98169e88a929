"""The one result type of the statistics engine, and the constants every method shares."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

LEVEL = 0.95  # every interval is a two-sided 95% interval
Z95 = 1.959963984540054  # the standard normal 97.5% quantile
ALPHA = 1 - LEVEL
MIN_TASKS = 10  # fewer paired tasks: a difference is "n too small"; fewer tasks: no bootstrap
N_RESAMPLES = 2000  # bootstrap resamples (Efron & Tibshirani's advice for BCa: ≥ 1,000)
SEED = 20240601  # fixed: the same data always gives the same interval

TOO_SMALL = "n too small"
ALL_EQUAL = "all values equal"


@dataclass(frozen=True)
class Estimate:
    """A number with its 95% interval, how many units it rests on and how it was made.

    * ``value`` is None when there was nothing to estimate; ``lo``/``hi`` are None when
      no honest interval exists (``note`` says why, e.g. "n too small").
    * ``n`` counts the units with a value: responses for rates and means, tasks for
      differences, items for agreement. ``clusters`` is the number of tasks the interval
      treats as independent (None when every unit is its own cluster).
    * ``k`` is the number of successes of a rate; ``n_eff`` the effective sample size of
      a clustered Wilson interval.
    * ``p_value`` (differences only) is two-sided and raw; ``p_adjusted`` is set by the
      caller that corrects a family of tests (Holm), else None.
    * ``method`` names the interval: wilson, wilson-clustered, wilson-bounded,
      clopper-pearson, bca, percentile, mover, none.
    """

    value: float | None
    lo: float | None
    hi: float | None
    n: int
    method: str
    k: int | None = None
    clusters: int | None = None
    n_eff: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    note: str | None = None

    @property
    def ok(self) -> bool:
        """There is a value."""
        return self.value is not None

    @property
    def has_interval(self) -> bool:
        return self.lo is not None and self.hi is not None

    @property
    def too_small(self) -> bool:
        return self.note == TOO_SMALL

    def excludes(self, x: float = 0.0) -> bool:
        """True when the interval lies entirely above or below ``x`` (never without one)."""
        if self.lo is None or self.hi is None:
            return False
        return self.lo > x or self.hi < x

    def significant(self, alpha: float = ALPHA, corrected: bool = True) -> bool:
        """A difference is significant when its p-value (Holm-adjusted when ``corrected``
        and an adjustment was made) is below ``alpha`` AND its 95% interval excludes 0.
        Never when n is too small or there is no p-value."""
        p = self.p_adjusted if corrected and self.p_adjusted is not None else self.p_value
        return p is not None and p < alpha and self.excludes(0.0)

    def with_(self, **changes: Any) -> Estimate:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def empty(method: str = "none", note: str | None = None) -> Estimate:
    """Nothing to estimate (no unit has a value)."""
    return Estimate(None, None, None, 0, method, note=note)
