"""Traces of a run directory: responses.jsonl → traces.jsonl, plus per-model summaries."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from judge.errors import InputError
from judge.records import ResponseRecord, upgrade
from judge.store import iter_jsonl, read_jsonl
from judge.traces.models import TraceResult
from judge.traces.parser import DEFAULT_DETECTOR, analyze_response

RESPONSES = "responses.jsonl"
TRACES = "traces.jsonl"
# Version of traces.jsonl records ("kind": "trace"), counted apart from responses'.
# 1: self_check / correction events only; 2: adds the pivot kind (counts, rates_per_1k,
# events) and each event's "why". Version-1 records still load: their pivots are unknown.
TRACE_SCHEMA_VERSION = 2


def trace_schema(rec: dict[str, Any]) -> int:
    """The schema version of one traces.jsonl record (1 when it carries none)."""
    v = rec.get("schema_version", 1)
    return v if isinstance(v, int) else 1


def knows_pivots(rec: dict[str, Any]) -> bool:
    """Whether a trace record was written by a detector that reports pivots (schema ≥ 2);
    an older record's absent pivots are unknown, not zero."""
    return trace_schema(rec) >= 2


def stale_records(path: Path) -> int:
    """How many records of a traces.jsonl predate TRACE_SCHEMA_VERSION (0 if no file)."""
    return sum(trace_schema(r) < TRACE_SCHEMA_VERSION for r in read_jsonl(path))


def trace_record(resp: ResponseRecord, *, lang: str | None = None,
                 detector: str = DEFAULT_DETECTOR) -> dict[str, Any]:
    """The traces.jsonl record of one response (the runner appends these as it goes)."""
    result = analyze_response(resp.text, resp.reasoning.text, resp.reasoning.source, lang=lang,
                              detector=detector)
    return record_for(resp, result)


def record_for(resp: ResponseRecord, result: TraceResult) -> dict[str, Any]:
    return {"kind": "trace", "schema_version": TRACE_SCHEMA_VERSION, "response_id": resp.id,
            "run_id": resp.run_id, "task_id": resp.task_id, "model": resp.model,
            "sample": resp.sample, **result.to_dict()}


def read_responses(path: Path) -> Iterator[ResponseRecord]:
    """Records of a responses.jsonl, streamed; a partial last line (a killed writer) is
    skipped, any other bad line is an InputError naming the file and line."""
    for _, _, resp in _located_responses(path):
        yield resp


def _located_responses(path: Path) -> Iterator[tuple[int, int, ResponseRecord]]:
    """(line number, byte offset, record) of each response, streamed."""
    for entry in iter_jsonl(path):
        yield entry.line, entry.offset, _response(path, entry.line, entry.value)


