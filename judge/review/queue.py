"""What `judge review` asks a person to label, and in which order.

Every (response, rubric) that a judge gave a verdict on (against the response's own
query) and that a person can label: intention, strategy, coverage, faithfulness,
reflection. The order is the review queue of `judge report` first — items on which a
judge disagreed with itself or a panel disagreed, most uncertain first
(judge.analysis.analyze.review_queue) — then every other item in the run's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from judge.analysis.analyze import make_arms, review_queue
from judge.analysis.load import RunData
from judge.analysis.rows import ResponseRow, SuccessRule
from judge.grading.labels import LABEL_SETS, SCORE_RANGES

LABEL_RUBRICS = ("intention", "strategy", "coverage", "faithfulness", "reflection")


@dataclass(frozen=True)
class Item:
    """One thing to label."""

    row: ResponseRow
    rubric: str
    queued: bool  # from the review queue (the judges disagreed)

    @property
    def key(self) -> tuple[str, str]:
        return self.row.response_id, self.rubric


def items(run: RunData, rubrics: list[str] | None = None) -> list[Item]:
    """The items of ``run`` in review order (see the module docstring)."""
    wanted = [r for r in LABEL_RUBRICS if not rubrics or r in rubrics]
    arms = make_arms([run], SuccessRule())
    out: list[Item] = []
    seen: set[tuple[str, str]] = set()
    every = sum(len(a.rows) for a in arms) * len(LABEL_RUBRICS)
    for q in review_queue(arms, limit=every):
        if q.rubric in wanted and (q.row.response_id, q.rubric) not in seen:
            seen.add((q.row.response_id, q.rubric))
            out.append(Item(q.row, q.rubric, True))
    for arm in arms:
        for row in arm.rows:
            for rubric in wanted:
                if row.n_judged.get(rubric) and (row.response_id, rubric) not in seen:
                    seen.add((row.response_id, rubric))
                    out.append(Item(row, rubric, False))
    return out


def judge_verdicts(run: RunData, item: Item) -> list[dict[str, Any]]:
    """The ok judgments behind an item (shown only after the person has labelled)."""
    return [j for j in run.by_response.get(item.row.response_id, [])
            if j.get("rubric") == item.rubric and j.get("status") == "ok"
            and not j.get("against_query_id") and not j.get("other_response_id")]


# Keys → values per rubric: scores by digit, labels by their number in the list.
QUARTERS = {str(i): i / 4 for i in range(5)}


def choices(rubric: str) -> dict[str, float | str]:
    """The keys a person presses for ``rubric`` and the value each stands for."""
    if rubric == "intention":
        lo, hi = SCORE_RANGES["intention"]
        return {str(i): i for i in range(int(lo), int(hi) + 1)}
    if rubric in LABEL_SETS:
        return {str(i): label for i, label in enumerate(LABEL_SETS[rubric], 1)}
    return dict(QUARTERS)  # coverage, faithfulness: the share, in quarters
