"""The README's first command, with a loopback judge: `judge run --task … --judge … --report`
ends with a report a person can open (verdicts, key-point coverage, trace events), rendered
by headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from judge.probeset import expand, load_probeset
from judge.selection import select
from tests.conftest import ROOT, judge_cli
from tests.grading.fakejudge import FakeJudge

BUNDLED = ROOT / "probes" / "web-summaries.yaml"
TASKS = ["product-trail-daypack:tldr", "news-transit-fares:overview"]
REFLECTING = ("The board raised fares to $2.50. Wait, let me double-check that figure. "
              "I made a mistake: actually it should be $2.25, not $2.50.")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_first_command_report(tmp_path: Path) -> None:
    tasks = expand(select(load_probeset(BUNDLED), TASKS))
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps({"task_id": t.id, "text": "A 28-litre daypack.",
                                           "reasoning": REFLECTING}) + "\n" for t in tasks))
    with FakeJudge() as fake:
        proc = judge_cli("run", str(BUNDLED), "-m", f"replay:{answers}", "--judge", fake.spec(),
                         "--rubric", "intention", "--rubric", "coverage", "--samples", "1",
                         *[a for t in TASKS for a in ("--task", t)], "--report",
                         "--out", str(tmp_path / "runs"))
    assert proc.returncode == 0, proc.stderr
    report = Path(proc.stdout.strip().splitlines()[-1])  # the last line: the report's path
    assert report.name == "report.html" and report.parent.parent == tmp_path / "runs"
    html = report.read_text()
    assert "news-transit-fares × overview" in html and "Key-point coverage" in html
    assert "The Cairn 28 is a 28-litre hiking daypack" in html  # a key point, with its status
    assert '<mark class="self_check"' in html and '<mark class="correction"' in html
    assert "trace parser (reasoning): 1 correction, 1 self-check" in html
    if _chromium() is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    from PIL import Image

    shot = tmp_path / "first.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
             "--window-size=1400,3000"]
    subprocess.run([_chromium(), *flags, report.as_uri()], capture_output=True, timeout=90,
                   check=False)
    assert shot.exists(), "chromium wrote no screenshot"
    image = np.asarray(Image.open(shot).convert("RGB"))
    assert len(np.unique(image.reshape(-1, 3)[::37], axis=0)) > 50  # not a blank page
