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


# -- 7. resume resumes what was started -------------------------------------------------------

def _half_answers(tmp_path: Path, probes: Path) -> tuple[Path, Path]:
    """A replay file answering every task, and one answering only the first two."""
    full = _answers(tmp_path / "full.jsonl", probes)
    half = tmp_path / "half.jsonl"
    half.write_text("".join(full.read_text().splitlines(keepends=True)[:2]))
    return full, half


def test_resume_keeps_the_runs_settings_and_says_what_it_ignores(small_probes: Path,
                                                                 tmp_path: Path) -> None:
    answers = _answers(tmp_path / "a.jsonl", small_probes)
    out = tmp_path / "runs"
    proc = judge_cli("run", str(small_probes), "-m", f"replay:{answers}?delay=0", "--run-id",
                     "r", "--out", str(out), "--samples", "1", "--concurrency", "2",
                     "--attempts", "2", "--seed", "7", "--temperature", "0.3",
                     "--max-tokens", "99", "--limit", "3", check=True)
    settings = _manifest(out / "r")["settings"]
    proc = judge_cli("run", "--resume", "r", "--out", str(out), "--samples", "3",
                     "--temperature", "0.9", "--max-tokens", "5", check=True)
    assert "--samples, --temperature, --max-tokens ignored with --resume" in proc.stderr
    assert "0 to go" in proc.stderr  # still 3 tasks × 1 sample: nothing left
    manifest = _manifest(out / "r")
    assert manifest["settings"] == settings
    assert manifest["settings"]["concurrency"] == 2 and manifest["settings"]["attempts"] == 2


def test_resume_does_not_reset_concurrency_and_attempts_to_the_defaults(
        small_probes: Path, tmp_path: Path) -> None:
    from judge.runs import prepare_resume

    answers = _answers(tmp_path / "a.jsonl", small_probes)
    out = tmp_path / "runs"
    judge_cli("run", str(small_probes), "-m", f"replay:{answers}", "--run-id", "r", "--out",
              str(out), "--concurrency", "3", "--attempts", "2", "--seed", "5", check=True)
    proc = judge_cli("run", "--resume", "r", "--out", str(out), "--concurrency", "4",
                     check=True)
    assert "ignored" not in proc.stderr
    history = _manifest(out / "r")["history"]
    assert history[-1]["overrides"] == {"concurrency": 4}  # given, so applied; attempts kept
    runner, _, _ = prepare_resume("r", out)
    runner.store.unlock()
    assert (runner.settings.concurrency, runner.settings.attempts, runner.settings.seed) == (3, 2, 5)


def test_resume_with_a_changed_template_names_it(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    template = tmp_path / "tasks" / "mine.j2"
    template.write_text("Summarize: {{ page.text }} ({{ query.text }})\n")
    probes = tmp_path / "p.yaml"
    probes.write_text("name: p\nversion: 1\nsamples: 1\ntask_template: tasks/mine.j2\npages:\n"
                      "  - {id: a, type: news, title: A, text: Body one.}\n"
                      "  - {id: b, type: news, title: B, text: Body two.}\n"
                      "queries:\n  - {id: q, intent: overview, text: Overview?}\n")
    full, half = _half_answers(tmp_path, probes)
    half.write_text(full.read_text().splitlines(keepends=True)[0])
    out = tmp_path / "runs"
    proc = judge_cli("run", str(probes), "-m", f"replay:{half}", "--run-id", "r", "--out",
                     str(out))
    assert proc.returncode == 1  # one task had no answer
    template.write_text("Now something else: {{ page.text }}\n")
    proc = judge_cli("run", "--resume", "r", "--out", str(out))
    assert proc.returncode == 2
    assert "template tasks/mine.j2" in proc.stderr and str(template) in proc.stderr
    assert "--allow-changed" in proc.stderr
    assert _manifest(out / "r")["status"] == "incomplete"  # untouched
    proc = judge_cli("run", "--resume", "r", "--out", str(out), "--allow-changed")
    assert proc.returncode == 1  # the replay file still lacks that answer; but it ran
    assert "changed_inputs" in _manifest(out / "r")["history"][-1]


def test_resume_with_a_changed_probe_set_copy_names_it(small_probes: Path,
                                                      tmp_path: Path) -> None:
    answers = _answers(tmp_path / "a.jsonl", small_probes)
    out = tmp_path / "runs"
    judge_cli("run", str(small_probes), "-m", f"replay:{answers}", "--run-id", "r", "--out",
              str(out), "--limit", "1", check=True)
    frozen = out / "r" / "probeset.json"
    data = json.loads(frozen.read_text())
    data["pages"][0]["text"] = "edited"
    frozen.write_text(json.dumps(data))
    proc = judge_cli("run", "--resume", "r", "--out", str(out))
    assert proc.returncode == 2 and "probe set probeset.json" in proc.stderr
