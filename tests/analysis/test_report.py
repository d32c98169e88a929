"""The HTML report: self-contained, escaped, every plot present, small, and it renders."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape

from judge.analysis import analyze, load_run
from judge.probeset import Task
from judge.report.html import write_report
from tests.analysis.synth import CORRECTION, EXPECTED, Outcome, covered, make_probes, write_run

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _report(paths: list[Path], out: Path) -> str:
    runs = [load_run(p) for p in paths]
    write_report(analyze(runs), runs, out)
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Answers carry HTML/JS; every response fails so all of them are bad cases."""
    probes = make_probes(2, ("overview",))

    def fn(task: Task, k: int, rng: np.random.Generator) -> Outcome:
        return Outcome(text=f"Summary {PAYLOAD} {{{{ 7*7 }}}}", intention=[1.0, 4.0],
                       statuses=covered(0.0, rng), self_check=True, correction=True)

    return write_run(tmp_path_factory.mktemp("hostile"), "hostile", probes, {"m": fn}, samples=2)


def test_model_text_is_escaped_and_nothing_is_fetched(hostile_run: Path, tmp_path: Path) -> None:
    html = _report([hostile_run], tmp_path / "r.html")
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html  # shown verbatim, never evaluated
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I)
    assert "<link" not in html and "@import" not in html
    assert not re.search(r"url\((?!#)", html)  # only in-document references (SVG clip paths)
    assert 'Content-Security-Policy" content="default-src \'none\'' in html
    assert f'<mark class="correction" title="correction">{escape(CORRECTION)}</mark>' in html
    assert '<mark class="self_check"' in html
    assert "Review queue" in html and "1 · 4" in html  # judge repeats disagreed


@pytest.fixture(scope="module")
def mirage_report(mirage_runs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the four mirage runs: every section has data."""
    page = tmp_path_factory.mktemp("report") / "report.html"
    _report(mirage_runs, page)
    return page


def test_every_plot_is_present(mirage_report: Path) -> None:
    html = mirage_report.read_text(encoding="utf-8")
    assert html.count("<svg") == 7
    for text in ("Intention score (share of responses)", "B − A (95% CI)",
                 "Combos: predicted vs observed", "share of responses", "judged against query",
                 "Reflection rates", "predicted p^k"):
        assert text in html, text
    for section in ("Summary", "Level 1", "Level 2", "Level 3", "Level 4", "Level 5",
                    "Mirage check", "Bad cases", "Review queue"):
        assert f">{section}" in html


def _big_model(task: Task, k: int, rng: np.random.Generator) -> Outcome:
    score = float(rng.integers(2, 6))
    others = [q for q in ("overview", "tldr", "facts", "quotes", "numbers") if q != task.query_id]
    reflect = rng.random() < 0.3
    return Outcome(text=" ".join(f"w{rng.integers(400)}" for _ in range(60)),
                   intention=[score, float(np.clip(score + rng.integers(-1, 2), 1, 5))],
                   statuses=covered(0.8, rng), label=EXPECTED[task.page_type or "other"],
                   faithfulness=1.0, cross={q: max(1.0, score - 1) for q in others[:2]},
                   self_check=reflect, correction=reflect, follow=True)


def test_report_of_1000_tasks_stays_small(tmp_path: Path) -> None:
    probes = make_probes(200, ("overview", "tldr", "facts", "quotes", "numbers"))
    path = write_run(tmp_path, "big", probes, {"m": _big_model}, samples=1)
    html = _report([path], tmp_path / "big.html")
    assert len(html.encode()) < 5 * 1024 * 1024
    assert "1000" in html and html.count("<svg") == 4


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed "
                    "(apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(mirage_report: Path, tmp_path: Path) -> None:
    from PIL import Image

    page = mirage_report
    shot = tmp_path / "report.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
             f"--screenshot={shot}", "--window-size=1400,4000"]
    subprocess.run([_chromium(), *flags, page.as_uri()], capture_output=True, timeout=90,
                   check=False)
    assert shot.exists(), "chromium wrote no screenshot"
    image = np.asarray(Image.open(shot).convert("RGB"))
    assert image.shape[:2] == (4000, 1400)
    colours = np.unique(image.reshape(-1, 3)[::37], axis=0)
    assert len(colours) > 50  # text, tables and plots, not a blank page
    header = image[:60].reshape(-1, 3).mean(axis=0)
    assert header.max() < 100  # the dark title bar was painted


def test_real_trace_parser_records_are_read(tmp_path: Path) -> None:
    """traces.jsonl written by judge.traces (not the synthetic writer) feeds L5 and the
    highlighted spans of the bad cases."""
    from judge.traces.runs import write_run_traces

    probes = make_probes(3, ("overview",))

    def fn(task: Task, k: int, rng: np.random.Generator) -> Outcome:
        reflect = k == 0
        return Outcome(text="It closes for 14 months.", intention=2.0, statuses=covered(1.0, rng),
                       self_check=reflect, correction=reflect, traced=False)

    path = write_run(tmp_path, "parsed", probes, {"m": fn}, samples=2)
    write_run_traces(path)
    result = analyze([load_run(path)])
    r = result.arms[0].reflection
    assert (r.traced, r.self_check.k, r.correction.k, r.episode.k) == (6, 3, 3, 3)
    assert r.instability.value == 1.0 and r.follow_through.k == 3  # "14 months" is in the answer
    assert r.per_1k["self_check"].value > 0 and r.per_1k["self_check"].n == 6  # type: ignore[operator]
    html = _report([path], tmp_path / "r.html")
    assert re.search(r'<mark class="self_check" title="self_check[^"]*">Wait, let me re-check</mark>',
                     html)
