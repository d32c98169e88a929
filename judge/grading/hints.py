"""Trace-parser events as hints for the reflection judge (optional).

The reflection rubric works without them. When ``judge.traces`` is importable, its
self-check / correction events on a response's reasoning (or, without reasoning, its
answer) are shown to the judge as hints; so are the events of a run's traces.jsonl.
Events are read tolerantly (objects or dicts with ``kind`` and ``quote``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from judge.grading.subject import TraceEvent
from judge.records import ResponseRecord
from judge.traces.models import REFLECTION_KINDS

MAX_EVENTS = 8


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def to_events(raw: Any) -> list[TraceEvent]:
    """Reflection events (self-checks, corrections: never pivots) from a parser result, a
    traces.jsonl row or a list of events."""
    if isinstance(raw, dict) and isinstance(raw.get("result"), dict):
        raw = raw["result"]  # traces.jsonl rows may nest the parser result
    items = _field(raw, "events") if not isinstance(raw, list) else raw
    out = []
    for e in items or []:
        kind, quote = _field(e, "kind"), _field(e, "quote") or _field(e, "text")
        if kind in REFLECTION_KINDS and quote:
            out.append(TraceEvent(kind=str(kind), quote=str(quote)[:300]))
    return out[:MAX_EVENTS]


@lru_cache(maxsize=1)
def trace_parser() -> Callable[[ResponseRecord], Any] | None:
    """``judge.traces.trace_record`` (response → traces.jsonl row) when importable."""
    try:
        from judge.traces import trace_record
    except ImportError:
        return None
    return trace_record


def events_for(response: ResponseRecord, row: dict[str, Any] | None = None) -> list[TraceEvent]:
    """Hints for one response: its traces.jsonl row if given, else the live parser (which
    reads the reasoning, else ``<think>`` blocks, else the answer)."""
    if row is not None:
        return to_events(row)
    parser = trace_parser()
    if parser is None or not (response.reasoning.text or response.text).strip():
        return []
    try:
        return to_events(parser(response))
    except Exception:  # noqa: BLE001 - hints are optional; a parser bug must not stop judging
        return []
