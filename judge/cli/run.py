"""`judge run`: run a probe set against one or more models (or finish a killed run)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from judge.cli.app import app, startup_gc
from judge.cli.judging import judging_table, make_plan, warn_unpriced
from judge.cli.options import (BATCH, BATCH_SIZE, CROSS_QUERY, JUDGE, JUDGE_CONCURRENCY,
                               JUDGE_MAX_TOKENS, JUDGE_SAMPLES, JUDGE_TEMPERATURE, JUDGE_TRIES,
                               JUDGE_USE_DRAFTS, NO_CACHE, OUT, POLL, RUBRIC, WAIT)
from judge.cli.progress import RunProgress
from judge.errors import ConfigError
from judge.runner import RunResult, Runner, RunSettings

if TYPE_CHECKING:
    from judge.runs import LiveTraces

console = Console(stderr=True)


async def execute(runner: Runner, done: set[tuple[str, str, int]], pending: int | None = None,
                  judging: tuple[Any, Any] | None = None) -> RunResult:
    """Run ``runner`` over everything not in ``done`` with a progress bar per model (and,
    with ``judging`` = (session, judge providers), judge as responses arrive, one bar per
    judge); SIGTERM cancels it like Ctrl-C. The online part of `judge run --batch` goes
    through here too."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    for sig in (signal.SIGTERM,):
        try:
            loop.add_signal_handler(sig, main.cancel)  # type: ignore[union-attr]
        except (NotImplementedError, RuntimeError):
            pass
    with RunProgress(console) as progress:
        progress.track_models(runner, done)
        if judging is None:
            result = await runner.run(done)
        else:
            from judge.grading.live import run_with_judging

            session, providers = judging
            progress.track_judges(session)
            progress.add_overall()
            result = await run_with_judging(runner, done, session, providers)
        progress.sync()
        return result


def summary_table(result: RunResult, title: str) -> Table:
    """The end-of-run table: one row per model."""
    table = Table(title=Text(title), title_justify="left")
    for col in ("model", "tasks", "ok", "failed", "cached", "tokens in", "tokens out", "cost $"):
        table.add_column(col, justify="right" if col != "model" else "left")
    for model, t in result.tallies.items():
        table.add_row(Text(model), str(t.items), f"[green]{t.ok}[/]",
                      f"[red]{t.failed}[/]" if t.failed else "0", str(t.cached),
                      f"{t.input_tokens:,}", f"{t.output_tokens:,}",
                      f"{t.cost_usd:.4f}" if t.priced else "n/a")
    if any(t.priced for t in result.tallies.values()):
        table.caption = (f"generation spent ${result.cost_usd:.4f} this session (cache hits "
                         "are free; n/a: no price for the model, see --prices)")
    return table


def _spend_line(runner: Runner) -> str | None:
    """This session's spend, generation and judging, and the run's total."""
    b = runner.budget
    if not b.session and not b.before:
        return None
    return (f"spent this session: ${b.session:.4f} (generation ${b.generation:.4f}, judging "
            f"${b.judging:.4f}); run total ${b.total:.4f}")


def _traces(runner: Runner, live: LiveTraces | None) -> None:
    """traces.jsonl: written during the run (``live``), else by a pass over the responses."""
    from judge.runs import write_traces

    if live is not None and live.commit():
        n, checks, corrections = live.tally
    else:
        n, checks, corrections = write_traces(runner.store)
    if n:
        console.print(f"traces: {n} responses → traces.jsonl; self-check in {checks} "
                      f"({checks / n:.0%}), correction in {corrections} ({corrections / n:.0%})",
                      highlight=False)


def _classify_traces(runner: Runner, clf: Any) -> None:
    """Rewrite traces.jsonl with the classifier's labels; record it in the manifest."""
    from judge.cli.traces import classifier_summary, graded_run

    graded_run(runner.store.path, None, clf)
    classifier_summary(clf)
    runner.store.update_manifest(trace_classifier={"spec": clf.spec, **clf.stats.to_dict()})


# `judge run` flags a resumed run honours (→ RunSettings field), and those it ignores
# because they would change what is asked in the middle of a run.
RESUME_FLAGS = {"no_cache": "use_cache", "concurrency": "concurrency", "attempts": "attempts",
                "rpm": "rpm", "tpm": "tpm", "max_cost": "max_cost", "prices": "prices"}
RESUME_IGNORED = ("samples", "limit", "run_id", "seed", "temperature", "max_tokens", "rubric",
                  "judge_samples", "cross_query", "judge_tries", "judge_max_tokens",
                  "judge_temperature")


