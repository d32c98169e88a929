"""Anthropic Messages with extended thinking: ``anthropic:MODEL[?thinking_budget=N]``.

Thinking blocks are kept as reasoning with their signature; ``redacted_thinking`` blocks
mark the reasoning redacted. Structured output goes through a tool whose ``input_schema``
is the response schema (forced, except with thinking, where the API forbids forcing) and
the tool input comes back as JSON text. ``ANTHROPIC_BASE_URL`` is honoured; the SDK client
is built with ``max_retries=0`` and its errors are mapped here.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import orjson
from pydantic import Field

from judge.providers.base import Delta, Done, Request, Response, StreamEvent
from judge.providers.common import (
    PrebuiltPost,
    ProviderOptions,
    dropped,
    env_key,
    http_client,
    map_sdk_error,
    missing_key_error,
    parse_options,
    status_error,
    transport,
)
from judge.providers.registry import ModelSpec
from judge.records import Reasoning, Usage

ANTHROPIC_KEY_ENV = "ANTHROPIC_API_KEY"


class AnthropicOptions(ProviderOptions):
    """Options of ``anthropic:`` specs."""

    thinking_budget: int | None = Field(default=None, ge=1024)


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) else 0


def message_usage(u: dict[str, Any] | None) -> Usage:
    """Usage; input counts cache reads and writes too, so it is comparable with OpenAI's."""
    if not u:
        return Usage()
    read = _int(u.get("cache_read_input_tokens"))
    written = _int(u.get("cache_creation_input_tokens"))
    details = u.get("output_tokens_details") or {}
    return Usage(input_tokens=_int(u.get("input_tokens")) + read + written,
                 output_tokens=_int(u.get("output_tokens")),
                 reasoning_tokens=_int(details.get("thinking_tokens")), cached_tokens=read)


def parse_message(spec: str, data: Any, tool: str | None) -> Response:
    """A Messages JSON body → Response. ``tool``: the structured-output tool's name."""
    if not isinstance(data, dict):
        raise dropped(spec, "reply is not a JSON object")
    if data.get("type") == "error":
        raise status_error(spec, 200, data, None, "error object in a 200 reply")
    texts: list[str] = []
    thoughts: list[str] = []
    signature: str | None = None
    redacted = False
    tool_input: Any = None
    for block in data.get("content") or []:
        kind = block.get("type")
        if kind == "thinking":
            thoughts.append(str(block.get("thinking", "")))
            signature = signature or block.get("signature") or None
        elif kind == "redacted_thinking":
            redacted = True
        elif kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "tool_use" and tool and block.get("name") == tool:
            tool_input = block.get("input")
    text = orjson.dumps(tool_input).decode() if tool_input is not None else "".join(texts)
    reasoning = Reasoning()
    if thoughts or redacted:
        reasoning = Reasoning(text="\n\n".join(thoughts), source="thinking_block",
                              signature=signature, redacted=redacted)
    return Response(text=text, reasoning=reasoning, usage=message_usage(data.get("usage")),
                    finish_reason=data.get("stop_reason"), model_id=data.get("model"), raw=data)


class MessageStream:
    """Rebuilds the Messages JSON body from stream events; ``feed`` yields deltas."""

    def __init__(self, spec: str, tool: str | None) -> None:
        self.spec, self.tool = spec, tool
        self.message: dict[str, Any] = {}
        self.blocks: dict[int, dict[str, Any]] = {}
        self.partial: dict[int, list[str]] = {}
        self.stopped = False

    def feed(self, event: dict[str, Any]) -> Iterator[tuple[str, str]]:
        kind = event.get("type")
        if kind == "message_start":
            self.message = dict(event.get("message") or {})
        elif kind == "content_block_start":
            self.blocks[event["index"]] = dict(event.get("content_block") or {})
        elif kind == "content_block_delta":
            yield from self._delta(self.blocks.setdefault(event["index"], {}), event)
        elif kind == "content_block_stop":
            idx = event["index"]
            if idx in self.partial:
                raw = "".join(self.partial.pop(idx))
                self.blocks[idx]["input"] = orjson.loads(raw) if raw.strip() else {}
        elif kind == "message_delta":
            self.message.update(event.get("delta") or {})
            usage = {**(self.message.get("usage") or {}),
                     **{k: v for k, v in (event.get("usage") or {}).items() if v is not None}}
            self.message["usage"] = usage
        elif kind == "message_stop":
            self.stopped = True

    def _delta(self, block: dict[str, Any], event: dict[str, Any]) -> Iterator[tuple[str, str]]:
        delta = event.get("delta") or {}
        dkind = delta.get("type")
        if dkind == "text_delta":
            block["text"] = block.get("text", "") + delta.get("text", "")
            yield "text", delta.get("text", "")
        elif dkind == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + delta.get("thinking", "")
            yield "reasoning", delta.get("thinking", "")
        elif dkind == "signature_delta":
            block["signature"] = delta.get("signature")
        elif dkind == "input_json_delta":
            self.partial.setdefault(event["index"], []).append(delta.get("partial_json", ""))
            if self.tool and block.get("name") == self.tool:
                yield "text", delta.get("partial_json", "")

    def payload(self) -> dict[str, Any]:
        return {**self.message, "content": [self.blocks[i] for i in sorted(self.blocks)]}


