"""The accuracy harness: the scorer on hand-made cases, the baselines, and the CI floor."""

from __future__ import annotations

import numpy as np
import pytest

from judge.traces import accuracy as A
from judge.traces.accuracy import Span, Trace

FLOOR = 0.03  # the shipped detector may fall at most this far below its recorded test F1


def _one(labels: list[Span], events: list[Span], kind: str = "self_check") -> tuple:
    return A.match_counts(labels, events, kind)


def test_overlap_matching_by_kind() -> None:
    labels = [Span("self_check", 10, 20)]
    assert _one(labels, [Span("self_check", 19, 30)]) == (1, 1, 1, 1)
    assert _one(labels, [Span("self_check", 20, 30)]) == (0, 1, 0, 1)  # touching is not overlap
    assert _one(labels, [Span("correction", 10, 20)]) == (0, 0, 0, 1)  # another kind


def test_event_overlapping_two_labels_is_one_match_and_recalls_both() -> None:
    labels = [Span("self_check", 0, 10), Span("self_check", 12, 20)]
    assert _one(labels, [Span("self_check", 5, 15)]) == (1, 1, 2, 2)


def test_empty_traces() -> None:
    assert _one([], []) == (0, 0, 0, 0)
    c = np.zeros(4)
    assert np.isnan(A.precision(c)) and np.isnan(A.recall(c)) and np.isnan(A.f1(c))
    assert A.f1(np.array([0, 3, 0, 2.0])) == 0.0


def test_pooled_figures_and_interval_contains_point() -> None:
    rng = np.random.default_rng(1)
    per = np.array([[m, e, r, lab] for m, e, r, lab in
                    ((rng.integers(0, 3), 3, rng.integers(0, 4), 4) for _ in range(40))], float)
    ks = A.kind_score(per, boots=500, seed=3)
    tot = per.sum(axis=0)
    assert ks.p.value == pytest.approx(tot[0] / tot[1])
    assert ks.r.value == pytest.approx(tot[2] / tot[3])
    for est in (ks.p, ks.r, ks.f1):
        assert est.has_interval and est.lo <= est.value <= est.hi


def test_spearman_of_counts() -> None:
    per = np.array([[0, n, 0, n] for n in (0, 1, 2, 3, 5, 8, 9, 10, 11, 12)], float)
    assert A.kind_score(per, boots=0).spearman == pytest.approx(1.0)
    per[:, 3] = per[::-1, 3]
    assert A.kind_score(per, boots=0).spearman == pytest.approx(-1.0)
    per[:, 1] = 2
    assert A.kind_score(per, boots=0).spearman is None  # constant predictions


def test_baselines_on_a_tiny_case() -> None:
    text = "So x is 4. Wait, let me check that. Let me recheck the sum. Done."
    trace = Trace("t", text, "en", (Span("self_check", 11, 35),))
    naive = A.sentence_rule(A.NAIVE)(trace)
    assert naive == [Span("self_check", 11, 35), Span("correction", 11, 35)]
    r1 = A.sentence_rule(A.R1ZERO)(trace)
    assert r1 == [Span("self_check", 36, 59), Span("correction", 36, 59)]
    ts = A.TraceSet("tiny", (trace,), ("self_check", "correction"))
    got = A.score(ts, A.System("naive", A.sentence_rule(A.NAIVE), ("self_check", "correction")),
                  boots=0)
    sc, co = got.kinds["self_check"], got.kinds["correction"]
    assert (sc.p.value, sc.r.value, sc.f1.value) == (1.0, 1.0, 1.0)
    assert co.p.value == 0.0 and co.r.value is None  # no correction labels: R undefined
    got = A.score(ts, A.System("r1zero", A.sentence_rule(A.R1ZERO), ("self_check",)), boots=0)
    assert got.kinds["self_check"].p.value == 0.0 and list(got.kinds) == ["self_check"]


def test_human_row_needs_the_real_corpus() -> None:
    with pytest.raises(A.AccuracyError):
        A.score(A.load_set("holdout"), A.SYSTEMS["human"], boots=0)


def test_shipped_test_f1_holds_the_recorded_figure() -> None:
    rec = A.read_record()
    assert rec["corpus_sha256"] == A.corpus_sha256(), (
        "the real corpus changed since judge/traces/accuracy_record.json was written: "
        "re-record with python bench/trace_accuracy.py --record")
    got = A.score(A.load_real("test"), A.SYSTEMS["shipped"], boots=0)
    for kind in ("self_check", "correction"):
        now, then = got.kinds[kind].f1.value, rec["kinds"][kind]["f1"]
        assert now is not None and now >= then - FLOOR, f"{kind} test F1 {now:.3f} < {then:.3f} - {FLOOR}"
