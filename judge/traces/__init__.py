"""Trace parser: self-check and correction events in model reasoning (level 5, reflection).

    parse_trace(text, *, lang=None, answer=None) -> TraceResult
    analyze_response(text, reasoning_text=None, reasoning_source=None, *, lang=None) -> TraceResult
    trace_record(resp: ResponseRecord) -> dict      # one traces.jsonl record
    write_run_traces(run_dir: Path) -> Path         # responses.jsonl -> traces.jsonl

The pattern library is data (judge/traces/patterns.yaml): named English and Chinese
patterns with examples, checked at the occurrences of their anchor literals, which one
Aho-Corasick pass finds; linear time (see judge.traces.library and .scan).
"""

from __future__ import annotations

from judge.traces.library import Library, load_library
from judge.traces.models import Episode, Event, FollowThrough, TraceResult
from judge.traces.parser import analyze_response, estimate_tokens, parse_trace
from judge.traces.runs import summarize, trace_record, write_run_traces

__all__ = [
    "Episode", "Event", "FollowThrough", "Library", "TraceResult", "analyze_response",
    "estimate_tokens", "load_library", "parse_trace", "summarize", "trace_record",
    "write_run_traces",
]
