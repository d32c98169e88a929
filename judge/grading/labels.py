"""Human labels (CSV or JSONL) for judge-vs-human agreement.

Columns / keys: ``task_id``, ``rubric``, ``value`` (required); ``response_id``, or ``model``
and ``sample``, to name one response when a task has several; ``rater`` (default
"human") when several people labelled. Values: intention 1–5, coverage and faithfulness
0–1, strategy and reflection labels. A bad row is reported as ``file:line: reason`` and
skipped; the good rows are still used.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from judge.errors import InputError, LabelsError
from judge.grading.verdicts import StrategyLabel
from judge.records import ResponseRecord
from judge.store import iter_jsonl

REFLECTION_LABELS = ("no-self-check", "self-check-only", "corrected-reflected",
                     "corrected-not-reflected")
LABEL_SETS: dict[str, tuple[str, ...]] = {"strategy": get_args(StrategyLabel),
                                          "reflection": REFLECTION_LABELS}
SCORE_RANGES = {"intention": (1.0, 5.0), "coverage": (0.0, 1.0), "faithfulness": (0.0, 1.0)}


@dataclass(frozen=True)
class HumanLabel:
    """One good label row, resolved to a response of the run."""

    response_id: str
    task_id: str
    rubric: str
    value: float | str
    rater: str
    line: int


def _value(rubric: str, raw: Any) -> float | str:
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise ValueError("value is empty")
    if rubric in LABEL_SETS:
        if text not in LABEL_SETS[rubric]:
            raise ValueError(f"{rubric} value {text!r} must be one of "
                             f"{', '.join(LABEL_SETS[rubric])}")
        return text
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{rubric} value {text!r} is not a number") from None
    lo, hi = SCORE_RANGES[rubric]
    if not lo <= number <= hi or (rubric == "intention" and number != int(number)):
        kind = "a whole number" if rubric == "intention" else "a number"
        raise ValueError(f"{rubric} value {text} must be {kind} from {lo:g} to {hi:g}")
    return number


class _Resolver:
    """Finds the response a row is about."""

    def __init__(self, responses: list[ResponseRecord]) -> None:
        self.by_id = {r.id: r for r in responses}
        self.by_task: dict[str, list[ResponseRecord]] = defaultdict(list)
        for r in responses:
            self.by_task[r.task_id].append(r)

    def find(self, row: dict[str, Any]) -> ResponseRecord:
        task = str(row.get("task_id") or "").strip()
        rid = str(row.get("response_id") or "").strip()
        if rid:
            r = self.by_id.get(rid)
            if r is None:
                raise ValueError(f"response_id {rid!r} is not in this run")
            if task and r.task_id != task:
                raise ValueError(f"response {rid!r} belongs to task {r.task_id!r}, not {task!r}")
            return r
        if not task:
            raise ValueError("task_id is required")
        options = self.by_task.get(task, [])
        if not options:
            raise ValueError(f"task_id {task!r} is not in this run")
        model, sample = str(row.get("model") or "").strip(), str(row.get("sample") or "").strip()
        if model or sample:
            options = [r for r in options if (not model or r.model == model)
                       and (not sample or str(r.sample) == sample)]
            if not options:
                raise ValueError(f"no response of task {task!r} with model {model or '*'} "
                                 f"and sample {sample or '*'}")
        if len(options) > 1:
            raise ValueError(f"task {task!r} has {len(options)} responses; add response_id, "
                             f"or model and sample")
        return options[0]


def _rows(path: Path) -> list[tuple[int, dict[str, Any] | str]]:
    """(line, row) pairs; a row that cannot be read at all is its error message."""
    out: list[tuple[int, dict[str, Any] | str]] = []
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        for entry in iter_jsonl(path, partial_tail=False):
            row = entry.value
            if isinstance(row, InputError):
                out.append((entry.line, row.detail))
                continue
            out.append((entry.line, row if isinstance(row, dict) else "each line must be an object"))
        return out
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(text.splitlines())
    missing = {"task_id", "rubric", "value"} - set(reader.fieldnames or [])
    if missing and not {"response_id", "rubric", "value"} <= set(reader.fieldnames or []):
        raise LabelsError(f"header must name task_id (or response_id), rubric and value; "
                          f"missing {', '.join(sorted(missing))}", path=str(path), line=1)
    for row in reader:
        out.append((reader.line_num, {k: v for k, v in row.items() if k is not None}))
    return out


def load_labels(path: str | Path, responses: list[ResponseRecord]) -> tuple[list[HumanLabel],
                                                                             list[LabelsError]]:
    """Good labels and one LabelsError per bad row (the file itself must be readable)."""
    path = Path(path)
    if not path.is_file():
        raise LabelsError("label file not found", path=str(path))
    resolver = _Resolver(responses)
    labels: list[HumanLabel] = []
    problems: list[LabelsError] = []
    first: dict[tuple[str, str, str], int] = {}
    for lineno, row in _rows(path):
        if isinstance(row, str):
            problems.append(LabelsError(row, path=str(path), line=lineno))
            continue
        try:
            rubric = str(row.get("rubric") or "").strip()
            if rubric not in SCORE_RANGES and rubric not in LABEL_SETS:
                known = ", ".join([*SCORE_RANGES, *LABEL_SETS])
                raise ValueError(f"rubric {rubric!r} is not one of {known}" if rubric
                                 else "rubric is required")
            value = _value(rubric, row.get("value"))
            response = resolver.find(row)
            rater = str(row.get("rater") or "human").strip()
            key = (response.id, rubric, rater)
            if key in first:
                raise ValueError(f"duplicate label for this response, rubric and rater "
                                 f"(first on line {first[key]})")
            first[key] = lineno
            labels.append(HumanLabel(response.id, response.task_id, rubric, value, rater, lineno))
        except ValueError as exc:
            problems.append(LabelsError(str(exc), path=str(path), line=lineno))
    return labels, problems
