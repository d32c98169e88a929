"""Response cache across runs, cost and --max-cost, per-model concurrency and rate limits,
and keys never reaching disk."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.fakeserver import Behavior, FakeConfig, FakeServer, Fault, Plan
from tests.runner.conftest import (
    fast_settings,
    make_probes,
    records,
    resume_once,
    run_once,
)


def _manifest(out: Path, run_id: str) -> dict:
    return json.loads((out / run_id / "manifest.json").read_text())


def test_second_identical_run_makes_zero_calls(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=4, queries=5)
    model = f"compat:m@{fake.openai_base}?timeout=5"
    run_once(probes, [model], fast_settings(), tmp_path / "runs", "one")
    assert fake.stats()["requests"] == 20
    fake.reset()
    # settings that do not change the output (timeout, concurrency) keep the cache key
    again = f"compat:m@{fake.openai_base}?timeout=9&concurrency=3"
    _, result = run_once(probes, [again], fast_settings(), tmp_path / "runs", "two")
    assert fake.stats()["requests"] == 0
    second = records(tmp_path / "runs" / "two", "responses.jsonl")
    assert len(second) == 20 and all(r["cached"] for r in second)
    first = {r["task_id"]: r["text"] for r in records(tmp_path / "runs" / "one", "responses.jsonl")}
    assert {r["task_id"]: r["text"] for r in second} == first
    assert result.tallies[again].cached == 20
    # what changes the output changes the key
    _, _ = run_once(probes, [model], fast_settings(max_tokens=77), tmp_path / "runs", "three")
    assert fake.stats()["requests"] == 20


def test_no_cache_calls_again(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=5)
    model = f"compat:m@{fake.openai_base}"
    run_once(probes, [model], fast_settings(), tmp_path / "runs", "one")
    run_once(probes, [model], fast_settings(use_cache=False), tmp_path / "runs", "two")
    assert fake.stats()["requests"] == 20
    assert not any(r["cached"] for r in records(tmp_path / "runs" / "two", "responses.jsonl"))


def test_errors_are_never_cached(fake: FakeServer, tmp_path: Path) -> None:
    fake.configure(FakeConfig(faults={"bad": Fault(kind="400", message="nope")}))
    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=2,
                         extra_text={0: "[[fault:bad]]"})  # page 0 always answers 400
    model = f"compat:m@{fake.openai_base}"
    _, first = run_once(probes, [model], fast_settings(), tmp_path / "runs", "one")
    assert first.failed == 2 and fake.stats()["requests"] == 6  # 400: no retry
    fake.reset()
    _, second = run_once(probes, [model], fast_settings(), tmp_path / "runs", "two")
    assert fake.stats()["requests"] == 2  # only the failed ones are called again
    assert second.failed == 2 and second.tallies[model].cached == 4


def test_cost_in_manifest_and_max_cost_stops_then_resume(fake: FakeServer, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"models": {"compat:priced": {"input": 1000, "output": 1000}}}))
    monkeypatch.setenv("JUDGE_PRICES", str(prices))
    probes = make_probes(tmp_path / "p.yaml", pages=5, queries=8)
    model = f"compat:priced@{fake.openai_base}"
    run_once(probes, [model], fast_settings(concurrency=2, max_cost=0.2),
             tmp_path / "runs", "budget")
    done = records(tmp_path / "runs" / "budget", "responses.jsonl")
    per_call = done[0]["cost_usd"]
    assert per_call > 0 and all(r["cost_usd"] == pytest.approx(per_call, rel=0.5) for r in done)
    needed = int(0.2 // per_call) + 1
    assert needed <= len(done) <= needed + 2  # in-flight calls may finish past the limit
    manifest = _manifest(tmp_path / "runs", "budget")
    assert manifest["stop_reason"].startswith("--max-cost $0.2 reached")
    assert manifest["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in done), rel=1e-6)
    entry = manifest["prices"]["models"][model]
    assert (entry["input"], entry["output"]) == (1000.0, 1000.0)
    assert records(tmp_path / "runs" / "budget", "errors.jsonl") == []
    _, resumed = resume_once("budget", tmp_path / "runs", {"max_cost": 100.0})
    total = records(tmp_path / "runs" / "budget", "responses.jsonl")
    assert len(total) == 40 and resumed.budget_stop is None
    manifest = _manifest(tmp_path / "runs", "budget")
    assert manifest["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in total), rel=1e-6)


def test_unknown_price_is_none_not_zero(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=1, queries=2)
    model = f"compat:unpriced@{fake.openai_base}"
    _, result = run_once(probes, [model], fast_settings(), tmp_path / "runs", "u")
    assert all(r["cost_usd"] is None for r in records(tmp_path / "runs" / "u", "responses.jsonl"))
    assert not result.tallies[model].priced


def test_per_model_concurrency_from_the_spec(fake: FakeServer, tmp_path: Path) -> None:
    fake.configure(FakeConfig(latency=0.05))
    probes = make_probes(tmp_path / "p.yaml", pages=5, queries=8)
    narrow = f"compat:narrow@{fake.openai_base}?concurrency=2"
    wide = f"compat:wide@{fake.openai_base}"
    run_once(probes, [narrow, wide], fast_settings(concurrency=10), tmp_path / "runs", "c")
    peak = fake.stats()["max_inflight"]
    assert peak["narrow"] <= 2 and 5 <= peak["wide"] <= 10


def test_requests_per_minute_limit(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=10)
    started = time.perf_counter()
    run_once(probes, [f"compat:m@{fake.openai_base}?rpm=600"], fast_settings(concurrency=10),
             tmp_path / "runs", "rpm")
    elapsed = time.perf_counter() - started
    assert elapsed >= 1.9  # a burst of 10, then 20 more at 10/s
    times = sorted(t[0] for t in fake.stats(detail=True)["times"].values())
    assert len(times) == 30 and times[-1] - times[0] >= 1.5  # first calls also connect


def test_a_429_pauses_a_rate_limited_model(fake: FakeServer, tmp_path: Path) -> None:
    fake.configure(FakeConfig(latency=0.05, script=[Fault(kind="429", retry_after=0.8)]))
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=6)
    run_once(probes, [f"compat:m@{fake.openai_base}?rpm=60000"], fast_settings(concurrency=3),
             tmp_path / "runs", "pause")
    times = sorted(t for ts in fake.stats(detail=True)["times"].values() for t in ts)
    first = times[0]
    # after the 429 (at once) no new call starts for 0.8 s, except those already started
    started_early = [t for t in times[1:] if t - first < 0.75]
    assert len(started_early) <= 2 and len(times) == 13


def test_tokens_per_minute_limit(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=3)
    started = time.perf_counter()
    # each call is estimated at ~60 prompt tokens + max_tokens 100: 6 calls ≈ 960 tokens,
    # 600 tokens/s (burst 600) → about 0.6 s
    run_once(probes, [f"compat:m@{fake.openai_base}?tpm=36000"],
             fast_settings(concurrency=6, max_tokens=100), tmp_path / "runs", "tpm")
    assert time.perf_counter() - started >= 0.4


def test_bad_scheduling_options_are_config_errors(fake: FakeServer, tmp_path: Path) -> None:
    from judge.errors import ConfigError

    probes = make_probes(tmp_path / "p.yaml", pages=1, queries=1)
    with pytest.raises(ConfigError, match="concurrency"):
        run_once(probes, [f"compat:m@{fake.openai_base}?concurrency=0"], fast_settings(),
                 tmp_path / "runs", "bad")


def test_keys_never_reach_disk(fake: FakeServer, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    keys = {"OPENAI_API_KEY": "sk-proj-SECRETopenai0123456789",
            "ANTHROPIC_API_KEY": "sk-ant-SECRETanthropic012345",
            "MY_SERVER_PASS": "plainsecret-4242-abcd"}  # a name redact() cannot guess
    for name, value in keys.items():
        monkeypatch.setenv(name, value)
    fake.configure(FakeConfig(
        latency=0.002,
        models={"echo": Behavior(fault=Fault(kind="400", message="bad key {}".format(
            keys["MY_SERVER_PASS"])))},
        plan=Plan(probability=0.3, seed=3, max_per_prompt=2,
                  kinds=[Fault(kind="500"), Fault(kind="401"), Fault(kind="drop")])))
    probes = make_probes(tmp_path / "p.yaml", pages=4, queries=5)
    models = [f"openai:gpt-fake?base_url={fake.openai_base}",
              f"anthropic:claude-fake?base_url={fake.anthropic_base}",
              f"compat:m@{fake.openai_base}?api_key_env=MY_SERVER_PASS",
              f"compat:echo@{fake.openai_base}?api_key_env=MY_SERVER_PASS"]
    run_once(probes, models, fast_settings(), tmp_path / "runs", "keys")
    errors = records(tmp_path / "runs" / "keys", "errors.jsonl")
    assert any(e["error_type"] == "AuthError" for e in errors)
    assert any("Incorrect API key provided" in e["message"] for e in errors)
    written = [p for root in (tmp_path / "runs", Path(os.environ["JUDGE_CACHE_DIR"]))
               for p in root.rglob("*") if p.is_file()]
    assert len(written) >= 4
    for path in written:
        data = path.read_bytes()
        for value in keys.values():
            assert value.encode() not in data, f"{path} contains a key"
