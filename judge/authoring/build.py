"""Building a probe set (as YAML-ready data) from a folder of pages or a table of rows."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from judge.authoring.queries import load_queries, slug
from judge.authoring.tables import Row, read_rows
from judge.errors import TableError
from judge.probeset import Query

PAGE_TYPES = ("news", "review", "paper", "product", "short", "long", "other")
PAGE_SUFFIXES = (".html", ".htm", ".xhtml", ".pdf", ".md", ".markdown", ".txt")
TYPES_FILE = "types.csv"
_ROLE_PREFIX = re.compile(r"^(core|supporting|background)\s*:\s*", re.IGNORECASE)


def _rel(target: Path, out_dir: Path) -> str:
    """``target`` as the YAML at ``out_dir`` will name it (relative, forward slashes)."""
    return Path(os.path.relpath(target.resolve(), out_dir.resolve())).as_posix()


def _unique(ident: str, taken: set[str]) -> str:
    out, n = ident, 2
    while out in taken:
        out, n = f"{ident}-{n}", n + 1
    taken.add(out)
    return out


def _check_type(value: str, where: Row | None, path: str) -> str:
    if value not in PAGE_TYPES:
        msg = f"type {value!r} must be one of {', '.join(PAGE_TYPES)}"
        raise where.fail(msg) if where else TableError(msg, path=path)
    return value


def _types(folder: Path) -> dict[str, str]:
    """file name → page type, from the folder's types.csv (columns: file, type)."""
    path = folder / TYPES_FILE
    if not path.exists():
        return {}
    out = {}
    for row in read_rows(path, required=("file", "type")):
        out[row.text("file")] = _check_type(row.text("type"), row, str(path))
    return out


def from_folder(folder: Path, queries_file: Path, out: Path, name: str | None = None,
                default_type: str | None = None) -> dict[str, Any]:
    """A probe set of every page file in ``folder`` × the queries of ``queries_file``."""
    if not folder.is_dir():
        raise TableError("is not a folder", path=str(folder))
    if default_type:
        _check_type(default_type, None, "--type")
    types = _types(folder)
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES)
    if not files:
        raise TableError(f"has no page files ({', '.join(PAGE_SUFFIXES)})", path=str(folder))
    unknown = sorted(set(types) - {f.name for f in files})
    if unknown:
        raise TableError(f"names {unknown[0]!r}, which is not a page file in {folder}",
                         path=str(folder / TYPES_FILE))
    taken: set[str] = set()
    pages = []
    for f in files:
        kind = types.get(f.name) or default_type
        if not kind:
            raise TableError(f"no page type: add `{f.name},TYPE` to {folder / TYPES_FILE} or "
                             "give --type", path=str(f))
        pages.append({"id": _unique(slug(f.stem, "page"), taken), "type": kind,
                      "file": _rel(f, out.parent)})
    queries = [_query_data(q) for q in load_queries(queries_file)]
    return _probeset(name or slug(folder.name, "probes"), pages, queries,
                     f"Pages from {folder}, queries from {queries_file} (judge probes new).")


def _query_data(q: Query) -> dict[str, Any]:
    return q.model_dump(exclude_none=True)


def _probeset(name: str, pages: list[dict[str, Any]], queries: list[dict[str, Any]],
              description: str) -> dict[str, Any]:
    return {"name": name, "version": 1, "description": description, "samples": 1,
            "pages": pages, "queries": queries}


def _key_points(row: Row) -> list[dict[str, Any]]:
    """A row's key points: JSON list (strings or {text, role?}) or a cell with one point a
    line (or separated by ' | '); 'supporting: …' sets a role, core by default."""
    value = row.values.get("key_points")
    if value in (None, ""):
        return []
    items: list[Any]
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        items = [s for part in value.splitlines() for s in part.split(" | ") if s.strip()]
    else:
        raise row.fail("key_points must be a list or text")
    out = []
    for item in items:
        role, text = "core", item
        if isinstance(item, dict):
            role, text = str(item.get("role") or "core"), item.get("text")
        if not isinstance(text, str) or not text.strip():
            raise row.fail(f"key point {item!r} has no text")
        if (m := _ROLE_PREFIX.match(text)) and not isinstance(item, dict):
            role, text = m.group(1).lower(), text[m.end():]
        if role not in ("core", "supporting", "background"):
            raise row.fail(f"key point role {role!r} must be core, supporting or background")
        out.append({"role": role, "text": text.strip()})
    return out


def _page_of(row: Row, table: Path, out: Path, default_type: str | None) -> dict[str, Any]:
    ref = row.text("page")
    page: dict[str, Any] = {"type": _check_type(row.text("type") or default_type or "", row,
                                                row.path)
                            if (row.text("type") or default_type) else None}
    if page["type"] is None:
        raise row.fail("no page type: add a `type` column or give --type")
    if ref.lower().startswith(("http://", "https://")):
        page["url"] = ref
    else:
        target = table.parent / ref
        if not target.is_file():
            raise row.fail(f"page file {ref!r} not found (looked for {target})")
        page["file"] = _rel(target, out.parent)
    if row.text("title"):
        page["title"] = row.text("title")
    return page


def from_table(table: Path, out: Path, name: str | None = None,
               default_type: str | None = None) -> dict[str, Any]:
    """A probe set from rows of (page, query[, intent, key_points, type, title, page_id,
    query_id]); each query applies only to the pages it was paired with."""
    rows = read_rows(table, required=("page", "query"))
    pages: dict[str, dict[str, Any]] = {}  # page ref -> page
    queries: dict[str, dict[str, Any]] = {}  # query text -> query
    page_ids: set[str] = set()
    query_ids: set[str] = set()
    for row in rows:
        ref = row.text("page")
        if ref not in pages:
            page = _page_of(row, table, out, default_type)
            stem = row.text("page_id") or slug(Path(ref.rstrip("/")).stem, "page")
            pages[ref] = {"id": _unique(stem, page_ids), **page, "key_points": []}
        page = pages[ref]
        for kp in _key_points(row):
            if kp["text"] not in {k["text"] for k in page["key_points"]}:
                page["key_points"].append({"id": f"kp{len(page['key_points']) + 1}", **kp})
        text = row.text("query")
        if text not in queries:
            intent = row.text("intent") or "unspecified"
            qid = row.text("query_id") or slug(intent if row.text("intent") else text, "q")
            queries[text] = {"id": _unique(qid, query_ids), "intent": intent, "text": text,
                             "pages": []}
        if page["id"] not in queries[text]["pages"]:
            queries[text]["pages"].append(page["id"])
    all_ids = [p["id"] for p in pages.values()]
    for q in queries.values():
        if q["pages"] == all_ids:
            del q["pages"]  # paired with every page: no restriction needed
    for p in pages.values():
        if not p["key_points"]:
            del p["key_points"]
    return _probeset(name or slug(table.stem, "probes"), list(pages.values()),
                     list(queries.values()), f"Imported from {table} (judge probes import).")


def dump_yaml(data: dict[str, Any]) -> str:
    """Readable YAML: blocks for pages and queries, one line per key point."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=None)


def write_probeset(data: dict[str, Any], out: Path, force: bool = False) -> None:
    """Write ``data`` as YAML to ``out`` (an existing file only with ``force``); checking it
    is the caller's next step (``load_probeset``), so a set that still needs `judge probes
    fetch` or a fix is kept, not lost."""
    if out.exists() and not force:
        raise TableError("exists already (give --force to replace it)", path=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_text(dump_yaml(data), encoding="utf-8")
    os.replace(tmp, out)
