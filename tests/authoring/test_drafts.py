"""Drafted key points: written `draft: true` by a judge model (the loopback fake server),
absent from judging and analysis unless --use-drafts."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from judge.analysis import load_run
from judge.analysis.rows import SuccessRule, build_rows
from judge.probeset import expand, load_probeset
from tests.conftest import ROOT, judge_cli
from tests.grading.fakejudge import FakeJudge

GOOD = json.dumps({"key_points": [
    {"role": "core", "text": "The base fare rises from $2.00 to $2.25 on April 1."},
    {"role": "supporting", "text": "It closes about a third of an $11.4 million gap."}]})


def test_new_drafts_key_points_marked_draft(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    shutil.copy(ROOT / "probes/pages/html/news-transit-fares.html", saved)
    (tmp_path / "q.yaml").write_text("- {id: overview, intent: overview, text: What happened?}\n")
    out = tmp_path / "set.yaml"
    with FakeJudge(script=["Sure! The key points are fares and budget.", GOOD]) as fake:
        proc = judge_cli("probes", "new", str(saved), "-q", str(tmp_path / "q.yaml"),
                         "--type", "news", "-o", str(out), "--draft-key-points",
                         fake.spec("drafter"))
        requests = fake.requests
    assert proc.returncode == 0, proc.stderr
    assert "2 key points (2 drafts to confirm)" in proc.stderr
    points = yaml.safe_load(out.read_text())["pages"][0]["key_points"]
    assert points == [
        {"id": "kp1", "role": "core", "text": "The base fare rises from $2.00 to $2.25 on "
                                              "April 1.", "draft": True},
        {"id": "kp2", "role": "supporting",
         "text": "It closes about a third of an $11.4 million gap.", "draft": True}]
    assert len(requests) == 2  # the first reply had no JSON: asked again with the error
    first = requests[0]["messages"][-1]["content"]
    assert "<<PAGE " in first and "Transfers stay free for 90 minutes" in first  # fenced page
    assert "We use cookies" not in first  # the extracted text, not the markup
    assert requests[0]["response_format"]["type"] == "json_schema"
    assert "not valid (no JSON object" in requests[1]["messages"][-1]["content"]


SET = """\
name: d
samples: 1
pages:
  - id: a
    type: news
    text: "The base fare rises to $2.25. A budget gap of $11.4 million remains."
    key_points:
      - {id: kp1, role: core, text: "fare rises to $2.25"}
      - {id: kp2, role: core, text: "budget gap of $11.4 million", draft: true}
queries:
  - {id: overview, intent: overview, text: "What happened?"}
"""


def _coverage(points: dict[str, str]) -> str:
    return json.dumps({"points": [{"id": k, "evidence": "", "status": s}
                                  for k, s in points.items()], "rationale": "r"})


def test_drafts_are_absent_unless_use_drafts(tmp_path: Path) -> None:
    probes_path = tmp_path / "d.yaml"
    probes_path.write_text(SET)
    task = expand(load_probeset(probes_path))[0]
    answers = tmp_path / "a.jsonl"
    answers.write_text(json.dumps({"task_id": task.id, "text": "The fare rises to $2.25."}))
    runs = tmp_path / "runs"
    with FakeJudge(script=[_coverage({"kp1": "covered"}),
                           _coverage({"kp1": "covered", "kp2": "missing"})]) as fake:
        proc = judge_cli("run", str(probes_path), "-m", f"replay:{answers}", "--judge",
                         fake.spec(), "--rubric", "coverage", "--run-id", "r", "--out", str(runs))
        assert proc.returncode == 0, proc.stderr
        seen = fake.requests[0]["messages"][-1]["content"]
        assert "kp1 (core): fare rises" in seen and "kp2 (core)" not in seen
        again = judge_cli("rejudge", "r", "--judge", fake.spec(), "--rubric", "coverage",
                          "--use-drafts", "--out", str(runs))
        assert again.returncode == 0, again.stderr
        assert len(fake.requests) == 2  # not skipped as done: drafts make another judgment
        assert "kp2 (core): budget gap" in fake.requests[1]["messages"][-1]["content"]
    run = load_run("r", runs)
    plain = build_rows(run, SuccessRule(min_intention=None))[0]
    drafts = build_rows(run, SuccessRule(min_intention=None, use_drafts=True))[0]
    assert plain.all_core is True and plain.scores["coverage"] == 1.0 and plain.k_core == 1
    assert drafts.all_core is False and drafts.scores["coverage"] == 0.5 and drafts.k_core == 2
    report = judge_cli("analyze", "r", "--out", str(runs), "--json")
    with_drafts = judge_cli("analyze", "r", "--out", str(runs), "--json", "--use-drafts")
    assert report.returncode == with_drafts.returncode == 0
    assert report.stdout != with_drafts.stdout
