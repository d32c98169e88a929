"""Reading trace inputs: text files, stdin, and JSONL files of {id, text, answer?}."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judge.errors import InputError


@dataclass(frozen=True)
class TraceItem:
    """One JSONL line: an id, the trace text and, optionally, the final answer."""

    id: Any
    text: str
    answer: str | None
    line: int


def read_text(path: Path) -> str:
    """A text file, decoded as UTF-8 (undecodable bytes become U+FFFD)."""
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from exc


def _item(data: Any, path: str, n: int) -> TraceItem:
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object, got {type(data).__name__}", path=path, line=n)
    if "id" not in data:
        raise InputError("missing 'id'", path=path, line=n)
    rid = data["id"]
    if not isinstance(rid, (str, int)) or isinstance(rid, bool):
        raise InputError("'id' must be a string or an integer", path=path, line=n)
    item = f"id {rid!r}"
    text = data.get("text")
    if not isinstance(text, str):
        what = "missing 'text'" if text is None else "'text' must be a string"
        raise InputError(what, path=path, line=n, item=item)
    answer = data.get("answer")
    if answer is not None and not isinstance(answer, str):
        raise InputError("'answer' must be a string or null", path=path, line=n, item=item)
    return TraceItem(rid, text, answer, n)


def iter_jsonl(path: Path) -> Iterator[TraceItem | InputError]:
    """The lines of a JSONL file as they are read: a ``TraceItem`` per good line, an
    ``InputError`` (file, line, id) per bad one, so that a caller can keep the good
    lines' work and report the bad ones. Blank lines are skipped."""
    from judge.store import iter_jsonl as jsonl_lines

    if not path.is_file():
        raise InputError("cannot read: no such file", path=str(path))
    try:
        for entry in jsonl_lines(path, partial_tail=False):
            if isinstance(entry.value, InputError):
                yield entry.value
                continue
            try:
                yield _item(entry.value, str(path), entry.line)
            except InputError as exc:
                yield exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=str(path)) from exc


def read_jsonl(path: Path) -> list[TraceItem]:
    """All items of a JSONL file; the first bad line raises InputError (file, line, id)."""
    items: list[TraceItem] = []
    for entry in iter_jsonl(path):
        if isinstance(entry, InputError):
            raise entry
        items.append(entry)
    return items
