"""The label file of `judge review`: resumable, other raters untouched, bad lines located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judge.errors import LabelsError
from judge.review.labels import LabelFile

RESPONSE = {"id": "r1", "task_id": "t1", "model": "m", "sample": 0}


def test_labels_are_appended_undo_removes_only_mine_and_a_reopen_resumes(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps({"task_id": "t1", "response_id": "r1", "rubric": "intention",
                                "value": 2, "rater": "bob"}) + "\n")
    ann = LabelFile.open(path, "ann")
    ann.add(RESPONSE, "intention", 4)
    ann.add(RESPONSE, "strategy", "event")
    assert ann.undo() == ("r1", "strategy")
    again = LabelFile.open(path, "ann")
    assert again.done == {("r1", "intention")}
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    assert [(r["rater"], r["rubric"], r["value"]) for r in rows] == [
        ("bob", "intention", 2), ("ann", "intention", 4)]
    assert LabelFile.open(path, "bob").undo() == ("r1", "intention")
    assert LabelFile.open(path, "ann").done == {("r1", "intention")}


@pytest.mark.parametrize(("line", "message"), [
    ('{"rubric": "intention"', "not valid JSON"), ('[1, 2]', "each line must be an object")])
def test_a_broken_line_names_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text('{"task_id": "t1"}\n\n' + line + "\n")
    with pytest.raises(LabelsError, match=rf"labels\.jsonl:3: .*{message}"):
        LabelFile.open(path, "ann")
