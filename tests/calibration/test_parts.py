"""Calibration pieces on their own: gates, slices, records and their keys, CLI refusals."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from judge.calibration.gates import Gate, check_possible, parse_gate
from judge.calibration.record import judge_key, load_for, records_dir, save
from judge.calibration.suite import load_suite, slice_cases
from judge.errors import ConfigError
from tests.conftest import judge_cli


def test_gates_parse_and_refuse_what_cannot_be_measured() -> None:
    assert parse_gate("kappa=0.6") == Gate(None, "kappa", False, 0.6)
    assert parse_gate("pairwise.position_consistency.low=0.8") == Gate(
        "pairwise", "position_consistency", True, 0.8)
    for bad in ("kappa", "kappa=high", "intention.precision=0.5", "nope.kappa=1",
                "a.b.kappa=1"):
        with pytest.raises(ConfigError, match="--fail-below"):
            parse_gate(bad)
    with pytest.raises(ConfigError, match="--samples 2"):
        check_possible([parse_gate("self_consistency=0.9")], ["intention"], samples=1)
    with pytest.raises(ConfigError, match="pairwise figure"):
        check_possible([parse_gate("position_consistency=0.9")], ["intention"], samples=1)
    with pytest.raises(ConfigError, match="not calibrated here"):
        check_possible([parse_gate("coverage.kappa=0.5")], ["intention"], samples=1)


def test_a_slice_keeps_the_planted_kinds_balanced() -> None:
    suite = load_suite()
    for rubric in ("intention", "pairwise", "faithfulness"):
        cases = suite.by_rubric(rubric)
        part = slice_cases(cases, 12)
        kinds = Counter(c.stratum for c in part)
        assert len(part) == 12 and max(kinds.values()) - min(kinds.values()) <= 1, kinds
        assert part == sorted(part, key=cases.index)  # file order kept
    assert slice_cases(cases, None) == cases


@pytest.mark.parametrize("limit", [4, 6, 12])
def test_a_slice_spreads_over_the_pages(limit: int) -> None:
    """The suite lists each kind page by page: a slice of the first cases of each kind
    would be one page's (all of --limit-per-rubric 4 on the bridge story)."""
    suite = load_suite()
    for rubric in ("intention", "faithfulness", "coverage", "strategy", "reflection",
                   "pairwise"):
        cases = suite.by_rubric(rubric)
        pages = {c.spec.page for c in slice_cases(cases, limit)}
        assert len(pages) == min(limit, len({c.spec.page for c in cases})), (rubric, pages)


def test_judge_keys_ignore_options_that_do_not_change_verdicts() -> None:
    assert judge_key("openai:gpt-5-mini?concurrency=8&rpm=500") == judge_key("openai:gpt-5-mini")
    assert judge_key("local?temperature=0.2") != judge_key("local")
    assert judge_key("compat:m@http://a/v1") != judge_key("compat:m@http://b/v1")


def _record(rubric: str, kappa: float, run: str) -> dict:
    fig = {"judge": "local", "rubric": rubric, "cases": 10,
           "kappa": {"value": kappa, "lo": kappa - 0.1, "hi": kappa + 0.1, "n": 10,
                     "method": "bca"}}
    return {"kind": "judge-calibration", "run_id": run, "templates": {rubric: "h"},
            "suite": {"name": "s"}, "samples": 1,
            "figures": [fig, {**fig, "judge": "panel"}]}


def test_records_merge_per_rubric_and_are_found_by_judge(tmp_path: Path) -> None:
    save(_record("intention", 0.5, "r1"), tmp_path)
    save(_record("coverage", 0.7, "r2"), tmp_path)
    save(_record("intention", 0.6, "r3"), tmp_path)  # replaces intention only
    found = load_for(["local?concurrency=2", "openai:gpt-5-mini"])
    assert set(found) == {"local?concurrency=2"}
    entry = found["local?concurrency=2"]
    assert entry["intention"]["run_id"] == "r3" and entry["intention"]["kappa"]["value"] == 0.6
    assert entry["coverage"]["run_id"] == "r2"
    assert json.loads((tmp_path / "calibration.json").read_text())["run_id"] == "r3"
    assert [p.name for p in records_dir().iterdir()] == [f"{judge_key('local')}.json"]


def test_cli_refuses_bad_options_before_any_call(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    proc = judge_cli("calibrate", "--out", str(runs))
    assert proc.returncode == 2 and "--judge" in proc.stderr
    proc = judge_cli("calibrate", "--judge", "compat:m@http://127.0.0.1:9/v1", "--out",
                     str(runs), "--fail-below", "kappa=high")
    assert proc.returncode == 2 and "not a number" in proc.stderr
    proc = judge_cli("calibrate", "--judge", "compat:m@http://127.0.0.1:9/v1", "--out",
                     str(runs), "--rubric", "intention", "--fail-below", "self_consistency=0.9")
    assert proc.returncode == 2 and "--samples 2" in proc.stderr
    assert not runs.exists()  # nothing was started


def test_cli_refuses_a_probe_set_whose_pages_changed(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    src = ROOT / "probes"
    probes = tmp_path / "probes"
    shutil.copytree(src / "pages", probes / "pages")
    page = probes / "pages" / "recipe-red-lentil-soup.md"
    page.write_text(page.read_text(encoding="utf-8").replace("20 minutes", "25 minutes"),
                    encoding="utf-8")
    (probes / "web-summaries.yaml").write_text((src / "web-summaries.yaml").read_text(
        encoding="utf-8"), encoding="utf-8")
    proc = judge_cli("calibrate", "--judge", "compat:m@http://127.0.0.1:9/v1", "--probes",
                     str(probes / "web-summaries.yaml"), "--out", str(tmp_path / "runs"))
    assert proc.returncode == 2
    assert "recipe-red-lentil-soup" in proc.stderr and "changed since" in proc.stderr


def test_a_rubric_without_planted_cases_is_refused(tmp_path: Path) -> None:
    """`repair` is a rubric but the suite plants no verdicts for it: before, the command
    made an empty run, printed an empty table and exited 0."""
    proc = judge_cli("calibrate", "--judge", "compat:j@http://127.0.0.1:9/v1", "--rubric",
                     "intention", "--rubric", "repair", "--out", str(tmp_path / "runs"))
    assert proc.returncode == 2, proc.stderr
    assert "no cases for rubric 'repair'" in proc.stderr and "it calibrates intention" in proc.stderr
    assert not (tmp_path / "runs").exists()
