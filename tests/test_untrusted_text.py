"""Untrusted text (trace quotes, answers, rationales, ids, titles, file names) reaches the
terminal as literal text: never parsed as rich markup (no MarkupError, nothing dropped)."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from judge.records import JudgmentRecord
from tests.analysis.scenarios import QUERIES, _label, covered
from tests.analysis.synth import Outcome, make_probes, write_run
from tests.conftest import judge_cli

TRACE = ("The total is 5. Wait, let me double-check that. Actually, it should be [/b] here. "
         "I made a mistake: it should be [x], not [y].")


def _render(renderable: object) -> str:
    console = Console(record=True, width=200, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_traces_text_file_with_markup(tmp_path: Path) -> None:
    path = tmp_path / "[bold]trace[red].txt"
    path.write_text(TRACE)
    proc = judge_cli("traces", str(path), check=True)
    assert "MarkupError" not in proc.stderr
    assert "it should be [x], not [y]" in proc.stdout  # the quote, whole
    assert "[/b] here" in proc.stdout and "[bold]trace[red].txt" in proc.stdout


def test_traces_jsonl_and_run_dir_with_markup(tmp_path: Path, small_probes: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"id": "[red]item[/]", "text": TRACE}) + "\n" + "{bad\n")
    proc = judge_cli("traces", str(items))
    assert proc.returncode == 2 and "MarkupError" not in proc.stderr
    assert "[red]item[/]" in proc.stdout and "not valid JSON" in proc.stderr
    answers = tmp_path / "[red]answers.jsonl"
    answers.write_text("".join(json.dumps({"page": p, "query": "overview", "text": TRACE}) + "\n"
                               for p in ("news-a", "paper-b")))
    proc = judge_cli("run", str(small_probes), "-m", f"replay:{answers}", "--limit", "2",
                     "--samples", "1", "--run-id", "markup", "--out", str(tmp_path))
    assert "MarkupError" not in proc.stderr and "Traceback" not in proc.stderr
    assert f"replay:{answers}" in proc.stdout.replace("\n", "")
    proc = judge_cli("traces", str(tmp_path / "markup"), env={"COLUMNS": "400"}, check=True)
    assert "[red]answers.jsonl" in proc.stdout


def test_error_messages_keep_file_names(tmp_path: Path) -> None:
    bad = tmp_path / "[red]bad.yaml"
    bad.write_text("name: x\nversion: 1\npages: [}\n")
    proc = judge_cli("probes", "validate", str(bad))
    assert proc.returncode == 2 and "MarkupError" not in proc.stderr
    assert "[red]bad.yaml" in proc.stdout.replace("\n", "")
    proc = judge_cli("run", str(tmp_path / "[bold]missing.yaml"), "-m", "local")
    assert proc.returncode == 2 and "[bold]missing.yaml" in proc.stderr.replace("\n", "")


def test_probes_show_titles_and_queries(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: m\nversion: 1\npages:\n  - id: a\n    type: news\n"
                    "    title: \"Prices [/b] rise\"\n    text: \"Body.\"\n"
                    "queries:\n  - {id: q, intent: overview, text: \"What about [x], not [y]?\"}\n")
    proc = judge_cli("probes", "show", str(path), check=True)
    assert "Prices [/b] rise" in proc.stdout and "What about [x], not [y]?" in proc.stdout


def test_analyze_and_compare_with_markup_in_labels(tmp_path: Path) -> None:
    probes = make_probes(6, QUERIES)

    def model(task, k, rng):  # noqa: ANN001, ANN202
        return Outcome(text="[/b] answer", intention=4.0, statuses=covered(0.9, rng),
                       label=_label(task, rng), faithfulness=1.0)

    a = write_run(tmp_path, "run-[red]a", probes, {"model[/i]v1": model}, samples=2)
    b = write_run(tmp_path, "run-[red]b", probes, {"model[/i]v2": model}, samples=2, seed=1)
    proc = judge_cli("analyze", str(a), check=True)
    assert "model[/i]v1" in proc.stdout and "MarkupError" not in proc.stderr
    proc = judge_cli("compare", str(a), str(b), check=True)
    assert "run-[red]a" in proc.stdout and "model[/i]v2" in proc.stdout


def test_spot_verdict_table_shows_rationale_verbatim() -> None:
    from judge.spot.tables import verdict_table

    rec = JudgmentRecord(id="j", run_id="r", response_id="x", task_id="t", model="m",
                         sample=0, judge="compat:j[/b]@http://h/v1", rubric="intention",
                         judge_sample=0, template_hash="h", status="ok", score=4.0,
                         label="[bold]fine", rationale="Covers it; says [x], not [y] [/b].")
    out = _render(verdict_table([rec], rec.judge))
    assert "says [x], not [y] [/b]." in out and "[bold]fine" in out
