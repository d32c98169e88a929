"""What ``judge run --batch`` does after the run directory is prepared: record the batch
settings, submit generation for openai:/anthropic: models, run the other models online,
then one collect pass (or passes until done with ``wait``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from judge.batch.context import BatchSettings, RunContext
from judge.batch.engine import BatchEngine, PassReport
from judge.batch.vendor import batchable
from judge.runner import Runner, RunResult
from judge.runs import finish

if TYPE_CHECKING:
    from judge.grading.session import JudgePlan

OnlineRun = Callable[[Runner], Awaitable[RunResult]]


def split_models(models: list[str]) -> tuple[list[str], list[str]]:
    """(models with a batch API, models that run online)."""
    return [m for m in models if batchable(m)], [m for m in models if not batchable(m)]


def online_runner(runner: Runner, models: list[str]) -> Runner:
    """A Runner over the same run for only ``models`` (their providers already built)."""
    return Runner(runner.store, runner.probes, runner.tasks, runner.templates, models,
                  runner.settings, providers={m: runner.providers[m] for m in models
                                              if m in runner.providers})


def prepare(runner: Runner, plan: JudgePlan | None, batch_size: int | None) -> RunContext:
    """Record the batch settings (and the judging plan) in the manifest."""
    batch_models, _ = split_models([s.spec for s in runner.specs])
    settings = BatchSettings(models=batch_models, judging=plan is not None,
                             batch_size=batch_size)
    runner.store.update_manifest(batch_mode=settings.model_dump(mode="json"))
    if plan is not None:
        from judge.grading.session import record_plan

        record_plan(runner.store, plan, runner.templates)
    return RunContext(runner.store, runner, plan, settings)


async def start(ctx: RunContext, run_online: OnlineRun, *, wait: bool, poll: float,
                say: Callable[[str], None]) -> PassReport:
    """Submit, run online models, then collect once (or until done with ``wait``)."""
    runner = ctx.runner
    _, online = split_models([s.spec for s in runner.specs])
    engine = BatchEngine(ctx, say)
    report = PassReport()
    try:
        await engine.submit_generation(report)
        result = RunResult(run_id=runner.store.run_id)
        if online:
            say(f"no batch API for {', '.join(online)}: running online now")
            result = await run_online(online_runner(runner, online))
        finish(runner, result, "batch-pending")  # records online tallies; unlocks
        runner.store.lock()
        engine.done |= runner.store.done_keys()
        if wait:
            report.merge(await engine.wait(poll))
        else:
            report.merge(await engine.collect_pass())
    finally:
        await engine.aclose()
        runner.store.unlock()
    return report


def prepare_rejudge(ctx: RunContext, plan: JudgePlan) -> RunContext:
    """Judge an existing run's responses (again) as a batch phase: record the plan (as
    `judge rejudge` does) and mark judging as batched; generation settings are kept."""
    from judge.grading.session import record_plan

    plan.check()
    settings = ctx.settings.model_copy(update={"judging": True})
    ctx.store.update_manifest(batch_mode=settings.model_dump(mode="json"))
    record_plan(ctx.store, plan, ctx.runner.templates)
    return RunContext(ctx.store, ctx.runner, plan, settings)
