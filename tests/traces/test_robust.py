"""Robustness: degenerate and adversarial inputs complete, linearly, with valid results."""

from __future__ import annotations

import json
import time

import orjson
import pytest

from judge.traces import analyze_response, parse_trace
from judge.traces.parser import lexical_parse

MB = 1_000_000


def check(text: str, res) -> None:
    for ev in res.events:
        assert 0 <= ev.start < ev.end <= len(text)
        assert text[ev.start:ev.end] == ev.quote
    orjson.dumps(res.to_dict())  # serialisable (no lone surrogates left)


def timed(text: str, **kw):
    t = time.perf_counter()
    res = parse_trace(text, **kw)
    dt = time.perf_counter() - t
    check(text, res)
    assert dt < 10, f"{len(text)} chars took {dt:.1f}s"
    return res, dt


CASES = [
    ("wait", "wait " * (MB // 5)),
    ("Wait,", "Wait, " * (MB // 6)),
    ("nospace", "a" * MB),
    ("nospace-words", "letmedouble-checkwait" * (MB // 21)),
    ("mixed", ("Let me check 检查 ☃ ∑ 🙂 wait等等 Actually,它 " * (MB // 60))),
    ("emoji", "😀🎉" * (MB // 8)),
    ("cjk", "等等，" * (MB // 9)),
    ("spaces", " " * MB),
    ("newlines", "\n" * MB),
]


@pytest.mark.parametrize(("name", "text"), CASES, ids=[c[0] for c in CASES])
def test_adversarial_megabyte_inputs(name, text):
    res, _ = timed(text)
    if name == "Wait,":
        assert len(res.events) <= 3  # one unit (no sentence end), not 160k events
        assert lexical_parse(text).counts["self_check"] >= 1  # one long merged run
    if name in ("nospace", "emoji", "spaces", "newlines"):
        assert res.events == []


def test_cost_grows_linearly():
    unit = ("Okay so 12 * 4 = 48, and the page lists three prices for the same item. "
            "Wait, is that right? Let me double-check: 12 * 4 = 48. The user asked for the "
            "cheapest option, so I compare the plans one by one and note the fees. "
            "Hmm, I made a mistake earlier, actually it should be 50. 让我再检查一下。") * 100
    timed(unit)  # warm up: compile the groups this text needs
    _, t1 = timed(unit * 4)
    _, t2 = timed(unit * 16)
    assert t2 < 8 * t1 + 0.5, (t1, t2)  # 4x the input, far from quadratic


def test_lone_surrogates_from_json():
    text = json.loads('"Wait, is that right? \\ud800 I made a mistake \\udfff."')
    res = lexical_parse(text)
    assert parse_trace(text).events and all("\ufffd" not in e.quote[:20] for e in res.events)
    assert [e.kind for e in res.events] == ["self_check", "correction"]
    assert "\ufffd" not in res.events[0].quote
    orjson.dumps(res.to_dict())
    res = analyze_response(json.loads('"\\ud83d answer"'), json.loads('"\\udc00 let me verify"'))
    assert res.parsed == "reasoning" and orjson.dumps(res.to_dict())


@pytest.mark.parametrize("text", ["", " ", "\n\n", "<think></think>", "<think>", "</think>"])
def test_empty_inputs(text):
    res = parse_trace(text)
    assert res.events == [] and res.episodes == [] and res.follow_through is None
    assert res.rates_per_1k == {"self_check": 0.0, "correction": 0.0, "pivot": 0.0} or res.tokens_est
    res = analyze_response(text, "", "none")
    assert res.events == []


def test_length_changing_lowercase_keeps_offsets():
    text = "İİİ. Wait, is that right? İ. I made a mistake."
    check(text, parse_trace(text))
    res = lexical_parse(text)
    check(text, res)
    assert [e.quote for e in res.events] == ["Wait, is that right?", "I made a mistake"]


def test_dense_repeat_shortcuts_do_not_change_hits(devset, monkeypatch):
    """Dense repeats of an anchor are looked up by context and periodic runs skipped; the
    resolved hits must equal those of checking every occurrence."""
    from judge.traces import load_library
    from judge.traces import scan as S
    from judge.traces.scan import raw_hits, resolve

    sc = load_library().scanner()
    kinds = [p.category for p in sc.patterns]
    texts = [r["text"] for r in devset[:12]]
    texts += ["wait " * 300 + texts[0] + "Wait, " * 300, "对吧" * 500 + texts[1],
              ("wrong " * 200 + "Wait, is that right? ") * 3, (texts[2] + " ") * 8,
              "my " * 400 + "my answer was wrong. " * 40]

    def resolved(low):
        return resolve(raw_hits(sc, low), kinds, low)

    for t in texts:
        low = S.fold(t)
        fast = resolved(low)
        monkeypatch.setattr(S, "DENSE", -10**9)
        assert resolved(low) == fast, t[:60]
        monkeypatch.undo()

