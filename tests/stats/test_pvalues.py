"""Exact McNemar and Holm's correction against hand-computed and textbook values."""

from __future__ import annotations

import math

import pytest

from judge.stats import holm, mcnemar


def test_mcnemar_exact_by_hand() -> None:
    """1 vs 9 discordant pairs: p = 2·(C(10,0) + C(10,1))/2^10 = 22/1024."""
    assert mcnemar(1, 9).p_value == pytest.approx(22 / 1024)
    assert mcnemar(9, 1).p_value == pytest.approx(22 / 1024)
    assert mcnemar(0, 0).p_value == 1.0 and mcnemar(5, 5).p_value == 1.0
    assert mcnemar(1, 0, n=1).p_value == 1.0  # one flipped task proves nothing
    assert mcnemar(0, 6).p_value == pytest.approx(2 / 64)


def test_mcnemar_agresti_example() -> None:
    """Agresti (2007, An Introduction to Categorical Data Analysis, §8.1): presidential
    approval, 150 approve→disapprove vs 86 disapprove→approve; the exact two-sided
    binomial p-value is 2·P(X ≤ 86 | 236, ½)."""
    tail = sum(math.comb(236, i) for i in range(87)) / 2 ** 236
    assert mcnemar(150, 86).p_value == pytest.approx(2 * tail, rel=1e-9)
    assert mcnemar(150, 86).p_value < 1e-4


def test_holm_by_hand() -> None:
    """Sorted 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 →
    running maximum 0.02, 0.03, 0.06, 0.06."""
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.01, None, 0.04]) == [pytest.approx(0.02), None, pytest.approx(0.04)]
    assert holm([]) == [] and holm([None]) == [None]
    assert holm([0.6, 0.9]) == [1.0, 1.0]  # capped at 1


def test_one_chance_crossing_of_six_is_not_a_finding() -> None:
    adjusted = holm([0.03, 0.41, 0.62, 0.77, 0.88, 0.95])
    assert adjusted[0] == pytest.approx(0.18) and all(p >= 0.05 for p in adjusted)
