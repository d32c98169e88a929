"""Chaos: faulted runs finish with every task exactly once; Retry-After; 401 beside healthy."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from judge.errors import AuthError
from tests.fakeserver import FakeConfig, FakeServer, Fault, Plan
from tests.runner.conftest import fast_settings, make_probes, records, run_once

CHAOS_FAULTS = [
    Fault(kind="429", retry_after_ms=20), Fault(kind="500"), Fault(kind="529"),
    Fault(kind="503", retry_after=0.05), Fault(kind="drop"), Fault(kind="invalid_json"),
    Fault(kind="slow", delay=2.5), Fault(kind="408"),
]


def test_2000_tasks_with_20_percent_faults_each_exactly_once(fake: FakeServer,
                                                             tmp_path: Path) -> None:
    fake.configure(FakeConfig(latency=0.002, track_times=False,
                              plan=Plan(probability=0.2, seed=11, max_per_prompt=3,
                                        kinds=CHAOS_FAULTS)))
    probes = make_probes(tmp_path / "p.yaml", pages=50, queries=40)
    model = f"compat:chaos@{fake.openai_base}?timeout=1.5"  # a busy CI box is slow, not faulty
    started = time.perf_counter()
    runner, result = run_once(probes, [model], fast_settings(concurrency=50), tmp_path / "runs",
                              "chaos")
    elapsed = time.perf_counter() - started
    run_dir = tmp_path / "runs" / "chaos"
    done = records(run_dir, "responses.jsonl")
    keys = [(r["task_id"], r["model"], r["sample"]) for r in done]
    assert len(keys) == 2000 and len(set(keys)) == 2000
    assert {k[0] for k in keys} == {t.id for t in runner.tasks}
    errors = records(run_dir, "errors.jsonl")
    assert errors == [] and result.failed == 0, (errors, result.tallies)
    assert result.tallies[model].ok == 2000
    stats = fake.stats()
    faulted = stats["requests"] - stats["outcomes"]["ok"]
    assert 0.15 <= faulted / stats["requests"] <= 0.25, stats
    assert set(stats["outcomes"]) >= {"ok", "429", "500", "529", "drop", "invalid_json", "slow"}
    assert stats["ok_prompts"] == 2000 and stats["duplicate_successes"] == 0
    assert elapsed < 90


@pytest.mark.parametrize("fault, low, high", [
    (Fault(kind="429", retry_after=1), 1.0, 1.6),  # Retry-After: seconds
    (Fault(kind="429", retry_after_ms=400, retry_after=5), 0.4, 0.9),  # retry-after-ms wins
    (Fault(kind="503", retry_after=0.6), 0.6, 1.1),  # a transient error's Retry-After too
])
def test_retry_after_is_honoured(fake: FakeServer, tmp_path: Path, fault: Fault, low: float,
                                 high: float) -> None:
    fake.configure(FakeConfig(script=[fault]))
    probes = make_probes(tmp_path / "p.yaml", pages=1, queries=1)
    run_once(probes, [f"compat:ra@{fake.openai_base}"],
             fast_settings(concurrency=1, backoff_initial=0.01, max_backoff=10),
             tmp_path / "runs", "ra")
    times = [t for t in fake.stats(detail=True)["times"].values() if len(t) == 2]
    assert len(times) == 1
    gap = times[0][1] - times[0][0]
    assert low <= gap <= high, gap


def test_retry_after_is_capped_by_max_backoff(fake: FakeServer, tmp_path: Path) -> None:
    fake.configure(FakeConfig(script=[Fault(kind="429", retry_after=30)]))
    probes = make_probes(tmp_path / "p.yaml", pages=1, queries=1)
    started = time.perf_counter()
    run_once(probes, [f"compat:ra@{fake.openai_base}"], fast_settings(max_backoff=0.3),
             tmp_path / "runs", "cap")
    assert time.perf_counter() - started < 5


def test_401_model_stops_cleanly_beside_a_healthy_one(fake: FakeServer, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOD_API_KEY", "good-key-0123456789")
    monkeypatch.setenv("BAD_API_KEY", "bad-key-9876543210")
    fake.configure(FakeConfig(api_keys=["good-key-0123456789"], latency=0.005))
    probes = make_probes(tmp_path / "p.yaml", pages=10, queries=20)
    good = f"compat:m@{fake.openai_base}?api_key_env=GOOD_API_KEY"
    bad = f"compat:m@{fake.openai_base}?api_key_env=BAD_API_KEY"
    _, result = run_once(probes, [good, bad], fast_settings(concurrency=4),
                              tmp_path / "runs", "auth")
    run_dir = tmp_path / "runs" / "auth"
    done = records(run_dir, "responses.jsonl")
    errors = records(run_dir, "errors.jsonl")
    assert {r["model"] for r in done} == {good} and len(done) == 200
    assert {e["model"] for e in errors} == {bad} and len(errors) == 200
    first = [e for e in errors if e["error_type"] == AuthError.__name__]
    assert 1 <= len(first) <= 4 and all(e["attempts"] == 1 for e in first)
    assert all(e["message"].startswith("skipped:") for e in errors if e not in first)
    assert result.tallies[bad].stopped and not result.tallies[good].stopped
    stats = fake.stats()
    assert stats["outcomes"].get("401", 0) <= 4  # no retries, no more calls once stopped
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert b"bad-key-9876543210" not in path.read_bytes(), path


def test_exhausted_attempts_go_to_errors_and_resume_retries_them(fake: FakeServer,
                                                                 tmp_path: Path) -> None:
    from tests.runner.conftest import resume_once

    # page 0's prompts fail twice with 500; with 2 attempts they fail this run
    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=2, extra_text={0: "[[fault:500x2]]"})
    model = f"compat:m@{fake.openai_base}"
    _, result = run_once(probes, [model], fast_settings(attempts=2), tmp_path / "runs", "ex")
    errors = records(tmp_path / "runs" / "ex", "errors.jsonl")
    assert result.failed == 2 and len(errors) == 2
    assert all(e["attempts"] == 2 and e["status"] == 500 for e in errors)
    _, resumed = resume_once("ex", tmp_path / "runs", {"attempts": 2})
    assert resumed.failed == 0 and resumed.tallies[model].ok == 2
    done = records(tmp_path / "runs" / "ex", "responses.jsonl")
    assert len({(r["task_id"], r["sample"]) for r in done}) == len(done) == 6
