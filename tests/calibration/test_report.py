"""`judge report` shows, beside each judge of a run, its calibration and human agreement."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from judge.calibration.suite import load_suite
from tests.calibration.scripted import ScriptedJudge
from tests.conftest import SMALL_PROBES, judge_cli
from tests.grading.fakejudge import FakeJudge
from tests.grading.test_cli import RandomChoice, _answers


def _judged_run(root: Path, fake: FakeJudge) -> Path:
    probes = root / "small.yaml"
    probes.write_text(SMALL_PROBES, encoding="utf-8")
    answers = _answers(root / "a.jsonl", probes, "A")
    proc = judge_cli("run", str(probes), "-m", f"replay:{answers}", "--judge", fake.spec(),
                     "--rubric", "intention", "--rubric", "strategy", "--samples", "3",
                     "--run-id", "r", "--out", str(root / "runs"), timeout=180)
    assert proc.returncode == 0, proc.stderr
    return root / "runs" / "r"


def test_report_shows_calibration_and_human_agreement(tmp_path: Path) -> None:
    suite = load_suite()
    # planted cases get the script's verdicts, the run's items seeded random ones
    with FakeJudge(respond=ScriptedJudge(suite), choose=RandomChoice(5)) as fake:
        cal = judge_cli("calibrate", "--judge", fake.spec(), "--rubric", "intention",
                        "--limit-per-rubric", "12", "--out", str(tmp_path / "cal"),
                        "--run-id", "c", timeout=300)
        assert cal.returncode == 0, cal.stderr
        run = _judged_run(tmp_path, fake)
    responses = [json.loads(x) for x in (run / "responses.jsonl").read_text().splitlines()]
    score = {j["response_id"]: j["score"] for x in (run / "judgments.jsonl").read_text()
             .splitlines() if (j := json.loads(x))["rubric"] == "intention"}
    # ann agrees with the judge on two items in three and is one point off on the third
    labels = [{"response_id": r["id"], "task_id": r["task_id"], "rubric": "intention",
               "value": score[r["id"]] if i % 3 else 1 + score[r["id"]] % 5, "rater": "ann"}
              for i, r in enumerate(responses)]
    (run / "human-labels.jsonl").write_text("".join(json.dumps(x) + "\n" for x in labels))

    out = tmp_path / "report.html"
    proc = judge_cli("report", str(run), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    html = out.read_text()
    section = html[html.index('id="judges"'):html.index('id="metrics"')]
    assert "intention: κ 1.000" in section and "on 12 planted cases" in section
    assert "accuracy 100%" in section and "on a slice of 12 cases per rubric" in section
    assert "strategy: not calibrated" in section
    assert len(responses) == 12
    row = section[section.index('<td class="text">ann</td>'):].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells[0] == "12"  # n, then κ, α and % agreement, each with its 95% interval
    assert all(re.search(r"\[[-0-9.]+(, |–)[-0-9.]+\]", c) for c in cells[1:]), cells
    assert cells[3].startswith("67%")  # 8 of 12 the same

    # another cache dir: the record is not found there, unless given with --calibration
    env = {"JUDGE_CACHE_DIR": str(tmp_path / "elsewhere")}
    proc = judge_cli("report", str(run), "-o", str(out), env=env)
    assert "intention: not calibrated" in out.read_text()
    record = json.loads((tmp_path / "cal" / "c" / "calibration.json").read_text())
    record["templates"]["intention"] = "0" * 64  # as if calibrated on another template
    edited = tmp_path / "old.json"
    edited.write_text(json.dumps(record))
    proc = judge_cli("report", str(run), "-o", str(out), "--calibration", str(edited), env=env)
    assert proc.returncode == 0, proc.stderr
    html = out.read_text()
    assert "intention: κ 1.000" in html
    assert "calibrated with another version of this rubric" in html
    assert os.path.getsize(out) > 0
