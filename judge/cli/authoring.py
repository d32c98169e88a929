"""`judge probes new` and `judge probes import`: probe sets from pages and queries you have."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from judge.cli.probes import probes_app
from judge.errors import JudgeError

console = Console(stderr=True, highlight=False)

OUTPUT = typer.Option(..., "--output", "-o", help="The probe set YAML to write.")
TYPE = typer.Option(None, "--type", help=(
    "Page type for pages that name none: news, review, paper, product, short, long, other."))
NAME = typer.Option(None, "--name", help="Probe set name (default: from the folder/table).")
FORCE = typer.Option(False, "--force", help="Replace the output file if it exists.")
DRAFT = typer.Option(None, "--draft-key-points", help=(
    "Model spec (any: local, openai:…, compat:…@URL) that drafts key points for pages "
    "without any, written with `draft: true` for a person to confirm."))
MAX_POINTS = typer.Option(5, "--max-points", min=1, max=12, help="Drafted key points per page.")


@probes_app.command("new")
def new_cmd(folder: Path = typer.Argument(..., help="Folder of pages (.html .htm .pdf .md .txt)."),
            queries: Path = typer.Option(..., "--queries", "-q", help=(
                "Queries: YAML list ({id, intent, text, applies_to}) or CSV/JSONL with "
                "columns id, intent, text, applies_to.")),
            output: Path = OUTPUT, page_type: Optional[str] = TYPE, name: Optional[str] = NAME,
            draft: Optional[str] = DRAFT, max_points: int = MAX_POINTS,
            force: bool = FORCE) -> None:
    """A probe set from a folder of saved pages × a queries file. Each page's type comes
    from FOLDER/types.csv (columns file, type) or --type; HTML and PDF are extracted when
    the set is loaded. The result is checked (exit 2 with file:line on bad input).

    Examples:
      judge probes new saved/ --queries queries.csv --type news -o my-set.yaml
      judge probes new saved/ -q queries.yaml -o my-set.yaml --draft-key-points local
    """
    from judge.authoring import from_folder

    data = from_folder(folder, queries, output, name, page_type)
    _finish(data, output, force, draft, max_points)


@probes_app.command("import")
def import_cmd(table: Path = typer.Argument(..., help=(
                   "CSV (with a header) or JSONL: page, query [, intent, key_points, type, "
                   "title, page_id, query_id].")),
               output: Path = OUTPUT, page_type: Optional[str] = TYPE,
               name: Optional[str] = NAME, draft: Optional[str] = DRAFT,
               max_points: int = MAX_POINTS, force: bool = FORCE) -> None:
    """A probe set from a table of (page, query) rows. `page` is a file (relative to the
    table) or an http(s) URL (then run `judge probes fetch`); each query applies to the pages
    it was paired with. CSV key_points: one a line or separated by ' | ', optionally
    prefixed 'supporting:' / 'background:' (default core); JSONL: a list.

    Examples:
      judge probes import rows.csv --type review -o reviews.yaml
      judge probes import rows.jsonl -o set.yaml --draft-key-points openai:gpt-5-mini
    """
    from judge.authoring import from_table

    data = from_table(table, output, name, page_type)
    _finish(data, output, force, draft, max_points)


def _finish(data: dict[str, Any], output: Path, force: bool, draft: str | None,
            max_points: int) -> None:
    """Write, then check (and draft key points for) the new probe set."""
    from judge.authoring import write_probeset
    from judge.pages.snapshots import has_snapshot
    from judge.probeset import load_probeset

    write_probeset(data, output, force)
    urls = [p["url"] for p in data["pages"] if "url" in p]
    missing = [u for u in urls if not has_snapshot(output.parent, u)]
    if missing:
        console.print(f"wrote {output}: {len(data['pages'])} pages ({len(missing)} url page(s) "
                      f"without a snapshot), {len(data['queries'])} queries. Next: `judge probes "
                      f"fetch {output}`" + (" (then run this command again with "
                                             "--force --draft-key-points)" if draft else ""))
        return
    try:
        probes = load_probeset(output)
    except JudgeError as exc:
        console.print(f"wrote {output}, but it does not load yet: fix it and run `judge probes "
                      f"validate {output}`", markup=False)
        raise exc from None
    if draft:
        _add_drafts(data, probes, draft, max_points)
        write_probeset(data, output, force=True)
        probes = load_probeset(output)
    n_kp = sum(len(p.key_points) for p in probes.pages)
    n_draft = sum(k.draft for p in probes.pages for k in p.key_points)
    console.print(f"wrote {output}: {len(probes.pages)} pages, {len(probes.queries)} queries, "
                  f"{n_kp} key points ({n_draft} drafts to confirm). Check it with `judge probes "
                  f"show {output}`", markup=False)


def _add_drafts(data: dict[str, Any], probes: Any, spec: str, max_points: int) -> None:
    from judge.authoring import draft_key_points

    todo = [p for p in probes.pages if not p.key_points]
    with Progress(TextColumn("draft key points"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        bar = progress.add_task("draft", total=len(todo))
        drafted = draft_key_points(spec, todo, max_points,
                                   on_done=lambda _pid: progress.advance(bar))
    for page in data["pages"]:
        points, reason = drafted.get(page["id"], ([], None))
        if points:
            page["key_points"] = points
        elif reason:
            console.print(f"[yellow]page {escape(page['id'])}: no key points drafted[/] "
                          f"({escape(reason)})")
