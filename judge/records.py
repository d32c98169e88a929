"""On-disk record shapes (one JSON object per line) and canonical hashing.

Every record carries ``schema_version``; ``upgrade`` applies ordered upgraders when an
older record is read. Records are identified by hashes of canonical JSON (sorted keys).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1

ReasoningSource = Literal[
    "thinking_block", "reasoning_summary", "reasoning_content", "think_tags", "none"
]


def canonical_json(obj: Any) -> bytes:
    """Deterministic JSON bytes: sorted keys, no whitespace, UTF-8."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def content_hash(obj: Any, length: int = 16) -> str:
    """Short sha256 hex of the canonical JSON of ``obj``."""
    return hashlib.sha256(canonical_json(obj)).hexdigest()[:length]


def sha256_text(text: str) -> str:
    """Full sha256 hex of a text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def now_iso() -> str:
    """Current UTC time, ISO 8601, second precision."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Record(BaseModel):
    """Base of every JSONL record; unknown keys are kept so newer files still load."""

    model_config = ConfigDict(extra="allow", protected_namespaces=())  # model_id
    schema_version: int = SCHEMA_VERSION


class Usage(BaseModel):
    """Token usage as the vendor reported it (0 when not reported)."""

    model_config = ConfigDict(extra="forbid")
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0

    def add(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in type(self).model_fields})


class Reasoning(BaseModel):
    """Reasoning as its own typed part: text, where it came from, signature, redaction."""

    model_config = ConfigDict(extra="forbid")
    text: str = ""
    source: ReasoningSource = "none"
    signature: str | None = None
    redacted: bool = False
    summary: bool = False  # True when the vendor gave a summary, not the raw chain


class ResponseRecord(Record):
    """One model answer to one task sample (responses.jsonl)."""

    kind: Literal["response"] = "response"
    id: str  # hash of (task_id, model, sample)
    run_id: str
    task_id: str
    sample: int
    model: str  # model spec as given by the user, never with a key
    task_kind: Literal["single", "combo"] = "single"
    page_ids: list[str]
    query_id: str | None = None
    combo_id: str | None = None
    prompt_hash: str
    text: str
    reasoning: Reasoning = Field(default_factory=Reasoning)
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = None
    latency_s: float = 0.0
    finish_reason: str | None = None
    model_id: str | None = None  # as reported by the vendor
    cached: bool = False
    created: str = Field(default_factory=now_iso)
    raw: Any = None


class ErrorRecord(Record):
    """A task sample that failed after its last attempt (errors.jsonl)."""

    kind: Literal["error"] = "error"
    run_id: str
    task_id: str
    sample: int
    model: str
    error_type: str
    message: str
    status: int | None = None
    attempts: int = 1
    created: str = Field(default_factory=now_iso)


def response_id(task_id: str, model: str, sample: int) -> str:
    """Stable id of one (task, model, sample) response."""
    return content_hash({"task": task_id, "model": model, "sample": sample})


# Ordered upgraders: UPGRADERS[v] turns a version-v dict into version v+1.
UPGRADERS: dict[int, Any] = {}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a record dict read from disk up to SCHEMA_VERSION."""
    version = int(data.get("schema_version", 1))
    while version < SCHEMA_VERSION:
        data = UPGRADERS[version](data)
        version += 1
        data["schema_version"] = version
    return data


JudgmentStatus = Literal["ok", "unparseable", "error"]


class JudgmentRecord(Record):
    """One judge verdict on one response under one rubric (judgments.jsonl).

    ``score`` is the rubric's headline number (intention 1–5; coverage partial credit 0–1;
    faithfulness share of supported claims 0–1; reflection follow-through 0/1), ``label``
    its category (strategy label; pairwise winner "A"/"B"/"tie"), ``passed`` its pass/fail
    (used by McNemar). An unparseable reply has status "unparseable", no score, a reason.
    """

    kind: Literal["judgment"] = "judgment"
    id: str
    run_id: str
    response_id: str
    task_id: str
    model: str
    sample: int
    judge: str  # judge model spec
    rubric: str  # intention | strategy | coverage | faithfulness | reflection | pairwise
    template_hash: str
    judge_sample: int = 0
    against_query_id: str | None = None  # cross-query: judged against another query
    other_response_id: str | None = None  # pairwise: the B side
    status: JudgmentStatus = "ok"
    verdict: dict[str, Any] | None = None
    score: float | None = None
    label: str | None = None
    passed: bool | None = None
    rationale: str = ""
    reason: str | None = None  # why unparseable / error
    raw: str = ""
    attempts: int = 1
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    created: str = Field(default_factory=now_iso)


def judgment_id(response_id: str, judge: str, rubric: str, judge_sample: int,
                against_query_id: str | None = None, other_response_id: str | None = None) -> str:
    """Stable id of one judgment."""
    return content_hash({"r": response_id, "j": judge, "k": rubric, "s": judge_sample,
                         "q": against_query_id, "o": other_response_id})
