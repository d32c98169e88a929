"""One real judgment with the embedded model (llama.cpp grammar-constrained JSON).

One intention verdict on the shortest page: about 30 output tokens. (Longer verdicts such as
coverage take minutes on a busy CPU; the fake-judge tests cover them.)"""

from __future__ import annotations

import asyncio

import pytest

from judge import embedded
from judge.grading.grader import Grader, GraderSettings
from judge.grading.rubrics import RUBRICS
from judge.grading.subject import subject_for
from judge.probeset import ProbeSet
from judge.providers.registry import build_provider
from judge.records import JudgmentRecord
from judge.templates import Templates
from tests.grading.conftest import response, task_of


@pytest.mark.slow
@pytest.mark.skipif(not embedded.installed(), reason="embedded model not installed "
                    "(judge models install local)")
def test_embedded_judge_returns_schema_valid_json(probes: ProbeSet, templates: Templates) -> None:
    pytest.importorskip("llama_cpp")
    task = task_of(probes, "short-kettle", "tldr")
    subject = subject_for(probes, response(task, "The Kettlebright Mini is a 0.6-litre travel "
                                                 "kettle that costs $24.99."))

    async def go() -> JudgmentRecord:
        provider = build_provider("local")
        grader = Grader(provider, templates, GraderSettings(tries=2, max_tokens=160,
                                                            temperature=0.0, use_cache=False),
                        "e2e")
        return await grader.judge(RUBRICS["intention"], subject, 0)

    rec = asyncio.run(go())
    assert rec.status == "ok", (rec.reason, rec.raw)
    assert rec.attempts == 1 and rec.parse_status == "json"  # type: ignore[attr-defined]
    assert rec.score in (1.0, 2.0, 3.0, 4.0, 5.0) and rec.rationale
    assert rec.raw.lstrip().startswith("{") and rec.usage.output_tokens > 0
