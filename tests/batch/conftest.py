"""Batch tests: one loopback fake server (both vendors' batch endpoints), runs started in
process (library) or through `python -m judge` subprocesses."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from judge.batch.context import RunContext
from judge.batch.engine import BatchEngine, PassReport
from judge.batch.start import prepare, start
from judge.grading.session import JudgePlan
from judge.runner import RunSettings
from judge.runs import prepare_run
from tests.fakeserver import FakeConfig, FakeServer

KEYS = {"OPENAI_API_KEY": "sk-batch-openai-5f3a9c1e77d2",
        "ANTHROPIC_API_KEY": "sk-ant-batch-8e21b4c09f6a"}
OPENAI = "openai:gpt-4o-mini"
ANTHROPIC = "anthropic:claude-haiku-4-5"


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeServer]:
    with FakeServer(FakeConfig(track_times=False)) as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    """The server with fresh config, counters and batches; keys and base URLs in the env."""
    fake_server.configure(FakeConfig(track_times=False))
    fake_server.reset()
    fake_server._call("POST", "/_fake/batches/reset", {})
    fake_server._call("POST", "/_fake/batches/config", {})
    for name, value in env(fake_server).items():
        monkeypatch.setenv(name, value)
    return fake_server


def env(fake: FakeServer) -> dict[str, str]:
    return {**KEYS, "OPENAI_BASE_URL": fake.openai_base, "ANTHROPIC_BASE_URL": fake.anthropic_base}


def batch_config(fake: FakeServer, **config: Any) -> None:
    """Replace the fake batch engine's config (see tests.fakeserver.batches.BatchConfig)."""
    fake._call("POST", "/_fake/batches/config", config)


def batch_stats(fake: FakeServer) -> dict[str, Any]:
    return fake._call("GET", "/_fake/batches/stats")


def make_probes(path: Path, pages: int, queries: int, samples: int = 1, kps: int = 1) -> Path:
    """A probe set of pages × queries tasks (short pages: fast to render)."""
    lines = ["name: batchgen", "version: 1", f"samples: {samples}", "pages:"]
    for p in range(pages):
        lines += [f"  - id: page-{p}", "    type: news", f"    title: Page {p}",
                  f"    text: \"Page {p}. The council approved the budget; transit rises 12%.\"",
                  "    key_points:"]
        lines += [f"      - {{id: kp{k}, role: core, text: point {k}}}" for k in range(1, kps + 1)]
    lines.append("queries:")
    lines += [f"  - {{id: q{q}, intent: overview, text: \"Question {q}?\"}}" for q in range(queries)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_run(probes: Path, models: list[str], out: Path, run_id: str, *,
              plan: JudgePlan | None = None, batch_size: int | None = None, wait: bool = False,
              **settings: Any) -> tuple[RunContext, PassReport]:
    """What `judge run --batch` does, in process."""
    base: dict[str, Any] = {"samples": 1, "seed": None, "backoff_initial": 0.01,
                            "max_backoff": 0.2}
    runner, _ = prepare_run(probes, models, RunSettings(**{**base, **settings}), out, run_id)
    ctx = prepare(runner, plan, batch_size)

    async def online(sub: Any) -> Any:
        return await sub.run(set())

    report = asyncio.run(start(ctx, online, wait=wait, poll=0.01, say=lambda _m: None))
    return ctx, report


def collect(ctx: RunContext, retry: bool = False, wait: bool = False,
            cancel: bool = False) -> PassReport:
    """What `judge batch collect` (or `cancel`) does, in process, from a fresh engine."""
    from judge.batch.context import open_context

    fresh = open_context(ctx.store.path, ctx.store.path.parent)
    fresh.store.lock()
    engine = BatchEngine(fresh)

    async def go() -> PassReport:
        try:
            if cancel:
                return await engine.cancel()
            if wait:
                return await engine.wait(0.01, retry)
            return await engine.collect_pass({"generation", "judging"} if retry else set())
        finally:
            await engine.aclose()

    try:
        return asyncio.run(go())
    finally:
        fresh.store.unlock()


def rows(run_dir: Path, name: str) -> list[dict[str, Any]]:
    path = run_dir / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def manifest(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "manifest.json").read_text())
