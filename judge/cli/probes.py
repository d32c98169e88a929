"""`judge probes validate|show`: check probe sets and see what they expand to."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from judge.cli.app import app
from judge.errors import JudgeError
from judge.probeset import expand, load_probeset

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
def show(path: Path = typer.Argument(..., help="A probe set YAML file.")) -> None:
    """Tables of pages, queries and combos, with the task count.

    Examples:

    ```
    judge probes show probes/web-summaries.yaml
    ```
    """
    probes = load_probeset(path)
    tasks = expand(probes)
    per_page = Counter(t.page_ids[0] for t in tasks if t.kind == "single")
    pages = Table(title=Text(f"{probes.name} v{probes.version} — pages"), title_justify="left")
    for col in ("id", "type", "title", "words", "key points (core)", "length", "tasks"):
        pages.add_column(col, overflow="fold")
    for p in probes.pages:
        core = sum(k.role == "core" for k in p.key_points)
        b = p.bounds
        pages.add_row(Text(p.id), p.type, Text(p.title[:40]), str(len(p.body.split())),
                      f"{len(p.key_points)} ({core})", f"{b.min_words}–{b.max_words}",
                      str(per_page[p.id]))
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
    singles = sum(t.kind == "single" for t in tasks)
    console.print(f"[bold]{len(tasks)} tasks[/] ({singles} page × query, "
                  f"{len(tasks) - singles} combos) × {probes.samples} samples = "
                  f"{len(tasks) * probes.samples} generations per model")
