"""traces.jsonl records in the old (schema 1) and new (schema 2, with pivots) shapes.

``v1`` turns a current record into exactly what main wrote before pivots existed
(Event.to_dict without "why", counts and rates_per_1k of self_check / correction only,
schema_version 1). ``add_pivot`` puts a pivot event on a record the way a detector does (the
pattern library's en_pivot / zh_pivot or the sentence-level detector), on any text.
"""

from __future__ import annotations

import copy
from typing import Any

from judge.traces.parser import estimate_tokens


def v1(rec: dict[str, Any]) -> dict[str, Any]:
    """The schema-1 form of a trace record (no pivot kind, no why)."""
    old = copy.deepcopy(rec)
    old["schema_version"] = 1
    old["events"] = [{k: v for k, v in e.items() if k != "why"}
                     for e in old["events"] if e["kind"] != "pivot"]
    old["counts"] = {k: old["counts"][k] for k in ("self_check", "correction", "episodes")}
    old["rates_per_1k"] = {k: old["rates_per_1k"][k] for k in ("self_check", "correction")}
    return old


def add_pivot(rec: dict[str, Any], text: str, quote: str,
              why: str = "opens a new approach") -> dict[str, Any]:
    """``rec`` with a pivot event on ``quote`` (which must occur in ``text``, the text the
    record's offsets point into); counts and rates updated, events kept in order."""
    start = text.index(quote)
    ev = {"kind": "pivot", "start": start, "end": start + len(quote), "quote": quote,
          "pattern": "", "lang": "en", "why": why}
    out = copy.deepcopy(rec)
    out["events"] = sorted([*out["events"], ev], key=lambda e: e["start"])
    # episodes / corrections index events: shift the indices after the insertion point
    at = out["events"].index(ev)
    shift = (lambda i: i + 1 if i is not None and i >= at else i)
    for ep in out["episodes"]:
        ep["self_check"], ep["correction"] = shift(ep["self_check"]), shift(ep["correction"])
        ep["corrections"] = [shift(i) for i in ep["corrections"]]
    for c in out["corrections"]:
        c["correction"] = shift(c["correction"])
    out["counts"]["pivot"] = out["counts"].get("pivot", 0) + 1
    tokens = out["tokens_est"] or estimate_tokens(text)
    out["rates_per_1k"]["pivot"] = round(1000.0 * out["counts"]["pivot"] / tokens, 3)
    return out
