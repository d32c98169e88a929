"""`judge traces INPUT`: self-check and correction events in reasoning traces."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from judge.cli.app import app
from judge.cli.options import AS_JSON
from judge.errors import ConfigError, InputError
from judge.traces import parse_trace, summarize, write_run_traces
from judge.traces.inputs import iter_jsonl, read_text
from judge.traces.render import highlighted, items_table, legend, models_table, summary
from judge.traces.runs import TRACE_SCHEMA_VERSION, TRACES, read_traces, stale_records

LANGS = ("auto", "en", "zh")


def _emit(obj: object) -> None:
    sys.stdout.buffer.write(orjson.dumps(obj) + b"\n")


def _text(text: str, name: str, as_json: bool, lang: str | None) -> None:
    result = parse_trace(text, lang=lang)
    if as_json:
        _emit({"id": name, **result.to_dict()})
        return
    console = Console(highlight=False)
    console.print(Text(name, style="bold"))
    console.print(highlighted(text, result), soft_wrap=True)
    console.print()
    console.print(legend())
    console.print(summary(result))


def _jsonl(path: Path, as_json: bool, lang: str | None) -> None:
    """Parse each good line as it is read (with --json, print it at once); report each bad
    line on stderr as it comes and, at the end, fail with exit code 2 if there was one:
    the good lines' results are never lost to a bad line further down."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    rows, bad, good = [], [], 0
    for entry in iter_jsonl(path):
        if isinstance(entry, InputError):
            bad.append(entry)
            err.print(f"[bold red]error:[/] {escape(str(entry))}")
            continue
        res = parse_trace(entry.text, lang=lang, answer=entry.answer)
        good += 1
        if as_json:
            _emit({"id": entry.id, **res.to_dict()})
        else:
            rows.append((entry.id, res))
    if not as_json:
        Console(highlight=False).print(items_table(rows, f"{path} — {len(rows)} traces"))
    if bad:
        lines = ", ".join(str(e.line) for e in bad[:10]) + (", ..." if len(bad) > 10 else "")
        s = "s" if len(bad) > 1 else ""
        raise InputError(f"{len(bad)} bad line{s} skipped (line{s} {lines}); "
                         f"the {good} good ones were parsed", path=str(path))


def _run_dir(path: Path, as_json: bool, lang: str | None) -> None:
    stale = stale_records(path / TRACES)
    out = write_run_traces(path, lang=lang)
    summaries = summarize(read_traces(out))
    note = (f"rewrote {stale} record(s) of an older traces.jsonl schema (no pivots, no "
            f"'why') to schema {TRACE_SCHEMA_VERSION}") if stale else ""
    if as_json:
        for s in summaries:
            _emit(s.to_dict())
        if note:
            Console(stderr=True, highlight=False).print(Text(note))
        return
    console = Console(highlight=False)
    console.print(models_table(summaries, f"{path} — reflection per model"))
    console.print(Text(f"wrote {out}"))
    if note:
        console.print(Text(note))


@app.command("traces")
def traces(
    input: str = typer.Argument(..., help="A text file, '-' for stdin, a JSONL file of "
                                "{id, text, answer?} lines, or a run directory."),
    as_json: bool = AS_JSON,
    lang: str = typer.Option("auto", "--lang", help="Pattern language: en, zh or auto (both)."),
) -> None:
    """Find self-check and correction events (with episodes and follow-through) in
    reasoning. A run directory gets a traces.jsonl and a per-model summary.

    Examples:

    ```
    judge traces trace.txt
    judge traces items.jsonl --json
    judge traces runs/RUN_ID/
    ```
    """
    if lang not in LANGS:
        raise ConfigError(f"--lang must be one of {', '.join(LANGS)}, not {lang!r}")
    code = None if lang == "auto" else lang
    if input == "-":
        _text(sys.stdin.buffer.read().decode("utf-8", "replace"), "<stdin>", as_json, code)
        return
    path = Path(input)
    if path.is_dir():
        _run_dir(path, as_json, code)
    elif not path.exists():
        raise InputError("no such file or directory", path=input)
    elif path.suffix.lower() == ".jsonl":
        _jsonl(path, as_json, code)
    else:
        _text(read_text(path), str(path), as_json, code)
