"""`judge traces` through real subprocesses (`python -m judge traces ...`, started in
parallel), plus error paths through typer's CliRunner in-process (each subprocess costs
~2 s of imports)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from typer.testing import CliRunner

import judge.cli.traces  # noqa: F401 - registers the command
from judge.cli import main
from judge.cli.app import app
from judge.errors import ConfigError
from judge.records import Reasoning, ResponseRecord

ROOT = Path(__file__).resolve().parents[2]
TRACE = ("Okay, 2 + 2 = 5. Wait, is that right? I made a mistake: it should be 4, not 5.\n"
         "让我再检查一下：2 + 2 = 4。\n")


def _responses() -> bytes:
    recs = [
        ResponseRecord(id="a1", run_id="r", task_id="t1", sample=0, model="m-a", page_ids=["p"],
                       prompt_hash="h", text="The answer is 4.",
                       reasoning=Reasoning(text="2+2=5? Wait, is that right? Actually, it should "
                                           "be 4.", source="reasoning_content")),
        ResponseRecord(id="b1", run_id="r", task_id="t1", sample=0, model="m-b", page_ids=["p"],
                       prompt_hash="h", text="<think>Let me double-check.</think>4"),
    ]
    return b"".join(r.model_dump_json().encode() + b"\n" for r in recs)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "trace.txt").write_text(TRACE, encoding="utf-8")
    (d / "items.jsonl").write_text(
        json.dumps({"id": "x1", "text": "Let me double-check. Actually, it should be 12.",
                    "answer": "12"}) + "\n\n" +
        json.dumps({"id": 2, "text": "检查结果显示血压正常。"}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    (d / "bad.jsonl").write_text('{"id": "ok", "text": "fine"}\n{"id": "b", "text": 3}\n')
    (d / "broken.jsonl").write_text('{"id": "ok", "text": "fine"}\n{oops\n')
    run = d / "run1"
    run.mkdir()
    (run / "responses.jsonl").write_bytes(_responses())
    cases = {
        "text": ([str(d / "trace.txt")], None),
        "stdin": (["-", "--json"], TRACE.encode()),
        "jsonl_json": ([str(d / "items.jsonl"), "--json"], None),
        "bad": ([str(d / "bad.jsonl"), "--json"], None),
        "run": ([str(run)], None),
    }
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "NO_COLOR": "1"}
    procs = {k: (subprocess.Popen([sys.executable, "-m", "judge", "traces", *args],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, cwd=d), data)
             for k, (args, data) in cases.items()}
    out = {}
    for k, (p, data) in procs.items():
        so, se = p.communicate(data, timeout=120)
        out[k] = (p.returncode, so.decode("utf-8"), se.decode("utf-8"))
    return d, out


def test_text_file_prints_the_trace_and_a_summary(runs):
    _, out = runs
    rc, so, se = out["text"]
    assert rc == 0, se
    assert "Wait, is that right?" in so and "self-checks 2" in so and "corrections 1" in so
    assert "episodes" in so and "I made a mistake" in so


def test_stdin_json(runs):
    rc, so, se = runs[1]["stdin"]
    assert rc == 0, se
    rec = json.loads(so)
    assert rec["id"] == "<stdin>" and rec["parsed"] == "reasoning"
    kinds = [e["kind"] for e in rec["events"]]  # the detector's events, one per sentence and kind
    assert kinds[0] == "self_check" and set(kinds) <= {"self_check", "correction", "pivot"}
    assert all(e["quote"] and e["why"] for e in rec["events"])
    assert {e["lang"] for e in rec["events"]} == {"en", "zh"}


def test_jsonl_json_one_object_per_line(runs):
    rc, so, se = runs[1]["jsonl_json"]
    assert rc == 0, se
    lines = [json.loads(x) for x in so.splitlines()]
    assert [x["id"] for x in lines] == ["x1", 2]
    first = lines[0]
    assert set(first["events"][0]) >= {"kind", "start", "end", "quote", "pattern", "lang"}
    assert first["episodes"][0]["self_check"] == 0 and first["follow_through"] is True
    assert lines[1]["events"] == [] and lines[1]["episodes"] == []


def invoke(*args: str):
    """Run the command in-process the way `judge` does (JudgeError -> message + exit code)."""
    import sys as _sys
    from unittest import mock

    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames \
        else CliRunner()
    with mock.patch.object(_sys, "argv", ["judge", "traces", *args]):
        return runner.invoke(app, ["traces", *args], catch_exceptions=True)


def test_jsonl_table(runs):
    d, _ = runs
    res = invoke(str(d / "items.jsonl"))
    assert res.exit_code == 0, res.output
    assert "x1" in res.output and "2 traces" in res.output and "episodes" in res.output


def test_bad_jsonl_lines_name_file_and_line(runs):
    d, out = runs
    rc, so, se = out["bad"]
    # the good line before the bad one is still parsed and printed; then exit code 2
    assert rc == 2
    assert [json.loads(x)["id"] for x in so.splitlines()] == ["ok"]
    assert f"{d / 'bad.jsonl'}:2" in se and "'text' must be a string" in se and "id 'b'" in se
    assert "1 bad line skipped (line 2); the 1 good ones were parsed" in se
    res = invoke(str(d / "broken.jsonl"))
    assert res.exit_code != 0 and res.exception is not None
    assert f"{d / 'broken.jsonl'}:2" in res.stderr and "not valid JSON" in res.stderr
    assert "line 2" in str(res.exception) and "1 good ones were parsed" in str(res.exception)
    assert "ok" in res.stdout  # the table of the good lines is still shown


def test_bad_lines_do_not_stop_the_good_ones(tmp_path):
    """Bad lines anywhere (first, middle, last) are reported each with file:line, and
    every good line is parsed, in order."""
    f = tmp_path / "mixed.jsonl"
    f.write_text("[1]\n" + json.dumps({"id": "g1", "text": "Let me double-check."}) + "\n"
                 + '{"text": "no id"}\n\n' + json.dumps({"id": 7, "text": "Wait, no."}) + "\n"
                 + '{"id": "z", "text": "x", "answer": 5}\n', encoding="utf-8")
    res = invoke(str(f), "--json")
    assert getattr(res.exception, "exit_code", None) == 2  # what main() exits with
    assert [json.loads(x)["id"] for x in res.stdout.splitlines()] == ["g1", 7]
    for n, what in ((1, "expected a JSON object"), (3, "missing 'id'"),
                    (6, "'answer' must be a string")):
        assert f"{f}:{n}" in res.stderr and what in res.stderr
    assert "3 bad lines skipped (lines 1, 3, 6)" in str(res.exception)


def test_run_directory_writes_traces_jsonl(runs):
    d, out = runs
    rc, so, se = out["run"]
    assert rc == 0, se
    assert "m-a" in so and "m-b" in so and "traces.jsonl" in so
    recs = [json.loads(x) for x in (d / "run1" / "traces.jsonl").read_text().splitlines()]
    assert [(r["response_id"], r["model"], r["parsed"]) for r in recs] == [
        ("a1", "m-a", "reasoning"), ("b1", "m-b", "think_tags")]
    assert recs[0]["follow_through"] is True and recs[0]["episodes"]


def test_errors_and_lang(runs, capsys):
    d, _ = runs
    res = invoke(str(d / "nope.txt"))
    assert "no such file" in str(res.exception) and getattr(res.exception, "exit_code", 0) == 2
    res = invoke(str(d / "trace.txt"), "--json", "--lang", "zh")
    assert res.exit_code == 0
    res = invoke(str(d / "trace.txt"), "--lang", "fr")
    assert "--lang" in str(res.exception) and res.exception.exit_code == 2
    assert callable(main)


def test_detector_option_picks_the_trained_detector_and_refuses_unknown_names(tmp_path):
    """Both detectors report the pivot ("Wait, maybe a table ..." opens a new idea), the
    patterns naming en_pivot; a bad name exits 2."""
    trace = tmp_path / "t.txt"
    trace.write_text("We need the total. Wait, maybe a table would make this easier. "
                     "Let me double-check: 3 + 4 = 7. Yes.", encoding="utf-8")
    runner = CliRunner()
    lex = runner.invoke(app, ["traces", str(trace), "--json"])
    trained = runner.invoke(app, ["traces", str(trace), "--json", "--detector", "trained"])
    assert lex.exit_code == 0 and trained.exit_code == 0, (lex.output, trained.output)
    kinds = lambda out: [e["kind"] for e in json.loads(out)["events"]]  # noqa: E731
    lex_events = json.loads(lex.output)["events"]
    assert [e["kind"] for e in lex_events][:1] == ["pivot"]
    assert lex_events[0]["pattern"] == "en_pivot" and lex_events[0]["quote"] == "Wait, maybe"
    whys = [e["why"] for e in json.loads(trained.output)["events"]]
    assert kinds(trained.output) and all(whys)
    assert kinds(trained.output) != kinds(lex.output) or whys != [
        e["why"] for e in json.loads(lex.output)["events"]]
    bad = runner.invoke(app, ["traces", str(trace), "--detector", "bert"])
    assert isinstance(bad.exception, ConfigError)  # main() maps it to exit status 2
    assert "--detector must be one of lexical, trained" in str(bad.exception)