def _response(path: Path, n: int, data: Any) -> ResponseRecord:
    """One decoded line as a record; an InputError naming the file and line otherwise."""
    if isinstance(data, InputError):
        raise data
    if not isinstance(data, dict):
        raise InputError("expected a JSON object", path=str(path), line=n)
    try:
        return ResponseRecord.model_validate(upgrade(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise InputError(f"not a response record: {where}: {first['msg']}",
                         path=str(path), line=n) from exc


def _deduped_responses(path: Path) -> Iterator[ResponseRecord]:
    """Each response id once, in first-seen order, as its last copy (a resumed run may
    repeat a response; judge.analysis.load.read_responses applies the same rule). Two
    streaming passes: memory grows with ids, not records."""
    first: dict[str, int] = {}
    last: dict[str, tuple[int, int]] = {}
    for n, at, resp in _located_responses(path):
        first.setdefault(resp.id, n)
        last[resp.id] = (n, at)
    with open(path, "rb") as again:
        for n, _, resp in _located_responses(path):
            if first[resp.id] != n:
                continue
            last_n, last_at = last[resp.id]
            if last_n != n:
                again.seek(last_at)
                resp = _response(path, last_n, orjson.loads(again.readline()))
            yield resp


@contextmanager
def rewriting_traces(run_dir: Path, on_record: Callable[[dict[str, Any]], None] | None = None
                     ) -> Iterator[tuple[Iterator[ResponseRecord], Callable[[dict[str, Any]], None]]]:
    """Rewrite a run's ``traces.jsonl`` atomically, streaming: yields the run's (deduplicated)
    responses and a ``write(record)``; the new file replaces the old one on a clean exit.

    ``on_record`` sees each trace record as it is written (the runner tallies them)."""
    src = Path(run_dir) / RESPONSES
    if not src.is_file():
        raise InputError("not a run directory (no responses.jsonl)", path=str(run_dir))
    out = Path(run_dir) / TRACES
    tmp = out.with_name(f".{TRACES}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        def write(rec: dict[str, Any]) -> None:
            fh.write(orjson.dumps(rec) + b"\n")
            if on_record is not None:
                on_record(rec)
        yield _deduped_responses(src), write
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, out)


def write_run_traces(run_dir: Path, *, lang: str | None = None,
                     detector: str = DEFAULT_DETECTOR,
                     on_record: Callable[[dict[str, Any]], None] | None = None) -> Path:
    """Parse every response of a run and (re)write ``traces.jsonl`` atomically, streaming.

    ``on_record`` sees each trace record as it is written (the runner tallies them)."""
    with rewriting_traces(run_dir, on_record) as (responses, write):
        for resp in responses:
            write(trace_record(resp, lang=lang, detector=detector))
    return Path(run_dir) / TRACES


@dataclass
class ModelSummary:
    """Reflection figures of one model over a set of trace records."""

    model: str
    responses: int = 0
    with_self_check: int = 0
    with_correction: int = 0
    self_check_events: int = 0
    correction_events: int = 0
    episodes: int = 0
    tokens: int = 0
    followed: int = 0
    not_followed: int = 0
    pivot_known: int = 0  # responses whose record reports pivots (schema ≥ 2)
    with_pivot: int = 0
    pivot_events: int = 0
    pivot_tokens: int = 0  # tokens of the responses in pivot_known

    def add(self, rec: dict[str, Any]) -> None:
        counts = rec.get("counts") or {}
        sc, co = int(counts.get("self_check", 0)), int(counts.get("correction", 0))
        self.responses += 1
        self.with_self_check += sc > 0
        self.with_correction += co > 0
        self.self_check_events += sc
        self.correction_events += co
        self.episodes += int(counts.get("episodes", 0))
        self.tokens += int(rec.get("tokens_est") or 0)
        ft = rec.get("follow_through")
        self.followed += ft is True
        self.not_followed += ft is False
        if knows_pivots(rec):
            pv = int(counts.get("pivot", 0))
            self.pivot_known += 1
            self.with_pivot += pv > 0
            self.pivot_events += pv
            self.pivot_tokens += int(rec.get("tokens_est") or 0)

    def per_1k(self, n: int, tokens: int | None = None) -> float:
        t = self.tokens if tokens is None else tokens
        return round(1000.0 * n / t, 2) if t else 0.0

    def to_dict(self) -> dict[str, Any]:
        r = self.responses or 1
        return {"model": self.model, "responses": self.responses,
                "self_check_rate": round(self.with_self_check / r, 4),
                "correction_rate": round(self.with_correction / r, 4),
                "self_check_per_1k": self.per_1k(self.self_check_events),
                "correction_per_1k": self.per_1k(self.correction_events),
                "episodes": self.episodes, "followed": self.followed,
                "not_followed": self.not_followed,
                "pivot_known": self.pivot_known,
                "pivot_rate": (round(self.with_pivot / self.pivot_known, 4)
                               if self.pivot_known else None),
                "pivot_per_1k": (self.per_1k(self.pivot_events, self.pivot_tokens)
                                 if self.pivot_known else None)}


def summarize(records: Iterable[dict[str, Any]]) -> list[ModelSummary]:
    """Per-model summaries of trace records, in first-seen order."""
    by: dict[str, ModelSummary] = {}
    for rec in records:
        model = str(rec.get("model", "?"))
        by.setdefault(model, ModelSummary(model)).add(rec)
    return list(by.values())


def read_traces(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a traces.jsonl, streamed (judge.store.read_jsonl)."""
    return read_jsonl(path)
