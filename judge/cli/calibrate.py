"""`judge calibrate`: measure a judge (or a panel) on the planted-verdict suite."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Optional

import orjson
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from judge.cli.app import app
from judge.cli.judging import make_plan, short_rater
from judge.cli.progress import RunProgress
from judge.cli.options import (AS_JSON, CONCURRENCY, JUDGE, JUDGE_MAX_TOKENS, JUDGE_TEMPERATURE,
                               JUDGE_TRIES, NO_CACHE, OUT, RUBRIC)

console = Console(stderr=True)


def _select(suite: Any, rubrics: list[str], limit: int | None) -> list[Any]:
    from judge.grading.rubrics import get_rubrics

    return suite.select([r.name for r in get_rubrics(rubrics)] if rubrics else [], limit)


def _est(e: Any, pct: bool = True) -> str:
    from judge.calibration.record import est_text

    return "–" if e is None else est_text(e.to_dict(), pct)


def _cost(x: float | None) -> str:
    return "n/a" if x is None else f"${x:.4f}"


def figures_table(figs: list[Any], samples: int) -> Table:
    """Agreement with the planted verdicts: one row per rubric × judge (panel last)."""
    table = Table(title="calibration: agreement with the planted verdicts",
                  title_justify="left", caption_justify="left",
                  caption="95% intervals: Wilson for rates, BCa bootstrap over cases for κ; "
                          "κ* is quadratic-weighted (intention scores)")
    cols = ["rubric", "judge", "cases", "accuracy", "κ", "parse failures",
            *(["self-consistency"] if samples > 1 else []), "cost"]
    for col in cols:
        table.add_column(col, justify="left" if col in ("rubric", "judge") else "right")
    for f in figs:
        fails = f"{f.unparseable}/{f.asked - f.errors}" + (f" (+{f.errors} errors)" if f.errors
                                                           else "")
        star = "*" if f.kappa_kind != "unweighted" else ""
        cells = [f.rubric, Text(short_rater(f.judge)), str(f.cases), _est(f.accuracy),
                 f"{_est(f.kappa, pct=False)}{star}", fails,
                 *([_est(f.self_consistency)] if samples > 1 else []), _cost(f.cost_usd)]
        table.add_row(*cells)
    return table


def bias_table(figs: list[Any]) -> Table | None:
    """Pairwise bias probes: position consistency and verbosity bias per judge."""
    rows = [f for f in figs if f.rubric == "pairwise"]
    if not rows:
        return None
    table = Table(title="pairwise bias probes", title_justify="left", caption_justify="left",
                  caption="position: both orders name the same winner; verbosity: share of "
                          "orders won by the padded, worse answer (unpadded twin beside it)")
    for col in ("judge", "position consistency", "verbosity bias", "worse wins, unpadded"):
        table.add_column(col, justify="left" if col == "judge" else "right")
    for f in rows:
        table.add_row(Text(short_rater(f.judge)), _est(f.position_consistency),
                      _est(f.verbosity_bias), _est(f.worse_wins_unpadded))
    return table


@app.command("calibrate")
def calibrate_cmd(
    judge: list[str] = JUDGE, rubric: list[str] = RUBRIC,
    samples: int = typer.Option(1, "--samples", "-n", min=1, max=20, help=(
        "Verdicts per case and judge (2 or more measures self-consistency).")),
    limit_per_rubric: Optional[int] = typer.Option(None, "--limit-per-rubric", min=1, help=(
        "Judge only this many cases per rubric, taken evenly across the kinds of planted "
        "case and spread over the pages (a documented slice for slow judges).")),
    fail_below: list[str] = typer.Option([], "--fail-below", help=(
        "CI gate, repeatable: [RUBRIC.]METRIC[.low]=VALUE; exit 1 when a judge's figure is "
        "below VALUE. METRIC: accuracy, kappa, parse_ok, self_consistency, "
        "position_consistency; .low gates the lower 95% bound.")),
    probes: Optional[Path] = typer.Option(None, "--probes", help=(
        "The probe set whose pages the suite was written on (its page texts are checked; "
        "default: the bundled probes/web-summaries.yaml).")),
    run_id: Optional[str] = typer.Option(None, "--run-id", help=(
        "Run directory name (default: calibrate-YYYYmmdd-HHMMSS).")),
    prices: Optional[Path] = typer.Option(None, "--prices", help=(
        "Price file (USD per 1M tokens) over the bundled table, for the cost column.")),
    judge_tries: int = JUDGE_TRIES, judge_max_tokens: int = JUDGE_MAX_TOKENS,
    judge_temperature: Optional[float] = JUDGE_TEMPERATURE, concurrency: int = CONCURRENCY,
    no_cache: bool = NO_CACHE, out: Path = OUT,
    as_json: bool = AS_JSON,
) -> None:
    """Judge the bundled planted-verdict suite (286 cases) and report, per judge and rubric,
    agreement with the planted verdicts (accuracy, Cohen's κ — weighted for intention
    scores — with 95% intervals), parse failures, self-consistency, position consistency
    and verbosity bias (pairwise), and cost; with two or more --judge also the panel.

    The judging is a run in runs/ID/ (judged like `judge rejudge`: cache, retries,
    schema mode, re-asks); its calibration.json is the record, and each judge's figures
    are kept in the cache dir, where `judge report` finds them.

    Examples:

    ```
    judge calibrate --judge local --limit-per-rubric 4 --rubric intention --rubric pairwise
    judge calibrate -j openai:gpt-5-mini -j anthropic:claude-sonnet-4-5 --samples 2
    judge calibrate -j openai:gpt-5-mini --fail-below kappa.low=0.6 \\
        --fail-below pairwise.position_consistency=0.8
    ```

    Exit status: 0; 1 when a --fail-below gate is not met (each miss is printed); 2 for bad
    options, before any judge call.
    """
    from judge.calibration.engine import judge_all, new_calibration_id, open_calibration
    from judge.calibration.gates import check_possible, failures, parse_gate
    from judge.calibration.metrics import all_figures
    from judge.calibration.record import build_record, save
    from judge.calibration.suite import bundled_probes, load_suite
    from judge.errors import ConfigError
    from judge.grading.live import build_judges
    from judge.grading.rubrics import template_hash
    from judge.pricing import load_prices
    from judge.probeset import load_probeset

    if not judge:
        raise ConfigError("give at least one --judge, e.g. --judge local")
    gates = [parse_gate(g) for g in fail_below]
    plan = make_plan(judge, rubric, samples, False, judge_tries, judge_max_tokens,
                     judge_temperature, concurrency, not no_cache)
    suite = load_suite()
    probe_set = load_probeset(probes or bundled_probes())
    suite.resolve(probe_set)
    cases = _select(suite, rubric, limit_per_rubric)
    rubrics = list(dict.fromkeys(c.rubric for c in cases))
    check_possible(gates, rubrics, samples)
    price_table = load_prices(prices)
    providers = build_judges(plan)
    meta: dict[str, Any] = {
        "suite": {"name": suite.meta.name, "version": suite.meta.version,
                  "sha256": suite.sha256(), "cases_total": len(suite.cases),
                  "cases_judged": len(cases), "limit_per_rubric": limit_per_rubric},
        "judges": plan.judges, "samples": samples}
    cal = open_calibration(suite, cases, probe_set, plan, out, run_id or new_calibration_id(),
                           meta)
    console.print(f"calibrating {', '.join(plan.judges)} on {len(cases)} planted cases → "
                  f"{cal.store.path}", highlight=False, markup=False)

    async def go() -> None:
        with RunProgress(console) as progress:
            await judge_all(cal, providers, progress.track_judges)
            progress.sync()

    try:
        asyncio.run(go())
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]; run the same command again: the verdicts "
                      "already made come from the response cache")
        raise typer.Exit(130) from None
    figs = all_figures(cal.judgments(), cal.prepared, plan.judges, samples, price_table)
    templates = cal.session.templates
    record = build_record(figs, {
        **meta, "run_id": cal.store.run_id, "run_path": str(cal.store.path),
        "templates": {r.name: template_hash(templates, r) for r in cal.session.rubrics}})
    written = save(record, cal.store.path)
    if as_json:
        typer.echo(orjson.dumps(record, option=orjson.OPT_INDENT_2).decode())
    else:
        out_console = Console()
        out_console.print(figures_table(figs, samples))
        bias = bias_table(figs)
        if bias is not None:
            out_console.print(bias)
        console.print(f"record: {written[0]}; per-judge: {', '.join(map(str, written[1:]))}",
                      highlight=False, markup=False)
    problems = failures(gates, figs)
    for p in problems:
        console.print(Text(f"below the gate: {p}", style="red"))
    if problems:
        raise typer.Exit(1)
