"""OpenAI (Chat Completions and Responses API) and any OpenAI-compatible server.

Specs: ``openai:MODEL[?api=responses&reasoning_effort=low]`` and
``compat:MODEL@BASE_URL[?api_key_env=VAR]``. The SDK client is built with
``max_retries=0`` (judge.runner owns retries) and every SDK error is mapped to a judge
ProviderError here. ``OPENAI_BASE_URL`` is honoured when the spec names no base_url.

``compat:`` calls (``generate``) post their body with aiohttp directly
(judge.providers.direct), and the openai SDK is imported only when something needs it:
streaming, ``openai:`` specs, ``http=httpx``, or aiohttp not importable (then the SDK's
httpx transport is used). A run against a local server does not pay for importing the
SDK.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

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
    transport,
)
from judge.providers.openai_wire import (
    ChatStream,
    ResponsesStream,
    parse_chat,
    parse_responses,
)
from judge.providers.registry import ModelSpec

if TYPE_CHECKING:
    import openai

OPENAI_KEY_ENV = "OPENAI_API_KEY"
DUMMY_KEY = "not-needed"  # compat servers without auth still get a bearer header


class OpenAIOptions(ProviderOptions):
    """Options of ``openai:`` specs (and of ``compat:``, which changes two defaults)."""

    api: Literal["chat", "responses"] = "chat"
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    reasoning_summary: Literal["auto", "concise", "detailed"] | None = None
    max_tokens_param: Literal["max_completion_tokens", "max_tokens"] = "max_completion_tokens"
    strict_schema: bool = False  # OpenAI strict structured outputs (schema must qualify)
    think_tags: bool = True  # split <think>…</think> out of the text
    stream_usage: bool = True  # ask for usage in chat streams (stream_options)


class CompatOptions(OpenAIOptions):
    """Options of ``compat:`` specs: ``max_tokens`` as most servers expect."""

    max_tokens_param: Literal["max_completion_tokens", "max_tokens"] = "max_tokens"


def _openai() -> ModuleType:
    import openai  # ~0.6 s: imported on first use only

    return openai


class OpenAIProvider(PrebuiltPost):
    """Provider for ``openai:`` and ``compat:`` specs (they share the wire code)."""

    def __init__(self, spec: ModelSpec, *, compat: bool) -> None:
        self.spec = spec.spec
        self.model = spec.model
        self.compat = compat
        self._options_model = CompatOptions if compat else OpenAIOptions
        self._spec_options = dict(spec.options)
        self.options = parse_options(self._options_model, spec.spec, self._spec_options)
        self._per_request: dict[tuple[Any, ...], OpenAIOptions] = {}
        self.base_url = spec.base_url or self.options.base_url  # None: SDK reads OPENAI_BASE_URL
        self.key_env = self.options.api_key_env or (None if compat else OPENAI_KEY_ENV)
        self._client: openai.AsyncOpenAI | None = None
        self._direct: Any = None  # a direct.JsonPost: compat calls without the SDK
        self._secret: str | None = None  # the key in use, scrubbed from error messages

    # --- plumbing ------------------------------------------------------------------------

    @property
    def sdk_module(self) -> ModuleType:  # type: ignore[override]
        return _openai()

    @property
    def direct(self) -> bool:
        """Whether calls skip the SDK: ``compat:`` with the aiohttp transport (the default,
        when aiohttp is importable)."""
        return self.compat and transport(self.options.http) == "aiohttp"

    def _key(self) -> str | None:
        """The API key from the environment (None: no key is needed)."""
        key = env_key(self.key_env) if self.key_env else None
        if self.key_env and key is None:
            raise missing_key_error(self.spec, self.key_env)
        self._secret = key
        return key

    def _opts(self, request: Request) -> OpenAIOptions:
        if not request.options:
            return self.options
        key = tuple(sorted((k, repr(v)) for k, v in request.options.items()))
        if key not in self._per_request:
            self._per_request[key] = parse_options(self._options_model, self.spec,
                                                   self._spec_options, request.options)
        return self._per_request[key]

    def _sdk(self) -> openai.AsyncOpenAI:
        if self._client is None:
            key = self._key()
            sdk = _openai()
            self._client = sdk.AsyncOpenAI(api_key=key or DUMMY_KEY, base_url=self.base_url,
                                           timeout=self.options.timeout, max_retries=0,
                                           http_client=http_client(sdk, self.options.http))
        return self._client

    async def post_json(self, path: str, body: Any, timeout: float) -> Any:
        if not self.direct:
            return await super().post_json(path, body, timeout)
        if self._direct is None:
            from judge.providers.direct import JsonPost  # imports aiohttp

            auth = {"Authorization": f"Bearer {self._key() or DUMMY_KEY}"}
            self._direct = JsonPost(self.spec, str(self.base_url), auth)
        return await self._direct.post(path, body, timeout, self._secret)

    def _params(self, request: Request, opts: OpenAIOptions, stream: bool) -> dict[str, Any]:
        msgs = [{"role": m.role, "content": m.content} for m in request.messages]
        p: dict[str, Any] = {"model": self.model}
        if request.temperature is not None:
            p["temperature"] = request.temperature
        if request.top_p is not None:
            p["top_p"] = request.top_p
        schema = request.response_schema
        fmt = ({"name": request.schema_name, "schema": schema, "strict": opts.strict_schema}
               if schema is not None else None)
        if opts.api == "responses":
            p.update(input=msgs, max_output_tokens=request.max_tokens, store=False)
            if opts.reasoning_effort or opts.reasoning_summary:
                p["reasoning"] = {k: v for k, v in (("effort", opts.reasoning_effort),
                                                    ("summary", opts.reasoning_summary or "auto"))
                                  if v}
            if fmt:
                p["text"] = {"format": {"type": "json_schema", **fmt}}
        else:
            p.update(messages=msgs)
            p[opts.max_tokens_param] = request.max_tokens
            if request.seed is not None:
                p["seed"] = request.seed
            if opts.reasoning_effort:
                p["reasoning_effort"] = opts.reasoning_effort
            if fmt:
                p["response_format"] = {"type": "json_schema", "json_schema": fmt}
            if stream and opts.stream_usage:
                p["stream_options"] = {"include_usage": True}
        return p

    def _endpoint(self, opts: OpenAIOptions) -> Any:
        client = self._sdk()
        return client.responses if opts.api == "responses" else client.chat.completions

    # --- wire body and reply parsing (shared by generate and batch mode) ------------------

    def wire_request(self, request: Request) -> tuple[str, dict[str, Any]]:
        """(path under the base URL, JSON body) of the non-streaming call for ``request``:
        what ``generate`` posts and what a batch line carries."""
        opts = self._opts(request)
        path = "/responses" if opts.api == "responses" else "/chat/completions"
        return path, self._params(request, opts, False)

    def parse_reply(self, data: Any, request: Request | None = None) -> Response:
        """A reply body (from ``generate`` or a batch result) → Response; ``request`` gives
        per-request options (None: the spec's own)."""
        opts = self.options if request is None else self._opts(request)
        if opts.api == "responses":
            return parse_responses(self.spec, data)
        return parse_chat(self.spec, data, opts.think_tags)

    # --- Provider protocol ---------------------------------------------------------------

    async def stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        """Reasoning/text deltas in order, then Done; a cut stream raises RetryableProviderError."""
        opts = self._opts(request)
        started = time.perf_counter()
        try:
            endpoint = self._endpoint(opts)
            sdk_stream = await endpoint.create(**self._params(request, opts, True), stream=True,
                                               timeout=opts.timeout)
            async with sdk_stream:
                if opts.api == "responses":
                    response = None
                    async for event in self._responses_events(sdk_stream):
                        if isinstance(event, Response):
                            response = event
                        else:
                            yield event
                else:
                    acc = ChatStream(self.spec, opts.think_tags)
                    async for chunk in sdk_stream:
                        for kind, text in acc.feed(chunk.to_dict()):
                            yield Delta(kind, text)  # type: ignore[arg-type]
                    for kind, text in acc.flush():
                        yield Delta(kind, text)  # type: ignore[arg-type]
                    if acc.finish is None:
                        raise dropped(self.spec, "stream ended before the reply was complete")
                    response = parse_chat(self.spec, acc.payload(), opts.think_tags)
        except Exception as exc:  # noqa: BLE001
            raise map_sdk_error(self.sdk_module, self.spec, exc, opts.timeout,
                                self._secret) from None
        if response is None:
            raise dropped(self.spec, "stream ended before the reply was complete")
        response.latency_s = time.perf_counter() - started
        yield Done(response)

    async def _responses_events(self, sdk_stream: Any) -> AsyncIterator[Delta | Response]:
        acc = ResponsesStream(self.spec)
        async for event in sdk_stream:
            for kind, text in acc.feed(event.to_dict()):
                yield Delta(kind, text)  # type: ignore[arg-type]
        if acc.final is None:
            raise dropped(self.spec, "stream ended before response.completed")
        yield parse_responses(self.spec, acc.final)

    async def aclose(self) -> None:
        if self._direct is not None:
            direct, self._direct = self._direct, None
            await direct.aclose()
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()


def build_openai(spec: ModelSpec) -> OpenAIProvider:
    """Registry factory for ``openai:MODEL``."""
    return OpenAIProvider(spec, compat=False)


def build_compat(spec: ModelSpec) -> OpenAIProvider:
    """Registry factory for ``compat:MODEL@BASE_URL``."""
    return OpenAIProvider(spec, compat=True)


def check_usable() -> tuple[bool, str]:
    """Compat servers need no key; report whether OPENAI_API_KEY is set for ``openai:``."""
    state = "set" if env_key(OPENAI_KEY_ENV) else "not set (needed for openai: specs)"
    return True, f"any OpenAI-compatible server; {OPENAI_KEY_ENV} is {state}"


def describe_transport(provider: str) -> str:
    """How calls go out by default (``http=aiohttp``), as ``judge models list`` shows it."""
    if transport("aiohttp") == "httpx":
        return "httpx via the openai SDK (aiohttp is not installed)"
    if provider == "compat":
        return "aiohttp, direct (no SDK); streaming via the openai SDK"
    return "aiohttp via the openai SDK"
