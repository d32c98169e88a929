"""`judge batch status|collect|cancel RUN`, and the `--batch` mode of `judge run`.

Batch runs go through the OpenAI Batch API and Anthropic Message Batches (about half the
price, results within 24 hours). Everything needed to follow a batch run is in its run
directory, so these commands work from a fresh process days later.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from judge.cli.app import app
from judge.cli.judging import make_plan
from judge.cli.options import (CROSS_QUERY, JUDGE, JUDGE_MAX_TOKENS, JUDGE_SAMPLES,
                               JUDGE_TEMPERATURE, JUDGE_TRIES, NO_CACHE, OUT, POLL, RUBRIC)

console = Console(stderr=True)
batch_app = typer.Typer(help="Follow batch runs (`judge run --batch`): status, collect, cancel.",
                        no_args_is_help=True)
app.add_typer(batch_app, name="batch")


# --- output ------------------------------------------------------------------------------

def _counts(entry: Any) -> tuple[int, int, int, int, int]:
    """(done, failed, expired, cancelled, total) of a batch: collected outcome, else live."""
    if entry.collected:
        o = entry.outcome
        done = o.get("ok", 0) + o.get("already_done", 0)
        return (done, o.get("errored", 0), o.get("expired", 0), o.get("cancelled", 0),
                entry.requests)
    c = entry.counts
    return (c.get("done", 0), c.get("failed", 0), c.get("expired", 0), c.get("cancelled", 0),
            c.get("total", 0) or entry.requests)


def status_table(entries: list[Any], title: str) -> Table:
    """One row per batch: local name, vendor id, model, phase, state, counts, collected
    (a cancelled column only when some batch has cancelled items)."""
    rows = [(e, _counts(e)) for e in entries]
    cancelled_col = any(c[3] for _, c in rows)
    cols = ["batch", "vendor id", "model", "phase", "state", "done", "failed", "expired",
            *(["cancelled"] if cancelled_col else []), "total", "collected"]
    table = Table(title=Text(title), title_justify="left")
    for col in cols:
        numeric = col in ("done", "failed", "expired", "cancelled", "total")
        table.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for e, (done, failed, expired, cancelled, total) in rows:
        cells = [Text(e.name), Text(e.id or "–"), Text(e.model), e.phase,
                 Text(e.state + (" (retried)" if e.retried else "")), f"{done:,}",
                 f"[red]{failed:,}[/]" if failed else "0",
                 f"[yellow]{expired:,}[/]" if expired else "0",
                 *([f"[yellow]{cancelled:,}[/]" if cancelled else "0"] if cancelled_col else []),
                 f"{total:,}", "yes" if e.collected else "no"]
        table.add_row(*cells)
    return table


def _say(message: str) -> None:
    console.print(message, highlight=False, soft_wrap=True, markup=False)


def print_report(report: Any) -> None:
    """What a pass did beyond the submitted / collected lines printed as they happen."""
    if report.cached:
        _say(f"{report.cached:,} items answered from the response cache (not submitted)")
    if report.judged or report.judged_online:
        _say(f"judgments written: {report.judged:,} from batch replies, "
             f"{report.judged_online:,} online")
    for phase in report.retried:
        _say(f"resubmitted the failed {phase} items")


def print_status(ctx: Any, ledger: Any, held: int = 0) -> None:
    """The status table, the run's totals and what to do next."""
    manifest = ctx.store.read_manifest()
    Console().print(status_table(ledger.entries, f"batches — {ctx.run_id} "
                                                 f"({manifest.get('status')})"))
    summary = manifest.get("batch") or {}
    gen = [m for m in summary.get("models", []) if m["phase"] == "generation"]
    spent = sum(m["cost_usd"] for m in gen)
    judges = sum(m["cost_usd"] for m in summary.get("models", []) if m["phase"] == "judging")
    Console().print(f"batch cost so far: generation ${spent:.4f}, judging ${judges:.4f} "
                    "(batch prices)", highlight=False)
    _hints(ctx, ledger, held)


