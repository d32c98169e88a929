"""The statistics engine: every interval and test that judge prints comes from here.

One result type, :class:`Estimate` (value, 95% interval, n, method, note; p-values for
differences). The methods, and when each is used:

=====================  ==========================================================
``wilson(k, n)``       rate of independent trials (Wilson score interval)
``clopper_pearson``    exact rate interval, where a doc asks for it
``rate(flags, tasks)`` rate over responses; several per task → Wilson at the
                       effective sample size (design effect from a delete-one-task
                       jackknife; 0/n and n/n count each task once)
``bounded(...)``       the same interval for a score on a known range (rescaled)
``mean(values, tasks)``mean with scipy's BCa bootstrap resampling tasks; fewer than
                       MIN_TASKS tasks or all values equal → ``bounded`` fallback
``difference(a, b)``   B − A over tasks, paired BCa resampling tasks, p-value by
                       inverting the interval; < MIN_TASKS tasks → "n too small";
                       degenerate → MOVER from the two sides' intervals
``statistic(f, units)``any statistic of units (agreement), BCa over units
``mcnemar(b, c)``      exact McNemar via scipy.stats.binomtest
``holm(ps)``           Holm's step-down adjusted p-values
``show / show_diff``   the one way an Estimate is printed (terminal and HTML)
=====================  ==========================================================

Typical use::

    from judge.stats import rate, mean, difference, holm
    rate([True, False, True], clusters=["t1", "t1", "t2"])
    difference({"t1": [3, 4], "t2": [5]}, {"t1": [2, 2], "t2": [4]}, kind="mean",
               bounds=(1, 5))

Details, and why each choice: docs/analysis.md ("Intervals and tests").
"""

from judge.stats.bootstrap import bca_p_value, difference, marginal, mean, mover, statistic
from judge.stats.estimate import (ALL_EQUAL, ALPHA, LEVEL, MIN_TASKS, N_RESAMPLES, SEED,
                                  TOO_SMALL, Estimate, empty)
from judge.stats.format import show, show_diff, show_p
from judge.stats.pvalues import McNemar, holm, mcnemar
from judge.stats.rates import bounded, clopper_pearson, rate, wilson, wilson_bounds

__all__ = ["ALL_EQUAL", "ALPHA", "LEVEL", "MIN_TASKS", "N_RESAMPLES", "SEED", "TOO_SMALL",
           "Estimate", "McNemar", "bca_p_value", "bounded", "clopper_pearson", "difference",
           "empty", "holm", "marginal", "mcnemar", "mean", "mover", "rate", "show",
           "show_diff", "show_p", "statistic", "wilson", "wilson_bounds"]
