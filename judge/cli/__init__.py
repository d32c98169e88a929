"""Command-line interface: a thin layer over the library.

Each command lives in its own module here and registers on ``app``; ``main`` maps
``JudgeError`` to a one-line message and a stable exit code.
"""

from __future__ import annotations

import importlib
import sys

from rich.console import Console

from judge.cli.app import app
from judge.errors import JudgeError

# Command modules, imported for their side effect of registering on `app`.
COMMAND_MODULES = ["probes", "models", "run", "traces", "spot", "analyze", "judging", "batch"]

for _name in COMMAND_MODULES:
    try:
        importlib.import_module(f"judge.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command module not written yet
        if exc.name != f"judge.cli.{_name}":
            raise


def main() -> None:
    """Entry point of the `judge` console script.

    Click handles usage errors, --help and typer.Exit codes (standalone mode); a
    JudgeError becomes one red line and its class's exit code, never a traceback.
    """
    try:
        app()
    except JudgeError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False,
                                   soft_wrap=True)
        sys.exit(exc.exit_code)
