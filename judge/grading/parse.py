"""Finding the verdict JSON in a judge reply: only JSON objects count, never prose.

A reply may be bare JSON, JSON in a ```json fence, or JSON inside prose. Candidates are
returned best first: the whole reply, then fenced blocks (last first), then JSON objects
embedded in the text (last first: judges that think aloud put the verdict at the end).
A number in the prose ("I'd give it a 5") is never a candidate.
``<think>`` blocks are dropped first so a reasoning judge's drafts are not mistaken for
its verdict.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

import orjson

ParseHow = Literal["json", "fenced", "embedded"]
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n?(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Candidate:
    """A JSON object found in a reply, and how it was found."""

    how: ParseHow
    obj: dict[str, Any]


def _load(text: str) -> dict[str, Any] | None:
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


_DECODER = json.JSONDecoder()


def json_objects(text: str) -> list[str]:
    """Top-level JSON objects embedded in ``text``, in order. Decoding is tried at every
    ``{`` not inside an object already found; prose, stray braces and half-written JSON
    fail fast and are skipped."""
    spans: list[str] = []
    pos = text.find("{")
    while pos >= 0:
        try:
            obj, end = _DECODER.raw_decode(text, pos)
        except (ValueError, RecursionError):
            pos = text.find("{", pos + 1)
            continue
        if isinstance(obj, dict):
            spans.append(text[pos:end])
            pos = text.find("{", end)
        else:
            pos = text.find("{", pos + 1)
    return spans


def candidates(reply: str) -> list[Candidate]:
    """JSON objects in a reply, best first (see the module docstring)."""
    text = _THINK.sub("", reply).strip()
    whole = _load(text)
    if whole is not None:
        return [Candidate("json", whole)]
    out: list[Candidate] = []
    seen: set[bytes] = set()

    def add(how: ParseHow, obj: dict[str, Any] | None) -> None:
        if obj is not None:
            key = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
            if key not in seen:
                seen.add(key)
                out.append(Candidate(how, obj))

    for block in reversed(_FENCE.findall(text)):
        add("fenced", _load(block.strip()))
    for span in reversed(json_objects(text)):
        add("embedded", _load(span))
    return out
