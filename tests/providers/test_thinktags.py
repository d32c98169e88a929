"""<think> splitting: batch shapes, and the streaming splitter agrees with the batch one."""

from __future__ import annotations

import random

import pytest

from judge.providers.thinktags import ThinkStream, split_think


@pytest.mark.parametrize("text, reasoning, answer, found", [
    ("plain answer", "", "plain answer", False),
    ("<think>\nhmm, wait\n</think>\n\nThe answer.", "hmm, wait", "The answer.", True),
    ("<think>ran out of budget while thin", "ran out of budget while thin", "", True),
    ("opened by the template</think>\nAnswer", "opened by the template", "Answer", True),
    ("<think>a</think>mid<think>b</think>end", "a\n\nb", "midend", True),
    ("<think></think>just text", "", "just text", True),
])
def test_split_shapes(text: str, reasoning: str, answer: str, found: bool) -> None:
    split = split_think(text)
    assert (split.reasoning, split.answer, split.found) == (reasoning, answer, found)


def _stream(text: str, sizes: list[int]) -> tuple[str, str]:
    splitter = ThinkStream()
    parts: list[tuple[str, str]] = []
    pos = 0
    for size in sizes:
        parts += splitter.feed(text[pos:pos + size])
        pos += size
    parts += splitter.feed(text[pos:])
    parts += splitter.close()
    reasoning = "".join(t for k, t in parts if k == "reasoning")
    answer = "".join(t for k, t in parts if k == "text")
    return reasoning, answer


@pytest.mark.parametrize("text", [
    "<think>\nLet me check. Wait, 2+2=4.\n</think>\n\nIt is 4.",
    "<think>never closed because the budget ran out",
    "no tags at all, a < b and c > d",
    "<thinking> is not a tag </think",
])
def test_stream_agrees_with_batch(text: str) -> None:
    rng = random.Random(7)
    batch = split_think(text)
    for _ in range(50):
        sizes = [rng.randint(1, 9) for _ in range(len(text))]
        reasoning, answer = _stream(text, sizes)
        assert reasoning.strip() == batch.reasoning
        assert answer.strip() == batch.answer


def test_stream_holds_back_a_split_tag() -> None:
    splitter = ThinkStream()
    assert list(splitter.feed("<thi")) == []
    assert list(splitter.feed("nk>why")) == [("reasoning", "why")]
    assert list(splitter.feed("</th")) == []
    assert list(splitter.feed("ink>so")) == [("text", "so")]
