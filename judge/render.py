"""Turn tasks into requests: template variables from the probe set, rendered once per task."""

from __future__ import annotations

from typing import Any

from judge.probeset import Page, ProbeSet, Task
from judge.providers.base import Message
from judge.templates import Templates


def _page_vars(page: Page, text: str) -> dict[str, Any]:
    b = page.bounds
    return {"id": page.id, "type": page.type, "title": page.title, "text": text,
            "url": page.url, "length": {"min_words": b.min_words, "max_words": b.max_words}}


def task_variables(probes: ProbeSet, task: Task) -> dict[str, Any]:
    """Variables a task template sees. Page text, query and a planted draft are data,
    never compiled; a planted fragment is already in the page text; ``draft`` (its
    ``text``) is there only for a task that shows a draft."""
    plant = probes.plant_of(task.plant)
    pages = [_page_vars(page, probes.page_text(page, plant))
             for page in (probes.page(pid) for pid in task.page_ids)]
    query = {"id": task.query_id or task.combo_id, "intent": task.intent, "text": task.query_text}
    variables: dict[str, Any] = {"pages": pages, "page": pages[0], "query": query,
                                 "length": pages[0]["length"], "task": {"id": task.id,
                                                                         "kind": task.kind}}
    if task.kind == "combo":
        variables["combo"] = {"id": task.combo_id}
    draft = probes.draft_of(plant)
    if draft is not None:
        variables["draft"] = {"text": draft}
    return variables


def task_messages(probes: ProbeSet, task: Task, templates: Templates) -> list[Message]:
    """Render a task's template into chat messages."""
    return templates.render(task.template, task_variables(probes, task))
