"""Reading a run's judgments and responses the way judging and agreement need them.

judgments.jsonl is append-only and keeps every judgment ever made. A judgment id names
(response, judge, rubric, judge sample, against-query, other response); when the same id
appears again (an ``error`` retried, or a rubric template edited and the run rejudged),
the later record supersedes the earlier one — ``latest_judgments`` applies that rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from judge.records import JudgmentRecord, ResponseRecord
from judge.store import JUDGMENTS, RESPONSES, TRACES, RunStore

DONE_STATUSES = ("ok", "unparseable")  # "error" judgments are retried


def judged_keys(store: RunStore) -> set[tuple[str, str]]:
    """(judgment id, template hash) of every finished judgment (ok or unparseable)."""
    return {(r["id"], r.get("template_hash", "")) for r in store.records(JUDGMENTS)
            if r.get("status") in DONE_STATUSES}


def latest_judgments(store: RunStore) -> list[JudgmentRecord]:
    """One record per judgment id: the last one written."""
    latest: dict[str, dict[str, Any]] = {}
    for r in store.records(JUDGMENTS):
        latest.pop(r["id"], None)  # keep file order of the latest version
        latest[r["id"]] = r
    return [JudgmentRecord.model_validate(r) for r in latest.values()]


def iter_responses(store: RunStore) -> Iterator[ResponseRecord]:
    """Every response of a run, in file order, streamed (judging a stored run holds one
    response at a time, not the whole file)."""
    for r in store.records(RESPONSES):
        yield ResponseRecord.model_validate(r)


def load_responses(store: RunStore) -> list[ResponseRecord]:
    """Every response of a run, in file order (for callers that need them all at once)."""
    return list(iter_responses(store))


def load_trace_rows(store: RunStore) -> dict[str, dict[str, Any]]:
    """traces.jsonl rows by response id (empty when the run has no traces)."""
    out: dict[str, dict[str, Any]] = {}
    for r in store.records(TRACES):
        rid = r.get("response_id") or r.get("id")
        if rid:
            out[str(rid)] = r
    return out
