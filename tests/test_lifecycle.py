"""A run's lifecycle through the CLI: bad options are rejected before a run directory
exists, one bad item never aborts a run, and --resume resumes what was started."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judge.probeset import expand, load_probeset
from tests.conftest import judge_cli


def _answers(path: Path, probes: Path, **extra: object) -> Path:
    tasks = expand(load_probeset(probes))
    path.write_text("".join(json.dumps({"task_id": t.id, "text": f"answer to {t.label}",
                                        **extra}) + "\n" for t in tasks), encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()] \
        if path.exists() else []


def _manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text())


# -- 2. validate before creating ------------------------------------------------------------

@pytest.mark.parametrize("args,message", [
    (["-m", "{replay}?concurrency=0"], "concurrency"),
    (["-m", "{replay}?rpm=-1"], "rpm"),
    (["-m", "{replay}", "--prices", "{tmp}/missing-prices.json"], "price file not found"),
    (["-m", "{replay}", "--judge", "{replay}", "--rubric", "nope"], "unknown rubric"),
])
def test_bad_options_leave_no_run_directory(small_probes: Path, tmp_path: Path,
                                            args: list[str], message: str) -> None:
    replay = f"replay:{_answers(tmp_path / 'a.jsonl', small_probes)}"
    args = [a.format(replay=replay, tmp=tmp_path) for a in args]
    out = tmp_path / "runs"
    proc = judge_cli("run", str(small_probes), *args, "--out", str(out))
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_bad_option_on_resume_leaves_the_manifest_as_it_was(small_probes: Path,
                                                            tmp_path: Path) -> None:
    replay = f"replay:{_answers(tmp_path / 'a.jsonl', small_probes)}"
    out = tmp_path / "runs"
    judge_cli("run", str(small_probes), "-m", replay, "--run-id", "r", "--out", str(out),
              "--limit", "1", check=True)
    before = _manifest(out / "r")
    proc = judge_cli("run", "--resume", "r", "--out", str(out), "--prices",
                     str(tmp_path / "missing.json"))
    assert proc.returncode == 2 and "price file not found" in proc.stderr
    after = _manifest(out / "r")
    assert after["status"] == before["status"] == "complete"
    assert after.get("history") == before.get("history")
