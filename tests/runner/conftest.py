"""Helpers for runner tests: generated probe sets, in-process runs, the fake server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from judge.runner import Runner, RunResult, RunSettings
from judge.runs import finish, prepare_resume, prepare_run
from tests.fakeserver import FakeConfig, FakeServer

PAGE = "The council approved the budget after a long debate; transit spending rises 12%."


def make_probes(path: Path, pages: int, queries: int, samples: int = 1,
                extra_text: dict[int, str] | None = None) -> Path:
    """A probe set of pages × queries distinct tasks."""
    lines = ["name: gen", "version: 1", f"samples: {samples}", "pages:"]
    for p in range(pages):
        text = f"Page {p}. {PAGE} {(extra_text or {}).get(p, '')}".strip()
        lines += [f"  - id: page-{p}", "    type: news", f"    title: Page {p}",
                  f"    text: {json.dumps(text)}"]
    lines.append("queries:")
    lines += [f"  - {{id: q{q}, intent: overview, text: \"Question {q}?\"}}" for q in range(queries)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_once(probes: Path, models: list[str], settings: RunSettings, out: Path,
             run_id: str) -> tuple[Runner, RunResult]:
    """What `judge run` does, minus the progress bar."""
    runner, _ = prepare_run(probes, models, settings, out, run_id)
    result = asyncio.run(runner.run(set()))
    finish(runner, result, "complete" if not result.failed and not result.budget_stop
           else "incomplete")
    return runner, result


def resume_once(ref: str, out: Path, overrides: dict[str, Any]) -> tuple[Runner, RunResult]:
    runner, _, _ = prepare_resume(ref, out, overrides=overrides)
    result = asyncio.run(runner.run(runner.store.done_keys()))
    finish(runner, result, "complete" if not result.failed and not result.budget_stop
           else "incomplete")
    return runner, result


def records(run_dir: Path, name: str) -> list[dict[str, Any]]:
    path = run_dir / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def fake_proc() -> Iterator[FakeServer]:
    """A fake server in its own process: the client under test gets a core to itself."""
    with FakeServer(FakeConfig(), subprocess=True) as server:
        yield server


@pytest.fixture
def fake(fake_proc: FakeServer) -> FakeServer:
    fake_proc.configure(FakeConfig())
    fake_proc.reset()
    return fake_proc


def fast_settings(**kw: Any) -> RunSettings:
    """Quick retries: tests are about behaviour, not waiting."""
    base: dict[str, Any] = {"samples": 1, "concurrency": 8, "attempts": 6,
                            "backoff_initial": 0.01, "max_backoff": 0.3, "seed": None}
    base.update(kw)
    return RunSettings(**base)
