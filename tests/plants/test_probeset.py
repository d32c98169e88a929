"""Plants in the probe-set format: located errors, task ids, rendering, slices."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.errors import ProbeSetError
from judge.probeset import expand, load_probeset
from judge.render import task_messages
from judge.runs import templates_for
from judge.selection import select
from tests.conftest import judge_cli
from tests.plants.common import PLANTED, write

BAD = [
    ("erroneous-not-in-draft", ('erroneous: "$52 million"', 'erroneous: "$53 million"'),
     "planted.yaml:40 task 'cost': plant.erroneous must occur in the draft as written (line breaks aside)"),
    ("twin-missing", ("twin: cost}", "twin: nope}"),
     "planted.yaml:46 task 'cost-c': plant.twin 'nope' is not a planted task in this file"),
    ("twin-is-control", ("twin: vehicles}", "twin: cost-c}"),
     "planted.yaml:59 task 'vehicles-c': plant.twin 'cost-c' is a control; a control's twin "
     "is a planted error"),
    ("twin-other-query", ("twin: vehicles}", "twin: cost}"),
     "planted.yaml:59 task 'vehicles-c': plant.twin task 'cost' asks overview on pg; its "
     "control must ask the same query on the same page"),
    ("two-controls", ("  - {id: misled-overview,",
                      "  - {id: cost-c2, page: pg, query: overview, plant: {kind: control, "
                      "twin: cost}}\n  - {id: misled-overview,"),
     "planted.yaml:60 task 'cost-c2': plant.twin 'cost' already has a control; a planted "
     "error has one"),
    ("wrong-number-on-page", ('erroneous: "$52 million"', 'erroneous: "14 months"'),
     "planted.yaml:40 task 'cost': plant.erroneous occurs in page 'pg': a wrong_number must "
     "be something the page does not say"),
    ("correct-not-on-page", ('correct: "$38 million"', 'correct: "$39 million"'),
     "planted.yaml:41 task 'cost': plant.correct must occur in page 'pg' (the correct "
     "content is on the true side)"),
    ("absent-on-page", ('absent: ["52 million", "5200万"]', 'absent: ["38 million"]'),
     "planted.yaml:42 task 'cost': plant.repair.absent[0] '38 million' occurs in the true "
     "text, so its absence cannot show a repair"),
    ("absent-never-shown", ('absent: ["52 million", "5200万"]', 'absent: ["5200万"]'),
     "planted.yaml:42 task 'cost': plant.repair.absent: none of these occurs where the error "
     "is shown, so the model never saw them"),
    ("present-not-true", ('absent: ["52 million", "5200万"]', 'present: ["3800万"]'),
     "planted.yaml:42 task 'cost': plant.repair.present: none of these occurs in the true "
     "text, so the model cannot take it from the page"),
    ("after-not-once", ('after: "take 14 months."', 'after: "the"'),
     "planted.yaml:53 task 'vehicles': plant.after must occur exactly once in page 'pg' "
     "(found 0 times)"),
    ("fragment-lacks-error", ('erroneous: "12,000"', 'erroneous: "13,000"'),
     "planted.yaml:54 task 'vehicles': plant.erroneous must occur in the fragment (the "
     "fragment is the false side)"),
    ("control-with-error", ("plant: {kind: control, twin: cost}",
                            "plant: {kind: control, twin: cost, error: wrong_number}"),
     "planted.yaml:46 task 'cost-c': plant.error is not used by a control plant"),
    ("control-draft-carries-error", ("plant: {kind: control, twin: cost}",
                                     "plant: {kind: control, twin: cost, draft: 'It costs "
                                     "52 million.'}"),
     "planted.yaml:46 task 'cost-c': plant.draft carries the twin's error ('52 million'); a "
     "control shows none"),
    ("draft-needs-draft", ('      draft: "The bridge closed; repairs will cost $52 million over '
                           '14 months."\n', ""),
     "planted.yaml:36 task 'cost': plant: a draft_to_revise plant needs `draft`"),
    ("draft-on-page", ("kind: misleading_fragment\n      fragment: \"A later",
                       "kind: draft_to_revise\n      fragment: \"A later"),
     "planted.yaml:17 page 'pg-misled': plant.kind: a draft to revise belongs to a task "
     "(`tasks:`), not to a page"),
    ("page-control-not-planted", ("    plant: {kind: control, twin: pg-misled}",
                                  "    plant: {kind: control, twin: pg}"),
     "planted.yaml:28 page 'pg-clean': plant.twin 'pg' is not a planted page in this file"),
    ("page-control-differs", ("Sidewalks stay open.\n    plant: {kind: control",
                              "Sidewalks stay shut.\n    plant: {kind: control"),
     "planted.yaml:28 page 'pg-clean': plant.twin page 'pg-misled' differs from this page in "
     "text, type or title; a control shows the same page"),
    ("task-on-planted-page", ("  - {id: misled-overview, page: pg-misled, query: overview}",
                              "  - {id: misled-overview, page: pg-misled, query: overview,\n"
                              "     plant: {kind: control, twin: cost}}"),
     "planted.yaml:61 task 'misled-overview': plant: page 'pg-misled' has its own plant; a "
     "task on it cannot declare another"),
    ("unknown-kind", ("kind: draft_to_revise", "kind: draft"),
     "planted.yaml:37 task 'cost': plant.kind must be one of draft_to_revise, "
     "misleading_fragment, control"),
    ("task-page-missing", ("  - id: cost\n    page: pg", "  - id: cost\n    page: pgx"),
     "planted.yaml:34 task 'cost': page 'pgx' is not a page id in this file"),
]


@pytest.mark.parametrize("name,change,message", BAD, ids=[b[0] for b in BAD])
def test_bad_plants_name_file_line_and_item(tmp_path: Path, name: str,
                                            change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in PLANTED, name
    path = write(tmp_path, PLANTED.replace(old, new, 1))
    with pytest.raises(ProbeSetError) as exc:
        load_probeset(path)
    assert str(exc.value) == str(tmp_path / message.split(" ", 1)[0]) + " " + \
        message.split(" ", 1)[1]


def test_planted_set_expands_to_declared_tasks_only(tmp_path: Path) -> None:
    tasks = expand(load_probeset(write(tmp_path)))
    assert [t.decl for t in tasks] == ["cost", "cost-c", "vehicles", "vehicles-c",
                                       "misled-overview", "clean-overview"]
    assert [t.plant for t in tasks] == ["cost", "cost-c", "vehicles", "vehicles-c",
                                        "pg-misled", "pg-clean"]
    assert len({t.id for t in tasks}) == 6
    assert [t.template for t in tasks[:3]] == ["tasks/revise.j2", "tasks/revise.j2",
                                               "tasks/summarize.j2"]


def _prompt(probes, task) -> str:  # noqa: ANN001
    return task_messages(probes, task, templates_for(probes))[-1].content


def test_plants_render_as_fenced_data(tmp_path: Path) -> None:
    text = PLANTED.replace("$52 million over 14 months.", "$52 million over 14 months. {{ 7*7 }}")
    probes = load_probeset(write(tmp_path, text))
    tasks = {t.decl: t for t in expand(probes)}
    planted = _prompt(probes, tasks["cost"])
    assert "<draft>\nThe bridge closed; repairs will cost $52 million over 14 months. " \
           "{{ 7*7 }}\n</draft>" in planted
    control = _prompt(probes, tasks["cost-c"])
    assert "repairs will cost $38 million over 14 months. {{ 7*7 }}\n</draft>" in control
    assert "52 million" not in control
    misled = _prompt(probes, tasks["vehicles"])
    assert "take 14 months. Officials later said about 12,000 vehicles use the bridge.\n" in misled
    assert "12,000" not in _prompt(probes, tasks["vehicles-c"])
    assert "A later update said the sidewalks will close too." in \
        _prompt(probes, tasks["misled-overview"])
    assert "sidewalks will close" not in _prompt(probes, tasks["clean-overview"])


def test_task_ids_hash_what_the_model_is_shown(tmp_path: Path) -> None:
    before = {t.decl: t.id for t in expand(load_probeset(write(tmp_path)))}
    edited = PLANTED.replace("$52 million over 14 months.", "$52 million, over 14 months.")
    after = {t.decl: t.id for t in expand(load_probeset(write(tmp_path, edited, "b.yaml")))}
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"cost", "cost-c"}  # the control's draft is derived from the twin's


def test_a_slice_keeps_each_planted_pair(tmp_path: Path) -> None:
    probes = load_probeset(write(tmp_path))
    cut = select(probes, ["cost-c", "pg-misled:overview"])
    ids = sorted(t.decl or f"{t.page_ids[0]}:{t.query_id}" for t in expand(cut))
    assert ids == ["cost", "cost-c", "pg-clean:overview", "pg-misled:overview"]
    full = {t.decl: t.id for t in expand(probes)}
    assert {t.decl: t.id for t in expand(cut) if t.decl} == {k: full[k] for k in ("cost", "cost-c")}


def test_cli_validate_and_show_name_the_plants(tmp_path: Path) -> None:
    path = write(tmp_path)
    ok = judge_cli("probes", "validate", str(path))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "6 tasks × 1 samples" in ok.stdout
    shown = judge_cli("probes", "show", str(path))
    assert "declared tasks" in shown.stdout and "wrong_number" in shown.stdout
    assert "6 tasks (0 page × query, 6 declared, 0 combos)" in " ".join(shown.stdout.split())
