"""Human label import: CSV and JSONL, resolution to responses, bad rows by file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judge.errors import LabelsError
from judge.grading.concordance import agreement_rows
from judge.grading.labels import load_labels
from judge.probeset import ProbeSet
from judge.records import JudgmentRecord, ResponseRecord
from tests.grading.conftest import response, task_of


@pytest.fixture
def responses(probes: ProbeSet) -> list[ResponseRecord]:
    t1 = task_of(probes, "short-kettle", "overview")
    t2 = task_of(probes, "short-kettle", "tldr")
    return [response(t1, model="m1"), response(t1, model="m2"), response(t2, model="m1")]


def test_jsonl_rows_resolve_and_bad_rows_are_located(tmp_path: Path,
                                                     responses: list[ResponseRecord]) -> None:
    r1, r2, r3 = responses
    lines = [
        {"task_id": r3.task_id, "rubric": "intention", "value": 4},  # 1: only response
        {"task_id": r1.task_id, "model": "m2", "sample": 0, "rubric": "strategy",
         "value": "one-sentence"},  # 2
        {"response_id": r1.id, "rubric": "coverage", "value": "0.75", "rater": "ann"},  # 3
        "not an object",  # 4
        {"task_id": r1.task_id, "rubric": "intention", "value": 4},  # 5: ambiguous
        {"task_id": r3.task_id, "rubric": "strategy", "value": "summary"},  # 6
        {"response_id": r1.id, "task_id": r3.task_id, "rubric": "intention", "value": 2},  # 7
        {"task_id": r3.task_id, "rubric": "intention", "value": 5},  # 8: duplicate of 1
        {"task_id": r3.task_id, "rubric": "reflection", "value": "corrected-reflected"},  # 9
        {"task_id": r3.task_id, "rubric": "pairwise", "value": "A"},  # 10
    ]
    path = tmp_path / "labels.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n", encoding="utf-8")
    labels, problems = load_labels(path, responses)
    assert [(lab.line, lab.response_id, lab.value, lab.rater) for lab in labels] == [
        (1, r3.id, 4.0, "human"), (2, r2.id, "one-sentence", "human"), (3, r1.id, 0.75, "ann"),
        (9, r3.id, "corrected-reflected", "human")]
    where = [(p.line, p.detail) for p in problems]
    assert [line for line, _ in where] == [4, 5, 6, 7, 8, 10, 11]
    assert "has 2 responses; add response_id, or model and sample" in where[1][1]
    assert "must be one of event, pros-cons" in where[2][1]
    assert "belongs to task" in where[3][1] and "first on line 1" in where[4][1]
    assert "'pairwise' is not one of" in where[5][1] and "not valid JSON" in where[6][1]
    assert str(problems[0]).startswith(f"{path}:4: ")


def test_csv_header_and_missing_file(tmp_path: Path, responses: list[ResponseRecord]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,score\n1,2\n", encoding="utf-8")
    with pytest.raises(LabelsError, match=r"bad.csv:1: header must name task_id"):
        load_labels(bad, responses)
    with pytest.raises(LabelsError, match="label file not found"):
        load_labels(tmp_path / "none.csv", responses)
    ok = tmp_path / "ok.csv"
    ok.write_text(f"response_id,rubric,value\n{responses[0].id},faithfulness,1\n"
                  f"{responses[1].id},faithfulness,1.5\n", encoding="utf-8")
    labels, problems = load_labels(ok, responses)
    assert len(labels) == 1 and problems[0].line == 3 and "from 0 to 1" in problems[0].detail


def test_judge_vs_human_and_human_vs_human(responses: list[ResponseRecord],
                                           tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    rows = ["response_id,rubric,value,rater"]
    judgments = []
    for i, (r, v) in enumerate(zip(responses * 4, [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2])):
        if i < 3:
            rows += [f"{r.id},intention,{v},ann", f"{r.id},intention,{min(5, v + 1)},bob"]
            judgments.append(JudgmentRecord(
                id=f"j{i}", run_id="x", response_id=r.id, task_id=r.task_id, model=r.model,
                sample=0, judge="J", rubric="intention", template_hash="h", score=float(v)))
    path.write_text("\n".join(rows), encoding="utf-8")
    labels, problems = load_labels(path, responses)
    assert not problems and len(labels) == 6
    out = {(r.comparison, tuple(r.raters)): r for r in agreement_rows(judgments, labels, 100)}
    assert out[("judge-vs-human", ("J", "human:ann"))].percent.value == 1.0
    assert out[("judge-vs-human", ("J", "human:bob"))].percent.value == 0.0
    assert out[("human-vs-human", ("human:ann", "human:bob"))].n == 3
