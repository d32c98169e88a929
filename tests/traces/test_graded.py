"""The model-graded trace tier through the real OpenAI and Anthropic SDKs against the
loopback fake server: labels replace the detector's, garbage is unparseable (nothing
guessed), 429 Retry-After is honoured, the cache serves a second run, costs are recorded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from judge.grading.grader import GraderSettings
from judge.pricing import load_prices
from judge.traces import parse_trace
from judge.traces.graded import Classifier
from tests.fakeserver import FakeConfig, FakeServer
from tests.fakeserver.config import Behavior, Fault, Rule

TRACE = ("The total is 3 + 4 = 8. Wait, let me re-check that sum. "
         "No, it should be 7, not 8. The answer is 7.")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeConfig()) as s:
        yield s


@pytest.fixture
def env(server: FakeServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeServer:
    server.configure(FakeConfig())
    server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai-0123456789abcdef")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-0123456789abcdef")
    monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.anthropic_base)
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return server


def labels(*kinds: str, start: int = 1) -> dict[str, Any]:
    return {"sentences": [{"id": i, "kind": k, "reason": f"r{i}"}
                          for i, k in enumerate(kinds, start=start)]}


def grade(spec: str, text: str = TRACE, **kw: Any) -> tuple[Any, dict[str, Any], Classifier]:
    async def go() -> tuple[Any, dict[str, Any], Classifier]:
        clf = Classifier(spec, settings=GraderSettings(max_backoff=5.0), **kw)
        try:
            result = parse_trace(text)
            block = await clf.grade(text, result)
            return result, block, clf
        finally:
            await clf.aclose()
    return asyncio.run(go())


@pytest.mark.parametrize("spec,model", [("openai:gpt-clf", "gpt-clf"),
                                        ("anthropic:claude-clf", "claude-clf")])
def test_labels_replace_detector(env: FakeServer, spec: str, model: str) -> None:
    env.configure(FakeConfig(models={model: Behavior(json_reply=labels("pivot", "none"))}))
    detector = parse_trace(TRACE)
    assert {e.kind for e in detector.events} & {"self_check", "correction"}
    result, block, clf = grade(spec)
    assert block["graded"] == [1, 2] and block["unparseable"] == []
    graded = [e for e in result.events if e.pattern.startswith("classifier:")]
    assert [(e.kind, e.quote, e.why) for e in graded] == [
        ("pivot", "Wait, let me re-check that sum.", "r1")]
    assert graded[0].pattern == f"classifier:{spec}"
    # sentence 2 graded "none": the detector's correction there is gone
    assert not any(e.kind == "correction" for e in result.events)
    assert clf.stats.calls == 1 and env.stats()["requests"] == 1


def test_garbage_is_unparseable_and_nothing_guessed(env: FakeServer) -> None:
    env.configure(FakeConfig(models={"gpt-clf": Behavior(json_reply={"nope": 1})}))
    detector = parse_trace(TRACE)
    result, block, clf = grade("openai:gpt-clf")
    assert block["graded"] == [] and block["unparseable"] == [1, 2]
    assert "keep the detector" in block["note"]
    assert [e.to_dict() for e in result.events] == [e.to_dict() for e in detector.events]
    assert clf.stats.unparseable == 1 and clf.stats.calls == 3  # 1 + 2 re-asks
    assert env.stats()["requests"] == 3


def test_retry_after_honoured(env: FakeServer) -> None:
    env.configure(FakeConfig(script=[Fault(kind="429", retry_after=1.0)],
                             models={"gpt-clf": Behavior(json_reply=labels("self_check",
                                                                          "correction"))}))
    t0 = time.monotonic()
    result, block, _ = grade("openai:gpt-clf")
    assert time.monotonic() - t0 >= 0.9
    assert block["graded"] == [1, 2] and env.stats()["requests"] == 2


def test_cache_hit_and_cost(env: FakeServer, tmp_path: Path) -> None:
    env.configure(FakeConfig(models={"gpt-clf": Behavior(json_reply=labels("self_check",
                                                                          "correction"))}))
    prices = tmp_path / "prices.json"
    prices.write_text('{"openai:gpt-clf": {"input": 1.0, "output": 2.0}}')
    table = load_prices(str(prices))
    _, _, first = grade("openai:gpt-clf", prices=table)
    assert first.stats.calls == 1 and first.stats.priced and first.stats.cost_usd > 0
    _, block, second = grade("openai:gpt-clf", prices=table)
    assert block["graded"] == [1, 2]
    assert second.stats.calls == 0 and second.stats.cached == 1
    assert second.stats.cost_usd == 0.0
    assert env.stats()["requests"] == 1


def test_cli_traces_classifier_json(env: FakeServer, tmp_path: Path) -> None:
    import orjson
    from typer.testing import CliRunner

    from judge.cli.app import app

    env.configure(FakeConfig(models={"gpt-clf": Behavior(json_reply=labels("self_check",
                                                                          "correction"))}))
    trace = tmp_path / "t.txt"
    trace.write_text(TRACE)
    res = CliRunner().invoke(app, ["traces", str(trace), "--classifier", "openai:gpt-clf",
                                   "--json"])
    assert res.exit_code == 0, res.output
    row = orjson.loads(res.stdout.strip().splitlines()[-1])
    assert row["classifier"]["graded"] == [1, 2]
    assert {e["pattern"] for e in row["events"]} == {"classifier:openai:gpt-clf"}


def test_cli_401_names_spec_not_key(env: FakeServer, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from judge.cli.app import app

    env.configure(FakeConfig(api_keys=["sk-the-right-one-0123456789"]))
    trace = tmp_path / "t.txt"
    trace.write_text(TRACE)
    res = CliRunner().invoke(app, ["traces", str(trace), "--classifier", "openai:gpt-clf"])
    assert res.exit_code != 0
    message = str(res.exception)
    assert type(res.exception).__name__ == "ConfigError"
    assert "openai:gpt-clf" in message and "401" in message
    assert "sk-test-openai" not in message + res.output


def test_judge_run_trace_classifier_writes_graded_events(env: FakeServer, tmp_path: Path,
                                                        small_probes: Path) -> None:
    import json
    import os

    from judge.probeset import expand, load_probeset
    from tests.conftest import judge_cli

    env.configure(FakeConfig(models={"gpt-clf": Behavior(json_reply=labels(
        "self_check", "correction", start=0))}))
    tasks = expand(load_probeset(small_probes))
    answers = tmp_path / "a.jsonl"
    answers.write_text("".join(json.dumps({"task_id": t.id, "text": "ok", "reasoning":
                                           "Let me check. Wait, that's wrong."}) + "\n"
                               for t in tasks))
    proc = judge_cli("run", str(small_probes), "-m", f"replay:{answers}", "--run-id", "g",
                     "--out", str(tmp_path / "runs"), "--trace-classifier", "openai:gpt-clf",
                     env={k: os.environ[k] for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL",
                                                     "JUDGE_CACHE_DIR")})
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(x) for x in (tmp_path / "runs" / "g" / "traces.jsonl").read_text()
            .splitlines()]
    assert rows and all(r["classifier"]["spec"] == "openai:gpt-clf" for r in rows)
    for r in rows:
        assert [(e["kind"], e["pattern"]) for e in r["events"]] == [
            ("self_check", "classifier:openai:gpt-clf"), ("correction", "classifier:openai:gpt-clf")]
    manifest = json.loads((tmp_path / "runs" / "g" / "manifest.json").read_text())
    assert manifest["trace_classifier"]["spec"] == "openai:gpt-clf"
    assert env.stats()["requests"] == 1  # one distinct prompt; the rest from the cache
