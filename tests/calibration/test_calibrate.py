"""`judge calibrate` end to end against a scripted judge on the loopback server.

The scripted judge (tests/calibration/scripted.py) is right on a chosen subset of the
planted cases and wrong, unparseable, position-biased, length-biased or self-inconsistent
on the rest. The expected figures are computed here from the script alone, with plain
formulas (not judge's code), and the CLI's record must match them exactly.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from judge.calibration.suite import Case, PairwiseCase, Suite, load_suite, slice_cases
from tests.calibration.scripted import ScriptedJudge, wrong_label
from tests.conftest import judge_cli
from tests.grading.fakejudge import FakeJudge

PRICES = {"models": {"compat:judge": {"input": 1.0, "output": 0.0},
                     "compat:other": {"input": 1.0, "output": 0.0}}}


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_suite()


def make_script(suite: Suite, seed: int, flips: bool) -> dict[str, str]:
    """A behaviour for every case: mostly right, the rest spread over the failure modes."""
    rng = random.Random(seed)
    script = {}
    for case in suite.cases:
        modes = ["right"] * 6 + ["wrong"] * 3 + ["garbage"]
        if flips:
            modes += ["flip"] * 2
        if case.rubric == "pairwise":
            modes += ["first"] * 3 + (["padded"] * 3 if case.spec.pad else [])  # type: ignore[union-attr]
        script[case.id] = rng.choice(modes)
    return script


def judged_value(case: Case, how: str) -> Any:
    """What the script makes the judge say at judge sample 0 (None: no verdict)."""
    if how == "garbage":
        return None
    if how in ("right", "flip"):
        return case.planted
    if case.rubric == "intention":
        return 2 if case.planted >= 4 else 5
    if case.rubric in ("faithfulness", "coverage"):
        return not case.planted
    if case.rubric == "pairwise":
        return "tie" if how == "first" else ("B" if case.planted == "A" else "A")
    return wrong_label(case.rubric, str(case.planted))


def plain_kappa(pairs: list[tuple[Any, Any]], weighted: bool) -> float:
    """Cohen's kappa from the confusion table (quadratic weights on numeric values)."""
    cats = sorted({x for p in pairs for x in p}, key=str)
    n = len(pairs)
    obs = Counter(pairs)
    row = Counter(a for a, _ in pairs)
    col = Counter(b for _, b in pairs)

    def w(a: Any, b: Any) -> float:
        return (float(a) - float(b)) ** 2 if weighted else float(a != b)

    o = sum(w(a, b) * obs[(a, b)] / n for a in cats for b in cats)
    e = sum(w(a, b) * row[a] * col[b] / n / n for a in cats for b in cats)
    return 1 - o / e


def expected(suite: Suite, script: dict[str, str], rubric: str, samples: int) -> dict[str, Any]:
    cases = suite.by_rubric(rubric)
    scored = [(c, judged_value(c, script[c.id])) for c in cases if script[c.id] != "garbage"]
    ok = [c for c, v in scored if (rubric == "intention" and (v >= 4) == (c.planted >= 4))
          or (rubric != "intention" and v == c.planted)]
    planted_vs = [((float(c.planted), float(v)) if rubric == "intention"
                   else (str(c.planted), str(v))) for c, v in scored]
    out: dict[str, Any] = {
        "accuracy": len(ok) / len(scored),
        "kappa": plain_kappa(planted_vs, rubric == "intention"),
        "parse_failure": sum(script[c.id] == "garbage" for c in cases) / len(cases),
        "self_consistency": (None if samples < 2 else
                             sum(script[c.id] != "flip" for c, _ in scored) / len(scored))}
    if rubric == "pairwise":
        out["position_consistency"] = sum(script[c.id] != "first" for c, _ in scored) / len(scored)
        share = {"right": 0.0, "flip": 0.0, "wrong": 1.0, "padded": 1.0, "first": 0.5}
        for padded, key in ((True, "verbosity_bias"), (False, "worse_wins_unpadded")):
            vals = [share[script[c.id]] for c, _ in scored
                    if isinstance(c.spec, PairwiseCase) and c.spec.pad == padded]
            out[key] = sum(vals) / len(vals)
    return out


