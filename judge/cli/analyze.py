"""`judge analyze`, `judge compare`, `judge report`: runs → answers a person can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import orjson
import typer
from rich.console import Console
from rich.text import Text

from judge.cli.app import app
from judge.cli.options import AS_JSON, OUT, USE_DRAFTS
from judge.errors import ConfigError

MIN_INTENTION = typer.Option(4.0, "--min-intention",
                             help="Success needs an intention score ≥ this (1–5).")
ALL_CORE = typer.Option(True, "--all-core/--no-all-core",
                        help="Success needs every core key point covered.")
MIN_COVERAGE = typer.Option(None, "--min-coverage",
                            help="Success also needs coverage partial credit ≥ this (0–1).")
MIN_FAITH = typer.Option(None, "--min-faithfulness",
                         help="Success also needs faithfulness ≥ this (0–1).")
GATE = typer.Option(0.8, "--gate", min=0.0, max=1.0,
                    help="Readiness gate: every combo step's lower 95% bound ≥ this.")
NO_CORRECTION = typer.Option(False, "--no-correction", help=(
    "Show raw p-values and decide significance on them (default: Holm-adjusted across "
    "the dimensions compared and McNemar)."))


def _rule(min_intention: float, all_core: bool, min_coverage: float | None,
          min_faith: float | None,
          use_drafts: bool = False):  # noqa: ANN202 - SuccessRule (imported lazily)
    from judge.analysis.rows import SuccessRule

    return SuccessRule(min_intention=min_intention, all_core=all_core,
                       min_coverage=min_coverage, min_faithfulness=min_faith,
                       use_drafts=use_drafts)


def write_html_report(runs: list[str], output: Path, out: Path = Path("runs"),
                      order: str = "given", title: str | None = None, rule: object = None,
                      gate: float = 0.8, use_drafts: bool = False,
                      correction: str = "holm", calibration: list[Path] | None = None,
                      human: list[Path] | None = None) -> int:
    """Analyze ``runs`` and write the HTML report to ``output``; its size in bytes.

    The Judges section takes each judge's calibration from ``calibration`` files (else its
    record in the cache dir) and human labels from RUN/human-labels.jsonl and ``human``.
    """
    from judge.analysis import analyze, load_run
    from judge.analysis.analyze import order_runs
    from judge.report.html import write_report
    from judge.report.trust import judge_trust

    loaded = order_runs([load_run(r, out) for r in runs], order)
    result = analyze(loaded, rule or _rule(4.0, True, None, None, use_drafts), gate,
                     correction=correction)
    trust = judge_trust(loaded, calibration, human)
    return write_report(result, loaded, output, title=title, trust=trust)


def _print_json(data: object) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY
                            | orjson.OPT_NON_STR_KEYS).decode())


@app.command("analyze")
def analyze_cmd(
    run: str = typer.Argument(..., help="Run id (under --out) or path."),
    as_json: bool = AS_JSON, out: Path = OUT, min_intention: float = MIN_INTENTION,
    all_core: bool = ALL_CORE, min_coverage: Optional[float] = MIN_COVERAGE,
    min_faithfulness: Optional[float] = MIN_FAITH, gate: float = GATE,
    use_drafts: bool = USE_DRAFTS, no_correction: bool = NO_CORRECTION,
) -> None:
    """Print the five-level analysis of one run: metrics with 95% intervals per model, page
    type and query intent; combos vs prediction and the readiness gate; strategy; intention;
    reflection; for planted-error tasks (probes/planted.yaml) functional reflection: did
    self-checks catch the planted errors, were the answers repaired (caught vs uncaught,
    planted vs control); and, with two or more models, model-vs-model differences.

    Examples:

    ```
    judge analyze RUN_ID
    judge analyze runs/RUN_ID --json > analysis.json
    judge analyze RUN_ID --min-intention 3 --no-all-core
    judge analyze PLANTED_RUN      # after judge run probes/planted.yaml ... --rubric repair
    ```
    """
    from judge.analysis import analyze, load_run
    from judge.report.terminal import analysis_renderables

    result = analyze([load_run(run, out)], _rule(min_intention, all_core, min_coverage,
                                                 min_faithfulness, use_drafts), gate,
                     correction="none" if no_correction else "holm")
    if as_json:
        _print_json(result.to_dict())
        return
    console = Console()
    for part in analysis_renderables(result, console.width):
        console.print(part)
        console.print()


@app.command("compare")
def compare_cmd(
    run_a: str = typer.Argument(..., help="Run A (the baseline): id or path."),
    run_b: Optional[str] = typer.Argument(None, help="Run B; omit to compare two models "
                                                     "inside RUN_A (give --a and --b)."),
    a: Optional[str] = typer.Option(None, "--a", help="Model spec of A (inside its run)."),
    b: Optional[str] = typer.Option(None, "--b", help="Model spec of B (inside its run)."),
    fail_if_worse: list[str] = typer.Option([], "--fail-if-worse", help=(
        "Exit 1 when B is significantly worse than A on this dimension (repeatable): "
        "pass, intention, coverage, all_core, faithfulness, strategy_match, length_ok.")),
    as_json: bool = AS_JSON, out: Path = OUT, min_intention: float = MIN_INTENTION,
    all_core: bool = ALL_CORE, min_coverage: Optional[float] = MIN_COVERAGE,
    min_faithfulness: Optional[float] = MIN_FAITH, no_correction: bool = NO_CORRECTION,
    use_drafts: bool = USE_DRAFTS,
) -> None:
    """Compare A and B on the same tasks (level 1): per-dimension difference B − A with a
    paired BCa bootstrap 95% interval over tasks, p-values Holm-corrected across the
    dimensions and McNemar (--no-correction: raw), exact McNemar on task pass/fail, and
    the tasks that flipped. One success rule for both (decided on the rubrics either run
    judged). Fewer than 10 shared tasks with a value: "n too small", never significant.
    Runs of planted-error tasks also get functional reflection side by side (detection,
    repair, control error-free, false alarms, repair gap; B − A paired by planted pair):
    does B reflect more, and does it fix more? Traced runs get level 5 side by side:
    self-check, correction and pivot rates (a pivot is reported, never reflection).

    A report, not a gate: exit 0 unless --fail-if-worse DIM finds B significantly worse
    (exit 1). A DIM that is "n too small" is not tested: a warning, exit 0.

    Examples:

      judge compare base new                              # B = new against A = base

      judge compare base new --fail-if-worse pass --fail-if-worse faithfulness

      judge compare run1 --a openai:gpt-5-mini --b local  # two models inside one run

      judge compare base new --no-correction --json       # raw p-values, for scripts

      judge compare planted-v1 planted-v2                 # runs of probes/planted.yaml
    """
    from judge.analysis import compare_rows, load_run, pick_arm
    from judge.analysis.metrics import DIM_KIND
    from judge.analysis.reflection import reflection_report
    from judge.report.terminal import comparison_tables, reflection_side_by_side

    unknown = [d for d in fail_if_worse if d not in DIM_KIND]
    if unknown:
        raise ConfigError(f"--fail-if-worse {unknown[0]}: unknown dimension "
                          f"(known: {', '.join(DIM_KIND)})")
    if run_b is None and not (a and b):
        raise ConfigError("give two runs (`judge compare RUN_A RUN_B`) or one run and two "
                          "models (`judge compare RUN --a SPEC --b SPEC`)")
    ra = load_run(run_a, out)
    rb = ra if run_b is None else load_run(run_b, out)
    rule = _rule(min_intention, all_core, min_coverage, min_faithfulness,
                 use_drafts).decided([ra, rb])
    arm_a, arm_b = pick_arm(ra, rule, a), pick_arm(rb, rule, b)
    comp = compare_rows(arm_a.rows, arm_b.rows, arm_a.label, arm_b.label,
                        "none" if no_correction else "holm")
    if comp.common_tasks == 0:
        raise ConfigError(f"{arm_a.label} and {arm_b.label} share no tasks "
                          "(different probe sets?); nothing to compare")
    missing = [d for d in fail_if_worse if comp.dim(d) is None]
    if missing:
        raise ConfigError(f"--fail-if-worse {missing[0]}: A and B have no {missing[0]} "
                          "values to compare (not judged?)")
    l5 = [(arm.label, reflection_report(arm.label, arm.rows)) for arm in (arm_a, arm_b)]
    if as_json:
        _print_json(comp.to_dict() | {"success_rule": rule.describe(),
                                      "success_banner": rule.banner(),
                                      "reflection": {"a": l5[0][1].to_dict(),
                                                     "b": l5[1][1].to_dict()}})
    else:
        console = Console()
        console.print(rule.banner(), highlight=False, markup=False)
        for part in comparison_tables(comp, rule.short()):
            console.print(part)
        if any(r.traced for _, r in l5):
            console.print(reflection_side_by_side(l5))
    _gate(comp, fail_if_worse)


def _gate(comp, dims: list[str]) -> None:  # noqa: ANN001 - Comparison (imported lazily)
    """--fail-if-worse: exit 1 when B is significantly worse on one of ``dims``; a DIM
    that is "n too small" is not tested (a warning on stderr, exit 0)."""
    err = Console(stderr=True)
    for d in dims:
        diff = comp.dim(d).diff
        if diff.too_small:
            err.print(f"warning: --fail-if-worse {d}: n too small ({diff.n} shared "
                      f"task{'s' if diff.n != 1 else ''} with a value, fewer than 10): not "
                      "tested, so not failing", style="yellow", markup=False, highlight=False)
    worse = [d for d in dims if comp.worse(d)]
    if worse:
        err.print(f"B is significantly worse on: {', '.join(worse)}", style="red",
                  markup=False, highlight=False)
        raise typer.Exit(1)


@app.command("report")
def report_cmd(
    runs: list[str] = typer.Argument(..., help="One or more runs (ids or paths)."),
    output: Path = typer.Option(Path("report.html"), "--output", "-o", help="HTML file."),
    order: str = typer.Option("given", "--order", help=(
        "Order of the runs for comparisons and the mirage check: `given` (as listed), "
        "`model`, or a manifest field such as `settings.temperature` or `created`.")),
    title: Optional[str] = typer.Option(None, "--title", help="Report title."),
    calibration: list[Path] = typer.Option([], "--calibration", help=(
        "A calibration record (runs/ID/calibration.json of `judge calibrate`, or a "
        "per-judge record); default: each judge's latest record in the cache dir.")),
    human: list[Path] = typer.Option([], "--human", help=(
        "Human labels (CSV/JSONL) beside RUN/human-labels.jsonl (`judge review`), for "
        "judge-vs-human agreement.")),
    out: Path = OUT, min_intention: float = MIN_INTENTION, all_core: bool = ALL_CORE,
    min_coverage: Optional[float] = MIN_COVERAGE, min_faithfulness: Optional[float] = MIN_FAITH,
    gate: float = GATE, no_correction: bool = NO_CORRECTION, use_drafts: bool = USE_DRAFTS,
) -> None:
    """Write ONE self-contained HTML report (works offline): a summary, a section per
    level with inline SVG plots, bad cases with highlighted reflection spans, and a review
    queue of the items the judge was least sure about, and a Judges section: each judge's
    calibration (`judge calibrate`) and its agreement with human labels (`judge review`).
    Runs with planted-error tasks get "Level 5 — functional reflection".

    Examples:

    ```
    judge report RUN_ID -o report.html
    judge report RUN_ID --calibration runs/CAL_ID/calibration.json --human labels.csv
    judge report RUN_V1 RUN_V2 RUN_V3 --order given -o versions.html
    judge report PLANTED_V1 PLANTED_V2 -o planted.html   # functional reflection, A vs B
    ```
    """
    rule = _rule(min_intention, all_core, min_coverage, min_faithfulness, use_drafts)
    size = write_html_report(runs, output, out, order, title, rule, gate,
                             correction="none" if no_correction else "holm",
                             calibration=calibration, human=human)
    Console(stderr=True).print(f"wrote {output} ({size / 1024:.0f} KiB)", highlight=False,
                               markup=False)
