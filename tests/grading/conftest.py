"""Fixtures for grading tests: the bundled probe set, responses, templates, a fake judge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from judge.probeset import ProbeSet, Task, expand, load_probeset
from judge.records import Reasoning, ResponseRecord, response_id
from judge.templates import Templates
from tests.conftest import ROOT
from tests.grading.fakejudge import FakeJudge

BUNDLED = ROOT / "probes" / "web-summaries.yaml"


@pytest.fixture(scope="session")
def probes() -> ProbeSet:
    return load_probeset(BUNDLED)


@pytest.fixture(scope="session")
def templates() -> Templates:
    return Templates()


def task_of(probes: ProbeSet, page: str | None = None, query: str | None = None,
            combo: str | None = None) -> Task:
    """A task of the probe set by page and query id, or by combo id."""
    for t in expand(probes):
        if combo is not None and t.combo_id == combo:
            return t
        if combo is None and t.page_ids == [page] and t.query_id == query:
            return t
    raise KeyError((page, query, combo))


def response(task: Task, text: str = "An answer.", model: str = "m", sample: int = 0,
             reasoning: str = "") -> ResponseRecord:
    """A ResponseRecord for a task, as the runner would write it."""
    return ResponseRecord(
        id=response_id(task.id, model, sample), run_id="run", task_id=task.id, sample=sample,
        model=model, task_kind=task.kind, page_ids=task.page_ids, query_id=task.query_id,
        combo_id=task.combo_id, prompt_hash="h", text=text,
        reasoning=Reasoning(text=reasoning, source="reasoning_content") if reasoning
        else Reasoning())


@pytest.fixture
def fake_judge() -> Iterator[FakeJudge]:
    with FakeJudge() as fake:
        yield fake


@pytest.fixture
def tmp_runs(tmp_path: Path) -> Path:
    return tmp_path / "runs"
