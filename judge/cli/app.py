"""The typer application object; command modules register on it."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="judge",
    help=(
        "LLM-judge evaluation with chain-of-thought inspection.\n\n"
        "Typical flow: `judge models install local` (once), then\n"
        "`judge run probes/web-summaries.yaml --model local --limit 4`, then look in runs/RUN_ID/."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)
