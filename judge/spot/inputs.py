"""What the spot REPL asks about: a working probe set, and the task picked from it.

The session works on a *workspace* probe set: the loaded one (``--probes``), grown with
pages read from files (``--page`` / ``:page``), ad-hoc queries typed at the prompt and
ad-hoc combos (a new query on a combo's pages). Task ids are computed exactly as
``judge.probeset.expand`` does, so a spot answer to a probe-set task has the same task id
as a ``judge run`` answer to it, and saved records line up with run records in reports.
"""

from __future__ import annotations

import re
from pathlib import Path

from judge.errors import ConfigError, InputError
from judge.probeset import Combo, Page, PageType, ProbeSet, Query, Task, expand
from judge.records import content_hash

DEFAULT_QUERY = "Help me see what this page is about"
AD_HOC_INTENT = "ad-hoc"
_BAD_ID_CHARS = re.compile(r"[^A-Za-z0-9_.\-]+")


def page_workspace(page: Page, query_text: str | None) -> tuple[ProbeSet, Task]:
    """A workspace holding one page read from a file, asked ``query_text``."""
    text = (query_text or DEFAULT_QUERY).strip()
    query = Query(id=f"q-{content_hash(text, 8)}", intent=AD_HOC_INTENT, text=text)
    probes = ProbeSet(name="spot", pages=[page], queries=[query])
    return probes, single_task(probes, page, query)


def all_tasks(probes: ProbeSet) -> list[Task]:
    """Every task of the workspace (page × applicable query, then combos)."""
    return expand(probes)


def resolve_task(probes: ProbeSet, ref: str) -> Task:
    """A task by id, unambiguous id prefix, ``PAGE_ID:QUERY_ID``, combo id, or a page id
    when that page has one task."""
    ref = ref.strip()
    tasks = all_tasks(probes)
    if ":" in ref:
        page_id, _, query_id = ref.partition(":")
        return task_for_page_query(probes, page_id.strip(), query_id.strip())
    exact = [t for t in tasks if t.id == ref or (t.kind == "combo" and t.combo_id == ref)]
    if exact:
        return exact[0]
    matches = [t for t in tasks if t.id.startswith(ref)] if ref else []
    if len(matches) == 1:
        return matches[0]
    on_page = [t for t in tasks if t.kind == "single" and t.page_ids == [ref]]
    if len(on_page) == 1:
        return on_page[0]
    if on_page and not matches:
        shown = ", ".join(f"{ref}:{t.query_id}" for t in on_page)
        raise ConfigError(f"page {ref!r} has {len(on_page)} tasks; pick one: {shown}")
    if matches:
        shown = ", ".join(f"{t.id} ({t.label})" for t in matches[:5])
        raise ConfigError(f"task {ref!r} is ambiguous: {len(matches)} tasks start with it "
                          f"({shown}); type more of the id")
    raise ConfigError(f"no task {ref!r} in probe set {probes.name!r}: give a task id, an id "
                      "prefix, PAGE_ID:QUERY_ID or a combo id (`:task` lists them)")


def task_for_page_query(probes: ProbeSet, page_id: str, query_id: str) -> Task:
    """The single task of one page and one query of the workspace."""
    page = _page(probes, page_id)
    query = next((q for q in probes.queries if q.id == query_id), None)
    if query is None:
        known = ", ".join(q.id for q in probes.queries)
        raise ConfigError(f"no query {query_id!r} in probe set {probes.name!r} (queries: {known})")
    return single_task(probes, page, query)


def _page(probes: ProbeSet, page_id: str) -> Page:
    page = next((p for p in probes.pages if p.id == page_id), None)
    if page is None:
        known = ", ".join(p.id for p in probes.pages)
        raise ConfigError(f"no page {page_id!r} in probe set {probes.name!r} (pages: {known})")
    return page


def single_task(probes: ProbeSet, page: Page, query: Query) -> Task:
    """The task of (page, query), with the id ``expand`` gives it (applies_to is ignored)."""
    mini = ProbeSet(name=probes.name, pages=[page],
                    queries=[query.model_copy(update={"applies_to": None})],
                    task_template=probes.task_template)
    return expand(mini)[0]


def combo_task(probes: ProbeSet, combo: Combo) -> Task:
    """The task of one combo of the workspace."""
    pages = [_page(probes, pid) for pid in combo.pages]
    mini = ProbeSet(name=probes.name, pages=pages, queries=[probes.queries[0]], combos=[combo],
                    combo_template=probes.combo_template, task_template=probes.task_template)
    return expand(mini)[-1]


