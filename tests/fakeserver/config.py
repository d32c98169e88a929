"""Fake-server configuration, the deterministic fault schedule and request counters.

Faults are chosen, in order of precedence, by:

1. ``script``: a list consumed one entry per request, in arrival order (``None`` = answer
   normally) — for sequential tests;
2. a prompt directive ``[[fault:NAME]]`` or ``[[fault:NAMExK]]`` (first K attempts of that
   prompt; NAME looks up ``faults`` or is a fault kind) — per-prompt and order-independent;
3. the model's ``Behavior.fault`` (e.g. every call to one model answers 401);
4. ``plan``: "fail the first k attempts of every n-th distinct prompt" (chosen by prompt
   hash, so independent of arrival order) or a seeded per-(prompt, attempt) probability
   capped at ``max_per_prompt`` consecutive failures.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FaultKind = Literal["400", "401", "403", "404", "408", "409", "422", "429", "500", "503", "529",
                    "slow", "drop", "invalid_json", "stream_error",
                    "malformed"]  # malformed: a 200 JSON reply whose `model` is a number
ReasoningMode = Literal[
    "auto", "none",
    "reasoning_content", "reasoning", "think_tags", "think_unclosed", "think_open",  # chat
    "summary", "reasoning_text",                                                     # responses
    "thinking", "redacted", "thinking+redacted",                                     # anthropic
]


class Fault(BaseModel):
    """One scripted failure."""

    model_config = ConfigDict(extra="forbid")
    kind: FaultKind
    retry_after: float | None = None  # `retry-after` header, seconds
    retry_after_ms: float | None = None  # `retry-after-ms` header
    delay: float = 5.0  # "slow": seconds before answering (beyond the client timeout)
    after_events: int = 2  # "drop" in a stream: events sent before the connection is cut
    message: str | None = None


class Plan(BaseModel):
    """A fault schedule over distinct prompts, deterministic whatever the arrival order."""

    model_config = ConfigDict(extra="forbid")
    every: int = 0  # prompts whose hash % every == 0 fail their first `first` attempts
    first: int = 1
    probability: float = 0.0  # else: seeded coin per (prompt, attempt)
    seed: int = 0
    max_per_prompt: int = 3  # a prompt never fails more than this many attempts in a row
    kinds: list[Fault] = Field(default_factory=lambda: [Fault(kind="500")])


class Rule(BaseModel):
    """A scripted answer for the requests whose input text contains ``match`` (the first
    matching rule of a model wins): literal text, reasoning and structured output, each
    falling back to the model's own when None."""

    model_config = ConfigDict(extra="forbid")
    match: str = Field(min_length=1)
    reply: str | None = None  # literal answer text (not a format string)
    reasoning: str | None = None  # the reasoning, in the model's reasoning mode
    json_reply: dict[str, Any] | None = None


class Behavior(BaseModel):
    """How one model answers."""

    model_config = ConfigDict(extra="forbid")
    reasoning: ReasoningMode = "auto"
    reply: str | None = None  # python format string; fields: prompt, key, model
    words: int = 0  # pad the answer to at least this many words
    latency: float | None = None  # overrides FakeConfig.latency
    cached_tokens: int = 0
    json_reply: dict[str, Any] | None = None  # structured-output answer (else from schema)
    fault: Fault | None = None  # every request to this model fails like this
    rules: list[Rule] = Field(default_factory=list)  # per-request scripted answers

    def rule_for(self, input_text: str) -> Rule | None:
        """The first rule whose ``match`` occurs in the request's input text."""
        return next((r for r in self.rules if r.match in input_text), None)


