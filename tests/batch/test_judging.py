"""Judging as a batch phase: the same JudgmentRecords as online judging (re-asks and
pairwise included), failed judge requests as error judgments, retried, online judges."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from judge.grading.grader import GraderSettings
from judge.grading.live import run_with_judging, session_for_runner
from judge.grading.session import JudgePlan
from judge.runner import RunSettings
from judge.runs import finish, prepare_run
from tests.batch.conftest import (
    ANTHROPIC,
    OPENAI,
    batch_config,
    collect,
    make_probes,
    manifest,
    rows,
    start_run,
)
from tests.fakeserver import FakeServer

SKIP = {"created", "latency_s", "run_id", "cost_usd"}  # batch replies cost half


def plan(*judges: str, rubrics: list[str] | None = None) -> JudgePlan:
    return JudgePlan(judges=list(judges), rubrics=rubrics or [],
                     grader=GraderSettings(use_cache=False, tries=3))


def online_judgments(probes: Path, models: list[str], p: JudgePlan, out: Path) -> list[dict]:
    """The same run, generated and judged online."""
    settings = RunSettings(samples=1, seed=None, use_cache=False)
    runner, _ = prepare_run(probes, models, settings, out, "online")
    session = session_for_runner(runner, p)
    result = asyncio.run(run_with_judging(runner, set(), session, {}))
    finish(runner, result, "complete")
    return rows(runner.store.path, "judgments.jsonl")


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: {k: v for k, v in r.items() if k not in SKIP} for r in records}


def test_batch_judging_matches_online_judging(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=2, kps=2)
    models = [OPENAI, ANTHROPIC]
    p = plan(OPENAI, ANTHROPIC, rubrics=["intention", "coverage", "pairwise"])
    ctx, _ = start_run(probes, models, tmp_path, "batch", plan=p, wait=True,
                            use_cache=False)
    batch = rows(ctx.store.path, "judgments.jsonl")
    online = online_judgments(probes, models, p, tmp_path)
    assert len(batch) == len(online) == 2 * (12 + 12 + 6)
    assert by_id(batch) == by_id(online)  # verdicts, scores, raw replies, attempts: all equal
    online_cost = {r["id"]: r["cost_usd"] for r in online}
    assert all(r["cost_usd"] > 0 for r in batch)  # both judges are in the bundled prices
    assert all(r["cost_usd"] == pytest.approx(0.5 * online_cost[r["id"]], abs=1e-8)
               for r in batch)
    statuses = Counter((r["rubric"], r["status"]) for r in batch)
    # the fake's coverage replies repeat one key point: re-asked twice, then unparseable
    assert statuses[("coverage", "unparseable")] == 24
    assert all(r["attempts"] == 3 for r in batch if r["rubric"] == "coverage")
    rounds = [e for e in manifest(ctx.store.path)["batches"] if e["phase"] == "judging"]
    assert len(rounds) == 2 * 3  # first asks, then two re-ask rounds, per judge
    assert manifest(ctx.store.path)["status"] == "complete"


def test_failed_judge_requests_become_error_judgments_then_retry(fake: FakeServer,
                                                                 tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=4, queries=2)
    ctx, _ = start_run(probes, [OPENAI], tmp_path, "jfail", plan=plan(ANTHROPIC,
                                                                       rubrics=["intention"]))
    run = ctx.store.path
    batch_config(fake, error_every=3)
    collect(ctx)  # generation was collected at once; this collects the judging batch
    judgments = rows(run, "judgments.jsonl")
    errors = [j for j in judgments if j["status"] == "error"]
    assert len(judgments) == 8 and errors
    assert all("batch request failed" in j["reason"] for j in errors)
    again = collect(ctx)  # failures stay on hold: not resubmitted, not written twice
    assert not again.submitted and again.held == len(errors)
    assert len(rows(run, "judgments.jsonl")) == 8
    assert manifest(run)["status"] == "incomplete"
    retried = collect(ctx, retry=True)
    assert retried.retried == ["judging"] and sum(e.requests for e in retried.submitted) == len(errors)
    collect(ctx)
    latest = {j["id"]: j for j in rows(run, "judgments.jsonl")}
    assert len(latest) == 8 and {j["status"] for j in latest.values()} == {"ok"}
    assert manifest(run)["status"] == "complete"


def test_online_judge_runs_as_the_second_phase(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=2)
    compat = f"compat:judge@{fake.openai_base}"
    ctx, report = start_run(probes, [OPENAI], tmp_path, "mixed", wait=True,
                            plan=plan(compat, ANTHROPIC, rubrics=["intention"]))
    judgments = rows(ctx.store.path, "judgments.jsonl")
    assert Counter(j["judge"] for j in judgments) == {compat: 4, ANTHROPIC: 4}
    assert report.judged_online == 4 and report.judged == 4
    phases = [(e["phase"], e["model"]) for e in manifest(ctx.store.path)["batches"]]
    assert phases == [("generation", OPENAI), ("judging", ANTHROPIC)]


def test_rejudge_an_online_run_through_batches(fake: FakeServer, tmp_path: Path) -> None:
    """`judge batch rejudge`: an online run judged afterwards at batch prices."""
    from judge.batch.context import open_context
    from judge.batch.engine import BatchEngine
    from judge.batch.start import prepare_rejudge

    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=2)
    runner, _ = prepare_run(probes, [OPENAI], RunSettings(samples=2, seed=None), tmp_path, "r")
    finish(runner, asyncio.run(runner.run(set())), "complete")
    ctx = open_context("r", tmp_path)
    ctx.store.lock()
    try:
        ctx = prepare_rejudge(ctx, plan(ANTHROPIC, rubrics=["intention"]))
        engine = BatchEngine(ctx)

        async def go() -> Any:
            try:
                return await engine.wait(0.01)
            finally:
                await engine.aclose()

        report = asyncio.run(go())
    finally:
        ctx.store.unlock()
    assert report.judged == 8 and [e.phase for e in report.submitted] == ["judging"]
    m = manifest(ctx.store.path)
    assert m["status"] == "complete" and m["judging"]["judges"] == [ANTHROPIC]
    assert len(rows(ctx.store.path, "judgments.jsonl")) == 8
