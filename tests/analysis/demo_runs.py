"""Real runs for the small-n examples of docs/analysis.md (issue 20), built end to end.

``judge run`` answers the first 55 tasks of the bundled probe set with the replay provider and judges
every answer with the loopback fake judge (tests/grading/fakejudge.py), which replies with
schema-valid verdicts. ``build(root)`` writes four runs:

  zero-a, zero-b   55 tasks × 2 samples judged intention 1: no task passes (the "0/55"
                   compare)
  one-a, one-b     the first task only, 2 samples; A is judged intention 5 (passes), B
                   intention 1 (fails): the one-task compare that must be "n too small"

Run it as a script to build them and print the commands the docs show::

    python -m tests.analysis.demo_runs /tmp/demo-runs
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from judge.probeset import expand, load_probeset
from tests.conftest import ROOT, judge_cli
from tests.grading.fakejudge import FakeJudge, first

BUNDLED = ROOT / "probes" / "web-summaries.yaml"


def best(options: list[Any], path: str) -> Any:
    """The fake judge's choice for a passing answer: the top score, else the first
    option (covered, supported, ...)."""
    return options[-1] if path.endswith("score") else options[0]


# run id -> --limit, judge choice; the zero runs take the first 55 tasks (the bundled set
# had 55 before its HTML pages were added; docs/analysis.md shows that 0/55 example)
RUNS = {"zero-a": (55, first), "zero-b": (55, first),
        "one-a": (1, best), "one-b": (1, first)}


def _answers(path: Path, version: str) -> Path:
    """A replay file answering every task of the bundled set (two samples)."""
    lines = [json.dumps({"task_id": t.id, "sample": k,
                         "text": f"{version} summary {k} of {t.label}: the page says things."})
             for t in expand(load_probeset(BUNDLED)) for k in range(2)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build(root: Path) -> dict[str, Path]:
    """Write the four runs under ``root`` (see the module docstring); run id -> path."""
    root.mkdir(parents=True, exist_ok=True)
    out = {}
    for run_id, (limit, choose) in RUNS.items():
        answers = _answers(root / f"{run_id}.jsonl", run_id.split("-")[1])
        with FakeJudge(choose=choose) as fake:
            args = ["run", str(BUNDLED), "-m", f"replay:{answers}", "--judge", fake.spec(),
                    "--samples", "2", "--run-id", run_id, "--out", str(root), "--no-cache"]
            judge_cli(*args, *(["--limit", str(limit)] if limit else []), check=True,
                      timeout=600)
        out[run_id] = root / run_id
    return out


if __name__ == "__main__":
    where = Path(sys.argv[1] if len(sys.argv) > 1 else "demo-runs").resolve()
    for name, path in build(where).items():
        print(f"{name}: {path}")
    print(f"judge compare zero-a zero-b --out {where}")
    print(f"judge report zero-a zero-b --out {where} -o {where}/zero.html")
    print(f"judge compare one-a one-b --out {where} --fail-if-worse pass")
