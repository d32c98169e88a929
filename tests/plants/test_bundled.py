"""The bundled planted set: size and spread, and the mechanical checks on what each
planted prompt and each control prompt really shows the model."""

from __future__ import annotations

from collections import Counter

import pytest

from judge.plants import contains, contains_any, repair_check
from judge.probeset import ProbeSet, Task, expand, load_probeset
from judge.render import task_messages
from judge.runs import templates_for
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def bundled() -> tuple[ProbeSet, list[Task]]:
    probes = load_probeset(ROOT / "probes" / "planted.yaml")
    return probes, expand(probes)


def _prompt(probes: ProbeSet, task: Task) -> str:
    return "\n".join(m.content for m in task_messages(probes, task, templates_for(probes)))


def _zh(task: Task) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in task.query_text)


def test_at_least_40_planted_tasks_each_with_one_control(bundled) -> None:  # noqa: ANN001
    probes, tasks = bundled
    plants = [(t, probes.plant_of(t.plant)) for t in tasks]
    planted = [t for t, p in plants if p is not None and p.planted]
    controls = [(t, p) for t, p in plants if p is not None and not p.planted]
    assert len(planted) >= 40 and len(controls) == len(planted) == len(tasks) // 2
    twins = Counter(p.twin for p in {t.plant: p for t, p in controls}.values())
    owners = {t.plant for t in planted}
    assert set(twins) == owners and set(twins.values()) == {1}
    kinds = Counter(p.kind for _, p in plants if p is not None)
    assert kinds["draft_to_revise"] >= 20 and kinds["misleading_fragment"] >= 10
    errors = Counter(p.error_type for _, p in plants if p is not None and p.planted)
    assert set(errors) == {"wrong_number", "missed_point", "unsupported_claim", "wrong_query",
                           "contradiction"}
    assert len({t.page_type for t in planted}) == 7  # every page type
    assert sum(_zh(t) for t in planted) >= 10 and sum(not _zh(t) for t in planted) >= 20
    assert any(t.decl is not None and probes.decl(t.decl).plant is None for t in planted)  # page-level


def test_planted_prompts_show_the_error_and_controls_do_not(bundled) -> None:  # noqa: ANN001
    probes, tasks = bundled
    checked = 0
    for task in tasks:
        plant = probes.plant_of(task.plant)
        planted = plant if plant.planted else probes.plant_of(plant.twin)
        check = repair_check(planted)
        prompt = _prompt(probes, task)
        if plant.planted:
            assert contains(prompt, planted.erroneous), task.decl
        if check is None or not check.absent:
            continue
        shown = contains_any(prompt, check.absent)
        assert bool(shown) == plant.planted, (task.decl, shown)
        checked += 1
    assert checked >= 60


def test_wrong_numbers_are_off_the_page_and_correct_ones_on_it(bundled) -> None:  # noqa: ANN001
    probes, tasks = bundled
    seen = 0
    for task in tasks:
        plant = probes.plant_of(task.plant)
        if plant.error_type != "wrong_number":
            continue
        page = probes.page(task.page_ids[0]).body
        assert not contains(page, plant.erroneous) and contains(page, plant.correct), task.decl
        seen += 1
    assert seen >= 20


def test_chinese_control_drafts_stay_in_chinese(bundled) -> None:  # noqa: ANN001
    """A derived control draft puts the twin's correct content in place of the error; when
    that content is English (it must be on the English page) a Chinese draft would come
    out mixed ("封闭将持续at least 14 months"), so such controls give their own draft."""
    import re

    probes, _ = bundled
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for t in probes.tasks:
        if t.plant is None or t.plant.kind != "control" or t.plant.draft is not None:
            continue
        twin = probes.plant_of(t.plant.twin)
        assert twin is not None
        if twin.draft and cjk.search(twin.draft):
            correct = twin.correct or ""
            assert cjk.search(correct) or not re.search(r"[A-Za-z]{2,}", correct), \
                f"{t.id}: its derived draft would put English '{correct}' into a Chinese draft"
