"""The provider interface: a small async protocol plus the request/response types.

A provider implements ``generate`` and ``stream`` and classifies its own failures by
raising ``RetryableProviderError`` / ``FatalProviderError`` / ``AuthError`` (each carries a
``RetryDecision``). The shared call path (judge.runner) owns cache, limits and retries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from judge.records import Reasoning, Usage


class Message(BaseModel):
    """One chat message."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: Literal["system", "user", "assistant"]
    content: str


class Request(BaseModel):
    """What is sent to a model. Fields that change the output go into the cache key."""

    model_config = ConfigDict(extra="forbid")
    messages: list[Message]
    max_tokens: int = 1024
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    # JSON schema for structured output (judge verdicts); providers use the vendor's
    # native mode where one exists (json_schema, tool use, llama.cpp grammar).
    response_schema: dict[str, Any] | None = None
    schema_name: str = "verdict"
    # Vendor options (validated by each provider): reasoning_effort, thinking_budget, api ...
    options: dict[str, Any] = Field(default_factory=dict)
    # Context for providers that answer by task (replay) and for logs; not part of the
    # cache key and never sent to a vendor.
    meta: dict[str, Any] = Field(default_factory=dict, exclude=True)

    def cache_payload(self) -> dict[str, Any]:
        """The part of the request that determines the output."""
        return self.model_dump(mode="json")


class Response(BaseModel):
    """A complete model reply, vendor-neutral; ``raw`` keeps the vendor payload."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())  # model_id
    text: str
    reasoning: Reasoning = Field(default_factory=Reasoning)
    usage: Usage = Field(default_factory=Usage)
    finish_reason: str | None = None
    model_id: str | None = None
    latency_s: float = 0.0
    raw: Any = None


@dataclass(frozen=True)
class Delta:
    """A streamed piece of output, in order: reasoning and text deltas interleave."""

    kind: Literal["reasoning", "text"]
    text: str


@dataclass(frozen=True)
class Done:
    """The last stream event: the complete response (same as ``generate`` would return)."""

    response: Response


StreamEvent = Delta | Done


@runtime_checkable
class Provider(Protocol):
    """What every provider implements."""

    spec: str  # the model spec it was built from, e.g. "openai:gpt-5-mini"

    async def generate(self, request: Request) -> Response:
        """Complete call. Raises ProviderError subclasses on failure."""
        ...

    def stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        """Stream reasoning/text deltas, then one ``Done``. A drop mid-way raises
        RetryableProviderError; callers retry the whole stream."""
        ...

    async def aclose(self) -> None:
        """Release clients, threads, model memory."""
        ...


@dataclass
class ProviderInfo:
    """Registry entry: how to build a provider and whether it is usable here."""

    name: str
    description: str
    module: str  # imported lazily
    factory: str
    env_keys: tuple[str, ...] = ()
    usable: Any = None  # callable() -> tuple[bool, str]
    extra: dict[str, Any] = field(default_factory=dict)
