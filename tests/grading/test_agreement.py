"""Agreement statistics against published worked examples."""

from __future__ import annotations

import math

import pytest

from judge.grading.agreement import (
    bootstrap,
    cohen_kappa,
    fleiss_kappa,
    kappa_for,
    krippendorff_alpha,
    percent_agreement,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C:
# 4 observers × 12 units, values 1–5, missing data (None).
K_A = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
K_B = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
K_C = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
K_D = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
KRIPP = [list(r) for r in zip(K_A, K_B, K_C, K_D)]

# Fleiss (1971) Table 1: 30 patients, 6 psychiatrists, 5 diagnoses (counts per category).
FLEISS_1971 = """0 0 0 6 0|0 3 0 0 3|0 1 4 0 1|0 0 0 0 6|0 3 0 3 0|2 0 4 0 0|0 0 4 0 2|2 0 3 1 0
|2 0 0 4 0|0 0 0 0 6|1 0 0 5 0|1 1 0 4 0|0 3 3 0 0|1 0 0 5 0|0 2 0 3 1|0 0 5 0 1|3 0 0 1 2
|5 1 0 0 0|0 2 0 4 0|1 0 2 0 3|0 0 0 0 6|0 1 0 5 0|0 2 0 1 3|2 0 0 4 0|1 0 0 4 1|0 5 0 1 0
|4 0 0 0 2|0 2 0 4 0|1 0 5 0 0|0 0 0 0 6"""
# The widely reproduced 10 subjects × 14 raters × 5 categories example (κ = 0.210).
FLEISS_14 = """0 0 0 0 14|0 2 6 4 2|0 0 3 5 6|0 3 9 2 0|2 2 8 1 1|7 7 0 0 0|3 2 6 3 0
|2 5 3 2 2|6 5 2 1 0|0 2 2 3 7"""


def _ratings(table: str) -> list[list[int]]:
    rows = []
    for line in table.replace("\n", "").split("|"):
        counts = [int(x) for x in line.split()]
        rows.append([cat for cat, n in enumerate(counts, 1) for _ in range(n)])
    return rows


def _pairs(table: list[list[int]]) -> tuple[list[int], list[int]]:
    a, b = [], []
    for i, row in enumerate(table, 1):
        for j, n in enumerate(row, 1):
            a += [i] * n
            b += [j] * n
    return a, b


@pytest.mark.parametrize("level, expected", [("nominal", 0.743), ("ordinal", 0.815),
                                             ("interval", 0.849)])
def test_krippendorff_2011_example_c(level: str, expected: float) -> None:
    assert krippendorff_alpha(KRIPP, level) == pytest.approx(expected, abs=5e-4)  # type: ignore[arg-type]


def test_krippendorff_2011_binary_example() -> None:
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha(list(map(list, zip(a, b))), "nominal") == pytest.approx(0.095,
                                                                                     abs=5e-4)


def test_krippendorff_labels_are_coded() -> None:
    m = [["event", "event"], ["generic", "event"], ["other", "other"], ["generic", "generic"]]
    coded = [[{"event": 1, "generic": 2, "other": 3}[v] for v in r] for r in m]
    assert krippendorff_alpha(m, "nominal") == pytest.approx(krippendorff_alpha(coded, "nominal"))


def test_fleiss_1971() -> None:
    assert fleiss_kappa(_ratings(FLEISS_1971)) == pytest.approx(0.430, abs=5e-4)


def test_fleiss_14_raters() -> None:
    assert fleiss_kappa(_ratings(FLEISS_14)) == pytest.approx(0.210, abs=5e-4)


def test_cohen_textbook_2x2() -> None:
    # 50 proposals, two readers: yes/yes 20, yes/no 5, no/yes 10, no/no 15 → κ = 0.40.
    a, b = _pairs([[20, 5], [10, 15]])
    assert cohen_kappa(a, b) == pytest.approx(0.40, abs=1e-9)


def test_cohen_weighted_agresti_sexual_fun() -> None:
    # Agresti's husband × wife "sexual fun" table (R vcd::SexualFun): Kappa() reports
    # unweighted 0.1293 and equal-spacing (linear) weighted 0.2374.
    a, b = _pairs([[7, 7, 2, 3], [2, 8, 3, 7], [1, 5, 4, 9], [2, 8, 9, 14]])
    assert cohen_kappa(a, b) == pytest.approx(0.1293, abs=5e-5)
    assert cohen_kappa(a, b, "linear") == pytest.approx(0.2374, abs=5e-5)
    assert cohen_kappa(a, b, "quadratic") > cohen_kappa(a, b, "linear")


def test_percent_agreement_and_degenerate_cases() -> None:
    assert percent_agreement([[1, 1], [1, 2], [3, None]]) == 0.5
    assert percent_agreement([[1, 1, 2]]) == pytest.approx(1 / 3)
    assert math.isnan(krippendorff_alpha([[3, 3], [3, 3]], "ordinal"))  # no variation
    assert math.isnan(cohen_kappa([1, 1], [1, 1]))
    assert math.isnan(percent_agreement([[1, None]]))


def test_bootstrap_interval_brackets_the_estimate() -> None:
    a, b = _pairs([[20, 5], [10, 15]])
    m = [list(r) for r in zip(a, b)]
    name, stat = kappa_for(m, "nominal")
    est = bootstrap(stat, m, n_boot=500, seed=1)
    assert name == "Cohen κ" and est.n == 50 and est.value == pytest.approx(0.4)
    assert 0.1 < est.lo < 0.4 < est.hi < 0.7 and est.method == "bca"
    assert bootstrap(stat, m, n_boot=500, seed=1) == est  # seeded: reproducible
    assert kappa_for(KRIPP, "ordinal")[0] == "Fleiss κ"
    assert kappa_for(m, "ordinal", "linear")[0] == "Cohen κ (linear)"