class FakeConfig(BaseModel):
    """Whole server configuration; replaced at runtime through /_fake/config."""

    model_config = ConfigDict(extra="forbid")
    latency: float = 0.0  # seconds before the first byte
    chunk_delay: float = 0.0  # seconds between SSE events
    api_keys: list[str] | None = None  # accepted keys (None: any); others get 401
    script: list[Fault | None] = Field(default_factory=list)
    faults: dict[str, Fault] = Field(default_factory=dict)
    plan: Plan | None = None
    models: dict[str, Behavior] = Field(default_factory=dict)
    default: Behavior = Field(default_factory=Behavior)
    track_times: bool = True  # keep per-prompt attempt timestamps (off for huge runs)

    def behavior(self, model: str) -> Behavior:
        return self.models.get(model, self.default)


_DIRECTIVE = re.compile(r"\[\[fault:([\w-]+?)(?:x(\d+))?\]\]")


def prompt_key(model: str, prompt: str) -> str:
    """Stable id of (model, prompt)."""
    return hashlib.sha256(f"{model}\x00{prompt}".encode()).hexdigest()[:16]


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.sha256("\x00".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class Stats:
    """Request counters for assertions (read through /_fake/stats)."""

    def __init__(self) -> None:
        self.requests = 0
        self.by_path: Counter[str] = Counter()
        self.by_model: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()  # per prompt key
        self.successes: Counter[str] = Counter()  # per prompt key
        self.times: dict[str, list[float]] = {}
        self.inflight: Counter[str] = Counter()
        self.max_inflight: Counter[str] = Counter()
        self.script_pos = 0
        self.last_body: dict[str, Any] = {}  # per path: the last request body
        self.last_headers: dict[str, dict[str, str]] = {}

    def begin(self, path: str, model: str, key: str, track: bool) -> int:
        """Count a request; returns its attempt number for this prompt (1-based)."""
        self.requests += 1
        self.by_path[path] += 1
        self.by_model[model] += 1
        self.attempts[key] += 1
        if track:
            self.times.setdefault(key, []).append(time.monotonic())
        for scope in (model, "*"):
            self.inflight[scope] += 1
            self.max_inflight[scope] = max(self.max_inflight[scope], self.inflight[scope])
        return self.attempts[key]

    def end(self, model: str, key: str, outcome: str) -> None:
        self.outcomes[outcome] += 1
        if outcome == "ok":
            self.successes[key] += 1
        for scope in (model, "*"):
            self.inflight[scope] -= 1

    def summary(self, detail: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "requests": self.requests, "by_path": dict(self.by_path),
            "by_model": dict(self.by_model), "outcomes": dict(self.outcomes),
            "distinct_prompts": len(self.attempts), "ok_prompts": len(self.successes),
            "duplicate_successes": sum(1 for n in self.successes.values() if n > 1),
            "max_inflight": dict(self.max_inflight),
        }
        if detail:
            out["attempts"] = dict(self.attempts)
            out["successes"] = dict(self.successes)
            out["times"] = self.times
            out["last_body"] = self.last_body
            out["last_headers"] = self.last_headers
        return out


def choose_fault(cfg: FakeConfig, stats: Stats, model: str, prompt: str, key: str,
                 attempt: int) -> Fault | None:
    """The fault for this request, or None to answer normally (see module docstring)."""
    if stats.script_pos < len(cfg.script):
        stats.script_pos += 1
        return cfg.script[stats.script_pos - 1]
    match = _DIRECTIVE.search(prompt)
    if match:
        name, times = match.group(1), int(match.group(2) or 1_000_000)
        if attempt <= times:
            return cfg.faults.get(name) or Fault(kind=name)  # type: ignore[arg-type]
        return None
    behavior = cfg.behavior(model)
    if behavior.fault is not None:
        return behavior.fault
    plan = cfg.plan
    if plan is None or not plan.kinds:
        return None
    pick = plan.kinds[int(_unit("kind", key, attempt) * len(plan.kinds))]
    if plan.every:
        chosen = int(key, 16) % plan.every == 0
        return pick if chosen and attempt <= plan.first else None
    if plan.probability and attempt <= plan.max_per_prompt:
        return pick if _unit(plan.seed, key, attempt) < plan.probability else None
    return None
