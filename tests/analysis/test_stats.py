"""Statistics against values computed by hand."""

from __future__ import annotations

import pytest

from judge.analysis.stats import (bootstrap_diff, bootstrap_mean, bootstrap_ratio, cluster_mean,
                                  fmt, fmt_diff, mcnemar_exact, paired_bootstrap, rate, wilson)


def test_wilson_known_values() -> None:
    zero = wilson(0, 10)
    assert (zero.value, zero.lo) == (0.0, 0.0) and zero.hi == pytest.approx(0.2775, abs=1e-4)
    half = wilson(5, 10)
    assert (half.lo, half.hi) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    assert wilson(0, 0).value is None and wilson(0, 0).n == 0
    assert wilson(29, 30).lo == pytest.approx(0.8333, abs=1e-3)


def test_rate_ignores_unknowns() -> None:
    est = rate([True, False, None, True])
    assert (est.k, est.n, est.value) == (2, 3, pytest.approx(2 / 3))


def test_mcnemar_exact() -> None:
    assert mcnemar_exact(1, 9).p_value == pytest.approx(2 * 11 / 1024)
    assert mcnemar_exact(9, 1).p_value == pytest.approx(2 * 11 / 1024)
    assert mcnemar_exact(0, 0).p_value == 1.0
    assert mcnemar_exact(5, 5).p_value == 1.0


def test_bootstraps() -> None:
    const = bootstrap_mean([3.0] * 20)
    assert (const.value, const.lo, const.hi) == (3.0, 3.0, 3.0)
    same = paired_bootstrap([1, 2, 3, 4], [1, 2, 3, 4])
    assert (same.value, same.lo, same.hi) == (0.0, 0.0, 0.0)
    shift = paired_bootstrap([1, 2, 3, 4, 5] * 8, [2, 3, 4, 5, 6] * 8)
    assert shift.value == pytest.approx(1.0) and shift.excludes(0)
    diff = bootstrap_diff([0.0] * 30 + [1.0] * 10, [1.0] * 30 + [0.0] * 10)
    assert diff.value == pytest.approx(0.5) and diff.lo > 0.2
    assert bootstrap_mean([1.0, 2.0]) == bootstrap_mean([1.0, 2.0])  # fixed seed
    assert bootstrap_ratio([], []).value is None


def test_cluster_mean_counts_units_and_resamples_clusters() -> None:
    est = cluster_mean([1, 1, 1, 0, None], ["a", "a", "a", "b", "b"])
    assert est.value == pytest.approx(0.75) and est.n == 4
    assert est.lo == 0.0 and est.hi == 1.0  # only two clusters: either can be drawn twice


def test_formatting() -> None:
    assert fmt(wilson(5, 10), pct=True) == "50% [24%–76%]"
    assert fmt(None) == "–"
    assert fmt_diff(paired_bootstrap([0] * 5, [1] * 5), rate_kind=True) == "+100 pp [+100, +100]"
