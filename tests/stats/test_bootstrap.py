"""BCa means and differences against scipy, the small-n and degenerate cases, MOVER
against Newcombe's published values, and statistics of units (agreement)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtr
from scipy.stats import bootstrap as scipy_bootstrap
from scipy.stats import t as student_t

from judge.stats import (MIN_TASKS, N_RESAMPLES, SEED, TOO_SMALL, difference, mean, mover,
                         statistic, wilson, wilson_bounds)
from judge.stats.bootstrap import FEW_TASKS, expanded_level

# Newcombe (1998), "Interval estimation for the difference between independent
# proportions: comparison of eleven methods", Stat Med 17:873, Table II, method 10 (the
# hybrid score interval = MOVER with Wilson intervals).
NEWCOMBE_DIFF = [  # k1, n1, k2, n2, lo, hi of p1 − p2
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (5, 56, 0, 29, -0.0381, 0.1926),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0),
    (10, 10, 0, 10, 0.6075, 1.0),
]


def _scipy_ci(data: tuple[np.ndarray, ...], stat, paired: bool,  # noqa: ANN001
              level: float | None = None) -> tuple[float, float]:
    """scipy's BCa interval at the engine's expanded level for this many clusters."""
    res = scipy_bootstrap(data, stat, paired=paired, vectorized=True, n_resamples=N_RESAMPLES,
                          method="BCa", batch=256, rng=np.random.default_rng(SEED),
                          confidence_level=level or expanded_level(len(data[0])))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def test_mean_is_scipys_bca_resampling_tasks() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(1, 6, 40).astype(float)
    est = mean(list(x))
    ref = _scipy_ci((x, np.ones_like(x)), lambda s, c, axis=-1: s.sum(axis) / c.sum(axis), True)
    assert (est.lo, est.hi) == pytest.approx(ref) and est.method == "bca"
    assert est.lo < x.mean() < est.hi
    tasks = [i // 3 for i in range(40)]  # 14 tasks, the last with one sample
    sums = np.array([x[[i for i in range(40) if i // 3 == t]].sum() for t in range(14)])
    counts = np.array([sum(1 for i in range(40) if i // 3 == t) for t in range(14)], float)
    clustered = mean(list(x), tasks)
    assert (clustered.lo, clustered.hi) == pytest.approx(_scipy_ci(
        (sums, counts), lambda s, c, axis=-1: s.sum(axis) / c.sum(axis), True))
    assert clustered.n == 40 and clustered.clusters == 14


def test_mean_falls_back_deliberately() -> None:
    few = mean([3.0, 4.0, 5.0], bounds=(1.0, 5.0))
    assert few.method == "wilson-bounded" and few.note == FEW_TASKS
    assert 1.0 <= few.lo < 4.0 < few.hi <= 5.0
    same = mean([2.0] * 30, [i // 2 for i in range(30)], (1.0, 5.0))  # 15 tasks × 2
    lo, hi = wilson_bounds(0.25, 15)  # rescaled (2 − 1) / 4, each task counted once
    assert same.note == "all values equal" and same.method == "wilson-bounded"
    assert (same.lo, same.hi) == (pytest.approx(1 + 4 * lo), pytest.approx(1 + 4 * hi))
    unbounded = mean([7.5] * 30)
    assert unbounded.value == 7.5 and not unbounded.has_interval
    assert mean([None, None]).value is None


def test_one_task_difference_is_n_too_small() -> None:
    """The review's case: paired_bootstrap([4], [3]) was "significant"."""
    est = difference({"t": [4.0]}, {"t": [3.0]})
    assert est.value == -1.0 and est.too_small and est.note == TOO_SMALL
    assert not est.has_interval and est.p_value is None
    assert not est.significant() and not est.significant(corrected=False)


def test_minimum_number_of_tasks() -> None:
    a = {i: [1.0] for i in range(MIN_TASKS)}
    b = {i: [0.0] for i in range(MIN_TASKS)}
    assert difference(dict(list(a.items())[:-1]), b, "rate", (0, 1)).too_small
    at_min = difference(a, b, "rate", (0, 1))
    assert not at_min.too_small and at_min.significant()
    assert at_min.p_value == pytest.approx(2 / 2 ** MIN_TASKS)  # sign test: all 10 moved


def test_expanded_level_by_hand() -> None:
    """Hesterberg's √(n/(n−1))·t(n−1, .975): n = 10 → 1.0541 × 2.2622 = 2.3845 →
    1 − 2Φ(−2.3845) = 0.98290; large n → 0.95."""
    assert expanded_level(10) == pytest.approx(0.98290, abs=2e-5)
    assert expanded_level(100_000) == pytest.approx(0.95, abs=1e-4)
    assert expanded_level(10) > expanded_level(20) > expanded_level(55) > 0.95


