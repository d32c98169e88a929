"""`judge probes validate|show`: check probe sets and see what they expand to."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from judge.cli.app import app
from judge.errors import ConfigError, JudgeError
from judge.probeset import ProbeSet, expand, load_probeset

probes_app = typer.Typer(help="Validate probe sets and show what they expand to.",
                         no_args_is_help=True)
app.add_typer(probes_app, name="probes")
console = Console()


@probes_app.command("validate")
def validate(paths: list[Path] = typer.Argument(..., help="Probe set YAML files.")) -> None:
    """Check probe sets: schema, ids, references, page files, templates. Exit 2 on the first
    bad file (every error names file, line and item).

    Examples:

    ```
    judge probes validate probes/web-summaries.yaml
    judge probes validate probes/bad.yaml   # exit 2: file, line and item of each error
    ```
    """
    bad = 0
    for path in paths:
        try:
            probes = load_probeset(path)
            from judge.render import task_messages
            from judge.runs import templates_for
            templates = templates_for(probes)
            tasks = expand(probes)
            for task in {t.template: t for t in tasks}.values():
                task_messages(probes, task, templates)
        except JudgeError as exc:
            console.print(f"[red]✗[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            bad += 1
            continue
        console.print(f"[green]✓[/] {escape(str(path))}: {len(probes.pages)} pages, {len(probes.queries)} "
                      f"queries, {len(probes.combos)} combos → {len(tasks)} tasks × "
                      f"{probes.samples} samples", highlight=False)
    if bad:
        raise typer.Exit(2)


@probes_app.command("show")
def show(path: Path = typer.Argument(..., help="A probe set YAML file."),
         page: Optional[str] = typer.Option(None, "--page", "-p", help=(
             "Print this page's text exactly as the model sees it (extracted from HTML / "
             "PDF / snapshot), with how it was extracted on stderr."))) -> None:
    """Tables of pages, queries and combos, with the task count; or one page's text.

    Examples:

    ```
    judge probes show probes/web-summaries.yaml
    judge probes show probes/web-summaries.yaml --page news-transit-fares
    ```
    """
    probes = load_probeset(path)
    if page is not None:
        _show_page(probes, page)
        return
    tasks = expand(probes)
    per_page = Counter(t.page_ids[0] for t in tasks if t.kind == "single")
    pages = Table(title=Text(f"{probes.name} v{probes.version} — pages"), title_justify="left")
    for col in ("id", "type", "source", "title", "words", "key points (core)", "length",
                "tasks"):
        pages.add_column(col, overflow="fold")
    for p in probes.pages:
        core = sum(k.role == "core" for k in p.key_points)
        drafts = sum(k.draft for k in p.key_points)
        b = p.bounds
        pages.add_row(Text(p.id), p.type, Text(_source(p)), Text(p.title[:40]),
                      str(len(p.body.split())),
                      f"{len(p.key_points)} ({core})" + (f", {drafts} draft" if drafts else ""),
                      f"{b.min_words}–{b.max_words}", str(per_page[p.id]))
    console.print(pages)
    queries = Table(title="queries", title_justify="left")
    for col in ("id", "intent", "applies to", "text"):
        queries.add_column(col, overflow="fold")
    for q in probes.queries:
        queries.add_row(Text(q.id), q.intent, ", ".join(q.applies_to or ["all"]), Text(q.text))
    console.print(queries)
    if probes.combos:
        combos = Table(title="combos", title_justify="left")
        for col in ("id", "pages", "steps", "query"):
            combos.add_column(col, overflow="fold")
        for c in probes.combos:
            combos.add_row(Text(c.id), Text(", ".join(c.pages)),
                           Text(", ".join(f"{s.page}×{s.query}" for s in c.steps)), Text(c.query))
        console.print(combos)
    if probes.tasks:
        console.print(_tasks_table(probes))
    singles = sum(t.kind == "single" and t.decl is None for t in tasks)
    declared = sum(t.decl is not None for t in tasks)
    console.print(f"[bold]{len(tasks)} tasks[/] ({singles} page × query, {declared} declared, "
                  f"{sum(t.kind == 'combo' for t in tasks)} combos) × {probes.samples} "
                  f"samples = {len(tasks) * probes.samples} generations per model")


def _tasks_table(probes: ProbeSet) -> Table:
    """The declared tasks (`tasks:`) with their plants."""
    table = Table(title="declared tasks", title_justify="left")
    for col in ("id", "page", "query", "plant", "error", "erroneous → correct", "twin"):
        table.add_column(col, overflow="fold")
    for t in probes.tasks:
        plant = t.plant or probes.page(t.page).plant
        if plant is None:
            table.add_row(Text(t.id), Text(t.page), Text(t.query), "–", "", "", "")
            continue
        change = f"{plant.erroneous} → {plant.correct}" if plant.erroneous else ""
        table.add_row(Text(t.id), Text(t.page), Text(t.query), plant.kind,
                      plant.error_type or "", Text(change), Text(plant.twin or ""))
    return table


def _source(page: object) -> str:
    """'html', 'pdf', 'url → html', 'text' or 'inline' for the pages table."""
    ex = getattr(page, "extraction", None)
    if ex is None:
        return "inline"
    return f"url → {ex.kind}" if ex.snapshot else ex.kind


def _show_page(probes: ProbeSet, page_id: str) -> None:
    """The page text on stdout (plain: page text is data, never markup); provenance on stderr."""
    page = next((p for p in probes.pages if p.id == page_id), None)
    if page is None:
        raise ConfigError(f"--page {page_id!r}: no such page in {probes.source} "
                          f"(pages: {', '.join(p.id for p in probes.pages)})")
    err = Console(stderr=True, highlight=False)
    ex = page.extraction
    if ex is None:
        err.print(f"page {page.id}: inline text, {len(page.body):,} characters", markup=False)
    else:
        how = f"{ex.extractor} {ex.extractor_version}" if ex.extractor else "read as text"
        err.print(f"page {page.id}: {ex.source} ({ex.kind}, {ex.bytes:,} bytes, sha256 "
                  f"{ex.sha256[:12]}…) → {how}: {ex.chars_before:,} → {ex.chars_after:,} "
                  "characters", markup=False)
        extra = [f"title: {ex.title}" if ex.title else "", f"date: {ex.date}" if ex.date else "",
                 f"PDF pages: {ex.pdf_pages}" if ex.pdf_pages else ""]
        if ex.snapshot:
            s = ex.snapshot
            extra.append(f"snapshot {s.file}: HTTP {s.status} from {s.final_url} at "
                         f"{s.fetched_at}")
        for line in filter(None, extra):
            err.print(f"  {line}", markup=False)
    sys.stdout.write(page.body if page.body.endswith("\n") else page.body + "\n")


# Sub-commands in their own modules (they register on probes_app when imported).
from judge.cli import authoring, fetch  # noqa: E402,F401
