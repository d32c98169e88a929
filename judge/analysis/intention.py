"""Level 4: intention — scores per query intent, cross-query discrimination, answer similarity.

Discrimination: for every answer a (to query q) that the judge also scored against another
query q' of the same page, the pair counts 1 when intention(a, q) > intention(a, q'), ½ on
a tie, 0 otherwise. The discrimination rate is the share over all pairs (0.5 = the judge
cannot tell which query an answer was for); its interval resamples tasks (BCa).

Similarity: answers to different queries on the same page should differ. For each page and
pair of queries, the mean token-set Jaccard similarity over sample pairs; a pair at or
above ``flag_at`` is flagged as an answer that barely changes with the query. The mean
similarity between samples of the same task is shown as the baseline. Similarity
intervals resample pages (across queries) and tasks (between samples).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from judge.analysis.metrics import GroupStats, grouped
from judge.analysis.rows import ResponseRow
from judge.stats import Estimate, mean, rate

FLAG_AT = 0.8
_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]|[^\W_]+", re.UNICODE)


def tokens(text: str) -> frozenset[str]:
    """Lower-cased word tokens (CJK characters one each)."""
    return frozenset(_TOKEN.findall(text.lower()))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass
class SimilarPair:
    page: str
    query_a: str
    query_b: str
    similarity: float


@dataclass
class IntentionReport:
    """Level 4 for one model."""

    model: str
    by_intent: list[GroupStats]
    discrimination: Estimate
    pairs: int
    flag_at: float = FLAG_AT
    matrix_queries: list[str] = field(default_factory=list)
    matrix: list[list[float | None]] = field(default_factory=list)
    cross_similarity: Estimate | None = None
    within_similarity: Estimate | None = None
    flagged_rate: Estimate | None = None
    flagged: list[SimilarPair] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "by_intent"}
        d["by_intent"] = [g.to_dict() for g in self.by_intent]
        for key in ("discrimination", "cross_similarity", "within_similarity", "flagged_rate"):
            d[key] = d[key].to_dict() if d[key] is not None else None
        d["flagged"] = [p.__dict__ for p in self.flagged]
        return d


def discrimination(rows: list[ResponseRow]) -> tuple[Estimate, int]:
    """Share of (answer, other query) pairs where the own query scores higher; ties ½.
    The interval resamples tasks (an answer's pairs, and a task's answers, move as one)."""
    wins: list[float | None] = []
    tasks: list[str] = []
    for r in rows:
        own = r.scores.get("intention")
        others = [s for q, s in r.cross.items() if q != r.query_id]
        if own is None or not others:
            continue
        for s in others:
            wins.append(1.0 if own > s else 0.5 if own == s else 0.0)
            tasks.append(r.task_id)
    return mean(wins, tasks, (0.0, 1.0)), len(wins)


def cross_matrix(rows: list[ResponseRow]) -> tuple[list[str], list[list[float | None]]]:
    """Mean intention of answers to query i (rows) judged against query j (columns)."""
    cells: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in rows:
        if not r.query_id:
            continue
        if "intention" in r.scores:
            cells[(r.query_id, r.query_id)].append(r.scores["intention"])
        for q, s in r.cross.items():
            cells[(r.query_id, q)].append(s)
    if not any(i != j for i, j in cells):
        return [], []
    queries = sorted({q for pair in cells for q in pair})
    matrix = [[(sum(v) / len(v)) if (v := cells.get((i, j))) else None for j in queries]
              for i in queries]
    return queries, matrix


def _similarities(rows: list[ResponseRow]
                  ) -> tuple[list[tuple[str, float]], list[tuple[str, float]], list[SimilarPair]]:
    """(page, similarity) across queries, (task, similarity) between samples, pairs."""
    by_task: dict[tuple[str, str], list[frozenset[str]]] = defaultdict(list)
    for r in rows:
        if r.kind == "single" and r.page_id and r.query_id:
            by_task[(r.page_id, r.query_id)].append(tokens(r.text))
    within = [(f"{task[0]} × {task[1]}", jaccard(a, b)) for task, toks in by_task.items()
              for a, b in itertools.combinations(toks, 2)]
    pages: dict[str, list[str]] = defaultdict(list)
    for page, query in by_task:
        pages[page].append(query)
    cross, pairs = [], []
    for page, queries in sorted(pages.items()):
        for qa, qb in itertools.combinations(sorted(queries), 2):
            sims = [jaccard(a, b) for a in by_task[(page, qa)] for b in by_task[(page, qb)]]
            avg = sum(sims) / len(sims)
            cross.append((page, avg))
            pairs.append(SimilarPair(page, qa, qb, round(avg, 4)))
    return cross, within, pairs


def _by_cluster(pairs: list[tuple[str, float]]) -> Estimate | None:
    """Mean similarity with an interval resampling the clusters (pages or tasks)."""
    if not pairs:
        return None
    return mean([v for _, v in pairs], [c for c, _ in pairs], (0.0, 1.0))


def intention_report(model: str, rows: list[ResponseRow], flag_at: float = FLAG_AT
                     ) -> IntentionReport:
    """Level 4 for one model's rows."""
    disc, n_pairs = discrimination(rows)
    queries, matrix = cross_matrix(rows)
    cross, within, pairs = _similarities(rows)
    flagged = sorted((p for p in pairs if p.similarity >= flag_at),
                     key=lambda p: -p.similarity)
    return IntentionReport(
        model=model, by_intent=grouped(rows, lambda r: r.intent, ["intention"]),
        discrimination=disc, pairs=n_pairs, flag_at=flag_at, matrix_queries=queries, matrix=matrix,
        cross_similarity=_by_cluster(cross), within_similarity=_by_cluster(within),
        flagged_rate=rate([p.similarity >= flag_at for p in pairs], [p.page for p in pairs])
        if pairs else None,
        flagged=flagged)