def test_bca_p_value_agrees_with_scipys_interval() -> None:
    """p < α exactly when scipy's (expanded) 100(1 − α)% BCa interval excludes 0."""
    stat = lambda sa, ca, sb, cb, axis=-1: sb.sum(axis) / cb.sum(axis) - sa.sum(axis) / ca.sum(axis)  # noqa: E731
    checked = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(12, 40))
        a = rng.normal(3, 1, n)
        b = a + rng.normal(0.25 * (seed % 3), 0.8, n)
        est = difference({f"{i:03d}": [a[i]] for i in range(n)},  # keys sort in data order
                         {f"{i:03d}": [b[i]] for i in range(n)})
        ones = np.ones(n)
        ci = _scipy_ci((a, ones, b, ones), stat, True)
        assert (est.lo, est.hi) == pytest.approx(ci)
        assert (est.p_value < 0.05) == (ci[0] > 0 or ci[1] < 0)
        half = float(ndtr(-np.sqrt(n / (n - 1)) * student_t.ppf(0.95, n - 1)))  # α = 0.10
        lo90, hi90 = _scipy_ci((a, ones, b, ones), stat, True, 1 - 2 * half)
        assert (est.p_value < 0.10) == (lo90 > 0 or hi90 < 0)
        checked += est.p_value < 0.05
    assert 0 < checked < 12  # both outcomes occurred


def test_ties_many_tasks_unchanged() -> None:
    """Most paired differences are 0 (ties): the interval holds 0 and nothing is claimed."""
    a = {i: [1.0] for i in range(40)}
    b = {i: [0.0 if i in (3, 17) else 1.0] for i in range(40)}
    est = difference(a, b, "rate", (0.0, 1.0))
    assert est.method == "bca" and est.value == pytest.approx(-0.05)
    assert est.lo < 0 <= est.hi and est.p_value > 0.05 and not est.significant()


def test_nothing_passes_on_either_side_gets_newcombes_interval() -> None:
    """0/55 vs 0/55 (2 samples each): every resample is 0, so BCa is degenerate; MOVER
    from the two sides' clustered Wilson intervals gives ± the Wilson upper of 0/55."""
    zero = {i: [0.0, 0.0] for i in range(55)}
    est = difference(zero, zero, "rate", (0.0, 1.0))
    assert est.method == "mover" and est.value == 0.0 and est.p_value == 1.0
    assert est.hi == pytest.approx(wilson(0, 55).hi) and est.lo == pytest.approx(-est.hi)


def test_every_task_shifted_by_the_same_amount() -> None:
    a = {i: [float(i % 4 + 1)] for i in range(12)}
    b = {i: [float(i % 4 + 1) + 1.0] for i in range(12)}
    est = difference(a, b, "mean", (1.0, 6.0))
    assert est.method == "mover" and est.p_value == pytest.approx(2 / 2 ** 12)


@pytest.mark.parametrize(("k1", "n1", "k2", "n2", "lo", "hi"), NEWCOMBE_DIFF)
def test_mover_matches_newcombe_method_10(k1: int, n1: int, k2: int, n2: int, lo: float,
                                          hi: float) -> None:
    got = mover(k1 / n1 - k2 / n2, wilson(k2, n2), wilson(k1, n1))
    assert got == (pytest.approx(lo, abs=6e-5), pytest.approx(hi, abs=6e-5))


def test_unpaired_groups_resample_whole_tasks() -> None:
    """Responses with vs without a correction, sharing tasks: n counts tasks."""
    rng = np.random.default_rng(5)
    without = {t: list(rng.normal(3, 0.5, 2)) for t in range(20)}
    with_c = {t: list(rng.normal(4, 0.5, 1)) for t in range(0, 20, 2)}
    est = difference(without, with_c, "mean", (1.0, 5.0), paired=False)
    assert est.n == 20 and est.method == "bca" and est.significant(corrected=False)
    few = difference(without, {0: [4.0]}, "mean", (1.0, 5.0), paired=False)
    assert few.too_small


def _share_agree(rows: list[tuple[int, int]]) -> float:
    return float(np.mean([a == b for a, b in rows])) if rows else float("nan")


def test_statistic_of_units() -> None:
    rows = [(i % 3, (i % 3) if i % 4 else (i + 1) % 3) for i in range(40)]
    est = statistic(_share_agree, rows, seed=1)
    assert est.method == "bca" and est.lo < est.value < est.hi and est.n == 40
    assert statistic(_share_agree, rows, seed=1) == est  # seeded: reproducible
    assert statistic(_share_agree, rows[:5]).note == "fewer than 10 units"
    assert not statistic(_share_agree, rows, n_resamples=0).has_interval
    perfect = statistic(_share_agree, [(1, 1)] * 50, bounds=(0.0, 1.0))
    assert perfect.method == "wilson-bounded" and perfect.hi == 1.0
    assert perfect.lo == pytest.approx(wilson(50, 50).lo)
    assert not statistic(_share_agree, [(1, 1)] * 50).has_interval


def test_statistic_with_undefined_resamples() -> None:
    """Undefined on some resamples (NaN): percentile over the defined ones, or none."""
    def needs_three(xs: list[float]) -> float:
        return float(np.mean(xs)) if xs.count(2.0) >= 3 else float("nan")

    est = statistic(needs_three, [1.0] * 12 + [2.0] * 6, seed=2)
    assert est.method == "percentile" and "resamples undefined" in (est.note or "")
    assert est.lo <= est.value <= est.hi

    def distinct(xs: list[float]) -> float:  # undefined once a unit is drawn twice
        return float(np.mean(xs)) if len(set(xs)) == len(xs) else float("nan")

    rare = statistic(distinct, [float(i) for i in range(20)], seed=2)
    assert rare.value == 9.5 and not rare.has_interval
    assert rare.note == "undefined on most resamples"
