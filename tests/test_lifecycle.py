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


# -- 3. one bad item never aborts a run ------------------------------------------------------

def test_replay_line_with_a_malformed_field_fails_only_its_task(small_probes: Path,
                                                                tmp_path: Path) -> None:
    tasks = expand(load_probeset(small_probes))
    lines = [{"task_id": t.id, "text": f"answer {i}"} for i, t in enumerate(tasks)]
    lines[1]["text"] = 5  # not a string
    lines[2]["reasoning"] = {"not": "text"}
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = tmp_path / "runs"
    proc = judge_cli("run", str(small_probes), "-m", f"replay:{path}", "--run-id", "r",
                     "--out", str(out), "--samples", "1")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = _rows(out / "r" / "errors.jsonl")
    assert {e["task_id"] for e in errors} == {tasks[1].id, tasks[2].id}
    messages = " ".join(e["message"] for e in errors)
    assert f"{path}:2: text" in messages and f"{path}:3: reasoning" in messages
    assert len(_rows(out / "r" / "responses.jsonl")) == len(tasks) - 2
    assert _manifest(out / "r")["status"] == "incomplete"


def test_replay_file_that_is_not_jsonl_is_rejected_at_load(small_probes: Path,
                                                           tmp_path: Path) -> None:
    path = _answers(tmp_path / "a.jsonl", small_probes)
    path.write_text(path.read_text() + "{not json\n" + '{"text": "no task"}\n')
    proc = judge_cli("run", str(small_probes), "-m", f"replay:{path}", "--out",
                     str(tmp_path / "runs"))
    assert proc.returncode == 2 and f"{path}:5: not valid JSON" in proc.stderr
    assert not (tmp_path / "runs").exists()


def test_a_reply_that_fails_validation_fails_only_its_task(tmp_path: Path) -> None:
    from tests.fakeserver import FakeServer
    from tests.runner.conftest import make_probes

    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=2,
                         extra_text={1: "[[fault:malformed]]"})
    with FakeServer() as fake:
        proc = judge_cli("run", str(probes), "-m", f"compat:m@{fake.openai_base}",
                         "--run-id", "r", "--out", str(tmp_path), "--samples", "1")
    assert proc.returncode == 1, proc.stderr
    errors = _rows(tmp_path / "r" / "errors.jsonl")
    assert len(errors) == 2 and all("expected shape" in e["message"] for e in errors)
    assert all(e["attempts"] == 1 for e in errors)  # not retried: it would not change
    assert len(_rows(tmp_path / "r" / "responses.jsonl")) == 4
    assert _manifest(tmp_path / "r")["status"] == "incomplete"


def test_an_exception_in_one_task_goes_to_errors(tmp_path: Path) -> None:
    """A template that divides by zero for one page: that task fails, the rest run."""
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "odd.j2").write_text(
        "{{ page.title }}: {{ 1 // (page.title | length - 6) }} {{ query.text }}\n")
    (tmp_path / "p.yaml").write_text(
        "name: p\nversion: 1\nsamples: 1\ntask_template: tasks/odd.j2\npages:\n"
        "  - {id: a, type: news, title: Page A1, text: Body one.}\n"
        "  - {id: b, type: news, title: Page B, text: Body two.}\n"
        "  - {id: c, type: news, title: Page C3, text: Body three.}\n"
        "queries:\n  - {id: q, intent: overview, text: Overview?}\n")
    answers = tmp_path / "a.jsonl"
    answers.write_text("".join(json.dumps({"page": p, "query": "q", "text": "ok"}) + "\n"
                               for p in "abc"))
    proc = judge_cli("run", str(tmp_path / "p.yaml"), "-m", f"replay:{answers}",
                     "--run-id", "r", "--out", str(tmp_path / "runs"))
    assert proc.returncode == 1, proc.stderr
    errors = _rows(tmp_path / "runs" / "r" / "errors.jsonl")
    assert [e["error_type"] for e in errors] == ["ZeroDivisionError"]
    assert "unexpected ZeroDivisionError on task" in errors[0]["message"]
    assert len(_rows(tmp_path / "runs" / "r" / "responses.jsonl")) == 2
    assert _manifest(tmp_path / "runs" / "r")["status"] == "incomplete"