def given(ctx: typer.Context, names: Any) -> list[str]:
    """The parameters among ``names`` that the command line (or environment) set (by the
    source's name: typer vendors click's ParameterSource in newer releases)."""
    sources = {n: ctx.get_parameter_source(n) for n in names}
    return [n for n, src in sources.items()
            if src is not None and src.name not in ("DEFAULT", "DEFAULT_MAP")]


def resume_overrides(ctx: typer.Context) -> dict[str, Any]:
    """RunSettings changes from the flags given with --resume; a note for each flag that
    is ignored (the run keeps its own value)."""
    values = ctx.params
    overrides: dict[str, Any] = {}
    for flag in given(ctx, RESUME_FLAGS):
        value = values[flag]
        overrides[RESUME_FLAGS[flag]] = (not value if flag == "no_cache" else
                                         str(value) if flag == "prices" else value)
    ignored = given(ctx, RESUME_IGNORED)
    if ignored:
        flags = ", ".join("--" + n.replace("_", "-") for n in ignored)
        console.print(f"note: {flags} ignored with --resume: the run keeps the settings it "
                      "started with (see its manifest.json)", highlight=False, markup=False)
    return overrides


def _setup_resume(resume: str, out: Path, overrides: dict[str, Any], allow_changed: bool
                  ) -> tuple[Runner, set[tuple[str, str, int]], Any, dict[str, Any]]:
    """Reopen a run for --resume: (runner, done keys, judge plan, judge providers)."""
    from judge.runs import prepare_resume

    runner, pending, n_done = prepare_resume(resume, out, overrides=overrides,
                                             allow_changed=allow_changed)
    done = runner.store.done_keys()
    plan = _plan_from_manifest(runner.store.read_manifest())
    judge_providers = _build_judges(plan) if plan else {}
    console.print(f"resuming {runner.store.path}: {n_done} done, {pending} to go",
                  highlight=False, markup=False)
    return runner, done, plan, judge_providers


def _setup_run(probeset: Path, models: list[str], plan: Any, out: Path, run_id: str | None,
               **settings: Any) -> tuple[Runner, Any, dict[str, Any]]:
    """A new run: load the probe set (once), build judges and models, create the run
    directory; (runner, judge plan, judge providers)."""
    from judge.probeset import load_probeset
    from judge.runs import prepare_run

    from judge.selection import select

    probes = select(load_probeset(probeset), settings.pop("tasks"))
    settings["samples"] = settings["samples"] or probes.samples
    run_settings = RunSettings(**settings)
    judge_providers = _build_judges(plan) if plan else {}
    runner, pending = prepare_run(probes, models, run_settings, out, run_id)
    console.print(f"run {runner.store.run_id}: {len(runner.tasks)} tasks × "
                  f"{run_settings.samples} samples × {len(models)} model(s) = {pending} calls → "
                  f"{runner.store.path}", highlight=False, markup=False)
    return runner, plan, judge_providers


def _report(run_dir: Path, use_drafts: bool) -> None:
    """``--report``: the run's HTML report, written next to its records."""
    from judge.cli.analyze import write_html_report

    path = run_dir / "report.html"
    size = write_html_report([str(run_dir)], path, use_drafts=use_drafts)
    console.print(f"report: {path} ({size / 1024:.0f} KiB) — open it in a browser",
                  highlight=False)
    typer.echo(str(path))


def _build_judges(plan: Any) -> dict[str, Any]:
    from judge.grading.live import build_judges  # imported only when a run is judged

    return build_judges(plan)


def _plan_from_manifest(manifest: dict[str, Any]) -> Any:
    from judge.grading.live import plan_from_manifest

    return plan_from_manifest(manifest)


