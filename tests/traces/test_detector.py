"""The sentence-level detector: shipped weights, events, pivots, reproducible training."""

from __future__ import annotations

import json
import time

import pytest

from judge.traces import parse_trace
from judge.traces.detector import _load, load_detector, weights_path
from judge.traces.models import Event
from judge.traces.parser import build_episodes
from judge.traces.train import corpus_version, default_corpus, train, write_weights

TEXT = ("The total is 12 apples. Wait, let me double-check: 5 + 7 = 12. Yes. "
        "Hmm, maybe a table would make this easier. Actually, I made a mistake: it should be 13.")


def test_weights_load_under_half_a_second():
    _load.cache_clear()
    t = time.perf_counter()
    det = load_detector()
    assert time.perf_counter() - t < 0.5
    assert det.kinds == ("self_check", "correction", "pivot") and len(det.names) > 100


def test_weights_record_the_corpus_version():
    doc = json.loads(weights_path().read_text(encoding="utf-8"))
    assert doc["corpus"]["sha256"] == corpus_version(default_corpus())
    assert doc["corpus"]["splits_used"] == ["train", "dev"] and "settings" in doc


def test_events_have_span_quote_and_why():
    res = parse_trace(TEXT)
    assert res.events
    for ev in res.events:
        assert TEXT[ev.start:ev.end] == ev.quote and ev.why and ev.kind in res.counts


def test_pivots_are_never_self_checks_nor_episodes():
    evs = [Event("pivot", 0, 5, "Wait,", "", "en"), Event("correction", 6, 10, "x", "", "en")]
    assert build_episodes("Wait, x is 3.", evs) == []
    res = parse_trace(TEXT)
    assert res.counts["self_check"] == sum(e.kind == "self_check" for e in res.events)


@pytest.mark.timeout(300)
def test_train_is_reproducible_on_a_slice(tmp_path):
    pytest.importorskip("sklearn", reason="judge traces train needs the train extra (scikit-learn)")
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_weights(train(default_corpus(), _lexical(), limit=25, log=lambda s: None), a)
    write_weights(train(default_corpus(), _lexical(), limit=25, log=lambda s: None), b)
    assert a.read_bytes() == b.read_bytes()
    assert json.loads(a.read_text())["corpus"]["limit"] == 25


def _lexical():
    from judge.traces.parser import lexical_events
    return lexical_events
