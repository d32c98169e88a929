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
from rich.table import Table
from rich.text import Text

from judge.cli.app import app
from judge.cli.options import (AS_JSON, CROSS_QUERY, JUDGE, JUDGE_MAX_TOKENS, JUDGE_SAMPLES,
                               JUDGE_TEMPERATURE, JUDGE_TRIES, JUDGE_USE_DRAFTS, NO_CACHE, OUT,
                               RUBRIC)
from judge.cli.progress import RunProgress, short_names

console = Console(stderr=True)

REJUDGE_CONCURRENCY = typer.Option(None, "--judge-concurrency", "--concurrency", min=1, help=(
    "Concurrent calls per judge model (default: the run's --concurrency; a judge spec's "
    "?concurrency=N wins, as do its ?rpm= ?tpm= ?attempts=)."))
REJUDGE_RPM = typer.Option(None, "--rpm", min=0.001, help=(
    "Requests per minute per judge model (default: the run's --rpm)."))
REJUDGE_TPM = typer.Option(None, "--tpm", min=1, help=(
    "Tokens per minute per judge model (default: the run's --tpm)."))
REJUDGE_MAX_COST = typer.Option(None, "--max-cost", min=0, help=(
    "USD: stop starting new judgments once this pass has spent this; the rest are judged by "
    "running the same command again."))
REJUDGE_PRICES = typer.Option(None, "--prices", help=(
    "Price file (USD per 1M tokens) over the bundled table (default: the run's --prices)."))
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
              tries: int, max_tokens: int, temperature: float | None,
              concurrency: int | None = None, use_cache: bool = True, *,
              rpm: float | None = None, tpm: float | None = None,
              attempts: int | None = None, use_drafts: bool = False) -> Any:
    """A checked JudgePlan from CLI options (None: the run's own limits)."""
    from judge.grading.grader import GraderSettings
    from judge.grading.session import JudgePlan

    grader = GraderSettings(tries=tries, max_tokens=max_tokens, temperature=temperature,
                            use_cache=use_cache, **({"attempts": attempts} if attempts else {}))
    plan = JudgePlan(judges=judges, rubrics=rubrics, samples=samples, cross_query=cross_query,
                     concurrency=concurrency, rpm=rpm, tpm=tpm, use_drafts=use_drafts,
                     grader=grader)
    plan.check()
    return plan


def warn_unpriced(specs: list[str], prices: Any, max_cost: float | None) -> None:
    """--max-cost cannot count what has no price: say so before any call is made."""
    from judge.pricing import unpriced

    if max_cost is None:
        return
    for spec in unpriced(specs, prices):
        console.print(f"[yellow]warning:[/] --max-cost ${max_cost:g}: no price for "
                      f"{escape(spec)}, so its calls count as $0 and never stop the run; add "
                      "it with --prices FILE (USD per 1M tokens)", highlight=False)


def _count(n: int) -> str:
    """1234 → 1.2k, 5600000 → 5.6M."""
    for size, unit in ((1e6, "M"), (1e3, "k")):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def judging_table(session: Any, title: str = "judgments") -> Table:
    """Per judge × rubric: judged, ok, unparseable, errors, skipped, tokens, cost, mean."""
    table = Table(title=Text(title), title_justify="left")
    for col in ("judge", "rubric", "judged", "ok", "unparseable", "errors", "skipped",
                "tokens in/out", "cost $", "mean"):
        table.add_column(col, justify="left" if col in ("judge", "rubric") else "right")
    names = short_names(session.plan.judges)
    for (judge, rubric), t in sorted(session.tallies.items()):
        table.add_row(Text(names.get(judge, judge)), rubric, str(t.judged), f"[green]{t.ok}[/]",
                      f"[yellow]{t.unparseable}[/]" if t.unparseable else "0",
                      f"[red]{t.errors}[/]" if t.errors else "0", str(t.skipped),
                      f"{_count(t.input_tokens)}/{_count(t.output_tokens)}",
                      f"{t.cost_usd:.4f}" if t.priced else "n/a",
                      "–" if t.mean is None else f"{t.mean:.3f}")
    budget = session.shared.budget
    if any(t.priced for t in session.tallies.values()):
        table.caption = (f"judging spent ${budget.judging:.4f} this session (verdicts from the "
                         "cache are free; n/a: no price for the judge, see --prices)")
    if session.unjudged:
        table.caption = (f"{table.caption or ''}\n{session.unjudged} judgments left undone: "
                         f"{budget.stop_reason()}").strip()
    return table


