"""Finding the verdict JSON in a judge reply: only JSON objects count, never prose.

A reply may be bare JSON, JSON in a ```json fence, or JSON inside prose. Candidates are
returned best first: the whole reply, then fenced blocks (last first), then balanced
``{...}`` objects found by a string-aware scan (last first — judges that think aloud put
the verdict at the end). A number in the prose ("I'd give it a 5") is never a candidate.
``<think>`` blocks are dropped first so a reasoning judge's drafts are not mistaken for
its verdict. The scan is linear in the reply length unless the prose holds unclosed
braces (each one restarts the scan after it).
"""

from __future__ import annotations

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


def _scan(text: str, pos: int, spans: list[str]) -> int:
    """Collect balanced spans from ``pos``; return the start of an unclosed ``{`` or -1."""
    depth, start, in_str, escaped = 0, -1, False, False
    for i in range(pos, len(text)):
        ch = text[i]
        if in_str:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_str = False
        elif ch == '"' and depth > 0:
            in_str = True
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                spans.append(text[start:i + 1])
    return start if depth > 0 else -1


def balanced_objects(text: str) -> list[str]:
    """Top-level ``{...}`` spans whose braces balance outside JSON strings, in order. A
    stray unclosed ``{`` in prose does not hide a later object: the scan resumes after it."""
    spans: list[str] = []
    pos = 0
    while pos < len(text):
        unclosed = _scan(text, pos, spans)
        if unclosed < 0:
            break
        pos = unclosed + 1
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
    for span in reversed(balanced_objects(text)):
        add("embedded", _load(span))
    return out
