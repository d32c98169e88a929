"""`judge rejudge` and `judge agreement`, plus the judging options `judge run` shares.

`judge rejudge RUN --judge SPEC` judges a finished run (again): earlier judgments stay in
judgments.jsonl; finished ones (same judge, rubric, judge sample, template) are skipped.
`judge agreement RUN` prints judge-vs-judge, self-consistency and judge-vs-human agreement.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Optional

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from judge.cli.app import app
from judge.cli.options import (AS_JSON, CONCURRENCY, CROSS_QUERY, JUDGE, JUDGE_MAX_TOKENS, JUDGE_SAMPLES,
                               JUDGE_TEMPERATURE, JUDGE_TRIES, JUDGE_USE_DRAFTS, NO_CACHE, OUT,
                               RUBRIC)

console = Console(stderr=True)

HUMAN = typer.Option(None, "--human", help=(
    "Human labels, CSV or JSONL: task_id, rubric, value [, response_id | model, sample]"
    " [, rater]."))
BOOTSTRAP = typer.Option(1000, "--bootstrap", min=0, help="Bootstrap resamples.")
WEIGHTS = typer.Option("quadratic", "--weights", help=(
    "Cohen's κ weights for ordinal/interval rubrics: quadratic, linear or none."))
AGGREGATE = typer.Option(None, "--aggregate", help=(
    "Panel aggregation: mean, median or majority (default: mean for scores, majority for "
    "labels)."))


def make_plan(judges: list[str], rubrics: list[str], samples: int, cross_query: bool,
              tries: int, max_tokens: int, temperature: float | None, concurrency: int = 4,
              use_cache: bool = True, use_drafts: bool = False) -> Any:
    """A checked JudgePlan from CLI options."""
    from judge.grading.grader import GraderSettings
    from judge.grading.session import JudgePlan

    plan = JudgePlan(judges=judges, rubrics=rubrics, samples=samples, cross_query=cross_query,
                     concurrency=concurrency, use_drafts=use_drafts,
                     grader=GraderSettings(tries=tries, max_tokens=max_tokens,
                                           temperature=temperature, use_cache=use_cache))
    plan.check()
    return plan


def watch(session: Any, progress: Progress) -> None:
    """One progress bar per judge; its total grows as responses arrive."""
    bars = {spec: progress.add_task(f"judge {spec}", total=0) for spec in session.plan.judges}

    def enqueued(spec: str, n: int) -> None:
        task = progress.tasks[bars[spec]]
        progress.update(bars[spec], total=(task.total or 0) + n)

    session.on_enqueue = enqueued
    session.on_done = lambda spec: progress.advance(bars[spec])


def judging_table(session: Any, title: str = "judgments") -> Table:
    """Per judge × rubric: judged, ok, unparseable, errors, skipped, mean score."""
    table = Table(title=Text(title), title_justify="left")
    for col in ("judge", "rubric", "judged", "ok", "unparseable", "errors", "skipped", "mean"):
        table.add_column(col, justify="left" if col in ("judge", "rubric") else "right")
    for (judge, rubric), t in sorted(session.tallies.items()):
        table.add_row(Text(judge), rubric, str(t.judged), f"[green]{t.ok}[/]",
                      f"[yellow]{t.unparseable}[/]" if t.unparseable else "0",
                      f"[red]{t.errors}[/]" if t.errors else "0", str(t.skipped),
                      "–" if t.mean is None else f"{t.mean:.3f}")
    return table


@app.command("rejudge")
def rejudge_cmd(
    run: str = typer.Argument(..., help="Run id (under --out) or path."),
    judge: list[str] = JUDGE, rubric: list[str] = RUBRIC, judge_samples: int = JUDGE_SAMPLES,
    cross_query: bool = CROSS_QUERY, judge_tries: int = JUDGE_TRIES,
    judge_max_tokens: int = JUDGE_MAX_TOKENS, judge_temperature: Optional[float] = JUDGE_TEMPERATURE,
    concurrency: int = CONCURRENCY, no_cache: bool = NO_CACHE, out: Path = OUT,
    use_drafts: bool = JUDGE_USE_DRAFTS,
) -> None:
    """Judge an existing run's responses (again) with one or more --judge models.

    Earlier judgments are kept; judgments already finished by the same judge, rubric, judge
    sample and template are skipped, so an interrupted rejudge resumes where it stopped.

    Examples:

    ```
    judge rejudge RUN_ID --judge openai:gpt-5-mini
    judge rejudge RUN_ID --judge local --rubric intention --cross-query
    judge rejudge RUN_ID --judge anthropic:claude-sonnet-4-5 --judge openai:gpt-5-mini --judge-samples 2
    ```
    """
    from judge.errors import ConfigError
    from judge.grading.live import build_judges, open_for_rejudge, rejudge

    if not judge:
        raise ConfigError("give at least one --judge, e.g. --judge local")
    plan = make_plan(judge, rubric, judge_samples, cross_query, judge_tries, judge_max_tokens,
                     judge_temperature, concurrency, not no_cache, use_drafts)
    providers = build_judges(plan)
    session = open_for_rejudge(run, out, plan)
    console.print(f"judging {session.store.path} with {', '.join(plan.judges)}", highlight=False,
                  markup=False)

    async def go() -> None:
        with Progress(console=console, transient=False) as progress:
            watch(session, progress)
            await rejudge(session, providers)

    try:
        asyncio.run(go())
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]; run the same command again to finish")
        raise typer.Exit(130) from None
    Console().print(judging_table(session, f"judgments — {session.store.run_id}"))


def _fmt(est: Any) -> str:
    from judge.stats import show

    return show(est, "stat")


def short_rater(name: str) -> str:
    """A rater name for tables: URLs lose their scheme and /v1 path."""
    for prefix in ("http://", "https://"):
        name = name.replace(prefix, "")
    return name.replace("/v1", "")


def rater_text(row: Any) -> str:
    if row.comparison == "self-consistency":
        judge = row.raters[0].rsplit(" #", 1)[0]
        return f"{short_rater(judge)} ×{len(row.raters)} samples"
    return " vs ".join(short_rater(r) for r in row.raters)


def agreement_tables(rows: list[Any]) -> list[Table]:
    """One table per comparison (its raters in the title), one line per rubric."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        groups.setdefault((r.comparison, rater_text(r)), []).append(r)
    tables = []
    for (comparison, raters), group in groups.items():
        table = Table(title=Text(f"{comparison}: {raters}"), title_justify="left",
                      caption="95% BCa bootstrap CI over items (none below 10 items)",
                      caption_justify="left")
        for col in ("rubric", "level", "n", "α", "κ", "κ kind", "% agree"):
            table.add_column(col, justify="right" if col in ("n", "α", "κ", "% agree")
                             else "left", no_wrap=True)
        for r in group:
            table.add_row(r.rubric, r.level, str(r.n), _fmt(r.alpha), _fmt(r.kappa),
                          r.kappa_name.replace(" κ", ""), _fmt(r.percent))
        tables.append(table)
    return tables


