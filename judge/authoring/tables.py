"""Reading authoring inputs row by row (CSV with a header, JSONL), each row with its line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from judge.errors import TableError


@dataclass(frozen=True)
class Row:
    """One input row: its values and where it is."""

    path: str
    line: int
    values: dict[str, Any]

    def fail(self, message: str) -> TableError:
        return TableError(message, path=self.path, line=self.line)

    def text(self, key: str) -> str:
        value = self.values.get(key)
        return "" if value is None else str(value).strip()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TableError("file not found", path=str(path)) from None
    except UnicodeDecodeError:
        raise TableError("not UTF-8 text", path=str(path)) from None


def read_rows(path: Path, required: tuple[str, ...]) -> list[Row]:
    """Rows of a .csv (header row names the columns) or .jsonl (one object a line)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path)
    elif suffix in (".jsonl", ".ndjson"):
        rows = _jsonl_rows(path)
    else:
        raise TableError("must be .csv or .jsonl", path=str(path))
    if not rows:
        raise TableError("has no rows", path=str(path))
    for row in rows:
        for key in required:
            if not row.text(key):
                raise row.fail(f"`{key}` is required (columns: {', '.join(row.values)})")
    return rows


def _csv_rows(path: Path) -> list[Row]:
    text = _read(path)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise TableError("has no header row", path=str(path), line=1)
    header = [h.strip().lower() for h in reader.fieldnames]
    rows = []
    for values in reader:
        extra = values.pop(None, None)  # type: ignore[call-overload]
        if extra:
            raise TableError(f"has {len(header) + len(extra)} cells, the header "
                             f"{len(header)}", path=str(path), line=reader.line_num)
        clean = {h: (v or "").strip() for h, v in zip(header, values.values(), strict=True)}
        if any(clean.values()):
            rows.append(Row(str(path), reader.line_num, clean))
    return rows


def _jsonl_rows(path: Path) -> list[Row]:
    rows = []
    for n, line in enumerate(_read(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise TableError(f"not JSON ({exc})", path=str(path), line=n) from None
        if not isinstance(obj, dict):
            raise TableError("must be a JSON object", path=str(path), line=n)
        rows.append(Row(str(path), n, {str(k).lower(): v for k, v in obj.items()}))
    return rows
