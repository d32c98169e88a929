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
COMMAND_MODULES = ["probes", "models", "run", "traces", "spot", "analyze", "judging"]

for _name in COMMAND_MODULES:
    try:
        importlib.import_module(f"judge.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command module not written yet
        if exc.name != f"judge.cli.{_name}":
            raise


def main() -> None:
    """Entry point of the `judge` console script."""
    err = Console(stderr=True)
    try:
        rc = app(standalone_mode=False)
    except JudgeError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)