def _hints(ctx: Any, ledger: Any, held: int) -> None:
    ref = ctx.run_id
    in_flight = ledger.in_flight()
    failed = sum(e.failures for e in ledger.entries if not e.retried)
    if in_flight:
        _say(f"{len(in_flight)} batch(es) in flight — `judge batch status {ref}`; "
             f"`judge batch collect {ref}` (add --wait to wait); `judge batch cancel {ref}`")
    if failed or held:
        _say(f"{failed:,} failed item(s) not retried (errors.jsonl; failed judge requests are "
             f"error judgments) — `judge batch collect {ref} --retry-failed` resubmits them "
             f"as a new batch; `judge run --resume {ref}` retries them online")


# --- judge run --batch ---------------------------------------------------------------------

def run_in_batch_mode(runner: Any, plan: Any, *, wait: bool, poll: float,
                      batch_size: int | None) -> None:
    """`judge run --batch`: submit, run online models, collect (or wait); print status."""
    from judge.batch.ledger import Ledger
    from judge.batch.start import prepare, split_models, start
    from judge.cli.run import execute

    batch_models, _ = split_models([s.spec for s in runner.specs])
    ctx = prepare(runner, plan, batch_size)
    if not batch_models:
        _say("no openai:/anthropic: model: generation runs online"
             + ("; judging goes through batches" if plan else ""))

    async def run_online(sub: Any) -> Any:
        return await execute(sub, set(), sub.pending_count(set()))

    try:
        report = asyncio.run(start(ctx, run_online, wait=wait, poll=poll, say=_say))
    except KeyboardInterrupt:
        _say(f"interrupted; `judge batch collect {ctx.run_id}` picks up the batches; "
             f"once they are collected, `judge run --resume {ctx.run_id}` finishes the rest "
             "online")
        raise typer.Exit(130) from None
    print_report(report)
    print_status(ctx, Ledger(ctx.store), report.held)
    status = ctx.store.read_manifest().get("status")
    if wait and status != "complete":
        raise typer.Exit(1)


def guard_resume(ref: str, out: Path, batch: bool) -> None:
    """`judge run --resume` on a run with batches in flight would call their items online
    too (paid twice): refuse and say what to do."""
    from judge.batch.ledger import Ledger
    from judge.errors import ConfigError
    from judge.store import RunStore

    if batch:
        raise ConfigError("--batch starts a run; follow a batch run with `judge batch collect "
                          f"{ref}` (--retry-failed resubmits failed items)")
    in_flight = Ledger(RunStore.open(ref, out)).in_flight()
    if in_flight:
        raise ConfigError(f"{len(in_flight)} batch(es) of {ref} are still in flight; collect "
                          f"them first (`judge batch collect {ref} --wait`) or cancel them "
                          f"(`judge batch cancel {ref}`), then resume")


# --- judge batch ... ----------------------------------------------------------------------

def _open(run: str, out: Path, lock: bool) -> Any:
    from judge.batch.context import open_context
    from judge.errors import ConfigError

    ctx = open_context(run, out)
    manifest = ctx.store.read_manifest()
    if "batch_mode" not in manifest and not manifest.get("batches"):
        raise ConfigError(f"run {ctx.run_id} was not started with --batch (it has no batches)")
    if lock:
        ctx.store.lock()
    return ctx


@batch_app.command("status")
def status_cmd(run: str = typer.Argument(..., help="Run id (under --out) or path."),
               out: Path = OUT,
               refresh: bool = typer.Option(True, "--refresh/--no-refresh", help=(
                   "Ask the vendors for the current state (default) or show the manifest."))
               ) -> None:
    """Each batch of a run: vendor id, model, phase, state, done/failed/expired/total.

    Examples:

    ```
    judge batch status RUN_ID
    judge batch status RUN_ID --no-refresh
    ```
    """
    from judge.batch.engine import BatchEngine, PassReport
    from judge.errors import StoreError

    ctx = _open(run, out, lock=False)
    try:
        ctx.store.lock()
        locked = True
    except StoreError:  # a collect --wait is running: show, do not write
        locked = False
    engine = BatchEngine(ctx, _say)
    report = PassReport()

    async def go() -> None:
        try:
            if refresh:
                await engine.refresh(report)
        finally:
            await engine.aclose()

    try:
        asyncio.run(go())
        if refresh and locked:
            engine.ledger.save()
    finally:
        if locked:
            ctx.store.unlock()
    print_status(ctx, engine.ledger)