def run_calibrate(tmp_path: Path, fakes: list[FakeJudge], *args: str) -> dict[str, Any]:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(PRICES), encoding="utf-8")
    judges = [a for f, name in zip(fakes, ("judge", "other")) for a in ("--judge",
                                                                        f.spec(name))]
    proc = judge_cli("calibrate", *judges, "--out", str(tmp_path / "runs"), "--run-id", "cal",
                     "--prices", str(prices), "--json", "--judge-tries", "2", *args,
                     timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads(proc.stdout)
    on_disk = json.loads((tmp_path / "runs" / "cal" / "calibration.json").read_text())
    assert on_disk["figures"] == record["figures"]
    return record


def by(record: dict[str, Any], judge: str, rubric: str) -> dict[str, Any]:
    return next(f for f in record["figures"] if f["judge"] == judge and f["rubric"] == rubric)


def test_the_figures_recover_the_scripted_rates_exactly(tmp_path: Path, suite: Suite) -> None:
    script = make_script(suite, seed=7, flips=True)
    judge = ScriptedJudge(suite, script)
    with FakeJudge(respond=judge) as fake:
        record = run_calibrate(tmp_path, [fake], "--samples", "2")
        spec = fake.spec("judge")
        calls = len(fake.requests)
    assert record["suite"]["cases_judged"] == len(suite.cases) == 286
    total_cost = 0.0
    for rubric in ("intention", "faithfulness", "coverage", "strategy", "reflection",
                   "pairwise"):
        got, want = by(record, spec, rubric), expected(suite, script, rubric, samples=2)
        assert got["cases"] == len(suite.by_rubric(rubric))
        for key, value in want.items():
            if value is None:
                assert got[key] is None, (rubric, key)
                continue
            assert got[key]["value"] == pytest.approx(value, abs=1e-12), (rubric, key)
            assert got[key]["lo"] <= value <= got[key]["hi"], (rubric, key)
        assert got["errors"] == 0
        total_cost += got["cost_usd"]
    # every call (first asks, re-asks, both pairwise orders) cost 100 input tokens at $1/M
    assert total_cost == pytest.approx(calls * 100 / 1e6)
    pair = expected(suite, script, "pairwise", 2)
    assert 0 < pair["position_consistency"] < 1 and pair["verbosity_bias"] > pair[
        "worse_wins_unpadded"]  # the script really exercises both probes


def test_a_panel_folds_its_judges_and_gates_fail(tmp_path: Path, suite: Suite) -> None:
    """Judge 1 is always right; judge 2 is wrong on every other case: where they disagree
    the two-judge panel has no majority (labels) or the mean score (intention)."""
    cases = [c for r in ("intention", "strategy") for c in slice_cases(suite.by_rubric(r), 12)]
    wrong_every_other = {c.id: ("wrong" if i % 2 else "right") for i, c in enumerate(cases)}
    with FakeJudge(respond=ScriptedJudge(suite)) as a, \
            FakeJudge(respond=ScriptedJudge(suite, wrong_every_other)) as b:
        record = run_calibrate(tmp_path, [a, b], "--rubric", "intention", "--rubric",
                               "strategy", "--limit-per-rubric", "12")
        spec_a, spec_b = a.spec("judge"), b.spec("other")
    judged = {c.id for c in cases}
    for rubric in ("intention", "strategy"):
        mine = [c for c in suite.cases if c.id in judged and c.rubric == rubric]
        assert by(record, spec_a, rubric)["accuracy"]["value"] == 1.0
        assert by(record, spec_b, rubric)["accuracy"]["value"] == sum(
            wrong_every_other[c.id] == "right" for c in mine) / len(mine)
        panel = by(record, "panel", rubric)
        # intention: the mean of 5 and 2 (or 2 and 5) is 3.5 → the pass decision follows
        # the planted 2 but not a planted 5; strategy: a 1–1 split has no majority
        want = [wrong_every_other[c.id] == "right" or (rubric == "intention" and c.planted < 4)
                for c in mine]
        assert panel["accuracy"]["value"] == sum(want) / len(mine)
    prices = tmp_path / "prices.json"
    with FakeJudge(respond=ScriptedJudge(suite, wrong_every_other)) as b:
        proc = judge_cli("calibrate", "--judge", b.spec("other"), "--rubric", "strategy",
                         "--limit-per-rubric", "12", "--out", str(tmp_path / "runs2"),
                         "--prices", str(prices), "--fail-below", "strategy.accuracy=0.9",
                         "--fail-below", "kappa.low=-1")
    assert proc.returncode == 1
    assert "below the gate" in proc.stderr and "strategy accuracy: 0.500 < 0.9" in proc.stderr


def test_the_cases_are_judged_page_by_page(tmp_path: Path, suite: Suite) -> None:
    """The suite lists its cases rubric by rubric; judged in that order, every rubric would
    walk the pages again and no judge prompt would continue the page of the one before
    (llama.cpp re-evaluates a prompt from the first token that differs)."""
    rubrics = ("intention", "faithfulness", "coverage")
    with FakeJudge(respond=ScriptedJudge(suite)) as fake:
        args = [a for r in rubrics for a in ("--rubric", r)]
        run_calibrate(tmp_path, [fake], *args, "--limit-per-rubric", "4", "--concurrency", "1")
        prompts = ["\n".join(str(m["content"]) for m in body["messages"])
                   for body in fake.requests]
    pages = [prompt.split("<</PAGE ", 1)[0] for prompt in prompts]  # system prompt + page
    assert len(pages) == 12
    changes = sum(a != b for a, b in zip(pages, pages[1:]))
    assert changes == len(set(pages)) - 1 < 11, changes


def test_a_judge_right_on_every_case_passes_a_lower_bound_gate(tmp_path: Path,
                                                                suite: Suite) -> None:
    """κ is 1 on every bootstrap resample, so the engine gives no interval ("all values
    equal"); the gate compares that value instead of failing the perfect judge."""
    with FakeJudge(respond=ScriptedJudge(suite)) as fake:
        proc = judge_cli("calibrate", "--judge", fake.spec("judge"), "--rubric", "strategy",
                         "--limit-per-rubric", "12", "--out", str(tmp_path / "runs"),
                         "--fail-below", "kappa.low=0.5", "--fail-below", "accuracy.low=0.7")
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "all values equal" in proc.stdout and "below the gate" not in proc.stderr
        proc = judge_cli("calibrate", "--judge", fake.spec("judge"), "--rubric", "strategy",
                         "--limit-per-rubric", "12", "--out", str(tmp_path / "runs"),
                         "--fail-below", "accuracy.low=0.9")  # Wilson [76, 100] at 12/12
    assert proc.returncode == 1 and "strategy accuracy (lower bound)" in proc.stderr
