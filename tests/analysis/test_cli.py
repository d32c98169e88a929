"""`judge analyze`, `judge compare`, `judge report` on scenario runs and a real replay run."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import judge.cli  # noqa: F401 - registers the commands
from judge.cli.app import app
from judge.errors import ConfigError
from tests.conftest import judge_cli


def invoke(*args: str):  # noqa: ANN201 - click Result
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_compare_json_and_tables(step_runs: tuple[Path, Path]) -> None:
    a, b = map(str, step_runs)
    res = invoke("compare", a, b, "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    dims = {d["dim"]: d for d in data["dims"]}
    assert dims["faithfulness"]["direction"] == "B worse" and dims["faithfulness"]["significant"]
    assert data["common_tasks"] == 120 and "mcnemar" in data and "pass_to_fail" in data
    table = invoke("compare", a, b)
    assert table.exit_code == 0
    assert "▼ B worse" in table.output and "McNemar" in table.output
    assert "shared tasks" in table.output


def test_fail_if_worse_is_a_gate_only_when_asked(step_runs: tuple[Path, Path]) -> None:
    a, b = map(str, step_runs)
    worse = judge_cli("compare", a, b, "--fail-if-worse", "faithfulness")
    assert worse.returncode == 1, worse.stderr
    assert "significantly worse on: faithfulness" in worse.stderr
    assert invoke("compare", a, b, "--fail-if-worse", "intention").exit_code == 0
    assert invoke("compare", b, a, "--fail-if-worse", "faithfulness").exit_code == 0
    bogus = invoke("compare", a, b, "--fail-if-worse", "charm")
    assert isinstance(bogus.exception, ConfigError) and "unknown dimension" in str(bogus.exception)


def test_compare_two_models_in_one_run(intention_run: Path) -> None:
    res = invoke("compare", str(intention_run), "--a", "focused", "--b", "generic")
    assert res.exit_code == 0, res.output
    assert "intention" in res.output and "▼ B worse" in res.output
    assert "pairwise judge (position-swapped): B wins 17%" in res.output
    missing = invoke("compare", str(intention_run))
    assert isinstance(missing.exception, ConfigError)
    unknown = invoke("compare", str(intention_run), "--a", "focused", "--b", "nope")
    assert "not in run" in str(unknown.exception)


def test_analyze_tables_and_json(combo_run: Path) -> None:
    res = invoke("analyze", str(combo_run))
    assert res.exit_code == 0, res.output
    for text in ("Summary", "L2 combinatorial", "worse than predicted",
                 "start composite evaluation now", "not yet", "L5 reflection", "L1"):
        assert text in res.output, text
    data = json.loads(invoke("analyze", str(combo_run), "--json").output)
    assert [a["model"] for a in data["arms"]] == ["strong", "weak"]
    assert data["arms"][0]["L2_combos"]["ready"] is True
    assert data["L1_comparisons"][0]["a"] == "strong"


def test_report_orders_runs(step_runs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    shuffled = [str(p) for p in reversed(step_runs)]
    res = invoke("report", *shuffled, "--order", "model", "-o", str(out), "--title", "T<1>")
    assert res.exit_code == 0, res.output
    html = out.read_text()
    assert "A = step-a (model-v1) · B = step-b (model-v2)" in html
    assert "<title>T&lt;1&gt;</title>" in html
    bad = invoke("report", *shuffled, "--order", "settings.nope", "-o", str(out))
    assert isinstance(bad.exception, ConfigError) and "settings.nope" in str(bad.exception)


def test_real_run_without_judgments(small_probes: Path, tmp_path: Path) -> None:
    """A real `judge run` (replay provider): nothing judged or traced yet."""
    tasks = tmp_path / "answers.jsonl"
    from judge.probeset import expand, load_probeset

    tasks.write_text("".join(json.dumps({"task_id": t.id, "text": f"Answer to {t.label}."}) + "\n"
                             for t in expand(load_probeset(small_probes))), encoding="utf-8")
    runs = tmp_path / "runs"
    judge_cli("run", str(small_probes), "-m", f"replay:{tasks}", "--run-id", "plain",
              "--out", str(runs), "--no-traces", check=True)
    res = judge_cli("analyze", "plain", "--out", str(runs), check=True)
    assert "no traces.jsonl records" in res.stdout and "length ok" in res.stdout
    out = tmp_path / "plain.html"
    judge_cli("report", "plain", "--out", str(runs), "-o", str(out), check=True)
    html = out.read_text()
    assert "No judgments in these runs" in html and "No trace records" in html
    assert "Only one arm" in html and "Needs three or more runs" in html
