"""The typer application object; command modules register on it.

Command modules are imported only when their command is used (``judge run`` does not pay
for importing ``judge spot`` or ``judge analyze``): ``LAZY_COMMANDS`` names the module of
every top-level command, and ``LazyGroup`` imports that module on first lookup, then
builds the click commands it registered on ``app``. Listing commands (``judge --help``,
a typo's suggestions) imports them all.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup
from typer.main import get_command_from_info, get_group_from_info

# Top-level command → the judge.cli module that registers it, in `judge --help` order.
LAZY_COMMANDS: dict[str, str] = {
    "rejudge": "judging", "agreement": "judging", "run": "run", "traces": "traces",
    "spot": "spot", "analyze": "analyze", "compare": "analyze", "report": "analyze",
    "probes": "probes", "models": "models", "batch": "batch",
    "calibrate": "calibrate", "review": "review",
}


def load_command_modules() -> None:
    """Import every command module (each registers its commands on ``app``)."""
    for module in dict.fromkeys(LAZY_COMMANDS.values()):
        importlib.import_module(f"judge.cli.{module}")


@contextmanager
def startup_gc() -> Iterator[None]:
    """A command's set-up (imports, probe set, clients) makes long-lived objects and next
    to no garbage: collect nothing while it runs, then freeze what it made, so that later
    collections (and the interpreter's at exit) do not walk all of it again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


class LazyGroup(TyperGroup):
    """The top-level group: command modules are imported on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        load_command_modules()
        self._add_registered()
        return list(dict.fromkeys([*LAZY_COMMANDS, *self.commands]))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            module = LAZY_COMMANDS.get(cmd_name)
            if module is None:  # unknown: load them all (suggestions see every name)
                load_command_modules()
            else:
                importlib.import_module(f"judge.cli.{module}")
            self._add_registered()
        return self.commands.get(cmd_name)

    def _add_registered(self) -> None:
        """Click commands for what was registered on ``app`` since this group was built."""
        kw: dict[str, Any] = {"pretty_exceptions_short": app.pretty_exceptions_short,
                              "rich_markup_mode": app.rich_markup_mode}
        for info in app.registered_commands:
            name = info.name or info.callback.__name__.lower().replace("_", "-")  # type: ignore[union-attr]
            if name not in self.commands:
                self.add_command(get_command_from_info(info, **kw), name)
        for group in app.registered_groups:
            if group.name and group.name not in self.commands:
                self.add_command(get_group_from_info(
                    group, suggest_commands=app.suggest_commands, **kw), group.name)


app = typer.Typer(
    name="judge",
    cls=LazyGroup,
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


@app.callback()
def _group() -> None:
    # A group callback makes typer build a group even before any command module is
    # imported (with no registered command it would have nothing to build).
    pass
