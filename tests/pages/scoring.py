"""Scoring an HTML extraction against tests/data/html/expected.yaml (tests and the bench)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "probes" / "pages" / "html"
EXPECTED = ROOT / "tests" / "data" / "html" / "expected.yaml"
_WS = re.compile(r"\s+")


def expectations() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))


def _norm(text: str) -> str:
    return _WS.sub(" ", text.replace("**", "").replace("*", "")).strip()


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


@dataclass
class Score:
    """Hits / totals per criterion, with what was missed."""

    hits: dict[str, int]
    totals: dict[str, int]
    misses: dict[str, list[str]]

    def rate(self, key: str) -> float:
        return self.hits[key] / self.totals[key] if self.totals[key] else 1.0


def score(markdown: str, expected: dict[str, Any]) -> Score:
    """keep (present), drop (absent), headings (# lines), list items (- / * lines), table
    rows (| a | b | lines with those cells in order)."""
    text = _norm(markdown)
    lines = markdown.splitlines()
    headings = {_norm(l.lstrip("#")) for l in lines if l.lstrip().startswith("#")}
    items = {_norm(l.strip()[2:]) for l in lines if l.strip()[:2] in ("- ", "* ", "+ ")}
    rows = [_cells(l) for l in lines if l.strip().startswith("|")]
    checks = {
        "keep": [(k, _norm(k) in text) for k in expected.get("keep", [])],
        "drop": [(d, _norm(d) not in text) for d in expected.get("drop", [])],
        "headings": [(h, _norm(h) in headings) for h in expected.get("headings", [])],
        "list_items": [(i, _norm(i) in items) for i in expected.get("list_items", [])],
        "table_rows": [(" | ".join(r), [c for c in r] in
                        [[_norm(c) for c in row if c] for row in rows])
                       for r in expected.get("table_rows", [])],
    }
    return Score(hits={k: sum(ok for _, ok in v) for k, v in checks.items()},
                 totals={k: len(v) for k, v in checks.items()},
                 misses={k: [x for x, ok in v if not ok] for k, v in checks.items()})
