"""`judge spot`: the interactive spot-check REPL (see judge.spot)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Optional

import typer

from judge.cli.app import app
from judge.probeset import PageType


@app.command("spot")
def spot(
    model: str = typer.Option(..., "--model", "-m", help=(
        "Model spec: `local`, `openai:MODEL`, `anthropic:MODEL`, `compat:MODEL@URL`, ...")),
    probes: Optional[Path] = typer.Option(None, "--probes", "-p", help="Probe set YAML."),
    task: Optional[str] = typer.Option(None, "--task", "-t", help=(
        "Task of the probe set: id, unambiguous id prefix, PAGE_ID:QUERY_ID or combo id "
        "(default: the first task).")),
    page: Optional[Path] = typer.Option(None, "--page", help="A page as a text/markdown file."),
    query: Optional[str] = typer.Option(None, "--query", "-q", help="Ask this about the page."),
    page_type: str = typer.Option("other", "--page-type", help=(
        "Type of a --page file: news|review|paper|product|short|long|other.")),
    judge: Optional[str] = typer.Option(None, "--judge", help=(
        "Judge model spec for :judge (default: the model under test).")),
    max_tokens: int = typer.Option(1024, "--max-tokens", min=16, help="Output token limit."),
    temperature: Optional[float] = typer.Option(None, help="Sampling temperature."),
    concurrency: int = typer.Option(4, min=1, help="Concurrent calls during :resample."),
    out: Path = typer.Option(Path("runs"), "--out", help="Where :save creates run dirs."),
    no_color: bool = typer.Option(False, "--no-color", help="No colours (NO_COLOR works too)."),
) -> None:
    """Open a REPL on one page and one query: stream reasoning and answer with self-check
    and correction highlighted, `:resample N` for the reflection rate, `:model` to compare,
    `:judge`, `:diff`, `:save`. Type `:help` inside.

    Examples:

    ```
    judge spot --model local --probes probes/web-summaries.yaml --task news-bridge-ledger:overview
    judge spot --model openai:gpt-5-mini --page article.md --query "What changed?"
    ```
    """
    from typing import cast

    from judge.errors import ConfigError
    from judge.spot import SpotSettings, open_session
    from judge.spot.repl import repl
    from judge.spot.ui import Ui

    if page_type not in PageType.__args__:  # type: ignore[attr-defined]
        raise ConfigError(f"--page-type must be one of {'|'.join(PageType.__args__)}")  # type: ignore[attr-defined]
    settings = SpotSettings(max_tokens=max_tokens, temperature=temperature,
                            concurrency=concurrency, judge=judge, runs_dir=out,
                            page_type=cast(PageType, page_type))
    session = open_session(model, probes=probes, task=task, page=page, query=query,
                           settings=settings)
    asyncio.run(repl(session, Ui.detect(no_color=no_color)))