@batch_app.command("collect")
def collect_cmd(run: str = typer.Argument(..., help="Run id (under --out) or path."),
                out: Path = OUT,
                retry_failed: bool = typer.Option(False, "--retry-failed", help=(
                    "Resubmit errored, expired and cancelled items as new batches.")),
                wait: bool = typer.Option(False, "--wait", help=(
                    "Poll until every batch (judging included) is done and collected.")),
                poll: float = POLL) -> None:
    """Collect ended batches into responses.jsonl / judgments.jsonl (each item once), then
    start judging once generation is in. Exit 1 when failed items remain after --wait.

    Examples:

    ```
    judge batch collect RUN_ID
    judge batch collect RUN_ID --wait
    judge batch collect RUN_ID --retry-failed
    ```
    """
    from judge.batch.engine import BatchEngine

    ctx = _open(run, out, lock=True)
    engine = BatchEngine(ctx, _say)

    async def go() -> Any:
        try:
            if wait:
                return await engine.wait(poll, retry_failed)
            return await engine.collect_pass({"generation", "judging"} if retry_failed
                                             else set(), retry_now=True)
        finally:
            await engine.aclose()

    try:
        report = asyncio.run(go())
    except KeyboardInterrupt:
        _say("interrupted; run the same command again to continue")
        raise typer.Exit(130) from None
    finally:
        ctx.store.unlock()
    print_report(report)
    print_status(ctx, engine.ledger, report.held)
    if wait and ctx.store.read_manifest().get("status") != "complete":
        raise typer.Exit(1)


@batch_app.command("cancel")
def cancel_cmd(run: str = typer.Argument(..., help="Run id (under --out) or path."),
               out: Path = OUT) -> None:
    """Cancel every batch in flight. Finished items are kept: `judge batch collect RUN`
    gathers them; cancelled items go to errors.jsonl (retry with --retry-failed).

    Examples:

    ```
    judge batch cancel RUN_ID
    ```
    """
    from judge.batch.engine import BatchEngine

    ctx = _open(run, out, lock=True)
    engine = BatchEngine(ctx, _say)

    async def go() -> Any:
        try:
            return await engine.cancel()
        finally:
            await engine.aclose()

    try:
        report = asyncio.run(go())
    finally:
        ctx.store.unlock()
    print_report(report)
    print_status(ctx, engine.ledger)


@batch_app.command("rejudge")
def rejudge_cmd(run: str = typer.Argument(..., help="Run id (under --out) or path."),
                judge: list[str] = JUDGE, rubric: list[str] = RUBRIC,
                judge_samples: int = JUDGE_SAMPLES, cross_query: bool = CROSS_QUERY,
                judge_tries: int = JUDGE_TRIES, judge_max_tokens: int = JUDGE_MAX_TOKENS,
                judge_temperature: Optional[float] = JUDGE_TEMPERATURE,
                no_cache: bool = NO_CACHE, out: Path = OUT,
                wait: bool = typer.Option(False, "--wait", help="Poll until judged."),
                poll: float = POLL) -> None:
    """Judge a finished run's responses (again) through batch APIs: `judge rejudge` at
    batch prices. openai:/anthropic: judges are batched, others run online; finished
    judgments are skipped. Follow it with `judge batch status|collect RUN`.

    Examples:

    ```
    judge batch rejudge RUN_ID --judge openai:gpt-5-mini --rubric intention --wait
    ```
    """
    from judge.batch.context import open_context
    from judge.batch.engine import BatchEngine
    from judge.batch.start import prepare_rejudge
    from judge.errors import ConfigError

    if not judge:
        raise ConfigError("give at least one --judge, e.g. --judge openai:gpt-5-mini")
    plan = make_plan(judge, rubric, judge_samples, cross_query, judge_tries, judge_max_tokens,
                     judge_temperature, use_cache=not no_cache)
    ctx = open_context(run, out)
    ctx.store.lock()
    try:
        ctx = prepare_rejudge(ctx, plan)
        engine = BatchEngine(ctx, _say)

        async def go() -> Any:
            try:
                return await (engine.wait(poll) if wait else engine.collect_pass())
            finally:
                await engine.aclose()

        report = asyncio.run(go())
    finally:
        ctx.store.unlock()
    print_report(report)
    print_status(ctx, engine.ledger, report.held)

