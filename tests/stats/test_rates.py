"""Rates and bounded scores against published values and scipy, at 0, n and small n."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from judge.stats import bounded, clopper_pearson, rate, wilson
from judge.stats.rates import effective_n, wilson_bounds

# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Stat Med
# 17:857, Table I: method 3 (Wilson score) and method 5 (Clopper-Pearson exact).
NEWCOMBE_1998 = [  # k, n, Wilson lo, hi, Clopper-Pearson lo, hi
    (81, 263, 0.2553, 0.3662, 0.2527, 0.3676),
    (15, 148, 0.0624, 0.1605, 0.0578, 0.1617),
    (0, 20, 0.0, 0.1611, 0.0, 0.1684),
    (1, 29, 0.0061, 0.1718, 0.0009, 0.1776),
]


@pytest.mark.parametrize(("k", "n", "wlo", "whi", "clo", "chi"), NEWCOMBE_1998)
def test_wilson_and_clopper_pearson_match_newcombe_1998(k: int, n: int, wlo: float, whi: float,
                                                        clo: float, chi: float) -> None:
    w, c = wilson(k, n), clopper_pearson(k, n)
    assert (w.lo, w.hi) == (pytest.approx(wlo, abs=6e-5), pytest.approx(whi, abs=6e-5))
    assert (c.lo, c.hi) == (pytest.approx(clo, abs=6e-5), pytest.approx(chi, abs=6e-5))
    assert (w.k, w.n, w.method, c.method) == (k, n, "wilson", "clopper-pearson")


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (0, 2), (2, 2), (0, 55), (55, 55),
                                      (3, 7), (1, 3)])
def test_wilson_matches_scipy_and_is_never_zero_width(k: int, n: int) -> None:
    ours = wilson(k, n)
    ref = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert (ours.lo, ours.hi) == (pytest.approx(ref.low, abs=1e-12),
                                  pytest.approx(ref.high, abs=1e-12))
    assert ours.hi - ours.lo > 0.05  # 0/n and n/n included: never certainty from n trials


def test_empty_rate_has_no_value() -> None:
    assert wilson(0, 0).value is None and wilson(0, 0).n == 0
    assert rate([None, None]).value is None and rate([None], ["t"]).value is None


def test_clustered_rate_is_plain_wilson_when_every_task_has_one_response() -> None:
    flags = [True, False, True, True, False, None]
    tasks = ["a", "b", "c", "d", "e", "f"]
    assert (rate(flags, tasks).lo, rate(flags, tasks).hi) == (wilson(3, 5).lo, wilson(3, 5).hi)
    assert rate(flags, tasks).method == "wilson" and rate(flags, tasks).k == 3


def test_zero_of_n_over_tasks_counts_each_task_once() -> None:
    """0/110 over 55 tasks × 2 samples: the data cannot tell how alike samples are, so
    the interval is Wilson's for 0/55 (not 0/110, which would claim more certainty)."""
    est = rate([False] * 110, [i // 2 for i in range(110)])
    assert est.value == 0.0 and est.n == 110 and est.clusters == 55 and est.n_eff == 55
    assert est.hi == pytest.approx(wilson(0, 55).hi) and est.hi > wilson(0, 110).hi
    full = rate([True] * 110, [i // 2 for i in range(110)])
    assert full.lo == pytest.approx(wilson(55, 55).lo) and full.k == 110


def test_identical_samples_of_a_task_count_once() -> None:
    """Perfectly correlated samples (design effect = samples per task): n_eff = tasks."""
    per_task = [True, False, True, False, False, True, True, False, True, False]
    flags = [f for f in per_task for _ in range(3)]
    tasks = [t for t in range(10) for _ in range(3)]
    est = rate(flags, tasks)
    assert est.n == 30 and est.n_eff == pytest.approx(10)
    assert (est.lo, est.hi) == (pytest.approx(wilson(5, 10).lo), pytest.approx(wilson(5, 10).hi))
    assert est.method == "wilson-clustered"


def test_design_effect_by_hand() -> None:
    """Tasks (1,1), (1,0), (0,0), (0,0): p = 3/8; the delete-one-task rates are 1/6, 2/6,
    3/6, 3/6 and the delete-one-response rates 2/7 (×3) and 3/7 (×5); deff is the ratio of
    their jackknife variances, n_eff = n / deff kept within [tasks, n]."""
    import numpy as np

    units = np.array([1, 1, 1, 0, 0, 0, 0, 0], dtype=float)
    loo_t = np.array([1 / 6, 2 / 6, 3 / 6, 3 / 6])
    v_t = 3 / 4 * ((loo_t - loo_t.mean()) ** 2).sum()
    loo_u = (units.sum() - units) / 7
    v_u = 7 / 8 * ((loo_u - loo_u.mean()) ** 2).sum()
    n_eff = effective_n(units, np.array([2.0, 1, 0, 0]), np.array([2.0, 2, 2, 2]))
    assert n_eff == pytest.approx(max(4, 8 / (v_t / v_u)))
    est = rate([True, True, True, False, False, False, False, False], [1, 1, 2, 2, 3, 3, 4, 4])
    assert (est.lo, est.hi) == tuple(pytest.approx(x) for x in wilson_bounds(3 / 8, n_eff))


def test_one_task_samples_are_independent_draws() -> None:
    """The success rate of a single task (a combo step) is Wilson over its samples."""
    est = rate([True] * 29 + [False], ["task"] * 30)
    assert (est.lo, est.hi) == (pytest.approx(wilson(29, 30).lo), pytest.approx(wilson(29, 30).hi))


def test_bounded_score_rescales_to_the_wilson_interval() -> None:
    """Intention 1 (of 1–5) on 55 tasks × 2: [1, 1 + 4 × Wilson upper of 0/55]."""
    est = bounded([1.0] * 110, [i // 2 for i in range(110)], (1.0, 5.0))
    assert est.value == 1.0 and est.lo == 1.0 and est.method == "wilson-bounded"
    assert est.hi == pytest.approx(1 + 4 * wilson(0, 55).hi)
    assert est.k is None
