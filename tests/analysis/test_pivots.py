"""Pivots downstream: reported beside self-check / correction, never counted as reflection;
runs whose traces.jsonl predates pivots (schema 1) still load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape
from typer.testing import CliRunner

from judge.analysis import analyze, load_run
from judge.cli.app import app
from judge.probeset import Task
from judge.report.html import write_report
from tests.analysis.synth import PIVOT, PIVOT_WHY, Outcome, covered, make_probes, write_run


def _model(pivot: bool | None, reflect: bool):  # noqa: ANN202
    def fn(task: Task, k: int, rng: np.random.Generator) -> Outcome:
        return Outcome(intention=[2.0], statuses=covered(0.0, rng), pivot=pivot,
                       self_check=reflect and k == 0, correction=False)
    return fn


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """'pivots': every response pivots, none reflects; 'plain': schema 2, no pivot and a
    self-check in sample 0; 'old': the same as plain, written as schema-1 traces."""
    root = tmp_path_factory.mktemp("pivots")
    probes = make_probes(12, ("overview",))
    return {name: write_run(root, name, probes, {f"m-{name}": _model(p, r)}, samples=2)
            for name, p, r in (("pivots", True, False), ("plain", False, True),
                               ("old", None, True))}


def test_pivots_are_reported_and_not_reflection(runs: dict[str, Path]) -> None:
    r = analyze([load_run(runs["pivots"])]).arms[0].reflection
    assert r.traced == 24 and r.pivot_known == 24
    assert r.pivot.value == 1.0 and r.pivot.lo is not None and r.pivot.lo < 1.0  # Wilson
    assert r.self_check.value == 0.0 and r.correction.value == 0.0
    assert r.episode.value == 0.0 and r.instability.value == 0.0
    assert r.per_1k["pivot"].value > 0 and r.per_1k["self_check"].value == 0.0


def test_old_schema_run_loads_with_pivots_unknown(runs: dict[str, Path]) -> None:
    old, plain = (analyze([load_run(runs[k])]).arms[0].reflection for k in ("old", "plain"))
    assert old.traced == plain.traced == 24
    assert old.self_check.value == plain.self_check.value == 0.5
    assert old.pivot_known == 0 and old.pivot.value is None and "pivot" not in old.per_1k
    assert plain.pivot.value == 0.0 and plain.pivot_known == 24


def test_analyze_and_compare_show_pivots(runs: dict[str, Path]) -> None:
    env = {"COLUMNS": "220"}
    one = CliRunner().invoke(app, ["analyze", str(runs["pivots"])], env=env)
    assert one.exit_code == 0, one.output
    assert "pivot (not reflection)" in one.output and "pivots per 1k tokens" in one.output
    old = CliRunner().invoke(app, ["analyze", str(runs["old"])], env=env)
    assert old.exit_code == 0, old.output
    assert "predate pivot detection" in old.output
    both = CliRunner().invoke(app, ["compare", str(runs["plain"]), str(runs["pivots"])], env=env)
    assert both.exit_code == 0, both.output
    side = both.output[both.output.index("L5 reflection side by side"):]
    pivot_row = next(line for line in side.splitlines() if line.strip("│ ").startswith("pivot "))
    assert "0%" in pivot_row and "100%" in pivot_row  # A and B in one row


def test_report_marks_pivots_with_escaped_why(runs: dict[str, Path], tmp_path: Path) -> None:
    loaded = [load_run(runs[k]) for k in ("plain", "pivots", "old")]
    out = tmp_path / "r.html"
    write_report(analyze(loaded), loaded, out)
    html = out.read_text(encoding="utf-8")
    assert f'<mark class="pivot" title="pivot: {escape(PIVOT_WHY)}">{escape(PIVOT)}</mark>' in html
    assert f'<small class="why">[pivot: {escape(PIVOT_WHY)}]</small>' in html
    assert "<svg onload" not in html and "<easier>" not in html
    assert "pivots / 1k tokens" in html and "pivot (not reflection)" in html
