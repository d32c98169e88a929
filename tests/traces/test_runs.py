"""Run directories: responses.jsonl → traces.jsonl records and per-model summaries."""

from __future__ import annotations

import orjson
import pytest

from judge.errors import InputError
from judge.records import Reasoning, ResponseRecord
from judge.traces import summarize, trace_record, write_run_traces
from judge.traces.runs import TRACE_SCHEMA_VERSION, knows_pivots, stale_records
from tests.traces.legacy import add_pivot, v1


def resp(i: int, model: str, text: str, reasoning: str = "", source: str = "none",
         sample: int = 0) -> ResponseRecord:
    return ResponseRecord(id=f"r{i}", run_id="run1", task_id=f"t{i}", sample=sample, model=model,
                          page_ids=["p1"], prompt_hash="h", text=text,
                          reasoning=Reasoning(text=reasoning, source=source))


RESPONSES = [
    resp(1, "m-a", "The total is 12.", "10 + 3 = 13. Wait, is that right? I made a mistake: "
         "it should be 12.", "reasoning_content"),
    resp(2, "m-a", "<think>Let me double-check the page. It says 2019.</think>It was 2019."),
    resp(3, "m-b", "The hotel is near the station.", "", "none"),
    resp(4, "m-b", "答案是 15。", "等等，这里不对吗？我刚才算错了，应该是 15。", "thinking_block"),
]


def write(run, records, tail: bytes = b""):
    run.mkdir(exist_ok=True)
    (run / "responses.jsonl").write_bytes(
        b"".join(r.model_dump_json().encode() + b"\n" for r in records) + tail)


def test_trace_record_shape():
    rec = trace_record(RESPONSES[0])
    assert {"response_id", "task_id", "model", "sample", "events", "episodes", "parsed",
            "corrections", "follow_through", "counts", "rates_per_1k"} <= rec.keys()
    assert rec["response_id"] == "r1" and rec["parsed"] == "reasoning"
    assert rec["reasoning_source"] == "reasoning_content" and rec["follow_through"] is True
    orjson.dumps(rec)


def test_write_run_traces(tmp_path):
    run = tmp_path / "run1"
    write(run, RESPONSES + [RESPONSES[0]], tail=b'{"kind": "response", "id": "r9", "te')
    out = write_run_traces(run)
    recs = [orjson.loads(x) for x in out.read_bytes().splitlines()]
    assert [r["response_id"] for r in recs] == ["r1", "r2", "r3", "r4"]  # deduped, tail cut
    assert [r["parsed"] for r in recs] == ["reasoning", "think_tags", "answer", "reasoning"]
    assert recs[3]["counts"]["correction"] >= 1 and recs[3]["events"][0]["lang"] == "zh"
    by = {s.model: s.to_dict() for s in summarize(recs)}
    assert by["m-a"]["responses"] == 2 and by["m-a"]["self_check_rate"] == 1.0
    assert by["m-b"]["correction_rate"] == 0.5
    assert not list(run.glob(".traces*.tmp"))


def test_bad_lines_and_missing_responses(tmp_path):
    run = tmp_path / "run2"
    write(run, RESPONSES[:1], tail=b"{not json}\n" + RESPONSES[1].model_dump_json().encode() + b"\n")
    with pytest.raises(InputError, match=r"responses.jsonl:2: not valid JSON"):
        write_run_traces(run)
    (run / "responses.jsonl").write_bytes(b'{"kind": "response"}\n')
    with pytest.raises(InputError, match=r"responses.jsonl:1: not a response record"):
        write_run_traces(run)
    with pytest.raises(InputError, match="no responses.jsonl"):
        write_run_traces(tmp_path)


PIVOT_TEXT = RESPONSES[0].reasoning.text


def test_record_is_schema_2_with_why():
    rec = trace_record(RESPONSES[0])
    assert rec["schema_version"] == TRACE_SCHEMA_VERSION == 2
    assert "pivot" in rec["counts"] and "pivot" in rec["rates_per_1k"]
    assert all("why" in e for e in rec["events"])


def test_summary_counts_pivots_apart_from_reflection():
    base = trace_record(RESPONSES[0])
    rec = add_pivot(base, PIVOT_TEXT, "10 + 3 = 13.")
    [s] = summarize([rec])
    d = s.to_dict()
    assert d["pivot_rate"] == 1.0 and d["pivot_known"] == 1
    assert d["pivot_per_1k"] == round(1000.0 / rec["tokens_est"], 2)
    assert s.self_check_events == base["counts"]["self_check"]  # a pivot is no self-check
    assert s.correction_events == base["counts"]["correction"]


def test_old_records_load_with_pivots_unknown():
    old = v1(trace_record(RESPONSES[0]))
    assert knows_pivots(trace_record(RESPONSES[0])) and not knows_pivots(old)
    d = summarize([old])[0].to_dict()
    assert d["self_check_rate"] == 1.0  # the old figures still count
    assert d["pivot_rate"] is None and d["pivot_per_1k"] is None  # unknown, not zero


def test_cli_rewrites_old_traces(tmp_path):
    from typer.testing import CliRunner

    from judge.cli.app import app
    run = tmp_path / "old"
    write(run, RESPONSES)
    (run / "traces.jsonl").write_bytes(
        b"".join(orjson.dumps(v1(trace_record(r))) + b"\n" for r in RESPONSES))
    assert stale_records(run / "traces.jsonl") == 4
    res = CliRunner().invoke(app, ["traces", str(run)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "rewrote 4 record(s) of an older traces.jsonl schema" in res.output
    assert "pivot" in res.output  # the summary table's pivot columns
    recs = [orjson.loads(x) for x in (run / "traces.jsonl").read_bytes().splitlines()]
    assert {r["schema_version"] for r in recs} == {2}
    assert all("why" in e for r in recs for e in r["events"])
    assert stale_records(run / "traces.jsonl") == 0
    again = CliRunner().invoke(app, ["traces", str(run)], env={"COLUMNS": "200"})
    assert "rewrote" not in again.output


def test_lexical_pivots_reach_the_record_and_the_summary_apart_from_reflection():
    rec = trace_record(resp(7, "m-p", "Blue.", "Sizes differ. Wait, maybe the rule is about "
                            "colour. Panel A is blue.", "reasoning_content"))
    assert [e["kind"] for e in rec["events"]] == ["pivot"] and rec["events"][0]["why"]
    assert rec["counts"]["pivot"] == 1 and rec["counts"]["self_check"] == 0
    assert rec["episodes"] == [] and knows_pivots(rec)
    d = summarize([rec])[0].to_dict()
    assert d["pivot_rate"] == 1.0 and d["self_check_rate"] == 0.0 and d["correction_rate"] == 0.0
