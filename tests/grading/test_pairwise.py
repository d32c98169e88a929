"""Pairwise A vs B in both orders through the fake judge; inconsistent orders are a tie."""

from __future__ import annotations

import asyncio
import json

import pytest

from judge.grading.grader import Grader, GraderSettings
from judge.grading.pairwise import judge_pair
from judge.grading.subject import subject_for
from judge.probeset import ProbeSet
from judge.providers.registry import build_provider
from judge.records import JudgmentRecord
from judge.templates import Templates
from tests.grading.conftest import response, task_of
from tests.grading.fakejudge import FakeJudge


def _w(winner: str) -> str:
    return json.dumps({"rationale": f"{winner} is better", "winner": winner})


def pair(script: list[str], probes: ProbeSet, templates: Templates) -> tuple[JudgmentRecord,
                                                                             FakeJudge]:
    task = task_of(probes, "review-restaurant-brisa", "pros-cons")
    a = response(task, "Answer from model one.", model="one")
    b = response(task, "Answer from model two.", model="two")

    async def go(fake: FakeJudge) -> JudgmentRecord:
        provider = build_provider(fake.spec())
        try:
            grader = Grader(provider, templates, GraderSettings(tries=1, attempts=1,
                                                                use_cache=False), "run")
            return await judge_pair(grader, subject_for(probes, a, other=b), 0)
        finally:
            await provider.aclose()

    with FakeJudge(script=script) as fake:
        return asyncio.run(go(fake)), fake


@pytest.mark.parametrize("ab, ba, label, score, consistent", [
    ("A", "B", "A", 1.0, True),  # A wins in both positions
    ("B", "A", "B", 0.0, True),
    ("A", "A", "tie", 0.5, False),  # position bias: the first answer always wins
    ("tie", "tie", "tie", 0.5, True),
])
def test_position_swap(probes: ProbeSet, templates: Templates, ab: str, ba: str, label: str,
                       score: float, consistent: bool) -> None:
    rec, fake = pair([_w(ab), _w(ba)], probes, templates)
    assert rec.status == "ok" and rec.label == label and rec.score == score
    assert rec.verdict["consistent"] is consistent and rec.other_response_id  # type: ignore[index]
    first, second = (r["messages"][-1]["content"] for r in fake.requests)
    assert first.index("Answer from model one.") < first.index("Answer from model two.")
    assert second.index("Answer from model two.") < second.index("Answer from model one.")


def test_unparseable_order_makes_the_pair_unparseable(probes: ProbeSet,
                                                      templates: Templates) -> None:
    rec, _ = pair([_w("A"), "B wins, clearly."], probes, templates)
    assert rec.status == "unparseable" and rec.label is None and rec.score is None
    assert rec.reason and rec.reason.startswith("swapped order:")
    assert "[A|B]" in rec.raw and "[B|A]" in rec.raw
