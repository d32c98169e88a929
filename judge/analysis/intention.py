"""Level 4: intention — scores per query intent, cross-query discrimination, answer similarity.

Discrimination: for every answer a (to query q) that the judge also scored against another
query q' of the same page, the pair counts 1 when intention(a, q) > intention(a, q'), ½ on
a tie, 0 otherwise. The discrimination rate is the share over all pairs (0.5 = the judge
cannot tell which query an answer was for); its interval resamples answers.

Similarity: answers to different queries on the same page should differ. For each page and
pair of queries, the mean token-set Jaccard similarity over sample pairs; a pair at or
above ``flag_at`` is flagged as an answer that barely changes with the query. The mean
similarity between samples of the same task is shown as the baseline.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from judge.analysis.metrics import GroupStats, grouped
from judge.analysis.rows import ResponseRow
from judge.analysis.stats import Estimate, bootstrap_mean, bootstrap_ratio, wilson

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
    """Share of (answer, other query) pairs where the own query scores higher; ties ½."""
    wins, counts = [], []
    for r in rows:
        own = r.scores.get("intention")
        others = [s for q, s in r.cross.items() if q != r.query_id]
        if own is None or not others:
            continue
        wins.append(sum(1.0 if own > s else 0.5 if own == s else 0.0 for s in others))
        counts.append(len(others))
    return bootstrap_ratio(wins, counts), int(sum(counts))


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


def _similarities(rows: list[ResponseRow]) -> tuple[list[float], list[float], list[SimilarPair]]:
    by_task: dict[tuple[str, str], list[frozenset[str]]] = defaultdict(list)
    for r in rows:
        if r.kind == "single" and r.page_id and r.query_id:
            by_task[(r.page_id, r.query_id)].append(tokens(r.text))
    within = [jaccard(a, b) for toks in by_task.values()
              for a, b in itertools.combinations(toks, 2)]
    pages: dict[str, list[str]] = defaultdict(list)
    for page, query in by_task:
        pages[page].append(query)
    cross, pairs = [], []
    for page, queries in sorted(pages.items()):
        for qa, qb in itertools.combinations(sorted(queries), 2):
            sims = [jaccard(a, b) for a in by_task[(page, qa)] for b in by_task[(page, qb)]]
            mean = sum(sims) / len(sims)
            cross.append(mean)
            pairs.append(SimilarPair(page, qa, qb, round(mean, 4)))
    return cross, within, pairs


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
        cross_similarity=bootstrap_mean(cross) if cross else None,
        within_similarity=bootstrap_mean(within) if within else None,
        flagged_rate=wilson(len(flagged), len(pairs)) if pairs else None,
        flagged=flagged)
