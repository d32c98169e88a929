"""Wiring judging into runs: alongside generation (`judge run --judge`), on resume, and
again on a finished run (`judge rejudge`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from judge.grading.io import iter_responses, load_trace_rows
from judge.grading.session import JudgePlan, JudgingSession, Tally, record_plan
from judge.probeset import ProbeSet
from judge.providers.base import Provider
from judge.providers.registry import build_provider, parse_spec
from judge.runner import Runner, RunResult
from judge.runs import templates_for
from judge.store import PROBESET, RunStore


def build_judges(plan: JudgePlan) -> dict[str, Provider]:
    """Check the plan and build every judge provider before any work starts."""
    plan.check()
    return {spec: build_provider(parse_spec(spec)) for spec in plan.judges}


def plan_from_manifest(manifest: dict[str, Any]) -> JudgePlan | None:
    """The judging plan a run was started with (None when it had no judges)."""
    raw = manifest.get("judging")
    return JudgePlan.model_validate(raw) if raw else None


def session_for_runner(runner: Runner, plan: JudgePlan, record: bool = True) -> JudgingSession:
    """A session over the runner's run; ``record`` appends the plan to the manifest."""
    session = JudgingSession(runner.store, runner.probes, runner.templates, plan,
                             [s.spec for s in runner.specs], load_trace_rows(runner.store))
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
    except BaseException:
        await session.abort()
        raise
    save_tallies(runner.store, session)
    return result


def open_for_rejudge(ref: str, out_dir: Path, plan: JudgePlan) -> JudgingSession:
    """Lock an existing run and prepare a session over its stored responses."""
    store = RunStore.open(ref, out_dir)
    store.lock()
    try:
        manifest = store.read_manifest()
        probes = ProbeSet.model_validate(store.read_json(PROBESET))
        templates = templates_for(probes)
        session = JudgingSession(store, probes, templates, plan, list(manifest.get("models", [])),
                                 load_trace_rows(store))
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
        session.store.unlock()


def save_tallies(store: RunStore, session: JudgingSession) -> None:
    """Record the last judging pass's counts in the manifest."""
    tallies = {f"{judge} {rubric}": tally_dict(t) for (judge, rubric), t in
               session.tallies.items()}
    store.update_manifest(judging_tallies=tallies)


def tally_dict(t: Tally) -> dict[str, Any]:
    return {"judged": t.judged, "ok": t.ok, "unparseable": t.unparseable, "errors": t.errors,
            "skipped": t.skipped, "mean_score": None if t.mean is None else round(t.mean, 4)}
