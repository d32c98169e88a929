"""`judge probes fetch`: fetch a probe set's `url:` pages once, into snapshots."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from judge.cli.probes import probes_app
from judge.errors import ProbeSetError
from judge.yamlsrc import load_yaml_with_lines

console = Console(stderr=True, highlight=False)


def url_pages(path: Path) -> list[tuple[str, str]]:
    """(page id, url) of every page that is read from a URL (no `text` or `file`)."""
    data, _lines = load_yaml_with_lines(path, str(path), ProbeSetError)
    pages = data.get("pages") if isinstance(data, dict) else None
    return [(str(p.get("id")), str(p["url"])) for p in pages or []
            if isinstance(p, dict) and p.get("url") is not None
            and p.get("text") is None and p.get("file") is None]


@probes_app.command("fetch")
def fetch_cmd(
    path: Path = typer.Argument(..., help="A probe set YAML file."),
    refresh: bool = typer.Option(False, "--refresh", help="Fetch again pages that have a "
                                                          "snapshot already."),
    timeout: float = typer.Option(20.0, "--timeout", min=0.1,
                                  help="Seconds per page (connect, each read, and in total)."),
    max_bytes: int = typer.Option(10_000_000, "--max-bytes", min=1,
                                  help="Largest body kept, in bytes."),
    concurrency: int = typer.Option(4, "--concurrency", min=1, help="Pages fetched at once."),
) -> None:
    """Fetch every `url:` page of a probe set into snapshots/ next to it (HTML kept, with
    fetch time, final URL after redirects, status and sha256). `judge run` reads only these
    snapshots and names the pages that have none. Exit 1 when a page could not be fetched.

    Examples:
      judge probes fetch my-pages.yaml
      judge probes fetch my-pages.yaml --refresh --timeout 60
    """
    from judge.pages.fetch import fetch_page
    from judge.pages.snapshots import has_snapshot

    base = path.parent
    pages = url_pages(path)
    todo = [(pid, url) for pid, url in pages if refresh or not has_snapshot(base, url)]
    console.print(f"{path}: {len(pages)} url page(s), {len(pages) - len(todo)} with a "
                  f"snapshot already, {len(todo)} to fetch")
    results = {}
    with Progress(TextColumn("fetch"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress, \
            ThreadPoolExecutor(max_workers=concurrency) as pool:
        bar = progress.add_task("fetch", total=len(todo))
        futures = {pid: pool.submit(fetch_page, base, url, timeout, max_bytes)
                   for pid, url in todo}
        for pid, future in futures.items():
            results[pid] = future.result()
            progress.advance(bar)
    if results:
        Console().print(_table(results))
    failed = [pid for pid, r in results.items() if not r.ok]
    if failed:
        console.print(f"[red]{len(failed)} page(s) not fetched:[/] {', '.join(failed)}")
        raise typer.Exit(1)


def _table(results: dict) -> Table:  # type: ignore[type-arg]
    table = Table(title="snapshots", title_justify="left")
    for col in ("page", "url", "status", "final url", "bytes", "text chars", "result"):
        table.add_column(col, overflow="fold")
    for pid, r in results.items():
        snap = r.snapshot
        table.add_row(_plain(pid), _plain(r.url), str(r.status or "–"),
                      _plain(snap.final_url) if snap else "–",
                      f"{snap.bytes:,}" if snap else "–", f"{r.chars:,}" if r.chars else "–",
                      "[green]ok[/]" if r.ok else f"[red]{_plain(r.error or '')}[/]")
    return table


def _plain(text: str) -> str:
    """A reason that may quote a server's words, escaped for rich markup."""
    from rich.markup import escape

    return escape(text)