def panel_summary(judgments: list[Any], method: str | None) -> list[dict[str, Any]]:
    """Per rubric: items with a panel verdict, the method, mean or label counts, unanimity."""
    from collections import Counter, defaultdict

    from judge.grading.panel import panel

    by_rubric: dict[str, list[Any]] = defaultdict(list)
    for p in panel(judgments, method):  # type: ignore[arg-type]
        if len(p.by_judge) >= 2:
            by_rubric[p.key[1]].append(p)
    out = []
    for rubric, items in sorted(by_rubric.items()):
        vals = [p.value for p in items if p.value is not None]
        nums = [float(v) for v in vals if not isinstance(v, str)]
        summary = (f"mean {sum(nums) / len(nums):.3f}" if nums and len(nums) == len(vals)
                   else ", ".join(f"{k}: {n}" for k, n in Counter(map(str, vals)).most_common()))
        out.append({"rubric": rubric, "method": items[0].method, "items": len(items),
                    "no_consensus": len(items) - len(vals), "consensus": summary,
                    "unanimous": round(sum(p.unanimous for p in items) / len(items), 4)})
    return out


@app.command("agreement")
def agreement_cmd(
    run: str = typer.Argument(..., help="Run id (under --out) or path."),
    human: Path | None = HUMAN, as_json: bool = AS_JSON, bootstrap: int = BOOTSTRAP,
    weights: str = WEIGHTS, aggregate: Optional[str] = AGGREGATE, out: Path = OUT,
) -> None:
    """Agreement of a run's judgments: judge vs judge, self-consistency (test-retest over
    --judge-samples) and judge vs human, per rubric — Krippendorff's α (ordinal for 1–5
    scores, interval for 0–1 scores, nominal for labels), Cohen's κ (two raters; weighted
    for ordered values) or Fleiss' κ (more), percent agreement; each with n and a CI.

    Examples:

    ```
    judge agreement RUN_ID
    judge agreement RUN_ID --human labels.csv --json
    ```
    """
    from judge.errors import ConfigError
    from judge.grading.concordance import agreement_rows
    from judge.grading.io import latest_judgments, load_responses
    from judge.grading.labels import load_labels
    from judge.store import RunStore

    if weights not in ("quadratic", "linear", "none"):
        raise ConfigError("--weights must be quadratic, linear or none")
    if aggregate not in (None, "mean", "median", "majority"):
        raise ConfigError("--aggregate must be mean, median or majority")
    store = RunStore.open(run, out)
    judgments = latest_judgments(store)
    labels, problems = (load_labels(human, load_responses(store)) if human else ([], []))
    for problem in problems:
        console.print(f"[yellow]skipped[/] {escape(str(problem))}", highlight=False, soft_wrap=True)
    rows = agreement_rows(judgments, labels, bootstrap, weights)  # type: ignore[arg-type]
    panel_rows = panel_summary(judgments, aggregate)
    if as_json:
        typer.echo(orjson.dumps({"run": store.run_id, "agreement": [r.as_dict() for r in rows],
                                 "panel": panel_rows, "human_labels": len(labels),
                                 "label_problems": [str(x) for x in problems]},
                                option=orjson.OPT_INDENT_2).decode())
        return
    if not rows:
        console.print("nothing to compare yet: judge with two or more --judge models, with "
                      "--judge-samples 2 or more, or pass --human labels")
    out_console = Console()
    for table in agreement_tables(rows):
        out_console.print(table)
    if panel_rows:
        table = Table(title="panel consensus", title_justify="left")
        for col in ("rubric", "method", "items", "consensus", "no consensus", "unanimous"):
            table.add_column(col)
        for p in panel_rows:
            table.add_row(p["rubric"], p["method"], str(p["items"]), p["consensus"],
                          str(p["no_consensus"]), f"{p['unanimous']:.0%}")
        out_console.print(table)
    if human:
        out_console.print(f"human labels: {len(labels)} used, {len(problems)} skipped")
