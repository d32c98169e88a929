"""Validation of explicit tasks and plants, run by the probe-set loader after the schema.

Every rule that can be checked mechanically is: the erroneous text occurs in the draft or
fragment (or, for ``true_side: fragment``, on the page); a wrong number or an unsupported
claim is not on the page and a wrong number's correct value is; the strings whose absence
shows a repair are not in the true text and one of them was shown to the model; one of the
strings whose presence shows a repair is in the true text; a control names an existing
planted twin on the same page and query, is the only control of it, and shows no error.
Errors go through ``fail(loc, message)``, which names file, line and item.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from judge.plants.match import contains, contains_any
from judge.plants.schema import DRAFT_ERRORS, Plant, find_loose, repair_check

if TYPE_CHECKING:
    from judge.probeset import Page, ProbeSet

Fail = Callable[[tuple[Any, ...], str], NoReturn]
REQUIRED = {"draft_to_revise": ("error", "draft", "erroneous", "correct"),
            "misleading_fragment": ("fragment", "after", "erroneous", "correct"),
            "control": ("twin",)}
FORBIDDEN = {"draft_to_revise": ("fragment", "after", "twin"),
             "misleading_fragment": ("draft", "twin"),
             "control": ("error", "fragment", "after", "erroneous", "correct", "repair", "cues")}


def check_tasks(p: ProbeSet, fail: Fail) -> None:
    """Explicit tasks and every plant (module docstring)."""
    pages, queries = {x.id: x for x in p.pages}, {x.id for x in p.queries}
    seen: set[str] = set()
    for i, t in enumerate(p.tasks):
        at = ("tasks", i)
        if t.id in seen:
            fail((*at, "id"), f"'{t.id}' is used twice")
        if t.id in pages:
            fail((*at, "id"), f"'{t.id}' is also a page id (a plant's twin must be unambiguous)")
        seen.add(t.id)
        if t.page not in pages:
            fail((*at, "page"), f"'{t.page}' is not a page id in this file")
        if t.query not in queries:
            fail((*at, "query"), f"'{t.query}' is not a query id in this file")
        if t.plant is not None and pages[t.page].plant is not None:
            fail((*at, "plant"), f": page '{t.page}' has its own plant; a task on it cannot "
                                 "declare another")
    for i, page in enumerate(p.pages):
        if page.plant is not None:
            if page.plant.kind == "draft_to_revise":
                fail(("pages", i, "plant", "kind"), ": a draft to revise belongs to a task "
                     "(`tasks:`), not to a page")
            check_plant(p, page.plant, page, ("pages", i, "plant"), fail)
    for i, t in enumerate(p.tasks):
        if t.plant is not None:
            check_plant(p, t.plant, pages[t.page], ("tasks", i, "plant"), fail)
    _one_control_each(p, fail)


def check_plant(p: ProbeSet, plant: Plant, page: Page, at: tuple[Any, ...], fail: Fail) -> None:
    """One plant on ``page`` (the page it is shown with)."""
    for name in REQUIRED[plant.kind]:
        if getattr(plant, name) in (None, ""):
            fail(at, f": a {plant.kind} plant needs `{name}`")
    for name in FORBIDDEN[plant.kind]:
        if getattr(plant, name) not in (None, "", []):
            fail((*at, name), f"is not used by a {plant.kind} plant")
    if plant.kind == "control":
        _check_control(p, plant, page, at, fail)
        return
    if plant.kind == "draft_to_revise" and plant.error not in DRAFT_ERRORS:
        fail((*at, "error"), "must be one of " + ", ".join(DRAFT_ERRORS) + " for a draft")
    if plant.kind == "misleading_fragment":
        _check_fragment(plant, page, at, fail)
    _check_content(plant, page, at, fail)
    _check_repair(plant, page, at, fail)


def _check_fragment(plant: Plant, page: Page, at: tuple[Any, ...], fail: Fail) -> None:
    if plant.error not in (None, "contradiction"):
        fail((*at, "error"), "must be contradiction for a misleading fragment")
    n = page.body.count(plant.after or "")
    if n != 1:
        fail((*at, "after"), f"must occur exactly once in page '{page.id}' (found {n} times)")
    if plant.true_side == "page" and not contains(plant.fragment or "", plant.erroneous or ""):
        fail((*at, "erroneous"), "must occur in the fragment (the fragment is the false side)")
    if plant.true_side == "fragment" and not contains(page.body, plant.erroneous or ""):
        fail((*at, "erroneous"), f"must occur in page '{page.id}' (true_side: fragment "
                                 "makes the page's text the error)")


def true_text(plant: Plant, page: Page) -> str:
    """The text that is true for a planted error: the page, or a correcting fragment."""
    return (plant.fragment or "") if plant.true_side == "fragment" else page.body


def shown_error(plant: Plant, page: Page) -> str:
    """The text in which the model is shown the error: the draft, the fragment, the page."""
    if plant.kind == "draft_to_revise":
        return plant.draft or ""
    return page.body if plant.true_side == "fragment" else (plant.fragment or "")


def _check_content(plant: Plant, page: Page, at: tuple[Any, ...], fail: Fail) -> None:
    if plant.kind == "draft_to_revise" and find_loose(plant.draft or "",
                                                      plant.erroneous or "") is None:
        fail((*at, "erroneous"), "must occur in the draft as written (line breaks aside)")
    truth = true_text(plant, page)
    if plant.error in ("wrong_number", "unsupported_claim") and contains(page.body,
                                                                         plant.erroneous or ""):
        fail((*at, "erroneous"), f"occurs in page '{page.id}': a {plant.error} must be "
                                 "something the page does not say")
    if plant.error_type in ("wrong_number", "contradiction") and not contains(truth,
                                                                         plant.correct or ""):
        where = "the fragment" if plant.true_side == "fragment" else f"page '{page.id}'"
        fail((*at, "correct"), f"must occur in {where} (the correct content is on the true "
                               "side)")


def _check_repair(plant: Plant, page: Page, at: tuple[Any, ...], fail: Fail) -> None:
    check = repair_check(plant)
    if check is None:
        return
    truth, shown = true_text(plant, page), shown_error(plant, page)
    for j, needle in enumerate(check.absent):
        if contains(truth, needle):
            fail((*at, "repair", "absent", j), f"'{needle}' occurs in the true text, so its "
                                               "absence cannot show a repair")
    if check.absent and not contains_any(shown, check.absent):
        fail((*at, "repair", "absent"), ": none of these occurs where the error is shown, so "
                                        "the model never saw them")
    if check.present and not contains_any(truth, check.present):
        fail((*at, "repair", "present"), ": none of these occurs in the true text, so the "
                                         "model cannot take it from the page")


def _twin_plant(p: ProbeSet, plant: Plant, at: tuple[Any, ...], fail: Fail,
                on_page: bool) -> Plant:
    twin = p.plant_of(plant.twin) if plant.twin else None
    if twin is None:
        fail((*at, "twin"), f"'{plant.twin}' is not a planted {'page' if on_page else 'task'} "
                            "in this file")
    if not twin.planted:
        fail((*at, "twin"), f"'{plant.twin}' is a control; a control's twin is a planted error")
    return twin


def _check_control(p: ProbeSet, plant: Plant, page: Page, at: tuple[Any, ...],
                   fail: Fail) -> None:
    on_page = at[0] == "pages"
    twin = _twin_plant(p, plant, at, fail, on_page)
    if on_page:
        other = p.page(str(plant.twin)) if any(x.id == plant.twin for x in p.pages) else None
        if other is None:
            fail((*at, "twin"), f"'{plant.twin}' is not a page: a page's control twins a page")
        if (other.body, other.type, other.title) != (page.body, page.type, page.title):
            fail((*at, "twin"), f"page '{plant.twin}' differs from this page in text, type or "
                                "title; a control shows the same page")
        return
    mine, theirs = p.tasks[int(at[1])], p.decl(str(plant.twin))
    if theirs is None:
        fail((*at, "twin"), f"'{plant.twin}' is not a task: a task's control twins a task")
    if (mine.page, mine.query) != (theirs.page, theirs.query):
        fail((*at, "twin"), f"task '{plant.twin}' asks {theirs.query} on {theirs.page}; its "
                            "control must ask the same query on the same page")
    _check_control_draft(plant, twin, at, fail)


def _check_control_draft(plant: Plant, twin: Plant, at: tuple[Any, ...], fail: Fail) -> None:
    if twin.kind != "draft_to_revise":
        if plant.draft is not None:
            fail((*at, "draft"), "the twin shows no draft, so its control cannot either")
        return
    if plant.draft is None:
        return
    check = repair_check(twin)
    bad = [twin.erroneous or ""] + (check.absent if check else [])
    found = contains_any(plant.draft, [b for b in bad if b])
    if found:
        fail((*at, "draft"), f"carries the twin's error ('{found[0]}'); a control shows none")


def _one_control_each(p: ProbeSet, fail: Fail) -> None:
    owners: dict[str, tuple[Any, ...]] = {}
    items = [(("pages", i, "plant", "twin"), x.plant) for i, x in enumerate(p.pages)] + \
        [(("tasks", i, "plant", "twin"), x.plant) for i, x in enumerate(p.tasks)]
    for at, plant in items:
        if plant is not None and plant.kind == "control":
            if plant.twin in owners:
                fail(at, f"'{plant.twin}' already has a control; a planted error has one")
            owners[str(plant.twin)] = at
