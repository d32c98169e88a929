"""`judge review` driven in a pseudo-terminal on a run judged by the loopback fake judge.

Checks: the judge's verdict is hidden until a key is pressed, then revealed; trace events
are highlighted; score keys write labels in the format `judge agreement --human` reads;
skip, undo and quit work; a second session resumes where the first stopped.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests.conftest import ROOT, SMALL_PROBES, judge_cli
from tests.grading.fakejudge import FakeJudge
from tests.grading.test_cli import RandomChoice, _answers

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PROMPT = "label>"
HEADER = re.compile(r"item (\d+)/(\d+) · (\w+) · ")
KEY_FOR = {"intention": "4", "coverage": "3", "faithfulness": "4", "strategy": "1",
           "reflection": "3"}
VALUE_FOR = {"intention": 4, "coverage": 0.75, "faithfulness": 1.0, "strategy": "event",
             "reflection": "corrected-reflected"}


def plain(text: str) -> str:
    return ANSI.sub("", text).replace("\r", "")


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A one-model run, each response judged twice by a randomly choosing fake judge."""
    root = tmp_path_factory.mktemp("review")
    probes = root / "small.yaml"
    probes.write_text(SMALL_PROBES, encoding="utf-8")
    answers = _answers(root / "a.jsonl", probes, "A")
    with FakeJudge(choose=RandomChoice(3)) as fake:
        proc = judge_cli("run", str(probes), "-m", f"replay:{answers}", "--judge", fake.spec(),
                         "--judge-samples", "2", "--samples", "1", "--run-id", "r",
                         "--out", str(root / "runs"), timeout=180)
        assert proc.returncode == 0, proc.stderr
    yield root / "runs" / "r"


class Review:
    """A `judge review` process in a 60×140 pseudo-terminal."""

    def __init__(self, run: Path, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
        env.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", PYTHONPATH=str(ROOT))
        self.log = io.StringIO()
        self.child = pexpect.spawn(sys.executable, ["-m", "judge", "review", str(run), *args],
                                   env=env, encoding="utf-8", codec_errors="replace",
                                   dimensions=(60, 140), timeout=30)
        self.child.logfile_read = self.log
        self.mark = 0

    def screen(self) -> str:
        """Wait for the key prompt; what was printed since the last call (raw)."""
        self.child.expect_exact(PROMPT)
        out, self.mark = self.log.getvalue()[self.mark:], len(self.log.getvalue())
        return out

    def press(self, key: str) -> str:
        self.child.send(key)
        return self.screen()

    def finish(self, key: str = "q") -> str:
        self.child.send(key)
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.log.getvalue()[self.mark:]


def rubric_of(raw: str) -> str:
    found = HEADER.findall(plain(raw))
    assert found, plain(raw)[-800:]
    return found[-1][2]


def test_blind_labelling_skip_undo_quit_and_resume(judged: Path, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    r = Review(judged, "--labels", str(labels), "--rater", "ann")
    first = r.screen()
    text = plain(first)
    n_items = int(HEADER.findall(text)[0][1])
    assert "from the review queue" in text  # judges disagreed on it: it comes first
    assert "query: " in text and "answer:" in text and "reasoning:" in text
    assert "you:" not in text and "fake rationale" not in text  # the verdict is hidden
    assert re.search(r"\x1b\[[0-9;]*106m[^\x1b]*Let me check", first)  # self-check highlighted
    rubric = rubric_of(first)

    after = r.press(KEY_FOR[rubric])
    reveal = plain(after).split("item 2/")[0]
    assert "you: " in reveal and "compat:judge" in reveal and "#1" in reveal
    assert "fake rationale" in reveal  # shown now, after the label
    rows = [json.loads(x) for x in labels.read_text().splitlines()]
    assert [(x["rubric"], x["value"], x["rater"]) for x in rows] == [
        (rubric, VALUE_FOR[rubric], "ann")]
    second = rubric_of(after)

    after_skip = r.press("s")
    assert "skipped" in plain(after_skip)
    third = rubric_of(after_skip)
    after_undo = r.press("u")
    assert "undid your label of " + rubric in plain(after_undo)
    assert labels.read_text() == ""
    assert rubric_of(after_undo) == rubric  # the undone item is shown again
    r.press(KEY_FOR[rubric])
    r.press(KEY_FOR[third])
    end = plain(r.finish("q"))
    assert "labelled 3 this session (2 by ann in all), skipped 1, undone 1" in end
    assert f"{n_items - 2} left" in end

    # a second session resumes: the two labelled items are not shown again
    r2 = Review(judged, "--labels", str(labels), "--rater", "ann")
    head = plain(r2.screen())
    assert f"{n_items - 2} to go" in head and HEADER.findall(head)[0][1] == str(n_items - 2)
    assert rubric_of(head) == second  # the skipped one is back, first of what is left
    r2.finish("\x03")  # Ctrl-C quits too; nothing is lost
    rows = [json.loads(x) for x in labels.read_text().splitlines()]
    assert len(rows) == 2 and {x["rubric"] for x in rows} == {rubric, third}

    proc = judge_cli("agreement", str(judged), "--human", str(labels), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["human_labels"] == 2 and not data["label_problems"]
    assert any(row["comparison"] == "judge-vs-human" for row in data["agreement"])

    # and the report of the run shows the judge-vs-human rows of these labels
    out = tmp_path / "report.html"
    proc = judge_cli("report", str(judged), "--human", str(labels), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    html = out.read_text()
    section = html[html.index('id="judges"'):html.index('id="metrics"')]
    for labelled in {rubric, third}:
        assert f'<td class="text">{labelled}</td><td class="text">ann</td>' in section


def test_review_needs_a_terminal(judged: Path) -> None:
    proc = judge_cli("review", str(judged))
    assert proc.returncode == 2 and "run it in a terminal" in proc.stderr
