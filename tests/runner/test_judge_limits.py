"""Judges are scheduled like models (issue 22; issue 17 point 6): concurrency, rpm/tpm,
Retry-After pauses and --max-cost apply to judge calls through the same limiter and budget
as generation, and judgments record their usage and cost. Real SDK / HTTP clients against
the loopback fake server (its schema-shaped replies are valid verdicts)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from judge.errors import ConfigError
from judge.grading.grader import GraderSettings
from judge.grading.live import (
    open_for_rejudge,
    plan_from_manifest,
    rejudge,
    run_with_judging,
    session_for_runner,
)
from judge.grading.session import JudgePlan, JudgingSession
from judge.runner import Runner, RunResult, RunSettings
from judge.runs import finish, prepare_resume, prepare_run
from tests.fakeserver import Behavior, FakeConfig, FakeServer, Fault
from tests.runner.conftest import fast_settings, make_probes, records, run_once


def plan(*judges: str, **kw: Any) -> JudgePlan:
    return JudgePlan(judges=list(judges), rubrics=["intention"],
                     grader=GraderSettings(use_cache=False, attempts=4, max_backoff=0.3), **kw)


def judged(probes: Path, models: list[str], p: JudgePlan, settings: RunSettings, out: Path,
           run_id: str) -> tuple[Runner, RunResult, JudgingSession]:
    """`judge run --judge`, minus the progress display."""
    runner, _ = prepare_run(probes, models, settings, out, run_id)
    session = session_for_runner(runner, p)
    result = asyncio.run(run_with_judging(runner, set(), session, {}))
    finish(runner, result, "complete" if not result.failed and not result.budget_stop
           else "incomplete")
    return runner, result, session


def _manifest(run: Path) -> dict[str, Any]:
    return json.loads((run / "manifest.json").read_text())


def _prices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **models: float) -> None:
    """USD per 1M tokens (input and output alike) for compat:NAME."""
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"models": {f"compat:{m}": {"input": p, "output": p}
                                           for m, p in models.items()}}))
    monkeypatch.setenv("JUDGE_PRICES", str(path))


def test_judge_concurrency_is_reached_and_a_spec_sets_its_own(fake: FakeServer,
                                                              tmp_path: Path) -> None:
    fake.configure(FakeConfig(latency=0.01, models={"wide": Behavior(latency=0.15),
                                                    "narrow": Behavior(latency=0.05)}))
    probes = make_probes(tmp_path / "p.yaml", pages=6, queries=10)
    wide, narrow = f"compat:wide@{fake.openai_base}", f"compat:narrow@{fake.openai_base}"
    p = plan(wide, f"{narrow}?concurrency=3&attempts=2", concurrency=16)
    _, result, session = judged(probes, [f"compat:gen@{fake.openai_base}"], p,
                                fast_settings(concurrency=20), tmp_path / "runs", "c")
    peak = fake.stats()["max_inflight"]
    assert result.failed == 0 and session.unjudged == 0
    assert 14 <= peak["wide"] <= 16  # the plan's judge concurrency, reached
    assert peak["narrow"] == 3  # ?concurrency= in a judge spec (once refused as an extra)
    judgments = records(tmp_path / "runs" / "c", "judgments.jsonl")
    assert len(judgments) == 120 and all(j["status"] == "ok" for j in judgments)


def test_judges_default_to_the_runs_concurrency(fake: FakeServer, tmp_path: Path) -> None:
    fake.configure(FakeConfig(latency=0.01, models={"j": Behavior(latency=0.15)}))
    probes = make_probes(tmp_path / "p.yaml", pages=4, queries=10)
    judged(probes, [f"compat:gen@{fake.openai_base}"], plan(f"compat:j@{fake.openai_base}"),
           fast_settings(concurrency=12), tmp_path / "runs", "d")
    assert 10 <= fake.stats()["max_inflight"]["j"] <= 12


def test_run_help_teaches_judge_concurrency_and_judge_spec_options() -> None:
    """`judge run --help` shows --judge-concurrency and a judge spec with its own limits in
    its examples, and those examples pass the same check `judge run` makes."""
    import shlex

    from tests.conftest import judge_cli

    out = judge_cli("run", "--help", env={"COLUMNS": "250"}, check=True).stdout
    examples = [shlex.split(x.strip()) for x in out.split("Examples:", 1)[1].splitlines()
                if x.strip().startswith("judge run")]
    judges = [e[i + 1] for e in examples for i, a in enumerate(e) if a == "--judge"]
    assert any("--judge-concurrency" in e for e in examples)
    spec = next(j for j in judges if "?" in j)
    for option in ("concurrency=", "rpm=", "tpm=", "attempts="):
        assert option in spec
    plan(*judges).check()


def test_bad_judge_scheduling_option_fails_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"compat:j@http://127.0.0.1:9/v1\?concurrency=0.*"
                                          r"concurrency"):
        plan("compat:j@http://127.0.0.1:9/v1?concurrency=0").check()


def test_judge_requests_per_minute(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=10)
    started = time.perf_counter()
    judged(probes, [f"compat:gen@{fake.openai_base}"], plan(f"compat:j@{fake.openai_base}?rpm=600"),
           fast_settings(concurrency=10), tmp_path / "runs", "rpm")
    elapsed = time.perf_counter() - started
    assert elapsed >= 1.9  # 30 judge calls: a burst of 10, then 20 more at 10/s
    assert fake.stats()["by_model"] == {"gen": 30, "j": 30}


def test_the_runs_rpm_applies_to_judges_too(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=6, queries=10)
    started = time.perf_counter()
    # generation's own spec lifts its limit; the judge gets the run's --rpm (20/s)
    judged(probes, [f"compat:gen@{fake.openai_base}?rpm=1000000"],
           plan(f"compat:j@{fake.openai_base}"), fast_settings(concurrency=10, rpm=1200),
           tmp_path / "runs", "rrpm")
    assert time.perf_counter() - started >= 1.9  # 60 judge calls: a burst of 20, then 20/s


def test_judge_tokens_per_minute(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=2)
    p = JudgePlan(judges=[f"compat:j@{fake.openai_base}?tpm=60000"], rubrics=["intention"],
                  grader=GraderSettings(use_cache=False, max_tokens=400))
    started = time.perf_counter()
    judged(probes, [f"compat:gen@{fake.openai_base}"], p, fast_settings(concurrency=4),
           tmp_path / "runs", "tpm")
    # each judge call is admitted at ~600 prompt tokens (estimated) + 400 and settled at
    # what the fake reports: 4 calls ≈ 2,600+ tokens against 1,000 tokens/s, burst 1,000
    assert time.perf_counter() - started >= 1.5
    assert fake.stats()["by_model"]["j"] == 4


def test_judge_429_retry_after_pauses_the_judge_limiter(fake: FakeServer,
                                                        tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=6)
    run_once(probes, [f"compat:gen@{fake.openai_base}"], fast_settings(), tmp_path / "runs",
             "pause")
    fake.configure(FakeConfig(latency=0.05, script=[Fault(kind="429", retry_after=0.8)]))
    fake.reset()
    session = open_for_rejudge("pause", tmp_path / "runs",
                               plan(f"compat:j@{fake.openai_base}?rpm=60000&concurrency=3"))
    asyncio.run(rejudge(session, {}))
    times = sorted(t for ts in fake.stats(detail=True)["times"].values() for t in ts)
    # after the 429 (the first call) no judge call starts for 0.8 s but those already started
    assert len(times) == 13 and len([t for t in times[1:] if t - times[0] < 0.75]) <= 2
    assert len(records(tmp_path / "runs" / "pause", "judgments.jsonl")) == 12


def test_a_model_that_generates_and_judges_spends_one_limit(fake: FakeServer,
                                                            tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=10)
    model = f"compat:m@{fake.openai_base}?rpm=600"
    started = time.perf_counter()
    judged(probes, [model], plan(f"{model}&concurrency=4"), fast_settings(concurrency=10),
           tmp_path / "runs", "one")
    # 20 generation + 20 judge calls through one 10/s bucket (burst 10): ≥ 3 s; two
    # separate buckets would take about 1 s
    assert time.perf_counter() - started >= 2.9
    assert fake.stats()["by_model"] == {"m": 40}


def test_judgments_record_usage_and_cost_and_the_manifest_has_judge_spend(
        fake: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _prices(tmp_path, monkeypatch, gen=1000, j=2000)
    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=4)
    p = JudgePlan(judges=[f"compat:j@{fake.openai_base}"], rubrics=["intention"])  # cached
    runner, result, session = judged(probes, [f"compat:gen@{fake.openai_base}"], p,
                                     fast_settings(), tmp_path / "runs", "cost")
    run = tmp_path / "runs" / "cost"
    judgments, responses = records(run, "judgments.jsonl"), records(run, "responses.jsonl")
    assert len(judgments) == 12
    for j in judgments:
        tokens = j["usage"]["input_tokens"] + j["usage"]["output_tokens"]
        assert tokens > 0 and not j["cached"]
        assert j["cost_usd"] == pytest.approx(tokens * 2000 / 1e6, rel=1e-6)
    judge_spend = sum(j["cost_usd"] for j in judgments)
    gen_spend = sum(r["cost_usd"] for r in responses)
    manifest = _manifest(run)
    assert manifest["judge_cost_usd"] == pytest.approx(judge_spend, rel=1e-5)
    assert manifest["cost_usd"] == pytest.approx(gen_spend + judge_spend, rel=1e-5)
    tally = manifest["judging_tallies"][f"compat:j@{fake.openai_base} intention"]
    assert tally["cost_usd"] == pytest.approx(judge_spend, rel=1e-4) and tally["input_tokens"]
    assert runner.budget.judging == pytest.approx(judge_spend)
    # the same run again: every verdict from the cache, nothing spent on judging
    _, _, again = judged(probes, [f"compat:gen@{fake.openai_base}"], p, fast_settings(),
                         tmp_path / "runs", "cost2")
    second = records(tmp_path / "runs" / "cost2", "judgments.jsonl")
    assert all(j["cached"] and j["cost_usd"] > 0 for j in second)
    assert _manifest(tmp_path / "runs" / "cost2")["judge_cost_usd"] == 0
    assert again.shared.budget.judging == 0


def test_max_cost_counts_judge_spend_then_resume_finishes(
        fake: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _prices(tmp_path, monkeypatch, gen=0.001, j=1)  # generation is nearly free
    probes = make_probes(tmp_path / "p.yaml", pages=5, queries=8)
    out, judge_spec = tmp_path / "runs", f"compat:j@{fake.openai_base}"
    runner, result, session = judged(probes, [f"compat:gen@{fake.openai_base}"],
                                     plan(judge_spec, concurrency=2),
                                     fast_settings(concurrency=2, max_cost=0.003), out, "b")
    judgments = records(out / "b", "judgments.jsonl")
    per_judgment = judgments[0]["cost_usd"]
    assert 0.0002 < per_judgment < 0.001  # ~500 tokens at $1 per 1M
    # generation alone (40 calls, well under $0.0001) never reaches $0.003: judging did
    assert result.budget_stop and "--max-cost $0.003 reached" in result.budget_stop
    assert runner.budget.judging >= 0.003 - per_judgment * 2
    assert len(judgments) <= 0.003 / per_judgment + 3  # +2 in flight when it was reached
    manifest = _manifest(out / "b")
    assert manifest["status"] == "incomplete" and manifest["stop_reason"] == result.budget_stop
    assert manifest["cost_usd"] >= 0.003
    # resume with a higher budget: the rest is generated and every response judged
    resumed, _, _ = prepare_resume("b", out, overrides={"max_cost": 10.0, "use_cache": False})
    p = plan_from_manifest(resumed.store.read_manifest())
    again = session_for_runner(resumed, p, record=False)
    final = asyncio.run(run_with_judging(resumed, resumed.store.done_keys(), again, {}))
    finish(resumed, final, "complete" if not final.budget_stop else "incomplete")
    assert not final.budget_stop
    assert len(records(out / "b", "responses.jsonl")) == 40
    assert len({j["response_id"] for j in records(out / "b", "judgments.jsonl")}) == 40
    assert _manifest(out / "b")["judge_cost_usd"] == pytest.approx(
        sum(j["cost_usd"] for j in records(out / "b", "judgments.jsonl")), rel=1e-4)