@app.command("rejudge")
def rejudge_cmd(
    run: str = typer.Argument(..., help="Run id (under --out) or path."),
    judge: list[str] = JUDGE, rubric: list[str] = RUBRIC, judge_samples: int = JUDGE_SAMPLES,
    cross_query: bool = CROSS_QUERY, judge_tries: int = JUDGE_TRIES,
    judge_max_tokens: int = JUDGE_MAX_TOKENS, judge_temperature: Optional[float] = JUDGE_TEMPERATURE,
    judge_concurrency: Optional[int] = REJUDGE_CONCURRENCY, rpm: Optional[float] = REJUDGE_RPM,
    tpm: Optional[float] = REJUDGE_TPM, max_cost: Optional[float] = REJUDGE_MAX_COST,
    prices: Optional[Path] = REJUDGE_PRICES, no_cache: bool = NO_CACHE, out: Path = OUT,
    use_drafts: bool = JUDGE_USE_DRAFTS,
) -> None:
    """Judge an existing run's responses (again) with one or more --judge models.

    Earlier judgments are kept; judgments already finished by the same judge, rubric, judge
    sample and template are skipped, so an interrupted rejudge resumes where it stopped.
    Judges are scheduled like the run's models: --judge-concurrency, --rpm and --tpm default
    to what the run used; a judge spec's ?concurrency= ?rpm= ?tpm= ?attempts= win. Exit
    code 1 when --max-cost left judgments undone.

    Examples:

    ```
    judge rejudge RUN_ID --judge openai:gpt-5-mini --judge-concurrency 50
    judge rejudge RUN_ID --judge 'anthropic:claude-sonnet-4-5?rpm=50' --max-cost 2
    judge rejudge RUN_ID --judge local --rubric intention --cross-query
    judge rejudge RUN_ID --judge anthropic:claude-sonnet-4-5 --judge openai:gpt-5-mini --judge-samples 2
    ```
    """
    from judge.errors import ConfigError
    from judge.grading.live import build_judges, open_for_rejudge, rejudge

    if not judge:
        raise ConfigError("give at least one --judge, e.g. --judge local")
    plan = make_plan(judge, rubric, judge_samples, cross_query, judge_tries, judge_max_tokens,
                     judge_temperature, judge_concurrency, not no_cache, rpm=rpm, tpm=tpm,
                     use_drafts=use_drafts)
    providers = build_judges(plan)
    session = open_for_rejudge(run, out, plan, max_cost, str(prices) if prices else None)
    console.print(f"judging {session.store.path} with {', '.join(plan.judges)}", highlight=False,
                  markup=False)
    warn_unpriced(plan.judges, session.shared.prices, max_cost)

    async def go() -> None:
        with RunProgress(console) as progress:
            progress.track_judges(session)
            progress.add_overall()
            await rejudge(session, providers)
            progress.sync()

    try:
        asyncio.run(go())
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]; run the same command again to finish")
        raise typer.Exit(130) from None
    Console().print(judging_table(session, f"judgments — {session.store.run_id}"))
    if session.unjudged:
        raise typer.Exit(1)


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
        cells = [[r.rubric, r.level, str(r.n), _fmt(r.alpha), _fmt(r.kappa),
                  r.kappa_name.replace(" κ", ""), _fmt(r.percent)] for r in group]
        for i, col in enumerate(("rubric", "level", "n", "α", "κ", "κ kind", "% agree")):
            numeric = col in ("n", "α", "κ", "% agree")
            # names never shrink to "r…"; a figure wraps its "(no interval: …)" instead
            words = [w for row in cells for w in (row[i].split() if numeric else [row[i]])]
            table.add_column(col, justify="right" if numeric else "left",
                             min_width=max(len(col), *map(len, words)),
                             no_wrap=not numeric or col == "n")
        for row in cells:
            table.add_row(*row)
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