def read_page(path: Path, page_type: PageType = "other") -> Page:
    """A page from a file (.html/.pdf extracted as in probe sets, else text); id from the
    file name, title from the markup or a heading."""
    from judge.errors import PageError
    from judge.pages import read_page_file

    try:
        got = read_page_file(path, str(path))
    except PageError as exc:
        raise InputError(f"page file {exc.detail}", path=str(path)) from None
    text = got.text
    if not text.strip():
        raise InputError("page file is empty", path=str(path))
    ident = _BAD_ID_CHARS.sub("-", path.stem).strip("-.") or "page"
    if not ident[0].isalnum():
        ident = f"p{ident}"
    first = text.strip().splitlines()[0]
    title = got.extraction.title or (first.lstrip("#").strip() if first.startswith("#")
                                     else path.stem)
    return Page(id=ident, type=page_type, title=title[:120], text=text,
                extraction=got.extraction)


def add_page(probes: ProbeSet, page: Page) -> tuple[ProbeSet, Page]:
    """Add a page (reused when the same id holds the same page; renamed on a clash)."""
    same = next((p for p in probes.pages if p.id == page.id), None)
    if same is not None:
        if same.body == page.body and same.type == page.type and same.title == page.title:
            return probes, same
        page = page.model_copy(update={"id": f"{page.id}-{content_hash(page.body, 6)}"})
        if any(p.id == page.id for p in probes.pages):
            return probes, _page(probes, page.id)
    return probes.model_copy(update={"pages": [*probes.pages, page]}), page


def add_query(probes: ProbeSet, text: str) -> tuple[ProbeSet, Query]:
    """A query for typed text: an existing query with that text, else a new ad-hoc one."""
    text = text.strip()
    if not text:
        raise ConfigError("the query is empty")
    same = next((q for q in probes.queries if q.text == text), None)
    if same is not None:
        return probes, same
    query = Query(id=f"q-{content_hash(text, 8)}", intent=AD_HOC_INTENT, text=text)
    return probes.model_copy(update={"queries": [*probes.queries, query]}), query


def add_combo(probes: ProbeSet, base: Combo, text: str) -> tuple[ProbeSet, Combo]:
    """A combo over ``base``'s pages asking ``text`` (reused when it exists)."""
    text = text.strip()
    if not text:
        raise ConfigError("the query is empty")
    same = next((c for c in probes.combos if c.pages == base.pages and c.query == text), None)
    if same is not None:
        return probes, same
    combo = Combo(id=f"{base.id}-q-{content_hash(text, 8)}", pages=list(base.pages), query=text,
                  template=base.template)
    return probes.model_copy(update={"combos": [*probes.combos, combo]}), combo


def combo_of(probes: ProbeSet, task: Task) -> Combo:
    """The combo behind a combo task."""
    return next(c for c in probes.combos if c.id == task.combo_id)


def with_query(probes: ProbeSet, task: Task, text: str) -> tuple[ProbeSet, Task]:
    """The current page(s) asked a new query: (grown workspace, new task)."""
    if task.kind == "combo":
        probes, combo = add_combo(probes, combo_of(probes, task), text)
        return probes, combo_task(probes, combo)
    probes, query = add_query(probes, text)
    return probes, single_task(probes, _page(probes, task.page_ids[0]), query)


def with_page(probes: ProbeSet, task: Task | None, ref: str,
              page_type: PageType = "other") -> tuple[ProbeSet, Task]:
    """Switch to a page (a page id of the workspace, or a file) keeping the current query."""
    page = next((p for p in probes.pages if p.id == ref), None)
    if page is None:
        path = Path(ref).expanduser()
        if not path.exists():
            raise ConfigError(f"{ref!r} is neither a page id of probe set {probes.name!r} "
                              "nor a file")
        probes, page = add_page(probes, read_page(path, page_type))
    text = task.query_text if task is not None else DEFAULT_QUERY
    query = None
    if task is not None and task.kind == "single":
        query = next((q for q in probes.queries if q.id == task.query_id), None)
    if query is None:
        probes, query = add_query(probes, text)
    return probes, single_task(probes, page, query)


def describe(probes: ProbeSet, task: Task) -> str:
    """One line naming the task: id, page(s), query."""
    pages = " + ".join(task.page_ids)
    ident = task.combo_id if task.kind == "combo" else task.query_id
    return f"task {task.id} · {pages} × {ident}: “{task.query_text}”"
