"""How far to trust each judge of a report: its calibration and its agreement with people.

Per judge of the runs: the calibration figures of every rubric it judged there (from
``--calibration FILE`` or the per-judge record `judge calibrate` keeps in the cache dir,
judge.calibration.record), flagged when the calibration used another version of the
rubric template; and judge-vs-human agreement per rubric (Cohen's κ, Krippendorff's α,
percent agreement, with intervals) from the labels of ``RUN/human-labels.jsonl`` (what
`judge review` writes) and any ``--human FILE``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judge.analysis.load import RunData
from judge.calibration.record import headline, load_for
from judge.grading.concordance import agreement_rows
from judge.grading.labels import HumanLabel, load_labels
from judge.records import JudgmentRecord, ResponseRecord
from judge.review.labels import HUMAN_LABELS
from judge.stats import Estimate, show



@dataclass
class CalibrationLine:
    rubric: str
    text: str  # 'intention: κ 0.710 [0.62, 0.79] on 60 planted cases (accuracy …)'
    warning: str = ""


@dataclass
class HumanRow:
    run: str
    rubric: str
    rater: str
    n: int
    kappa: str
    alpha: str
    percent: str


@dataclass
class JudgeTrust:
    judge: str
    rubrics: list[str]
    calibration: list[CalibrationLine] = field(default_factory=list)
    human: list[HumanRow] = field(default_factory=list)


def _judged(runs: list[RunData]) -> dict[str, dict[str, set[str]]]:
    """judge → rubric → template hashes of its ok judgments in the runs."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for run in runs:
        for j in run.judgments:
            if j.get("judge") and j.get("rubric"):
                out[str(j["judge"])][str(j["rubric"])].add(str(j.get("template_hash") or ""))
    return out


def _calibration(rubrics: dict[str, set[str]], entry: dict[str, Any]) -> list[CalibrationLine]:
    lines = []
    for rubric in sorted(rubrics):
        got = entry.get(rubric)
        if got is None:
            lines.append(CalibrationLine(rubric, f"{rubric}: not calibrated",
                                         "run `judge calibrate` with this judge"))
            continue
        warn = []
        if got.get("template_hash") and got["template_hash"] not in rubrics[rubric]:
            warn.append("calibrated with another version of this rubric's template")
        limit = (got.get("suite") or {}).get("limit_per_rubric")
        if limit:
            warn.append(f"on a slice of {limit} cases per rubric")
        run = got.get("run_id")
        lines.append(CalibrationLine(rubric, headline(rubric, got) + (f" · {run}" if run else ""),
                                     "; ".join(warn)))
    return lines


def _labels(run: RunData, files: list[Path]) -> list[HumanLabel]:
    responses = [ResponseRecord.model_validate(r) for r in run.responses]
    out: list[HumanLabel] = []
    for path in [run.path / HUMAN_LABELS, *files]:
        if path.exists():
            good, _ = load_labels(path, responses)  # rows about other runs do not resolve
            out += good
    return out


def _est(e: Estimate) -> str:
    return show(e, "stat")


def _human_rows(run: RunData, files: list[Path], n_boot: int) -> dict[str, list[HumanRow]]:
    labels = _labels(run, files)
    if not labels:
        return {}
    judgments = [JudgmentRecord.model_validate(j) for j in run.judgments]
    out: dict[str, list[HumanRow]] = defaultdict(list)
    for row in agreement_rows(judgments, labels, n_boot):
        if row.comparison != "judge-vs-human":
            continue
        judge, rater = row.raters[0], row.raters[1].removeprefix("human:")
        out[judge].append(HumanRow(run.run_id, row.rubric, rater, row.n, _est(row.kappa),
                                   _est(row.alpha), show(row.percent, "rate")))
    return out


def judge_trust(runs: list[RunData], calibration_files: list[Path] | None = None,
                human_files: list[Path] | None = None, n_boot: int = 1000) -> list[JudgeTrust]:
    """One entry per judge of the runs (see the module docstring)."""
    judged = _judged(runs)
    found = load_for(list(judged), calibration_files or [])
    human: dict[str, list[HumanRow]] = defaultdict(list)
    for run in runs:
        for judge, rows in _human_rows(run, list(human_files or []), n_boot).items():
            human[judge] += rows
    return [JudgeTrust(judge, sorted(rubrics), _calibration(rubrics, found.get(judge, {})),
                       human.get(judge, [])) for judge, rubrics in sorted(judged.items())]
