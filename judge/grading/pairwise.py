"""Pairwise A vs B with position swap: ask in both orders; disagreeing orders are a tie.

The stored judgment belongs to response A (``response_id``) with B in
``other_response_id``; ``label`` is "A", "B" or "tie" and ``score`` is A's share
(1, 0.5, 0). Its verdict keeps both orders' verdicts, with the swapped winner mapped back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from judge.grading.grader import Grader, Outcome
from judge.grading.rubrics import RUBRICS
from judge.grading.subject import Subject
from judge.grading.verdicts import PairwiseVerdict
from judge.records import JudgmentRecord

_SWAP = {"A": "B", "B": "A", "tie": "tie"}
_SCORE = {"A": 1.0, "B": 0.0, "tie": 0.5}


def combine(ab: PairwiseVerdict, ba: PairwiseVerdict) -> tuple[str, dict[str, Any]]:
    """Winner over both orders (``ba`` was asked with A and B swapped) and the verdict dict."""
    second = _SWAP[ba.winner]
    consistent = ab.winner == second
    winner = ab.winner if consistent else "tie"
    return winner, {"winner": winner, "consistent": consistent,
                    "order_ab": ab.model_dump(mode="json"),
                    "order_ba": {**ba.model_dump(mode="json"), "winner_mapped": second},
                    "rationale": f"{ab.rationale} | swapped: {ba.rationale}"}


def _merge(first: Outcome, second: Outcome) -> Outcome:
    """One outcome for the record: failures win; raw replies and usage are joined."""
    bad = first if first.verdict is None else second
    merged = Outcome(verdict=None, raw=f"[A|B]\n{first.raw}\n\n[B|A]\n{second.raw}",
                     attempts=first.attempts + second.attempts,
                     parse_status=bad.parse_status if bad.verdict is None else first.parse_status,
                     reason=bad.reason, error=first.error or second.error,
                     usage=first.usage.add(second.usage),
                     latency_s=first.latency_s + second.latency_s,
                     cost_usd=None if first.cost_usd is None and second.cost_usd is None
                     else (first.cost_usd or 0.0) + (second.cost_usd or 0.0),
                     sent=first.sent + second.sent)
    if bad.reason and bad is second:
        merged.reason = f"swapped order: {bad.reason}"
    return merged


async def judge_pair(grader: Grader, subject: Subject, judge_sample: int) -> JudgmentRecord:
    """Judge A (subject.response) vs B (subject.other) in both orders."""
    assert subject.other is not None
    rubric = RUBRICS["pairwise"]
    swapped = replace(subject, response=subject.other, other=subject.response)
    first = await grader.ask(rubric, subject, judge_sample)
    second = await grader.ask(rubric, swapped, judge_sample)
    out = _merge(first, second)
    record = grader.record(rubric, subject, judge_sample, out)
    if isinstance(first.verdict, PairwiseVerdict) and isinstance(second.verdict, PairwiseVerdict):
        winner, verdict = combine(first.verdict, second.verdict)
        record = record.model_copy(update={
            "status": "ok", "verdict": verdict, "label": winner, "score": _SCORE[winner],
            "rationale": verdict["rationale"], "reason": None})
    return record
