"""`judge run` with several hosted models (and the embedded one) against the fake server."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from judge import embedded
from tests.conftest import ROOT, judge_cli
from tests.fakeserver import Behavior, FakeConfig, FakeServer

PROBES = str(ROOT / "probes" / "web-summaries.yaml")
KEYS = {"OPENAI_API_KEY": "sk-cli-openai-0123456789", "ANTHROPIC_API_KEY": "sk-ant-cli-0123456789"}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    config = FakeConfig(models={"qwen3": Behavior(reasoning="think_tags")})
    with FakeServer(config) as fake:
        yield fake


def _env(fake: FakeServer, tmp_path: Path) -> dict[str, str]:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"models": {"compat:qwen3": {"input": 0.5, "output": 1.5}}}))
    return {**KEYS, "OPENAI_BASE_URL": fake.openai_base, "ANTHROPIC_BASE_URL": fake.anthropic_base,
            "JUDGE_PRICES": str(prices)}


def _models(fake: FakeServer) -> list[str]:
    return ["openai:gpt-4o-mini", "anthropic:claude-sonnet-4-5?thinking_budget=1024",
            f"compat:qwen3@{fake.openai_base}"]


def _rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def test_one_run_three_hosted_providers(server: FakeServer, tmp_path: Path) -> None:
    args = ["run", PROBES, "--limit", "3", "--samples", "2", "--run-id", "multi",
            "--out", str(tmp_path), "--concurrency", "4", "--rpm", "6000"]
    for m in _models(server):
        args += ["-m", m]
    proc = judge_cli(*args, env=_env(server, tmp_path))
    assert proc.returncode == 0, proc.stderr
    rows = _rows(tmp_path / "multi" / "responses.jsonl")
    assert Counter(r["model"] for r in rows) == {m: 6 for m in _models(server)}
    sources = {r["model"].split(":")[0]: r["reasoning"]["source"] for r in rows}
    assert sources == {"openai": "none", "anthropic": "thinking_block", "compat": "think_tags"}
    assert all(r["cost_usd"] and r["cost_usd"] > 0 for r in rows)  # all three are priced
    manifest = json.loads((tmp_path / "multi" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["settings"]["rpm"] == 6000
    assert manifest["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in rows), rel=1e-5)
    assert "cost $" in proc.stdout and "spent this session" in proc.stdout
    # the same run again: all from the cache, nothing spent
    args[args.index("multi")] = "again"
    proc = judge_cli(*args, env=_env(server, tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert all(r["cached"] for r in _rows(tmp_path / "again" / "responses.jsonl"))
    assert json.loads((tmp_path / "again" / "manifest.json").read_text())["cost_usd"] == 0


def test_max_cost_exit_code_and_resume(server: FakeServer, tmp_path: Path) -> None:
    args = ["run", PROBES, "--limit", "4", "--samples", "2", "--run-id", "cap", "--out",
            str(tmp_path), "--concurrency", "1", "--max-cost", "0.00001", "--no-cache",
            "-m", f"compat:qwen3@{server.openai_base}"]
    proc = judge_cli(*args, env=_env(server, tmp_path))
    assert proc.returncode == 1
    assert "stopped scheduling" in proc.stderr and "--max-cost $1e-05 reached" in proc.stderr
    assert len(_rows(tmp_path / "cap" / "responses.jsonl")) < 8
    proc = judge_cli("run", "--resume", "cap", "--out", str(tmp_path), "--max-cost", "5",
                     env=_env(server, tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert len(_rows(tmp_path / "cap" / "responses.jsonl")) == 8


def test_missing_key_is_said_on_the_terminal(server: FakeServer, tmp_path: Path) -> None:
    """The reason a model stopped (no key, a 401) is printed, not only left in errors.jsonl."""
    env = {**_env(server, tmp_path), "OPENAI_API_KEY": ""}
    proc = judge_cli("run", PROBES, "--limit", "2", "--samples", "1", "--out", str(tmp_path),
                     "--no-cache", "-m", "openai:gpt-4o-mini", env=env)
    assert proc.returncode == 1
    said = " ".join((proc.stdout + proc.stderr).split())
    assert "openai:gpt-4o-mini stopped after: OPENAI_API_KEY is not set" in said


@pytest.mark.slow
@pytest.mark.skipif(not embedded.installed(), reason="embedded model not installed "
                    "(judge models install local)")
def test_hosted_and_embedded_in_one_run(server: FakeServer, tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    args = ["run", PROBES, "--limit", "2", "--samples", "1", "--max-tokens", "48",
            "--run-id", "all", "--out", str(tmp_path)]
    for m in [*_models(server), "local"]:
        args += ["-m", m]
    proc = judge_cli(*args, env=_env(server, tmp_path), timeout=600)
    assert proc.returncode == 0, proc.stderr
    rows = _rows(tmp_path / "all" / "responses.jsonl")
    assert Counter(r["model"].split(":")[0].split("?")[0] for r in rows) == {
        "openai": 2, "anthropic": 2, "compat": 2, "local": 2}
