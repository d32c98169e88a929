"""Vendor structured-output modes end to end: the grader through the real OpenAI and
Anthropic SDKs against the shared loopback fake server (json_schema / forced tool use)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from judge.grading.grader import Grader, GraderSettings
from judge.grading.rubrics import RUBRICS
from judge.grading.subject import subject_for
from judge.probeset import ProbeSet
from judge.providers.registry import build_provider
from judge.records import JudgmentRecord
from judge.templates import Templates
from tests.fakeserver import FakeConfig, FakeServer
from tests.grading.conftest import response, task_of


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeConfig()) as s:
        yield s


@pytest.fixture
def vendor_env(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    server.configure(FakeConfig())
    server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai-0123456789abcdef")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-0123456789abcdef")
    monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base)
    return server


@pytest.mark.parametrize("spec", ["openai:gpt-judge", "anthropic:claude-judge"])
def test_native_structured_output(vendor_env: FakeServer, probes: ProbeSet,
                                  templates: Templates, spec: str) -> None:
    subject = subject_for(probes, response(task_of(probes, "short-kettle", "tldr"),
                                           "A $24.99 travel kettle."))

    async def go() -> list[JudgmentRecord]:
        provider = build_provider(spec)
        try:
            grader = Grader(provider, templates, GraderSettings(attempts=1, use_cache=False),
                            "run")
            return [await grader.judge(RUBRICS[name], subject, 0)
                    for name in ("intention", "strategy", "reflection")]
        finally:
            await provider.aclose()

    for rec in asyncio.run(go()):
        assert rec.status == "ok", (rec.rubric, rec.reason, rec.raw)
        assert rec.attempts == 1 and rec.parse_status == "json"  # type: ignore[attr-defined]
    assert vendor_env.stats()["requests"] == 3
