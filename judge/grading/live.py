"""Wiring judging into runs: alongside generation (`judge run --judge`), on resume, and
again on a finished run (`judge rejudge`).

Beside generation, judging shares the runner's prices, --max-cost budget and rate
limiters (judge.grading.session.Shared), and its judges default to the run's limits. A
rejudge pass has a budget of its own and defaults to the limits the run recorded."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from judge.grading.io import iter_responses, load_trace_rows
from judge.grading.session import JudgePlan, JudgingSession, Shared, Tally, record_plan
from judge.pricing import Budget, load_prices
from judge.probeset import ProbeSet
from judge.providers.base import Provider
from judge.providers.registry import build_provider, parse_spec
from judge.runner import ModelLimits, Runner, RunResult, RunSettings, provider_spec
from judge.runs import templates_for
from judge.store import PROBESET, RunStore


def build_judges(plan: JudgePlan) -> dict[str, Provider]:
    """Check the plan and build every judge provider before any work starts (the
    scheduling options of a judge spec are the session's, not the provider's)."""
    plan.check()
    return {spec: build_provider(provider_spec(parse_spec(spec))) for spec in plan.judges}


def run_limits(settings: RunSettings) -> ModelLimits:
    """A run's per-model limits, the judges' defaults."""
    return ModelLimits(concurrency=settings.concurrency, rpm=settings.rpm, tpm=settings.tpm,
                       attempts=settings.attempts)


def plan_from_manifest(manifest: dict[str, Any]) -> JudgePlan | None:
    """The judging plan a run was started with (None when it had no judges)."""
    raw = manifest.get("judging")
    return JudgePlan.model_validate(raw) if raw else None


def session_for_runner(runner: Runner, plan: JudgePlan, record: bool = True) -> JudgingSession:
    """A session over the runner's run; ``record`` appends the plan to the manifest."""
    shared = Shared(run_limits(runner.settings), runner.prices, runner.budget, runner.limiters)
    session = JudgingSession(runner.store, runner.probes, runner.templates, plan,
                             [s.spec for s in runner.specs], load_trace_rows(runner.store),
                             shared)
    if record:
        record_plan(runner.store, plan, runner.templates)
    return session


async def run_with_judging(runner: Runner, done: set[tuple[str, str, int]],
                           session: JudgingSession, providers: dict[str, Provider]) -> RunResult:
    """Generate and judge at once: responses already in the run are judged first (resume),
    new ones as they arrive; returns when both generation and judging are finished."""
    start = time.perf_counter()
    await session.start(providers)
    try:
        for response in iter_responses(runner.store):
            await session.submit(response)
        runner.observers.append(session.submit)
        result = await runner.run(done)
        await session.close()
        result.wall_s = time.perf_counter() - start  # generation and judging
        if session.unjudged and not result.budget_stop:
            result.budget_stop = runner.budget.stop_reason()
    except BaseException:
        await session.abort()
        raise
    save_tallies(runner.store, session)
    return result


def open_for_rejudge(ref: str, out_dir: Path, plan: JudgePlan, max_cost: float | None = None,
                     prices: str | None = None) -> JudgingSession:
    """Lock an existing run and prepare a session over its stored responses. Judges default
    to the limits the run recorded; ``max_cost`` is this pass's budget; ``prices`` a price
    file (default: the run's own --prices)."""
    store = RunStore.open(ref, out_dir)
    store.lock()
    try:
        manifest = store.read_manifest()
        settings = RunSettings.model_validate(manifest.get("settings") or {})
        shared = Shared(run_limits(settings), load_prices(prices or settings.prices),
                        Budget(max_cost))
        probes = ProbeSet.model_validate(store.read_json(PROBESET))
        templates = templates_for(probes)
        session = JudgingSession(store, probes, templates, plan, list(manifest.get("models", [])),
                                 load_trace_rows(store), shared)
        record_plan(store, plan, templates)
    except BaseException:
        store.unlock()
        raise
    return session


async def rejudge(session: JudgingSession, providers: dict[str, Provider]) -> None:
    """Judge every stored response of the session's run (finished judgments are skipped)."""
    await session.start(providers)
    try:
        for response in iter_responses(session.store):
            await session.submit(response)
        await session.close()
    except BaseException:
        await session.abort()
        raise
    finally:
        save_tallies(session.store, session)
        add_judge_spend(session.store, session.shared.budget.judging)
        session.store.unlock()


def save_tallies(store: RunStore, session: JudgingSession) -> None:
    """Record the last judging pass's counts and spend in the manifest."""
    tallies = {f"{judge} {rubric}": tally_dict(t) for (judge, rubric), t in
               session.tallies.items()}
    store.update_manifest(judging_tallies=tallies, judging_unjudged=session.unjudged)


def add_judge_spend(store: RunStore, usd: float) -> None:
    """Add a rejudge pass's spend to the run's ``cost_usd`` and ``judge_cost_usd``."""
    manifest = store.read_manifest()
    store.update_manifest(
        cost_usd=round(float(manifest.get("cost_usd") or 0.0) + usd, 6),
        judge_cost_usd=round(float(manifest.get("judge_cost_usd") or 0.0) + usd, 6))


def tally_dict(t: Tally) -> dict[str, Any]:
    return {"judged": t.judged, "ok": t.ok, "unparseable": t.unparseable, "errors": t.errors,
            "skipped": t.skipped, "mean_score": None if t.mean is None else round(t.mean, 4),
            "input_tokens": t.input_tokens, "output_tokens": t.output_tokens,
            "cost_usd": round(t.cost_usd, 6) if t.priced else None}
