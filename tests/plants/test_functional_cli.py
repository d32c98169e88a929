"""Functional reflection end to end: scripted loopback models answer a slice of
probes/planted.yaml (24 planted tasks and their controls, drafts and fragments, EN and ZH,
deterministic and judged repairs); `judge run` → `judge analyze` / `judge report` /
`judge compare` must recover the scripted rates exactly, with the signs the words say.

Version A catches 12 of 24 planted errors and repairs 9 of those 12 but only 3 of the 12 it
missed; version B catches 18 but repairs exactly the same answers: B reflects more, it
does not fix more, and the comparison has to say so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from judge.plants.index import plant_index
from tests.conftest import judge_cli
from tests.fakeserver import Behavior, FakeConfig, FakeServer
from tests.plants.scripted import (BUNDLED, JUDGE_CARRIES, Fate, expected, judge_rules,
                                   model_rules, planted_slice)

N = 24


def _owners() -> list[str]:
    from judge.probeset import load_probeset

    index = plant_index(load_probeset(BUNDLED))
    return sorted({e.owner for e in index.values() if e.planted
                   and e.pair == e.owner})[:N]  # task-level plants (page-level pair per query)


def _fates(pairs: list[str], caught: int, fired: int) -> dict[str, Fate]:
    """Pair i: caught when i < ``caught``, a self-check elsewhere when i < ``fired``;
    repaired: pairs 0–8, 12–13 and 20 whatever was caught; controls: error-free unless
    i % 3 == 0, a correction (false alarm) when i % 4 == 0."""
    return {p: Fate(caught=i < caught, fired=i < fired, repaired=i < 9 or 12 <= i < 14 or i == 20,
                    alarm=i % 4 == 0, control_free=i % 3 != 0) for i, p in enumerate(pairs)}


@pytest.fixture(scope="module")
def scripted() -> Iterator[tuple[FakeServer, list[str], dict[str, dict[str, Fate]]]]:
    owners = _owners()
    probes = planted_slice(owners)
    pairs = sorted({e.pair for e in plant_index(probes).values()})
    assert len(pairs) == N
    fates = {"vA": _fates(pairs, 12, 16), "vB": _fates(pairs, 18, 20)}
    models = {name: Behavior(reasoning="reasoning_content", reply="UNSCRIPTED PROMPT",
                             rules=model_rules(probes, f)) for name, f in fates.items()}
    models["judge"] = Behavior(rules=judge_rules(), json_reply=JUDGE_CARRIES)
    with FakeServer(FakeConfig(), subprocess=True) as fake:
        fake.configure(FakeConfig(models=models))  # over HTTP: too long for a command line
        yield fake, owners, fates


def _run(fake: FakeServer, owners: list[str], model: str, run_id: str, runs: Path) -> None:
    tasks = [a for o in owners for a in ("-t", o)]
    judge_cli("run", str(BUNDLED), *tasks, "-m", f"compat:{model}@{fake.openai_base}",
              "--judge", f"compat:judge@{fake.openai_base}", "--rubric", "repair",
              "--samples", "1", "--no-cache", "--run-id", run_id, "--out", str(runs),
              check=True, timeout=300)
    texts = [json.loads(x)["text"] for x in (runs / run_id / "responses.jsonl").read_text()
             .splitlines() if x.strip()]
    assert len(texts) == 2 * len(owners) and "UNSCRIPTED PROMPT" not in texts


@pytest.fixture(scope="module")
def runs(scripted, tmp_path_factory) -> Path:  # noqa: ANN001
    fake, owners, _ = scripted
    out = tmp_path_factory.mktemp("runs")
    _run(fake, owners, "vA", "a", out)
    _run(fake, owners, "vB", "b", out)
    return out


def _value(d: dict) -> float | None:
    return d["value"]


def test_analyze_recovers_the_scripted_rates(scripted, runs: Path) -> None:  # noqa: ANN001
    want = expected(scripted[2]["vA"])
    proc = judge_cli("analyze", "a", "--out", str(runs), "--json", check=True)
    f = json.loads(proc.stdout)["arms"][0]["L5_functional"]
    assert (f["pairs"], f["planted"], f["controls"], f["traced"], f["unjudged"]) == \
        (N, N, N, 2 * N, 0)
    assert f["judged_by_rubric"] > 0  # some repairs were decided by the (scripted) judge
    for key in ("detection", "fired", "repair", "control_error_free", "false_alarm",
                "control_mentions"):
        assert _value(f[key]) == pytest.approx(want[key]), key
    contrasts = {c["name"]: c for c in f["contrasts"]}
    caught = contrasts["caught − not caught"]
    assert (caught["b_label"], caught["a_label"]) == ("caught", "not caught")
    assert _value(caught["b"]) == pytest.approx(0.75) and _value(caught["a"]) == pytest.approx(0.25)
    for name in ("caught − not caught", "fired − none fired", "planted − control"):
        assert _value(contrasts[name]["diff"]) == pytest.approx(want[name]), name
    assert want["caught − not caught"] == pytest.approx(0.5)  # caught side repairs more: +
    assert caught["diff"]["lo"] > 0  # 12 vs 12 pairs: an interval, clear of 0
    assert want["planted − control"] < 0 and _value(contrasts["planted − control"]["diff"]) < 0


def test_analyze_prints_the_section_in_words(runs: Path) -> None:
    out = judge_cli("analyze", "a", "--out", str(runs), check=True).stdout
    assert "L5 functional reflection — compat:vA" in out
    flat = " ".join(out.split())
    assert re.search(r"Self-checks caught 50% \[\d+–\d+\] of planted errors \(n=24\)", flat)
    assert re.search(r"Answers were repaired in 75% \[\d+–\d+\] of caught \(n=12\) vs 25% "
                     r"\[\d+–\d+\] of uncaught \(n=12\): caught − uncaught \+50 pp", flat)
    assert re.search(r"False alarms: a correction on 25% \[\d+–\d+\] of controls", flat)
    for heading in ("detection, repair, false alarms", "repair by side",
                    "by plant kind, error type and language"):
        assert heading in out


def test_report_has_the_section(runs: Path, tmp_path: Path) -> None:
    html_path = tmp_path / "r.html"
    judge_cli("report", "a", "b", "--out", str(runs), "-o", str(html_path), check=True)
    html = html_path.read_text()
    assert 'id="l5f"' in html and "Level 5 — functional reflection" in html
    assert re.search(r"Self-checks caught 50% \[\d+–\d+\] of planted errors", html)
    assert re.search(r"Self-checks caught 75% \[\d+–\d+\] of planted errors", html)
    assert "Does B reflect more? yes. Does B fix more? no significant difference." in html
    assert re.search(r"Self-checks caught planted errors: a \(compat:vA@\S+\) 50% \[\d+–\d+\] · "
                     r"b \(compat:vB@\S+\) 75% \[\d+–\d+\]\.", html)  # the summary's findings
    assert re.search(r"Answers free of the planted error, planted vs control: a \(\S+\) 50% "
                     r"\[\d+–\d+\] vs 67% \[\d+–\d+\]", html)


def test_compare_side_by_side_b_reflects_more_but_does_not_fix_more(runs: Path) -> None:
    proc = judge_cli("compare", "a", "b", "--out", str(runs), "--json", check=True)
    rows = {d["measure"]: d for d in json.loads(proc.stdout)["functional_reflection"]}
    det, rep = rows["detection"], rows["repair"]
    assert (_value(det["a"]), _value(det["b"])) == (pytest.approx(0.5), pytest.approx(0.75))
    assert _value(det["diff"]) == pytest.approx(0.25) and det["diff"]["n"] == N
    assert det["direction"] == "B higher"  # B − A: positive means B detects more
    assert _value(rep["diff"]) == pytest.approx(0.0) and rep["direction"] == \
        "no significant difference"
    for name in ("control error-free", "false alarms", "repair gap (planted − control)"):
        assert _value(rows[name]["diff"]) == pytest.approx(0.0), name
    text = " ".join(judge_cli("compare", "a", "b", "--out", str(runs), check=True)
                    .stdout.split())
    assert re.search(r"L5 functional reflection A = a \(compat:vA@\S+\) vs B = b", text)
    assert re.search(r"│ detection │ 50% \[31–69\] │ 75% \[55–89\] │ \+25 pp \[\+\d+, \+\d+\] │ "
                     r"[\d.]+ │ ▲ B higher │ 24 │", text)
    assert "Does B reflect more? yes. Does B fix more? no significant difference." in text


def test_n_too_small_below_the_minimum(scripted, tmp_path: Path) -> None:  # noqa: ANN001
    fake, owners, _ = scripted
    _run(fake, owners[10:16], "vA", "small", tmp_path)  # pairs 10, 11 caught; 12–15 not
    flat = " ".join(judge_cli("analyze", "small", "--out", str(tmp_path), check=True)
                    .stdout.split())
    assert "6 planted pairs" in flat
    assert re.search(r"Answers were repaired in 0% \[0–\d+\] of caught \(n=2\) vs 50% "
                     r"\[\d+–\d+\] of uncaught \(n=4\): caught − uncaught n too small \(2 "
                     r"pairs on the smaller side, fewer than 10\)\.", flat)


def test_nothing_caught_is_said_in_words(scripted, tmp_path: Path) -> None:  # noqa: ANN001
    fake, owners, _ = scripted
    _run(fake, owners[16:20], "vA", "none", tmp_path)  # none caught, none fired
    flat = " ".join(judge_cli("analyze", "none", "--out", str(tmp_path), check=True)
                    .stdout.split())
    assert "No planted error was caught, so repair cannot be compared between caught and " \
        "uncaught errors (uncaught: repaired in 0%" in flat
    assert "this model's reflection cannot be tested here" in flat
    assert re.search(r"fired − none fired │ fired: – n=0 │ none fired: 0% \[0–\d+\] n=4 │ "
                     r"n too small \(no pair on one side\)", flat)


def test_section_shows_labels_as_text_never_markup(runs: Path) -> None:
    """A run label is data: rich markup in it is printed as written, HTML is escaped."""
    from rich.console import Console

    from judge.analysis import analyze, load_run
    from judge.report.html import render
    from judge.report.terminal import analysis_renderables

    loaded = [load_run("a", runs), load_run("b", runs)]
    result = analyze(loaded)
    label = "[red]v1[/red] <script>alert(1)</script>"
    result.arms[0].arm.label = result.comparisons[0].a_label = label
    console = Console(width=200, record=True)
    for part in analysis_renderables(result, 200):
        console.print(part)
    shown = console.export_text()
    assert f"L5 functional reflection — {label} (planted errors)" in shown
    html = render(result, loaded)
    assert "<script>alert(1)</script>" not in html
    assert "[red]v1[/red] &lt;script&gt;alert(1)&lt;/script&gt;" in html
