"""Turn tasks into requests: template variables from the probe set, rendered once per task."""

from __future__ import annotations

from typing import Any

from judge.probeset import Page, ProbeSet, Task
from judge.providers.base import Message
from judge.templates import Templates


def _page_vars(page: Page) -> dict[str, Any]:
    b = page.bounds
    return {"id": page.id, "type": page.type, "title": page.title, "text": page.body,
            "url": page.url, "length": {"min_words": b.min_words, "max_words": b.max_words}}


def task_variables(probes: ProbeSet, task: Task) -> dict[str, Any]:
    """Variables a task template sees. Page text and query are data, never compiled."""
    pages = [_page_vars(probes.page(pid)) for pid in task.page_ids]
    query = {"id": task.query_id or task.combo_id, "intent": task.intent, "text": task.query_text}
    variables: dict[str, Any] = {"pages": pages, "page": pages[0], "query": query,
                                 "length": pages[0]["length"], "task": {"id": task.id,
                                                                         "kind": task.kind}}
    if task.kind == "combo":
        variables["combo"] = {"id": task.combo_id}
    return variables


def task_messages(probes: ProbeSet, task: Task, templates: Templates) -> list[Message]:
    """Render a task's template into chat messages."""
    return templates.render(task.template, task_variables(probes, task))
