"""`judge review RUN`: label a run's judged responses by hand, blind to the judge."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from judge.cli.app import app
from judge.cli.judging import agreement_tables
from judge.cli.options import OUT, RUBRIC
from judge.review.labels import HUMAN_LABELS


@app.command("review")
def review_cmd(
    run: str = typer.Argument(..., help="Run id (under --out) or path."),
    labels: Optional[Path] = typer.Option(None, "--labels", help=(
        f"Label file to write (JSONL; default: RUN/{HUMAN_LABELS}, which `judge report` "
        "reads by itself).")),
    rater: str = typer.Option("human", "--rater", help=(
        "Your name in the label file (several raters give human-vs-human agreement).")),
    rubric: list[str] = RUBRIC,
    no_color: bool = typer.Option(False, "--no-color", help="No colours (NO_COLOR works too)."),
    out: Path = OUT,
) -> None:
    """Label a run's judged responses yourself, blind: each item shows the page excerpt,
    the query, the answer and the reasoning (self-checks and corrections highlighted),
    never the judge's verdict until you have pressed your key. Items come in review-queue
    order (where judges disagreed most) and then the rest.

    Keys: intention 1–5; coverage and faithfulness 0–4 (share: 0, ¼, ½, ¾, all); strategy
    and reflection the number of the label; s skip, u undo, q quit. Every label is saved
    at once: run the same command again to go on where you stopped. Every rubric but
    pairwise can be labelled (--rubric narrows it).

    Examples:

    ```
    judge review RUN
    judge review RUN --rater ann --rubric intention --rubric faithfulness
    ```

    Then `judge agreement RUN --human runs/RUN/human-labels.jsonl` or `judge report RUN`.
    """
    from judge.analysis.load import load_run
    from judge.errors import ConfigError
    from judge.grading.concordance import agreement_rows
    from judge.grading.io import latest_judgments
    from judge.grading.labels import load_labels
    from judge.grading.rubrics import get_rubrics
    from judge.records import ResponseRecord
    from judge.review import LabelFile, items, review
    from judge.store import RunStore

    unknown = [r for r in rubric if r not in ("intention", "strategy", "coverage",
                                                "faithfulness", "reflection")]
    if unknown:
        get_rubrics(unknown)  # an unknown name: the usual error
        raise ConfigError(f"--rubric {unknown[0]}: people label intention, strategy, "
                          "coverage, faithfulness and reflection")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ConfigError("judge review reads single key presses: run it in a terminal")
    data = load_run(run, out)
    path = labels or data.path / HUMAN_LABELS
    label_file = LabelFile.open(path, rater)
    todo = items(data, rubric or None)
    console = Console(no_color=no_color or None, highlight=False)
    left = sum(1 for i in todo if i.key not in label_file.done)
    console.print(f"{len(todo)} judged items in {data.run_id}; {len(todo) - left} labelled by "
                  f"{rater} already, {left} to go. Labels go to {path}", markup=False)
    tally = asyncio.run(review(data, todo, label_file, console))
    console.print(f"labelled {tally.labelled} this session ({len(label_file.mine())} by "
                  f"{rater} in all), skipped {tally.skipped}, undone {tally.undone}, "
                  f"{tally.remaining} left · {path}", markup=False)
    store = RunStore.open(run, out)
    responses = [ResponseRecord.model_validate(r) for r in data.responses]
    human, _ = load_labels(path, responses) if path.exists() else ([], [])
    rows = [r for r in agreement_rows(latest_judgments(store), human)
            if r.comparison == "judge-vs-human"]
    for table in agreement_tables(rows):
        console.print(table)
    console.print(f"next: judge agreement {data.run_id} --human {path}   ·   judge report "
                  f"{data.run_id}", markup=False)
