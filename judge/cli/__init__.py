"""Command-line interface: a thin layer over the library.

Each command lives in its own module here and registers on ``app``; a module is imported
when its command is used (judge.cli.app.LazyGroup). ``main`` maps ``JudgeError`` to a
one-line message and a stable exit code.
"""

from __future__ import annotations

import gc
import sys

from rich.console import Console
from rich.markup import escape

from judge.cli.app import LAZY_COMMANDS, app, load_command_modules
from judge.errors import JudgeError

# Command modules (each registers its commands on `app` when imported).
COMMAND_MODULES = list(dict.fromkeys(LAZY_COMMANDS.values()))
__all__ = ["COMMAND_MODULES", "app", "load_command_modules", "main"]


def main() -> None:
    """Entry point of the `judge` console script.

    Click handles usage errors, --help and typer.Exit codes (standalone mode); a
    JudgeError becomes one red line and its class's exit code, never a traceback.
    """
    try:
        app()
    except JudgeError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False,
                                   soft_wrap=True)
        sys.exit(exc.exit_code)
    finally:
        # The process ends next: the interpreter's collections at exit would walk every
        # object (the SDKs' thousands of classes: ~0.3 s) only to free memory the OS takes
        # back anyway. Objects are still finalized when their references go.
        gc.freeze()
