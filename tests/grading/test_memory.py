"""Judging a stored run keeps memory flat: responses are streamed and the judge queues are
bounded, so a resumed run or a rejudge never enqueues every stored response at once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from judge.cli.judging import make_plan
from judge.grading import io
from judge.grading.live import build_judges, open_for_rejudge, rejudge
from judge.grading.session import QUEUE_PER_WORKER
from tests.conftest import judge_cli
from tests.grading.fakejudge import FakeJudge
from tests.runner.conftest import make_probes


def test_rejudge_of_a_large_run_keeps_the_queue_bounded(tmp_path: Path,
                                                        fake_judge: FakeJudge,
                                                        monkeypatch) -> None:  # noqa: ANN001
    probes = make_probes(tmp_path / "p.yaml", pages=30, queries=10)  # 300 tasks
    answers = tmp_path / "a.jsonl"
    answers.write_text("".join(json.dumps({"page": f"page-{p}", "query": f"q{q}",
                                           "text": f"answer {p} {q}"}) + "\n"
                               for p in range(30) for q in range(10)))
    judge_cli("run", str(probes), "-m", f"replay:{answers}", "--run-id", "big", "--out",
              str(tmp_path), "--no-traces", check=True)
    streamed = []
    real = io.iter_responses
    monkeypatch.setattr("judge.grading.live.iter_responses",
                        lambda store: (streamed.append(1) or r for r in real(store)))
    plan = make_plan([fake_judge.spec()], ["intention"], 1, False, 2, 256, None,
                     concurrency=2, use_cache=False)
    session = open_for_rejudge("big", tmp_path, plan)
    peak = [0]
    session.on_enqueue = lambda _judge, _n: peak.__setitem__(0, max(peak[0], session.queued()))
    asyncio.run(rejudge(session, build_judges(plan)))
    assert sum(t.judged for t in session.tallies.values()) == 300
    assert 0 < peak[0] <= 2 * QUEUE_PER_WORKER  # two workers' worth, not 300
    assert len(streamed) == 300  # one response at a time


def test_traces_and_analysis_treat_a_repeated_response_id_alike(tmp_path: Path) -> None:
    from judge.analysis.load import load_run
    from judge.store import RESPONSES, TRACES, read_jsonl

    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=1)
    answers = tmp_path / "a.jsonl"
    answers.write_text("".join(json.dumps({"page": f"page-{p}", "query": "q0",
                                           "text": f"answer {p}"}) + "\n" for p in range(3)))
    judge_cli("run", str(probes), "-m", f"replay:{answers}", "--run-id", "dup", "--out",
              str(tmp_path), "--no-traces", check=True)
    path = tmp_path / "dup" / RESPONSES
    rows = list(read_jsonl(path))
    again = {**rows[0], "text": "answer 0, again",
             "reasoning": {"text": "Wait, let me double-check. I made a mistake: it is 5.",
                           "source": "reasoning_content"}}
    with open(path, "a") as fh:  # what a resumed run that re-did the first task leaves
        fh.write(json.dumps(again) + "\n")
    judge_cli("traces", str(tmp_path / "dup"), check=True)
    traced = list(read_jsonl(tmp_path / "dup" / TRACES))
    run = load_run(tmp_path / "dup")
    assert [t["response_id"] for t in traced] == [r["id"] for r in run.responses]
    assert len(run.responses) == 3 and run.responses[0]["text"] == "answer 0, again"
    assert traced[0]["counts"]["correction"] >= 1  # the last copy was traced
    assert all("raw" not in r for r in run.responses)
