"""One real judgment pair with the embedded model (llama.cpp grammar-constrained JSON)."""

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

    async def go() -> list[JudgmentRecord]:
        provider = build_provider("local")
        grader = Grader(provider, templates, GraderSettings(tries=2, max_tokens=256,
                                                            temperature=0.0, use_cache=False),
                        "e2e")
        return [await grader.judge(RUBRICS[name], subject, 0)
                for name in ("intention", "coverage")]

    intention, coverage = asyncio.run(go())
    for rec in (intention, coverage):
        assert rec.status == "ok", (rec.reason, rec.raw)
        assert rec.parse_status == "json"  # type: ignore[attr-defined]  # grammar: bare JSON
        assert rec.rationale and rec.usage.output_tokens > 0
    assert intention.score in (1.0, 2.0, 3.0, 4.0, 5.0)
    assert [p["id"] for p in coverage.verdict["points"]] == ["kp1", "kp2", "kp3", "kp4"]  # type: ignore[index]
    assert 0.0 <= (coverage.score or 0.0) <= 1.0 and isinstance(coverage.passed, bool)
