"""`judge run --judge`, `judge rejudge` and `judge agreement` end to end: real subprocesses,
replay models, and the fake judge server over loopback (through the compat provider)."""

from __future__ import annotations

import json
import random
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from judge.probeset import expand, load_probeset
from tests.conftest import SMALL_PROBES, judge_cli
from tests.grading.fakejudge import FakeJudge


def _answers(path: Path, probes_path: Path, tag: str) -> Path:
    tasks = expand(load_probeset(probes_path))
    path.write_text("".join(json.dumps({
        "task_id": t.id, "text": f"{tag}: the bridge closed after corrosion was found.",
        "reasoning": "Let me check. Wait, I said 12 months; actually it is 14."}) + "\n"
        for t in tasks), encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


class RandomChoice:
    """Seeded random picks among enum values, so judges disagree now and then."""

    def __init__(self, seed: int) -> None:
        self.rng, self.lock = random.Random(seed), threading.Lock()

    def __call__(self, options: list[Any], _path: str) -> Any:
        with self.lock:
            return self.rng.choice(options)


@pytest.fixture(scope="module")
def judged_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, FakeJudge,
                                                                             str]]:
    """A two-model run judged live by one fake judge, 2 judge samples, cross-query on."""
    root = tmp_path_factory.mktemp("judged")
    probes = root / "small.yaml"
    probes.write_text(SMALL_PROBES, encoding="utf-8")
    a = _answers(root / "a.jsonl", probes, "A")
    b = _answers(root / "b.jsonl", probes, "B")
    with FakeJudge(choose=RandomChoice(1)) as fake:
        proc = judge_cli("run", str(probes), "-m", f"replay:{a}", "-m", f"replay:{b}",
                         "--judge", fake.spec(), "--judge-samples", "2", "--cross-query",
                         "--run-id", "r", "--out", str(root / "runs"), timeout=180)
        assert proc.returncode == 0, proc.stderr
        yield root / "runs" / "r", fake, proc.stdout


@pytest.fixture
def judged_run(judged_once: tuple[Path, FakeJudge, str],
               tmp_path: Path) -> tuple[Path, FakeJudge, str]:
    """A private copy of the judged run (tests may add judgments to it)."""
    run, fake, stdout = judged_once
    copy = tmp_path / "runs" / "r"
    shutil.copytree(run, copy)
    return copy, fake, stdout


def test_run_judges_every_applicable_rubric(judged_run: tuple[Path, FakeJudge, str]) -> None:
    run, fake, stdout = judged_run
    rows = _rows(run / "judgments.jsonl")
    responses = _rows(run / "responses.jsonl")
    assert len(responses) == 16  # 4 tasks × 2 samples × 2 models
    per = Counter((r["rubric"], r["against_query_id"] is not None) for r in rows)
    # 12 single + 4 combo responses; strategy skips combos; pairwise: 8 (task, sample) pairs;
    # cross-query: paper-b has two queries → its 8 responses are judged against the other.
    assert per == {("intention", False): 32, ("strategy", False): 24, ("coverage", False): 32,
                   ("faithfulness", False): 32, ("reflection", False): 32,
                   ("pairwise", False): 16, ("intention", True): 16}
    assert {r["status"] for r in rows} == {"ok"} and len({r["id"] for r in rows}) == len(rows)
    assert Counter(r["judge_sample"] for r in rows) == {0: 92, 1: 92}
    assert all(r["judge"] == fake.spec() and len(r["template_hash"]) == 64 for r in rows)
    pair = next(r for r in rows if r["rubric"] == "pairwise")
    assert pair["label"] in ("A", "B", "tie") and pair["other_response_id"]
    assert set(pair["verdict"]) >= {"order_ab", "order_ba", "consistent", "winner"}
    combo_cov = next(r for r in rows if r["rubric"] == "coverage" and
                     any("/" in p["id"] for p in r["verdict"]["points"]))
    assert {p["id"] for p in combo_cov["verdict"]["points"]} == {"news-a/kp1", "news-a/kp2",
                                                                 "paper-b/kp1"}
    manifest = json.loads((run / "manifest.json").read_text())
    (entry,) = manifest["judges"]
    assert entry["judges"] == [fake.spec()] and entry["samples"] == 2 and entry["cross_query"]
    assert set(entry["templates"]) == {f"judges/{r}.j2" for r in
                                       ("intention", "strategy", "coverage", "faithfulness",
                                        "reflection", "repair", "pairwise")}
    assert "unparseable" in stdout and "judgments" in stdout  # the summary table


def test_rejudge_skips_done_and_adds_new_judges(judged_run: tuple[Path, FakeJudge, str],
                                                tmp_path: Path) -> None:
    run, fake, _ = judged_run
    before = len(_rows(run / "judgments.jsonl"))
    proc = judge_cli("rejudge", str(run), "--judge", fake.spec(), "--judge-samples", "2",
                     "--cross-query")
    assert proc.returncode == 0, proc.stderr
    assert len(_rows(run / "judgments.jsonl")) == before  # all done: nothing re-asked
    tallies = json.loads((run / "manifest.json").read_text())["judging_tallies"]
    assert sum(t["skipped"] for t in tallies.values()) == 184
    assert sum(t["judged"] for t in tallies.values()) == 0 and "skipped" in proc.stdout
    with FakeJudge(choose=RandomChoice(2)) as second:
        proc = judge_cli("rejudge", str(run), "--judge", second.spec("other"),
                         "--rubric", "intention", "--rubric", "strategy")
        assert proc.returncode == 0, proc.stderr
    rows = _rows(run / "judgments.jsonl")
    new = [r for r in rows if r["judge"] == second.spec("other")]
    assert Counter(r["rubric"] for r in new) == {"intention": 16, "strategy": 12}
    assert len(json.loads((run / "manifest.json").read_text())["judges"]) == 3


