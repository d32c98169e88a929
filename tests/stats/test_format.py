"""How estimates print: outward rounding, no zero-width intervals, reasons shown."""

from __future__ import annotations

from judge.stats import Estimate, difference, show, show_diff, show_p, wilson


def test_rates_round_outwards_and_never_print_zero_width() -> None:
    assert show(wilson(0, 55)) == "0% [0–7]"  # upper 6.53% → 7, not 6 (and never 0–0)
    assert show(wilson(55, 55)) == "100% [93–100]"
    assert show(wilson(5, 10)) == "50% [23–77]"  # 23.66–76.34
    assert show(wilson(1, 1000)) == "0% [0–1]"
    assert show(wilson(3, 7), n=True) == "43% [15–75] n=7"  # 15.82–74.95


def test_means_diffs_and_missing_intervals() -> None:
    est = Estimate(3.9149, 3.8001, 4.0203, 40, "bca")
    assert show(est, "mean") == "3.91 [3.80–4.03]"
    assert show(Estimate(0.7432, 0.611, 0.855, 40, "bca"), "stat") == "0.743 [0.61, 0.86]"
    assert show(Estimate(3.0, None, None, 4, "none", note="fewer than 10 tasks"), "mean") == \
        "3.00 (no interval: fewer than 10 tasks)"
    assert show(None) == "–" and show_diff(None) == "–"
    assert show_diff(difference({"t": [1.0]}, {"t": [0.0]}), "rate") == "n too small (1 task)"
    zero = {i: [0.0] for i in range(20)}
    assert show_diff(difference(zero, zero, "rate", (0.0, 1.0)), "rate") == "+0 pp [-17, +17]"
    assert show_diff(Estimate(0.031, -0.171, 0.2201, 30, "bca"), "mean") == "+0.03 [-0.18, +0.23]"


def test_p_values() -> None:
    assert (show_p(None), show_p(0.0004), show_p(0.01234), show_p(1.0)) == \
        ("–", "< 0.001", "0.0123", "1")
