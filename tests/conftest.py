"""Shared fixtures: isolated cache dir, a small probe set on disk, a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's cache (the embedded model location is kept)."""
    from judge import embedded

    monkeypatch.setenv("JUDGE_MODEL_DIR", str(embedded.model_path().parent))
    monkeypatch.setenv("JUDGE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


SMALL_PROBES = """\
name: small
version: 1
samples: 2
pages:
  - id: news-a
    type: news
    title: "Harbour bridge closes"
    text: |
      The Harbour Bridge closed on Monday after inspectors found corrosion.
      Repairs will take 14 months and cost $38 million.
    key_points:
      - {id: kp1, role: core, text: "bridge closed after corrosion found"}
      - {id: kp2, role: supporting, text: "14 months, $38 million"}
  - id: paper-b
    type: paper
    title: "Screens and sleep"
    text: |
      Abstract. We studied 1,000 students. Method: randomized trial in 14 schools.
      Results: +21 minutes of sleep. Template-looking text: {{ 7*7 }} and {% if x %}y{% endif %}.
    key_points:
      - {id: kp1, role: core, text: "+21 minutes of sleep"}
queries:
  - {id: overview, intent: overview, text: "Help me see what this page is about"}
  - {id: method, intent: methodology, text: "Summarize the methodology", applies_to: [paper]}
combos:
  - id: both
    pages: [news-a, paper-b]
    query: "What do these pages have in common?"
    steps: [{page: news-a, query: overview}, {page: paper-b, query: method}]
"""


@pytest.fixture
def small_probes(tmp_path: Path) -> Path:
    """A 2-page probe set: 3 single tasks + 1 combo = 4 tasks, 2 samples."""
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_PROBES, encoding="utf-8")
    return path


def judge_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
              timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run `python -m judge ARGS` as a real subprocess."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "judge", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"judge {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc
