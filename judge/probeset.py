"""Probe sets: the YAML schema as pydantic models, loading with located errors, expansion.

A probe set expands to tasks: every page × every applicable query, plus every combo.
Samples multiply tasks at run time. A task id is a hash of what the model is shown
(page title/type/text, query, template name) so editing one page re-runs only its tasks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from judge.errors import PageError, ProbeSetError
from judge.pages.models import Extraction
from judge.plants.checks import check_tasks
from judge.plants.schema import Plant, TaskDecl, control_draft, insert_fragment
from judge.records import content_hash, sha256_text
from judge.yamlsrc import Loc, line_of, load_yaml_with_lines

PageType = Literal["news", "review", "paper", "product", "short", "long", "other"]
Role = Literal["core", "supporting", "background"]
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"

# Default word bounds of a good summary by page type (used when a page gives none).
DEFAULT_LENGTH = {
    "news": (50, 150), "review": (60, 180), "paper": (80, 220), "product": (15, 80),
    "short": (5, 30), "long": (120, 350), "other": (40, 180),
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyPoint(Strict):
    """A structural annotation: one point a good answer should carry."""

    id: str = Field(pattern=ID_PATTERN)
    role: Role
    text: str = Field(min_length=1)
    draft: bool = False  # drafted by a model (`probes new --draft-key-points`), unconfirmed


class Length(Strict):
    """Word bounds of an appropriate answer."""

    min_words: int = Field(ge=0)
    max_words: int = Field(ge=1)


class Page(Strict):
    """A web page: text inline, from a file next to the YAML (.html/.pdf extracted), or
    from the snapshot of its ``url`` (``judge probes fetch``)."""

    id: str = Field(pattern=ID_PATTERN)
    type: PageType
    title: str = ""
    text: str | None = None
    file: str | None = None
    url: str | None = None
    key_points: list[KeyPoint] = Field(default_factory=list)
    length: Length | None = None
    plant: Plant | None = None  # a misleading fragment (or a control) for every task here
    extraction: Extraction | None = None  # set by the loader: how ``text`` was made

    def counted_points(self, use_drafts: bool = False) -> list[KeyPoint]:
        """Key points that count: confirmed ones, plus drafts when ``use_drafts``."""
        return [k for k in self.key_points if use_drafts or not k.draft]

    @property
    def body(self) -> str:
        """The page text (files are read at load time into ``text``)."""
        return self.text or ""

    @property
    def bounds(self) -> Length:
        """Explicit length bounds, else the default for the page type."""
        if self.length:
            return self.length
        lo, hi = DEFAULT_LENGTH[self.type]
        return Length(min_words=lo, max_words=hi)


class Query(Strict):
    """A user query; ``applies_to`` limits it to some page types."""

    id: str = Field(pattern=ID_PATTERN)
    intent: str = Field(min_length=1)
    text: str = Field(min_length=1)
    applies_to: list[PageType] | None = None
    pages: list[str] | None = None  # only these page ids (e.g. rows of an imported table)

    def applies(self, page: Page) -> bool:
        return ((self.applies_to is None or page.type in self.applies_to)
                and (self.pages is None or page.id in self.pages))


class Step(Strict):
    """A single-step task a combo depends on (page × query)."""

    page: str
    query: str


class Combo(Strict):
    """A combinatorial task over several pages."""

    id: str = Field(pattern=ID_PATTERN)
    pages: list[str] = Field(min_length=2)
    query: str = Field(min_length=1)
    template: str | None = None
    steps: list[Step] = Field(default_factory=list)


class ProbeSet(Strict):
    """A whole probe set file."""

    name: str = Field(min_length=1)
    version: int | str = 1
    description: str = ""
    task_template: str = "tasks/summarize.j2"
    combo_template: str = "tasks/compare.j2"
    revise_template: str = "tasks/revise.j2"  # tasks that show a draft (plant: draft_to_revise)
    samples: int = Field(default=1, ge=1, le=1000)
    expand: bool = True  # page × query expansion; false: only `tasks:` and combos
    pages: list[Page] = Field(min_length=1)
    queries: list[Query] = Field(min_length=1)
    tasks: list[TaskDecl] = Field(default_factory=list)
    combos: list[Combo] = Field(default_factory=list)

    # Set by the loader (not part of the YAML schema).
    source: str = ""
    base_dir: str = ""

    def page(self, page_id: str) -> Page:
        return next(p for p in self.pages if p.id == page_id)

    def query_by_id(self, query_id: str) -> Query:
        return next(q for q in self.queries if q.id == query_id)

    def decl(self, task_id: str) -> TaskDecl | None:
        """The explicit task (``tasks:``) with this id."""
        return next((t for t in self.tasks if t.id == task_id), None)

    def plant_of(self, owner: str | None) -> Plant | None:
        """The plant of an explicit task or a page, by its id (a task's plant wins)."""
        if owner is None:
            return None
        decl = self.decl(owner)
        if decl is not None:
            return decl.plant
        return next((p.plant for p in self.pages if p.id == owner), None)

    def page_text(self, page: Page, plant: Plant | None) -> str:
        """A page's text as a task with ``plant`` shows it (a fragment inserted)."""
        if plant is not None and plant.kind == "misleading_fragment":
            return insert_fragment(page.body, plant)
        return page.body

    def draft_of(self, plant: Plant | None) -> str | None:
        """The draft a task with ``plant`` shows: a planted draft, or a draft control's."""
        if plant is None:
            return None
        if plant.kind == "draft_to_revise":
            return plant.draft
        twin = self.plant_of(plant.twin) if plant.kind == "control" else None
        return control_draft(plant, twin) if twin is not None else plant.draft

    def content_sha256(self) -> str:
        """Hash of the resolved probe set (page files included)."""
        return sha256_text(self.model_dump_json(exclude={"source", "base_dir"}))

    def without_drafts(self) -> ProbeSet:
        """This probe set with unconfirmed (``draft: true``) key points left out."""
        if not any(k.draft for p in self.pages for k in p.key_points):
            return self
        pages = [p.model_copy(update={"key_points": p.counted_points()}) for p in self.pages]
        return self.model_copy(update={"pages": pages})


class Task(Strict):
    """One unit of generation (before sampling)."""

    id: str
    kind: Literal["single", "combo"]
    template: str
    page_ids: list[str]
    query_id: str | None = None
    combo_id: str | None = None
    query_text: str
    intent: str | None = None
    page_type: str | None = None
    decl: str | None = None  # the explicit task (``tasks:``) this is
    plant: str | None = None  # whose plant is in force: the explicit task's or the page's id

    @property
    def label(self) -> str:
        if self.kind == "combo":
            return f"combo {self.combo_id}"
        if self.decl:
            return f"task {self.decl}"
        return f"{self.page_ids[0]} × {self.query_id}"


# ---------------------------------------------------------------- loading


_ERROR_TEXT = {
    "missing": "is required",
    "extra_forbidden": "is not a known key",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "too_short": "must not be empty",
    "string_too_short": "must not be empty",
}


def _describe(err: dict[str, Any]) -> str:
    kind = err["type"]
    if kind in ("literal_error", "enum"):
        expected = err.get("ctx", {}).get("expected", "")
        options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
        return "must be one of " + ", ".join(o for o in options if o)
    if kind == "string_pattern_mismatch":
        return "must be an id of letters, digits, '-', '_' or '.'"
    if kind in ("greater_than_equal", "less_than_equal"):
        return err["msg"][0].lower() + err["msg"][1:]
    return _ERROR_TEXT.get(kind) or (err["msg"][0].lower() + err["msg"][1:])


def _item_and_field(data: dict[str, Any], loc: Loc) -> tuple[str | None, str]:
    """Split a location into an item label ("page 'x'") and the field path within it."""
    names = {"pages": "page", "queries": "query", "combos": "combo", "tasks": "task"}
    if len(loc) >= 2 and loc[0] in names and isinstance(loc[1], int):
        section, index = str(loc[0]), int(loc[1])
        entries = data.get(section) or []
        entry = entries[index] if index < len(entries) else None
        ident = entry.get("id") if isinstance(entry, dict) else None
        item = f"{names[section]} '{ident}'" if ident else f"{section}[{index}]"
        return item, _dotted(loc[2:])
    return None, _dotted(loc)


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _fail(shown: str, data: dict[str, Any], lines: dict[Loc, int], loc: Loc, msg: str) -> None:
    item, fld = _item_and_field(data, loc)
    text = (f"{fld}{msg}" if msg.startswith(":") else f"{fld} {msg}") if fld else msg.lstrip(": ")
    raise ProbeSetError(text, path=shown, line=line_of(lines, loc), item=item)


def load_probeset(path: str | Path) -> ProbeSet:
    """Load and validate a probe set; every error names file, line and item."""
    path = Path(path)
    shown = str(path)
    data, lines = load_yaml_with_lines(path, shown, ProbeSetError)
    if not isinstance(data, dict):
        raise ProbeSetError("top level must be a mapping (name, pages, queries, ...)", path=shown,
                            line=1)
    for forbidden in ("source", "base_dir"):
        if forbidden in data:
            _fail(shown, data, lines, (forbidden,), "is not a known key")
    _read_page_files(path, shown, data, lines)
    try:
        probes = ProbeSet.model_validate(
            {**data, "source": shown, "base_dir": str(path.parent.resolve())})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(p for p in err["loc"] if not isinstance(p, str) or not p.startswith("function"))
        _fail(shown, data, lines, loc, _describe(err))
        raise  # unreachable
    _check_references(probes, shown, data, lines)
    check_tasks(probes, lambda loc, msg: _fail(shown, data, lines, loc, msg))
    return probes


def _read_page_files(path: Path, shown: str, data: dict[str, Any], lines: dict[Loc, int]) -> None:
    """Fill each page's ``text`` and ``extraction`` from its file or its URL's snapshot;
    every url page without a snapshot is named in one error at the end."""
    missing: list[tuple[int, str]] = []
    for i, page in enumerate(data.get("pages") or []):
        if not isinstance(page, dict):
            continue
        if "extraction" in page:
            _fail(shown, data, lines, ("pages", i, "extraction"),
                  "is not a known key (judge records it)")
        has_text, has_file = page.get("text") is not None, page.get("file") is not None
        if has_text and has_file:
            _fail(shown, data, lines, ("pages", i), "needs exactly one of `text` or `file`")
        if has_file:
            _read_file(path, shown, data, lines, i)
        elif not has_text:
            if page.get("url") is None:
                _fail(shown, data, lines, ("pages", i), "needs one of `text`, `file` or `url`")
            if not _read_url(path, shown, data, lines, i):
                missing.append((i, str(page["url"])))
    if missing:
        _missing_snapshots(path, shown, data, lines, missing)


def _read_file(path: Path, shown: str, data: dict[str, Any], lines: dict[Loc, int],
               i: int) -> None:
    from judge.pages import read_page_file

    page = data["pages"][i]
    name = str(page["file"])
    try:
        got = read_page_file(path.parent / name, name)
    except PageError as exc:
        _fail(shown, data, lines, ("pages", i, "file"), f"'{name}' {exc.detail}")
        raise  # unreachable
    _fill(page, got)


def _fill(page: dict[str, Any], got: Any) -> None:
    """A page's text and extraction record; the extracted title when the YAML gives none."""
    page["text"], page["extraction"] = got.text, got.extraction.model_dump()
    if page.get("title") is None and got.extraction.title:
        page["title"] = got.extraction.title


def _read_url(path: Path, shown: str, data: dict[str, Any], lines: dict[Loc, int],
              i: int) -> bool:
    """Read a url page's snapshot into the page; False when it has none yet."""
    from judge.pages.snapshots import read_snapshot

    page = data["pages"][i]
    try:
        got = read_snapshot(path.parent, str(page["url"]))
    except PageError as exc:
        _fail(shown, data, lines, ("pages", i, "url"), f": {exc.detail}")
        raise  # unreachable
    if got is None:
        return False
    _fill(page, got)
    return True


def _missing_snapshots(path: Path, shown: str, data: dict[str, Any], lines: dict[Loc, int],
                       missing: list[tuple[int, str]]) -> None:
    first, url = missing[0]
    others = [f"'{data['pages'][i].get('id')}'" for i, _ in missing[1:]]
    more = f"; {len(others)} more url page(s) have none: {', '.join(others)}" if others else ""
    _fail(shown, data, lines, ("pages", first, "url"),
          f": no snapshot of {url}{more} — judge reads pages only from snapshots: fetch them "
          f"once with `judge probes fetch {shown}`")


def _check_references(p: ProbeSet, shown: str, data: dict[str, Any], lines: dict[Loc, int]) -> None:
    def dupes(section: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                _fail(shown, data, lines, (section, i, "id"), f"'{ident}' is used twice")
            seen.add(ident)

    dupes("pages", [x.id for x in p.pages])
    dupes("queries", [x.id for x in p.queries])
    dupes("combos", [x.id for x in p.combos])
    for i, page in enumerate(p.pages):
        dupes_kp = [k.id for k in page.key_points]
        for j, kp in enumerate(dupes_kp):
            if kp in dupes_kp[:j]:
                _fail(shown, data, lines, ("pages", i, "key_points", j, "id"), f"'{kp}' is used twice")
        if page.length and page.length.min_words > page.length.max_words:
            _fail(shown, data, lines, ("pages", i, "length"), "min_words exceeds max_words")
        if not page.body.strip():
            _fail(shown, data, lines, ("pages", i), "page text is empty")
    pages = {x.id: x for x in p.pages}
    queries = {x.id: x for x in p.queries}
    for i, query in enumerate(p.queries):
        for j, ref in enumerate(query.pages or []):
            if ref not in pages:
                _fail(shown, data, lines, ("queries", i, "pages", j),
                      f"'{ref}' is not a page id in this file")
    for i, combo in enumerate(p.combos):
        for j, ref in enumerate(combo.pages):
            if ref not in pages:
                _fail(shown, data, lines, ("combos", i, "pages", j),
                      f"'{ref}' is not a page id in this file")
        for j, step in enumerate(combo.steps):
            if step.page not in pages:
                _fail(shown, data, lines, ("combos", i, "steps", j, "page"),
                      f"'{step.page}' is not a page id in this file")
            if step.query not in queries:
                _fail(shown, data, lines, ("combos", i, "steps", j, "query"),
                      f"'{step.query}' is not a query id in this file")
            if not queries[step.query].applies(pages[step.page]):
                _fail(shown, data, lines, ("combos", i, "steps", j),
                      f": query '{step.query}' does not apply to page '{step.page}' "
                      f"(type {pages[step.page].type})")


# ---------------------------------------------------------------- expansion


def _page_fingerprint(page: Page, text: str | None = None) -> dict[str, str]:
    return {"id": page.id, "type": page.type, "title": page.title,
            "text": page.body if text is None else text}


def expand(p: ProbeSet) -> list[Task]:
    """Every page × applicable query, the explicit tasks, then every combo (samples are
    applied by the runner)."""
    return list(iter_tasks(p))


def _single(p: ProbeSet, page: Page, q: Query, decl: TaskDecl | None = None) -> Task:
    """One single-page task; its id hashes what the model is shown (a planted fragment
    or draft included; an explicit task's id too, so it never collides with another)."""
    plant = decl.plant if decl is not None and decl.plant is not None else page.plant
    owner = decl.id if decl is not None and decl.plant is not None else (
        page.id if page.plant is not None else None)
    draft = p.draft_of(plant)
    template = (decl.template if decl is not None else None) or (
        p.revise_template if draft is not None else p.task_template)
    content = {"kind": "single", "page": _page_fingerprint(page, p.page_text(page, plant)),
               "query": {"id": q.id, "text": q.text}, "template": template}
    if decl is not None:
        content["task"] = decl.id
    if draft is not None:
        content["draft"] = draft
    return Task(id=content_hash(content), kind="single", template=template,
                page_ids=[page.id], query_id=q.id, query_text=q.text, intent=q.intent,
                page_type=page.type, decl=decl.id if decl is not None else None, plant=owner)


def iter_tasks(p: ProbeSet) -> Iterator[Task]:
    """``expand`` one task at a time (a run of 100,000 tasks need not hold them all)."""
    if p.expand:
        for page in p.pages:
            for q in p.queries:
                if q.applies(page):
                    yield _single(p, page, q)
    for decl in p.tasks:
        yield _single(p, p.page(decl.page), p.query_by_id(decl.query), decl)
    for combo in p.combos:
        template = combo.template or p.combo_template
        tid = content_hash({"kind": "combo", "id": combo.id, "query": combo.query,
                            "pages": [_page_fingerprint(p.page(x)) for x in combo.pages],
                            "template": template})
        yield Task(id=tid, kind="combo", template=template, page_ids=list(combo.pages),
                   combo_id=combo.id, query_text=combo.query, intent="combo")
