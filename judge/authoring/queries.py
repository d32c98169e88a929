"""The queries of a new probe set: a YAML list (the probe-set `queries:` form) or a table."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from judge.authoring.tables import read_rows
from judge.errors import TableError
from judge.probeset import Query
from judge.yamlsrc import load_yaml_with_lines

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, fallback: str) -> str:
    """An id from free text: 'Pros and cons?' → 'pros-and-cons'."""
    s = _SLUG.sub("-", text.lower()).strip("-")[:40].strip("-")
    return s or fallback


def _query(values: dict[str, Any], path: str, line: int | None, index: int) -> Query:
    values = dict(values)
    if isinstance(values.get("applies_to"), str):  # a table cell: "news, review"
        values["applies_to"] = [t.strip() for t in re.split(r"[,;|]", values["applies_to"])
                                if t.strip()] or None
    for key in ("applies_to", "pages"):
        if values.get(key) in ("", None):
            values.pop(key, None)
    values.setdefault("id", slug(str(values.get("intent") or ""), f"q{index + 1}"))
    values.setdefault("intent", "unspecified")
    try:
        return Query.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(map(str, err["loc"])) or "query"
        raise TableError(f"query {values.get('id')!r}: {where} {err['msg'].lower()}",
                         path=path, line=line) from None


def load_queries(path: Path) -> list[Query]:
    """Queries from .yaml/.yml (a list, or a mapping with `queries:`) or .csv/.jsonl
    (columns id?, intent?, text, applies_to?); ids must be unique."""
    shown = str(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        data, lines = load_yaml_with_lines(path, shown, TableError)
        items = data.get("queries") if isinstance(data, dict) else data
        if not isinstance(items, list) or not items:
            raise TableError("must be a list of queries (or `queries:` with one)", path=shown,
                             line=1)
        key = ("queries",) if isinstance(data, dict) else ()
        queries = []
        for i, item in enumerate(items):
            line = lines.get((*key, i))
            if not isinstance(item, dict):
                raise TableError("each query is a mapping {id, intent, text}", path=shown,
                                 line=line)
            queries.append(_query(item, shown, line, i))
        lines_of = [lines.get((*key, i)) for i in range(len(items))]
    else:
        rows = read_rows(path, required=("text",))
        queries = [_query({k: v for k, v in r.values.items() if v not in ("", None)},
                          shown, r.line, i) for i, r in enumerate(rows)]
        lines_of = [r.line for r in rows]
    seen: dict[str, int | None] = {}
    for q, line in zip(queries, lines_of, strict=True):
        if q.id in seen:
            raise TableError(f"query id {q.id!r} is used twice (first on line {seen[q.id]}); "
                             "give each an `id`", path=shown, line=line)
        seen[q.id] = line
    return queries
