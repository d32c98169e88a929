"""Issue 20's examples end to end (real `judge run`s with the replay provider and the fake
judge): a 0/55 compare prints honest intervals that agree between the terminal and the
HTML report, and a one-task compare is "n too small" (so --fail-if-worse exits 0)."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from tests.conftest import judge_cli

DIMS = ("pass", "intention", "coverage", "all core", "faithful", "strategy ok", "length ok")


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(path: Path) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tables


def terminal_rows(out: str) -> dict[str, list[str]]:
    """Rows of the L1 table in `judge compare` output: dimension -> cells."""
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0] in DIMS:
            rows[cells[0]] = cells[1:]
    return rows


def _compare(runs: dict[str, Path], a: str, b: str, *extra: str):  # noqa: ANN202
    return judge_cli("compare", a, b, "--out", str(runs[a].parent), *extra)


def test_nothing_passes_intervals_agree_between_terminal_and_report(
        demo_runs: dict[str, Path], tmp_path: Path) -> None:
    res = _compare(demo_runs, "zero-a", "zero-b")
    assert res.returncode == 0, res.stderr
    term = terminal_rows(res.stdout)
    assert set(term) == set(DIMS)
    assert term["pass"][:3] == ["0% [0–7]", "0% [0–7]", "+0 pp [-7, +7]"]  # Wilson 0/55
    assert "[0–0]" not in res.stdout and "[1.00–1.00]" not in res.stdout
    report = tmp_path / "zero.html"
    judge_cli("report", "zero-a", "zero-b", "--out", str(demo_runs["zero-a"].parent),
              "-o", str(report), check=True)
    tables = html_tables(report)
    l1 = next(t for t in tables if t[0][:4] == ["dimension", "A", "B", "B − A [95% CI]"])
    l1_rows = {r[0]: r[1:] for r in l1[1:]}
    headline = next(t for t in tables if t[0][:2] == ["group", "n"])
    head, (arm_a, arm_b) = headline[0], headline[1:3]
    for dim in DIMS:
        assert l1_rows[dim][:4] == term[dim][:4], dim  # A, B, B − A, p: identical strings
        col = head.index(dim)
        assert arm_a[col].split(" n=")[0] == term[dim][0], dim  # the headline's number too
        assert arm_b[col].split(" n=")[0] == term[dim][1], dim


def test_one_task_compare_is_n_too_small_and_does_not_fail(demo_runs: dict[str, Path]) -> None:
    """Before issue 20: pass 100% [100–100] vs 0% [0–0], '▼ B worse', exit 1."""
    res = _compare(demo_runs, "one-a", "one-b", "--fail-if-worse", "pass")
    assert res.returncode == 0, res.stdout + res.stderr
    term = terminal_rows(res.stdout)
    assert term["pass"][:2] == ["100% [34–100]", "0% [0–66]"]  # Wilson over 2 samples
    assert all(cells[2] == "n too small (1 task)" for cells in term.values())
    assert "▼" not in res.stdout and "B worse" not in res.stdout
    assert "warning: --fail-if-worse pass: n too small" in res.stderr
    data = json.loads(_compare(demo_runs, "one-a", "one-b", "--json").stdout)
    assert all(d["direction"] == "n too small" and not d["significant"] for d in data["dims"])
    assert {d["diff"]["note"] for d in data["dims"]} == {"n too small"}


def test_the_rule_is_above_every_table(demo_runs: dict[str, Path], tmp_path: Path) -> None:
    rule = "success = intention ≥ 4 and all core key points covered"
    res = judge_cli("analyze", "one-a", "--out", str(demo_runs["one-a"].parent), check=True)
    tops = res.stdout.count("┏")
    assert tops >= 5 and res.stdout.count(rule) == tops + 1  # each table, and the banner
    since_last_table: list[str] = []
    for line in res.stdout.splitlines():
        if line.lstrip().startswith("┏"):  # a table starts: the rule came after the last one
            assert rule in " ".join(since_last_table), since_last_table
        if line.lstrip().startswith(("┏", "└")):
            since_last_table = []
        else:
            since_last_table.append(line)
    report = tmp_path / "one.html"
    judge_cli("report", "one-a", "one-b", "--out", str(demo_runs["one-a"].parent),
              "-o", str(report), check=True)
    page = html.unescape(report.read_text(encoding="utf-8"))
    for m in re.finditer(r"<table", page):
        before = page[max(0, m.start() - 400):m.start()]
        inside_case = 'class="case"' in page[max(0, m.start() - 3000):m.start()] and \
            ("rationale" in before or "Key-point coverage" in before)  # one response's
        more = "<summary" in before[-200:]  # the continuation of a long flips table
        assert rule in before or inside_case or more, before[-200:]
