"""`judge run --batch` and `judge batch status|collect|cancel` through real subprocesses
(`python -m judge`, the SDKs pointed at the fake server through *_BASE_URL). Runs that
only need to exist are started in process, and the subprocesses use OpenAI specs only
(importing the anthropic SDK costs seconds per process; Anthropic batches are covered in
process by test_engine / test_judging / test_vendor)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from judge.cli.batch import guard_resume
from judge.errors import ConfigError
from tests.batch.conftest import (
    KEYS,
    OPENAI,
    batch_config,
    env,
    make_probes,
    manifest,
    rows,
    start_run,
)
from tests.conftest import judge_cli
from tests.fakeserver import FakeServer


def cli(fake: FakeServer, *args: str) -> tuple[int, str]:
    proc = judge_cli(*args, env=env(fake))
    return proc.returncode, proc.stdout + proc.stderr


def test_run_batch_submits_and_prints_ids_and_commands(fake: FakeServer,
                                                       tmp_path: Path) -> None:
    batch_config(fake, hold=True)
    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=2)
    compat = f"compat:qwen3@{fake.openai_base}"
    rc, text = cli(fake, "run", str(probes), "-m", OPENAI, "-m", compat, "--batch",
                   "--batch-size", "4", "--run-id", "b0", "--out", str(tmp_path / "runs"))
    assert rc == 0, text
    run = tmp_path / "runs" / "b0"
    ids = [b["id"] for b in manifest(run)["batches"]]
    assert len(ids) == 2 and all(i in text for i in ids)  # 6 requests, 4 per batch
    assert f"no batch API for {compat}: running online now" in text
    assert "judge batch status b0" in text and "judge batch collect b0" in text
    assert Counter(r["model"] for r in rows(run, "responses.jsonl")) == {compat: 6}
    assert manifest(run)["status"] == "batch-pending"
    with pytest.raises(ConfigError, match="still in flight"):
        guard_resume("b0", tmp_path / "runs", batch=False)
    _no_keys(run)


def test_status_and_collect_across_processes(fake: FakeServer, tmp_path: Path) -> None:
    batch_config(fake, hold=True, error_every=5)
    probes = make_probes(tmp_path / "p.yaml", pages=6, queries=2)
    ctx, _ = start_run(probes, [OPENAI], tmp_path / "runs", "b1", samples=2, batch_size=10)
    out, run = str(tmp_path / "runs"), ctx.store.path
    rc, text = cli(fake, "batch", "status", "b1", "--out", out)
    assert rc == 0 and text.count("in_progress") == 3 and "batch-pending" in text
    rc, text = cli(fake, "batch", "collect", "b1", "--out", out)  # still in progress
    assert rc == 0 and "collected g" not in text and "3 batch(es) in flight" in text
    assert rows(run, "responses.jsonl") == []
    batch_config(fake, error_every=5)  # the vendor finishes
    rc, text = cli(fake, "batch", "collect", "b1", "--out", out)
    assert rc == 0 and text.count("collected g000") == 3 and "--retry-failed" in text
    assert "completed" in text and "(incomplete)" in text
    failed = len(rows(run, "errors.jsonl"))
    assert failed and len(rows(run, "responses.jsonl")) + failed == 24
    rc, text = cli(fake, "batch", "collect", "b1", "--out", out, "--retry-failed", "--wait",
                   "--poll", "0.05")
    assert rc == 0, text
    assert "resubmitted the failed generation items" in text and "(complete)" in text
    got = Counter((r["task_id"], r["model"], r["sample"]) for r in rows(run, "responses.jsonl"))
    assert len(got) == 24 and set(got.values()) == {1}
    _no_keys(run)


def test_cancel_collect_then_resume_online(fake: FakeServer, tmp_path: Path) -> None:
    batch_config(fake, hold=True, cancel_done=0.5)
    probes = make_probes(tmp_path / "p.yaml", pages=4, queries=2)
    ctx, _ = start_run(probes, [OPENAI], tmp_path / "runs", "c1")
    out, run = str(tmp_path / "runs"), ctx.store.path
    rc, text = cli(fake, "batch", "cancel", "c1", "--out", out)
    assert rc == 0 and "cancelling" in text
    rc, text = cli(fake, "batch", "collect", "c1", "--out", out)
    assert rc == 0 and "4 cancelled" in text and "4 ok" in text
    assert {e["error_type"] for e in rows(run, "errors.jsonl")} == {"BatchCancelled"}
    rc, text = cli(fake, "run", "--resume", "c1", "--out", out)  # the rest, online
    assert rc == 0, text
    resp = rows(run, "responses.jsonl")
    assert len(resp) == 8 and len({(r["task_id"], r["sample"]) for r in resp}) == 8
    assert sum("batch_id" in r for r in resp) == 4  # 4 from the batch, 4 online
    _no_keys(run)


def test_wait_with_failures_exits_1_and_says_how_to_retry(fake: FakeServer,
                                                          tmp_path: Path) -> None:
    batch_config(fake, expire_every=3)
    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=2)
    rc, text = cli(fake, "run", str(probes), "-m", OPENAI, "--batch", "--wait", "--poll", "0.05",
                   "--run-id", "w1", "--out", str(tmp_path / "runs"))
    assert rc == 1, text
    assert "expired" in text and "judge batch collect w1 --retry-failed" in text
    assert "judge run --resume w1" in text


def _no_keys(run: Path) -> None:
    """No API key value in any file of the run directory."""
    for path in run.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(k.encode() in data for k in KEYS.values()), path


def test_status_while_another_process_holds_the_run(fake: FakeServer, tmp_path: Path) -> None:
    """In process (CliRunner): status shows live states without writing the manifest;
    batch commands refuse a run that has no batches."""
    from typer.testing import CliRunner

    from judge.cli import app

    batch_config(fake, hold=True)
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=1)
    ctx, _ = start_run(probes, [OPENAI], tmp_path / "runs", "s1")
    before = (ctx.store.path / "manifest.json").read_bytes()
    ctx.store.lock()  # as a `judge batch collect --wait` would
    try:
        res = CliRunner().invoke(app, ["batch", "status", "s1", "--out", str(tmp_path / "runs")],
                                 env={"COLUMNS": "200"})
    finally:
        ctx.store.unlock()
    assert res.exit_code == 0 and "in_progress" in res.output, res.output
    assert (ctx.store.path / "manifest.json").read_bytes() == before
    m = manifest(ctx.store.path)
    m.pop("batch_mode")
    m["batches"] = []
    ctx.store.write_manifest(m)
    res = CliRunner().invoke(app, ["batch", "collect", "s1", "--out", str(tmp_path / "runs")])
    assert res.exit_code != 0 and "was not started with --batch" in str(res.exception)
