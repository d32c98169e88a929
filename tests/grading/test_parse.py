"""Finding verdict JSON in replies."""

from __future__ import annotations

from judge.grading.parse import candidates, json_objects


def test_bare_json_object_only() -> None:
    assert [c.how for c in candidates(' {"a": 1} ')] == ["json"]
    assert candidates("[1, 2]") == [] and candidates("5") == [] and candidates("") == []


def test_fenced_blocks_last_first_then_embedded() -> None:
    reply = 'First ```json\n{"a": 1}\n``` then ```\n{"a": 2}\n``` and {"a": 3}'
    assert [(c.how, c.obj["a"]) for c in candidates(reply)] == [
        ("fenced", 2), ("fenced", 1), ("embedded", 3)]


def test_braces_inside_strings_and_nesting() -> None:
    reply = 'Verdict: {"rationale": "uses {braces} and \\"quotes\\" }", "x": {"y": [1, {}]}} end'
    (only,) = candidates(reply)
    assert only.how == "embedded" and only.obj["x"] == {"y": [1, {}]}


def test_stray_open_brace_in_prose_does_not_hide_the_verdict() -> None:
    reply = 'Let me think {step one: the answer is long. {"rationale": "ok", "score": 2}'
    assert [c.obj for c in candidates(reply)] == [{"rationale": "ok", "score": 2}]
    assert json_objects("{{{") == [] and json_objects("{a} {1: 2}") == []


def test_think_blocks_dropped_even_unclosed() -> None:
    assert candidates('<think>{"a": 1}</think>{"a": 2}')[0].obj == {"a": 2}
    assert candidates('<think>{"a": 1}') == []


def test_long_reply_is_fast() -> None:
    import time

    reply = "{" * 2000 + " prose " * 20000 + '{"a": 1}'
    start = time.perf_counter()
    assert candidates(reply)[0].obj == {"a": 1}
    assert time.perf_counter() - start < 5