class AnthropicProvider(PrebuiltPost):
    """Provider for ``anthropic:`` specs."""

    sdk_module = anthropic

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec.spec
        self.model = spec.model
        self._spec_options = dict(spec.options)
        self.options = parse_options(AnthropicOptions, spec.spec, self._spec_options)
        self._per_request: dict[tuple[Any, ...], AnthropicOptions] = {}
        self.base_url = spec.base_url or self.options.base_url  # None: ANTHROPIC_BASE_URL
        self.key_env = self.options.api_key_env or ANTHROPIC_KEY_ENV
        self._client: anthropic.AsyncAnthropic | None = None
        self._secret: str | None = None  # the key in use, scrubbed from error messages

    def _opts(self, request: Request) -> AnthropicOptions:
        if not request.options:
            return self.options
        key = tuple(sorted((k, repr(v)) for k, v in request.options.items()))
        if key not in self._per_request:
            self._per_request[key] = parse_options(AnthropicOptions, self.spec,
                                                   self._spec_options, request.options)
        return self._per_request[key]

    def _sdk(self) -> anthropic.AsyncAnthropic:
        if self._client is None:
            key = env_key(self.key_env)
            if key is None:
                raise missing_key_error(self.spec, self.key_env)
            self._secret = key
            self._client = anthropic.AsyncAnthropic(
                api_key=key, base_url=self.base_url, timeout=self.options.timeout,
                max_retries=0, http_client=http_client(anthropic, self.options.http))
        return self._client

    def _params(self, request: Request, opts: AnthropicOptions) -> tuple[dict[str, Any], str | None]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        p: dict[str, Any] = {
            "model": self.model, "max_tokens": request.max_tokens,
            "messages": [{"role": m.role, "content": m.content}
                         for m in request.messages if m.role != "system"]}
        budget = opts.thinking_budget
        if budget:
            p["thinking"] = {"type": "enabled", "budget_tokens": budget}
            if request.max_tokens <= budget:  # the answer needs room beyond the budget
                p["max_tokens"] = budget + request.max_tokens
        else:  # with thinking on the API only accepts the default sampling settings
            sampling = {k: v for k, v in (("temperature", request.temperature),
                                          ("top_p", request.top_p)) if v is not None}
            if sampling:  # not in this SDK's signature; the wire format still takes them
                p["extra_body"] = sampling
        tool = None
        if request.response_schema is not None:
            tool = request.schema_name
            p["tools"] = [{"name": tool, "input_schema": request.response_schema,
                           "description": "Record the structured answer."}]
            if budget:
                p["tool_choice"] = {"type": "auto"}
                system = f"{system}\n\nAnswer by calling the `{tool}` tool.".strip()
            else:
                p["tool_choice"] = {"type": "tool", "name": tool}
        if system:
            p["system"] = system
        return p, tool

    def wire_request(self, request: Request) -> tuple[str, dict[str, Any]]:
        """(path, JSON body) of the non-streaming call: what ``generate`` posts and what a
        Message Batches request carries as ``params`` (sampling settings merged in)."""
        params, _ = self._params(request, self._opts(request))
        sampling = params.pop("extra_body", {})
        return "/v1/messages", {**params, **sampling}

    def parse_reply(self, data: Any, request: Request | None = None) -> Response:
        """A Messages body (from ``generate`` or a batch result) → Response."""
        tool = (request.schema_name if request is not None
                and request.response_schema is not None else None)
        return parse_message(self.spec, data, tool)

    async def stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        """Thinking/text deltas in order, then Done; a cut stream raises RetryableProviderError."""
        opts = self._opts(request)
        started = time.perf_counter()
        params, tool = self._params(request, opts)
        acc = MessageStream(self.spec, tool)
        try:
            sdk_stream = await self._sdk().messages.create(**params, stream=True,
                                                           timeout=opts.timeout)
            async with sdk_stream:
                async for event in sdk_stream:
                    for kind, text in acc.feed(event.to_dict()):
                        yield Delta(kind, text)  # type: ignore[arg-type]
        except Exception as exc:  # noqa: BLE001
            raise map_sdk_error(anthropic, self.spec, exc, opts.timeout,
                                self._secret) from None
        if not acc.stopped:
            raise dropped(self.spec, "stream ended before message_stop")
        response = parse_message(self.spec, acc.payload(), tool)
        response.latency_s = time.perf_counter() - started
        yield Done(response)

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()


def build_anthropic(spec: ModelSpec) -> AnthropicProvider:
    """Registry factory for ``anthropic:MODEL``."""
    return AnthropicProvider(spec)


def check_usable() -> tuple[bool, str]:
    """Whether the key variable is set (its value is never shown)."""
    if env_key(ANTHROPIC_KEY_ENV):
        return True, f"{ANTHROPIC_KEY_ENV} is set"
    return False, f"set {ANTHROPIC_KEY_ENV} in the environment"


def describe_transport(provider: str) -> str:
    """How calls go out by default (``http=aiohttp``), as ``judge models list`` shows it."""
    if transport("aiohttp") == "httpx":
        return "httpx via the anthropic SDK (aiohttp is not installed)"
    return "aiohttp via the anthropic SDK"