@app.command("run")
def run(
    ctx: typer.Context,
    probeset: Optional[Path] = typer.Argument(None, help="Probe set YAML (omit with --resume)."),
    model: list[str] = typer.Option([], "--model", "-m", help=(
        "Model spec; repeat to compare models in one run: `local`, `local:PATH.gguf`, "
        "`openai:MODEL`, `anthropic:MODEL`, `compat:MODEL@URL`, `replay:FILE.jsonl`.")),
    samples: Optional[int] = typer.Option(None, "--samples", "-n", min=1,
                                          help="Samples per task (default: the probe set's)."),
    limit: Optional[int] = typer.Option(None, help="Only the first N tasks (before samples).",
                                        min=1),
    task: list[str] = typer.Option([], "--task", "-t", help=(
        "Only this task: PAGE:QUERY (e.g. news-transit-fares:overview) or a COMBO id; "
        "repeat for several. The run's probe set is that slice.")),
    report: bool = typer.Option(False, "--report", help=(
        "Write `judge report` of the run to RUN_DIR/report.html when it ends and print "
        "its path.")),
    run_id: Optional[str] = typer.Option(None, "--run-id", help="Name of the run directory."),
    out: Path = OUT,
    resume: Optional[str] = typer.Option(None, "--resume", help=(
        "Finish a killed or failed run (id or path): done tasks are not called again; "
        "failed ones are retried; the run keeps its samples, seed, temperature, max tokens "
        "and limit (scheduling flags such as --concurrency, --rpm, --max-cost apply).")),
    allow_changed: bool = typer.Option(False, "--allow-changed", help=(
        "With --resume: go on even though a task template or the probe set changed since "
        "the run started (otherwise an error naming it).")),
    concurrency: int = typer.Option(8, help="Concurrent calls per model.", min=1),
    attempts: int = typer.Option(6, help="Attempts per call (transient errors only).", min=1),
    temperature: Optional[float] = typer.Option(None, help="Sampling temperature."),
    max_tokens: int = typer.Option(1024, "--max-tokens", help="Output token limit per call."),
    seed: Optional[int] = typer.Option(0, help="Base seed (sample i uses seed+i)."),
    no_cache: bool = NO_CACHE,
    rpm: Optional[float] = typer.Option(None, "--rpm", min=0.001, help=(
        "Requests per minute per model (a spec's ?rpm=N wins; ?concurrency=N likewise).")),
    tpm: Optional[float] = typer.Option(None, "--tpm", min=1, help=(
        "Tokens per minute per model: prompt estimate + --max-tokens, settled with real usage.")),
    max_cost: Optional[float] = typer.Option(None, "--max-cost", min=0, help=(
        "USD: stop scheduling new calls once the run has spent this (calls in flight finish; "
        "--resume with a higher --max-cost continues).")),
    prices: Optional[Path] = typer.Option(None, "--prices", help=(
        "Price file (USD per 1M tokens) over the bundled table; or set JUDGE_PRICES.")),
    judge: list[str] = JUDGE, rubric: list[str] = RUBRIC, judge_samples: int = JUDGE_SAMPLES,
    cross_query: bool = CROSS_QUERY, judge_tries: int = JUDGE_TRIES,
    judge_max_tokens: int = JUDGE_MAX_TOKENS, judge_temperature: Optional[float] = JUDGE_TEMPERATURE,
    judge_concurrency: Optional[int] = JUDGE_CONCURRENCY, use_drafts: bool = JUDGE_USE_DRAFTS,
    batch: bool = BATCH, wait: bool = WAIT, batch_size: Optional[int] = BATCH_SIZE,
    poll: float = POLL,
    no_traces: bool = typer.Option(False, "--no-traces", help=(
        "Skip parsing self-check/correction traces into traces.jsonl (`judge traces RUN` "
        "does it later).")),
    trace_classifier: Optional[str] = typer.Option(None, "--trace-classifier", metavar="SPEC",
        help=("After the run, grade the traces' candidate sentences with this model (see "
              "`judge traces --classifier`); traces.jsonl records the graded events and the "
              "classifier, e.g. --trace-classifier local.")),
) -> None:
    """Run a probe set: every page × query (and combo) × samples, for every --model.

    With --judge, responses are judged as they arrive (judgments.jsonl; see `judge
    rejudge` to judge a run again and `judge agreement` for agreement statistics). Judges
    are scheduled like models: --judge-concurrency (default: --concurrency), --rpm, --tpm,
    --attempts, or the judge spec's own ?concurrency= ?rpm= ?tpm= ?attempts=; their spend
    counts against --max-cost.

    Responses stream into runs/RUN_ID/responses.jsonl as they complete (failures into
    errors.jsonl). Exit code: 0 all done, 1 some tasks failed, 130 interrupted —
    `judge run --resume <id>` then finishes the run without redoing finished tasks.

    With --batch, openai:/anthropic: models go through the vendors' batch APIs (see
    `judge batch --help`); judging follows as a second phase once responses are in.

    Examples:

    ```
    judge run probes/web-summaries.yaml --model local --limit 6 --samples 1
    judge run probes/web-summaries.yaml -m openai:gpt-5-mini -m anthropic:claude-sonnet-4-5 --max-cost 2
    judge run probes/web-summaries.yaml -m compat:qwen3@http://localhost:8000/v1 --judge local --rubric intention
    judge run probes/web-summaries.yaml -m openai:gpt-5-mini --concurrency 50 --judge openai:gpt-5-mini --judge-concurrency 50
    judge run probes/web-summaries.yaml -m local --judge 'anthropic:claude-haiku-4-5?concurrency=20&rpm=500&tpm=400000&attempts=8'
    judge run --resume RUN_ID
    ```
    """
    from judge.runs import LiveTraces, finish

    plan = make_plan(judge, rubric, judge_samples, cross_query, judge_tries, judge_max_tokens,
                     judge_temperature, judge_concurrency, not no_cache,
                     attempts=attempts, use_drafts=use_drafts) if judge else None
    if task and resume:
        raise ConfigError("--task picks tasks of a new run; --resume finishes the run's own")
    if wait and not batch:
        raise ConfigError("--wait goes with --batch (or use `judge batch collect RUN --wait`)")
    with startup_gc():
        if resume:
            from judge.cli.batch import guard_resume

            guard_resume(resume, out, batch)
            if probeset or model or judge:
                raise ConfigError("--resume takes the run's own probe set, models and judges; "
                                  "give no PROBESET, --model or --judge with it (add judges to "
                                  "a run with `judge rejudge`)")
            runner, done, plan, judge_providers = _setup_resume(
                resume, out, resume_overrides(ctx), allow_changed)
            if plan is not None and judge_concurrency:
                plan = plan.model_copy(update={"concurrency": judge_concurrency})
        else:
            if allow_changed:
                raise ConfigError("--allow-changed goes with --resume")
            if probeset is None:
                raise ConfigError("give a probe set, e.g. `judge run probes/web-summaries.yaml "
                                  "--model local`, or --resume RUN_ID")
            runner, plan, judge_providers = _setup_run(
                probeset, model, plan, out, run_id, tasks=task, samples=samples, limit=limit,
                seed=seed,
                temperature=temperature, max_tokens=max_tokens, concurrency=concurrency,
                attempts=attempts, use_cache=not no_cache, rpm=rpm, tpm=tpm, max_cost=max_cost,
                prices=str(prices) if prices else None)
            done = set()
    if batch and not resume:
        from judge.cli.batch import run_in_batch_mode

        return run_in_batch_mode(runner, plan, wait=wait, poll=poll, batch_size=batch_size)
    warn_unpriced([s.spec for s in runner.specs] + (plan.judges if plan else []),
                  runner.prices, runner.settings.max_cost)
    clf = None
    if trace_classifier and not no_traces:
        from judge.traces.graded import Classifier

        clf = Classifier(trace_classifier, use_cache=runner.settings.use_cache,
                         prices=runner.prices, limiters=runner.limiters)
    session = None
    if plan:
        from judge.grading.live import session_for_runner

        session = session_for_runner(runner, plan, record=not resume)
    judging = (session, judge_providers) if session else None
    # A fresh run traces each response as it is stored (the parser loads in a thread while
    # the first calls are out). The observer goes first, before any async one, so that
    # traces.jsonl keeps responses.jsonl's order; --resume re-reads the whole run after it.
    live = LiveTraces(runner.store) if not (no_traces or resume) else None
    if live is not None:
        runner.observers.insert(0, live.observe)
    try:
        result = asyncio.run(execute(runner, done, judging=judging))
    except (KeyboardInterrupt, asyncio.CancelledError):
        if live is not None:
            live.discard()
        finish(runner, runner.result, "interrupted")
        console.print(f"[yellow]interrupted[/]; finish with `judge run --resume "
                      f"{escape(runner.store.run_id)}`", highlight=False)
        raise typer.Exit(130) from None
    except BaseException:
        if live is not None:
            live.discard()
        finish(runner, runner.result, "incomplete")  # never left "running"
        raise
    status = "complete" if result.failed == 0 and not result.budget_stop else "incomplete"
    finish(runner, result, status)
    if not no_traces:
        _traces(runner, live)
        if clf is not None:
            _classify_traces(runner, clf)
    Console().print(summary_table(result, f"run {runner.store.run_id} — {status} in "
                                          f"{result.wall_s:.1f}s"))
    if session is not None:
        Console().print(judging_table(session))
    spend = _spend_line(runner)
    if spend:
        Console().print(spend, highlight=False)
    if report:
        _report(runner.store.path, use_drafts)
    if result.budget_stop:
        console.print(f"[yellow]stopped scheduling:[/] {escape(result.budget_stop)}; continue "
                      f"with `judge run --resume {escape(runner.store.run_id)} --max-cost USD`",
                      highlight=False)
    for tally in result.tallies.values():
        if tally.stopped:  # a 401, a missing key: say why here, not only in errors.jsonl
            console.print(Text.assemble(("✗ ", "red"), tally.stopped))
    if result.failed:
        console.print(f"[red]{result.failed} failed[/] (see "
                      f"{escape(str(runner.store.path / 'errors.jsonl'))}); retry them with "
                      f"`judge run --resume {escape(runner.store.run_id)}`",
                      highlight=False)
    if result.failed or result.budget_stop:
        raise typer.Exit(1)