def test_agreement_reports_alpha_kappa_with_ci(judged_run: tuple[Path, FakeJudge, str],
                                               tmp_path: Path) -> None:
    run, _, _ = judged_run
    responses = _rows(run / "responses.jsonl")
    first = responses[0]
    labels = tmp_path / "labels.csv"
    good = [f"{r['task_id']},intention,{1 + i % 5},{r['id']},,," for i, r in
            enumerate(responses)]
    labels.write_text("task_id,rubric,value,response_id,model,sample,note\n" + "\n".join(good)
                      + f"\n{first['task_id']},intention,9,{first['id']},,,\n"
                      "nope,intention,3,,,,\n"
                      f"{first['task_id']},mood,3,,,,\n"
                      f"{first['task_id']},intention,3,,,,\n", encoding="utf-8")
    proc = judge_cli("agreement", str(run), "--human", str(labels), "--json",
                     "--bootstrap", "200")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["human_labels"] == 16
    problems = out["label_problems"]
    assert [p.split(": ")[0] for p in problems] == [f"{labels}:{n}" for n in (18, 19, 20, 21)]
    assert "must be a whole number from 1 to 5" in problems[0]
    assert "not in this run" in problems[1] and "is not one of" in problems[2]
    assert "has 4 responses" in problems[3]
    kinds = Counter(r["comparison"] for r in out["agreement"])
    assert kinds["self-consistency"] == 6 and kinds["judge-vs-human"] == 1
    intention = next(r for r in out["agreement"] if r["comparison"] == "self-consistency"
                     and r["rubric"] == "intention")
    assert intention["level"] == "ordinal" and intention["n"] == 24  # 16 own + 8 cross
    assert intention["kappa"]["name"] == "Cohen κ (quadratic)"
    for stat in ("alpha", "kappa", "percent_agreement"):
        lo, hi = intention[stat]["ci"]
        assert lo <= intention[stat]["value"] <= hi
    table = judge_cli("agreement", str(run), "--bootstrap", "50")
    assert table.returncode == 0 and "self-consistency" in table.stdout and "α" in table.stdout


def test_the_agreement_table_keeps_its_names_in_a_narrow_terminal(
        judged_run: tuple[Path, FakeJudge, str], tmp_path: Path) -> None:
    """Three labels: every figure says "(no interval: fewer than 10 units)". At 100
    columns the table used to shrink rubric and level to "r…" and "…"; the figures wrap."""
    run, _, _ = judged_run
    labels = tmp_path / "few.csv"
    rows = [f"{r['task_id']},intention,{2 + i},{r['id']},,," for i, r in
            enumerate(_rows(run / "responses.jsonl")[:3])]
    labels.write_text("task_id,rubric,value,response_id,model,sample,note\n" + "\n".join(rows)
                      + "\n", encoding="utf-8")
    proc = judge_cli("agreement", str(run), "--human", str(labels), env={"COLUMNS": "100"})
    assert proc.returncode == 0, proc.stderr
    table = proc.stdout[proc.stdout.index("judge-vs-human"):]
    assert "│ intention │ ordinal │ 3 │" in table, table
    assert "fewer" in table and "r…" not in table
    assert max(len(line) for line in table.splitlines()) <= 100


def test_judge_errors_are_not_fatal_and_resume_retries_them(small_probes: Path,
                                                            tmp_path: Path) -> None:
    a = _answers(tmp_path / "a.jsonl", small_probes, "A")
    with FakeJudge(script=["!400"] * 8) as fake:
        proc = judge_cli("run", str(small_probes), "-m", f"replay:{a}", "--judge", fake.spec(),
                         "--rubric", "intention", "--run-id", "e", "--out", str(tmp_path / "runs"))
        assert proc.returncode == 0, proc.stderr  # judging errors do not fail the run
        run = tmp_path / "runs" / "e"
        rows = _rows(run / "judgments.jsonl")
        assert len(rows) == 8 and {r["status"] for r in rows} == {"error"}
        assert all("400" in r["reason"] for r in rows)
        proc = judge_cli("run", "--resume", "e", "--out", str(tmp_path / "runs"))
        assert proc.returncode == 0, proc.stderr
    rows = _rows(run / "judgments.jsonl")
    assert len(rows) == 16 and [r["status"] for r in rows[8:]] == ["ok"] * 8
    assert {r["id"] for r in rows[:8]} == {r["id"] for r in rows[8:]}  # same ids, superseded


def test_bad_judge_spec_fails_before_the_run(small_probes: Path, tmp_path: Path) -> None:
    proc = judge_cli("run", str(small_probes), "-m", "replay:x.jsonl", "--judge", "nope:x",
                     "--out", str(tmp_path / "runs"))
    assert proc.returncode == 2 and "unknown provider 'nope'" in proc.stderr
    proc = judge_cli("run", str(small_probes), "-m", "replay:x.jsonl", "--judge", "local",
                     "--rubric", "tone", "--out", str(tmp_path / "runs"))
    assert proc.returncode == 2 and "unknown rubric 'tone'" in proc.stderr
    assert not (tmp_path / "runs").exists()
