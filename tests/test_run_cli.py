"""`judge run` end to end through real subprocesses, with the replay provider."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from judge.probeset import expand, load_probeset
from tests.conftest import ROOT, judge_cli

BUNDLED = ROOT / "probes" / "web-summaries.yaml"


def _answers(path: Path, probes_path: Path, skip: int = 0) -> Path:
    tasks = expand(load_probeset(probes_path))
    path.write_text("".join(json.dumps({"task_id": t.id, "text": f"answer to {t.label}",
                                        "reasoning": "Let me check. Wait, that's wrong."}) + "\n"
                            for t in tasks[skip:]), encoding="utf-8")
    return path


def _rows(run: Path, name: str) -> list[dict]:
    p = run / name
    return [json.loads(x) for x in p.read_text().splitlines() if x.strip()] if p.exists() else []


def test_run_two_models_writes_every_record(small_probes: Path, tmp_path: Path) -> None:
    a = _answers(tmp_path / "a.jsonl", small_probes)
    b = _answers(tmp_path / "b.jsonl", small_probes)
    proc = judge_cli("run", str(small_probes), "-m", f"replay:{a}", "-m", f"replay:{b}",
                     "--run-id", "two", "--out", str(tmp_path / "runs"))
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "runs" / "two"
    rows = _rows(run, "responses.jsonl")
    assert len(rows) == 4 * 2 * 2  # tasks × samples × models
    assert Counter(r["model"] for r in rows) == {f"replay:{a}": 8, f"replay:{b}": 8}
    r = rows[0]
    for key in ("task_id", "model", "sample", "prompt_hash", "text", "reasoning", "usage",
                "latency_s", "finish_reason", "raw"):
        assert key in r
    assert r["reasoning"]["source"] == "reasoning_content"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["models"] == [f"replay:{a}",
                                                                     f"replay:{b}"]
    assert "complete" in proc.stdout and "ok" in proc.stdout  # summary table
    traces = _rows(run, "traces.jsonl")  # parsed automatically after the run
    assert sorted(t["response_id"] for t in traces) == sorted(r["id"] for r in rows)
    assert all(t["parsed"] == "reasoning" for t in traces)
    assert all({e["kind"] for e in t["events"]} == {"self_check", "correction"} for t in traces)
    assert "traces: 16 responses → traces.jsonl" in proc.stderr


def test_failed_tasks_exit_1_and_resume_retries_them(small_probes: Path, tmp_path: Path) -> None:
    answers = _answers(tmp_path / "a.jsonl", small_probes, skip=1)  # first task unanswered
    proc = judge_cli("run", str(small_probes), "-m", f"replay:{answers}", "--run-id", "f",
                     "--out", str(tmp_path / "runs"))
    assert proc.returncode == 1
    assert "2 failed" in proc.stderr and "judge run --resume f" in proc.stderr
    run = tmp_path / "runs" / "f"
    errors = _rows(run, "errors.jsonl")
    assert len(errors) == 2 and errors[0]["error_type"] == "FatalProviderError"
    assert "no answer in" in errors[0]["message"]
    _answers(answers, small_probes)  # now every task has an answer
    proc = judge_cli("run", "--resume", "f", "--out", str(tmp_path / "runs"))
    assert proc.returncode == 0, proc.stderr
    rows = _rows(run, "responses.jsonl")
    assert len(rows) == 8
    assert len({(r["task_id"], r["sample"]) for r in rows}) == 8
    assert json.loads((run / "manifest.json").read_text())["status"] == "complete"


def test_sigkill_mid_run_then_resume_gives_every_task_once(tmp_path: Path) -> None:
    answers = _answers(tmp_path / "a.jsonl", BUNDLED)
    out = tmp_path / "runs"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "judge", "run", str(BUNDLED), "-m",
           f"replay:{answers}?delay=0.05", "--samples", "2", "--concurrency", "2",
           "--run-id", "k", "--out", str(out)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    responses = out / "k" / "responses.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if responses.exists() and len(responses.read_bytes().splitlines()) >= 10:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = len(_rows(out / "k", "responses.jsonl"))
    total = len(expand(load_probeset(BUNDLED))) * 2
    assert 10 <= partial < total
    assert json.loads((out / "k" / "manifest.json").read_text())["status"] == "running"
    resumed = judge_cli("run", "--resume", "k", "--out", str(out), timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{partial} done" in resumed.stderr
    rows = _rows(out / "k", "responses.jsonl")
    keys = Counter((r["task_id"], r["model"], r["sample"]) for r in rows)
    assert len(keys) == total and set(keys.values()) == {1}


def test_usage_errors_have_clear_messages(small_probes: Path, tmp_path: Path) -> None:
    proc = judge_cli("run", str(small_probes), "--out", str(tmp_path))
    assert proc.returncode == 2 and "give at least one --model" in proc.stderr
    proc = judge_cli("run", str(small_probes), "-m", "nosuch:x", "--out", str(tmp_path))
    assert proc.returncode == 2 and "unknown provider 'nosuch'" in proc.stderr
    proc = judge_cli("run", "--resume", "nope", "--out", str(tmp_path))
    assert proc.returncode == 1 and "no run found at 'nope'" in proc.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\npages: []\nqueries: []\n")
    proc = judge_cli("run", str(bad), "-m", "local", "--out", str(tmp_path))
    assert proc.returncode == 2 and "bad.yaml:2: pages must not be empty" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_probes_cli(small_probes: Path) -> None:
    proc = judge_cli("probes", "validate", str(small_probes), str(BUNDLED))
    assert proc.returncode == 0 and "4 tasks × 2 samples" in proc.stdout
    proc = judge_cli("probes", "show", str(BUNDLED))
    assert proc.returncode == 0 and "generations per model" in proc.stdout


def test_traces_written_during_the_run_match_a_full_pass(small_probes: Path, tmp_path: Path) -> None:
    """judge run traces each response as it is stored; the file is the one a pass over
    responses.jsonl writes (same records, same order). The pass runs in its own process
    too, so that both load the pattern library as it is on disk now."""
    answers = _answers(tmp_path / "a.jsonl", small_probes)
    proc = judge_cli("run", str(small_probes), "-m", f"replay:{answers}?delay=0.01",
                     "--concurrency", "3", "--run-id", "live", "--out", str(tmp_path / "runs"))
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "runs" / "live"
    live = (run / "traces.jsonl").read_bytes()
    assert not list(run.glob(".traces*"))
    assert [t["response_id"] for t in _rows(run, "traces.jsonl")] == \
        [r["id"] for r in _rows(run, "responses.jsonl")]
    judge_cli("traces", str(run), check=True)  # the full pass (write_run_traces)
    assert (run / "traces.jsonl").read_bytes() == live
