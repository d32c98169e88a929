"""Panels: several judge models (and repeats) folded into one verdict per item.

``aggregate`` is the library function analysis reuses: mean / median for scores,
majority for labels (a tie for the most votes has no majority → None). A panel first
folds each judge's repeats with the same method, then folds across judges, so a judge
that was asked more often does not outvote the others.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from judge.errors import ConfigError
from judge.grading.rubrics import RUBRICS
from judge.records import JudgmentRecord

Method = Literal["mean", "median", "majority"]
Value = float | str
ItemKey = tuple[str, str, str | None, str | None]  # response, rubric, against, other


def aggregate(values: Sequence[Value], method: Method) -> Value | None:
    """Fold values: mean / median (numbers only) or majority (None on a tie or no values)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    if method == "majority":
        top = Counter(vals).most_common()
        return None if len(top) > 1 and top[0][1] == top[1][1] else top[0][0]
    if any(isinstance(v, str) for v in vals):
        raise ConfigError(f"cannot take the {method} of labels; use majority")
    nums = [float(v) for v in vals]
    return statistics.fmean(nums) if method == "mean" else float(statistics.median(nums))


def default_method(rubric: str) -> Method:
    """mean for score rubrics, majority for label rubrics."""
    return "majority" if RUBRICS[rubric].value == "label" else "mean"


def headline_value(j: JudgmentRecord) -> Value | None:
    """The value a judgment contributes: its score or label, per its rubric."""
    if j.status != "ok" or j.rubric not in RUBRICS:
        return None
    return j.label if RUBRICS[j.rubric].value == "label" else j.score


def item_key(j: JudgmentRecord) -> ItemKey:
    return (j.response_id, j.rubric, j.against_query_id, j.other_response_id)


@dataclass
class PanelVerdict:
    """One item's consensus over judges."""

    key: ItemKey
    task_id: str
    model: str
    value: Value | None
    method: Method
    by_judge: dict[str, Value | None] = field(default_factory=dict)

    @property
    def unanimous(self) -> bool:
        vals = [v for v in self.by_judge.values() if v is not None]
        return len(vals) >= 2 and len(set(vals)) == 1


def panel(judgments: Iterable[JudgmentRecord], method: Method | None = None,
          judges: Sequence[str] | None = None) -> list[PanelVerdict]:
    """Consensus per item over ``judges`` (default: all); ``method`` None picks per rubric."""
    groups: dict[ItemKey, dict[str, list[Value]]] = defaultdict(lambda: defaultdict(list))
    info: dict[ItemKey, tuple[str, str]] = {}
    for j in judgments:
        value = headline_value(j)
        if value is None or (judges and j.judge not in judges):
            continue
        groups[item_key(j)][j.judge].append(value)
        info[item_key(j)] = (j.task_id, j.model)
    out = []
    for key, per_judge in groups.items():
        m = method or default_method(key[1])
        folded = {judge: aggregate(vals, m) for judge, vals in per_judge.items()}
        out.append(PanelVerdict(key=key, task_id=info[key][0], model=info[key][1],
                                value=aggregate([v for v in folded.values() if v is not None], m),
                                method=m, by_judge=folded))
    return out
