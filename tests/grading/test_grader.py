"""The grader against a loopback fake judge, through the real openai SDK (compat provider):
structured-output request, parse, validate, re-ask with the error, failure records."""

from __future__ import annotations

import asyncio
import json

import pytest

from judge.grading.grader import Grader, GraderSettings
from judge.grading.rubrics import RUBRICS
from judge.grading.subject import subject_for
from judge.probeset import ProbeSet
from judge.providers.registry import build_provider
from judge.records import JudgmentRecord
from judge.templates import Templates
from tests.grading.conftest import response, task_of
from tests.grading.fakejudge import FakeJudge

VALID = json.dumps({"rationale": "Serves the overview well.", "score": 4})


def grade(fake: FakeJudge, probes: ProbeSet, templates: Templates, rubric: str = "intention",
          tries: int = 3, text: str = "The bridge closed for 14 months.") -> JudgmentRecord:
    subject = subject_for(probes, response(task_of(probes, "news-bridge-ledger", "overview"),
                                           text))

    async def go() -> JudgmentRecord:
        provider = build_provider(fake.spec())
        try:
            grader = Grader(provider, templates, GraderSettings(tries=tries, attempts=1,
                                                                use_cache=False), "run")
            return await grader.judge(RUBRICS[rubric], subject, 0)
        finally:
            await provider.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("reply, how", [
    (VALID, "json"),
    (f"Here is my verdict:\n{VALID}\nHope this helps.", "embedded"),
    (f"```json\n{VALID}\n```", "fenced"),
    (f"I considered a 2 at first.\n```\n{VALID}\n```\nFinal: see above.", "fenced"),
])
def test_valid_verdicts_in_any_wrapping(probes: ProbeSet, templates: Templates, reply: str,
                                        how: str) -> None:
    with FakeJudge(script=[reply]) as fake:
        rec = grade(fake, probes, templates)
    assert rec.status == "ok" and rec.score == 4.0 and rec.passed is True
    assert rec.attempts == 1 and rec.parse_status == how  # type: ignore[attr-defined]
    assert rec.rationale == "Serves the overview well." and rec.raw == reply
    assert rec.judge == fake.spec() and rec.rubric == "intention" and len(rec.template_hash) == 64


def test_request_uses_native_json_schema_mode(probes: ProbeSet, templates: Templates) -> None:
    with FakeJudge(script=[VALID]) as fake:
        grade(fake, probes, templates)
    fmt = fake.requests[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "intention_verdict"
    schema = fmt["json_schema"]["schema"]
    assert schema["properties"]["score"]["enum"] == [1, 2, 3, 4, 5]
    assert schema["additionalProperties"] is False and schema["required"] == ["rationale", "score"]


@pytest.mark.parametrize("bad, fragment", [
    ('{"rationale": "no score given"}', "score: Field required"),
    ('{"rationale": "too high", "score": 7}', "score: Input should be less than or equal to 5"),
    ('{"rationale": "fraction", "score": 3.5}', "score"),
    ("I would rate this answer 5 out of 5.", "no JSON object found"),
])
def test_bad_reply_is_reasked_with_the_error(probes: ProbeSet, templates: Templates, bad: str,
                                             fragment: str) -> None:
    with FakeJudge(script=[bad, VALID]) as fake:
        rec = grade(fake, probes, templates)
    assert rec.status == "ok" and rec.score == 4.0 and rec.attempts == 2
    second = fake.requests[1]["messages"]
    assert second[-2] == {"role": "assistant", "content": bad}
    assert second[-1]["role"] == "user" and fragment in second[-1]["content"]
    assert '"enum":[1,2,3,4,5]' in second[-1]["content"]  # the schema is repeated


def test_invalid_twice_then_valid(probes: ProbeSet, templates: Templates) -> None:
    with FakeJudge(script=["{not json", '{"score": 9}', VALID]) as fake:
        rec = grade(fake, probes, templates, tries=3)
    assert rec.status == "ok" and rec.attempts == 3 and len(fake.requests) == 3


def test_always_invalid_is_unparseable_never_scored(probes: ProbeSet,
                                                    templates: Templates) -> None:
    with FakeJudge(script=["Score: 5", "score = 5!", '{"score": "five"}']) as fake:
        rec = grade(fake, probes, templates, tries=3)
    assert rec.status == "unparseable" and rec.score is None and rec.passed is None
    assert rec.verdict is None and rec.attempts == 3 and rec.raw == '{"score": "five"}'
    assert "after 3 replies" in (rec.reason or "") and "score" in (rec.reason or "")
    assert rec.parse_status == "invalid"  # type: ignore[attr-defined]
    assert len(fake.requests) == 3  # bounded by tries


@pytest.mark.parametrize("status", ["!500", "!400"])
def test_transport_error_is_an_error_record(probes: ProbeSet, templates: Templates,
                                            status: str) -> None:
    with FakeJudge(script=[status]) as fake:
        rec = grade(fake, probes, templates)
    assert rec.status == "error" and rec.score is None and rec.reason
    assert status[1:] in rec.reason


def test_coverage_must_judge_every_key_point(probes: ProbeSet, templates: Templates) -> None:
    partial = {"points": [{"id": "kp1", "evidence": "closed", "status": "covered"}],
               "rationale": "only one"}
    ids = ["kp1", "kp2", "kp3", "kp4", "kp5", "kp6"]
    full = {"points": [{"id": k, "evidence": "", "status": "covered" if k in ("kp1", "kp2")
                        else "missing"} for k in ids], "rationale": "core only"}
    with FakeJudge(script=[json.dumps(partial), json.dumps(full)]) as fake:
        rec = grade(fake, probes, templates, rubric="coverage")
    assert "missing key points ['kp2'" in fake.requests[1]["messages"][-1]["content"]
    schema = fake.requests[0]["response_format"]["json_schema"]["schema"]["properties"]["points"]
    assert schema["items"]["properties"]["id"]["enum"] == ids and schema["minItems"] == 6
    assert rec.status == "ok" and rec.passed is True and rec.verdict
    assert rec.verdict["all_core"] is True
    assert rec.score == pytest.approx(4 / 7.5, abs=1e-4)  # 2 core covered of 2+2+1+1+1+.5


def test_think_block_drafts_are_ignored(probes: ProbeSet, templates: Templates) -> None:
    reply = f'<think>maybe {{"rationale": "draft", "score": 1}}</think>\n{VALID}'
    with FakeJudge(script=[reply]) as fake:
        rec = grade(fake, probes, templates)
    assert rec.score == 4.0


def test_cut_off_reply_is_reasked_for_a_shorter_verdict(probes: ProbeSet,
                                                         templates: Templates) -> None:
    cut = '{"claims": [{"claim": "closed", "evidence": "closed", "status": "supported"}, {"cl'
    with FakeJudge(script=[f"!length:{cut}", f"!length:{cut}"]) as fake:
        rec = grade(fake, probes, templates, rubric="faithfulness", tries=2)
    assert rec.status == "unparseable" and rec.raw == cut
    assert "cut off at the 1024-token limit" in (rec.reason or "")
    assert "shorter verdict" in fake.requests[1]["messages"][-1]["content"]
