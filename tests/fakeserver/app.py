"""The aiohttp application: OpenAI Chat / Responses and Anthropic Messages, plus controls.

Routes: POST /v1/chat/completions, /v1/responses, /v1/messages (JSON or SSE when the body
says ``"stream": true``); POST /_fake/config (replace the FakeConfig), GET /_fake/stats
(``?detail=1`` adds per-prompt attempts, successes and timestamps), POST /_fake/reset.
The batch endpoints of both vendors (files, batches, results) live in ``batches``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from tests.fakeserver import wire_anthropic as wa
from tests.fakeserver import wire_openai as wo
from tests.fakeserver.config import FakeConfig, Fault, Stats, choose_fault, prompt_key
from tests.fakeserver.replies import make_reply

STATUS_FAULTS = {"400", "401", "403", "404", "408", "409", "422", "429", "500", "503", "529"}
BROKEN_JSON = b'{"id": "broken", "choices": [{"index": 0, "message": {"content": "'


class State:
    """Mutable server state: the current config and the counters."""

    def __init__(self, config: FakeConfig) -> None:
        self.config = config
        self.stats = Stats()


def _presented_key(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key", "")


def _resolve_mode(api: str, mode: str, body: dict[str, Any]) -> str:
    if mode != "auto":
        return mode
    if api == "responses":
        return "summary" if (body.get("reasoning") or {}).get("summary") else "none"
    if api == "messages":
        return "thinking" if (body.get("thinking") or {}).get("type") == "enabled" else "none"
    return "none"


def _sse(name: str | None, data: Any) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {payload}\n\n".encode()


def _error_response(api: str, fault: Fault, key: str) -> web.Response:
    status = int(fault.kind)
    message = fault.message or {
        401: f"Incorrect API key provided: {key}.", 429: "Rate limit reached; slow down.",
        529: "Overloaded", 404: "The model does not exist.",
        400: "Invalid request: unsupported parameter.",
    }.get(status, "The server had an error while processing your request.")
    body = wa.anthropic_error(status, message) if api == "messages" else wo.openai_error(status, message)
    headers = {}
    if fault.retry_after is not None:
        headers["retry-after"] = f"{fault.retry_after:g}"
    if fault.retry_after_ms is not None:
        headers["retry-after-ms"] = f"{fault.retry_after_ms:g}"
    return web.json_response(body, status=status, headers=headers)


def _cut(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.close()


def _gone(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()


class Handler:
    """One vendor endpoint."""

    def __init__(self, state: State, api: str) -> None:
        self.state, self.api = state, api

    def _parse(self, body: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None, str | None]:
        if self.api == "chat":
            return (*wo.chat_request(body), None)
        if self.api == "responses":
            return (*wo.responses_request(body), None)
        return wa.messages_request(body)

    def _payload(self, reply: Any, stream: bool, body: dict[str, Any]) -> Any:
        if self.api == "chat":
            usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return wo.chat_sse(reply, usage) if stream else wo.chat_json(reply)
        if self.api == "responses":
            return wo.responses_sse(reply) if stream else wo.responses_json(reply)
        return wa.message_sse(reply) if stream else wa.message_json(reply)

    def _stream_error(self) -> tuple[str | None, Any]:
        return {"chat": wo.chat_stream_error, "responses": wo.responses_stream_error,
                "messages": wa.stream_error}[self.api]()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        cfg, stats = self.state.config, self.state.stats
        model = str(body.get("model", ""))
        prompt, input_text, schema, tool = self._parse(body)
        key = prompt_key(model, input_text)
        attempt = stats.begin(request.path, model, key, cfg.track_times)
        stats.last_body[request.path] = body
        stats.last_headers[request.path] = {k.lower(): v for k, v in request.headers.items()}
        outcome = "cancelled"
        try:
            presented = _presented_key(request)
            if cfg.api_keys is not None and presented not in cfg.api_keys:
                fault: Fault | None = Fault(kind="401")
            else:
                fault = choose_fault(cfg, stats, model, prompt, key, attempt)
            behavior = cfg.behavior(model)
            latency = behavior.latency if behavior.latency is not None else cfg.latency
            if fault is not None and fault.kind == "slow":
                outcome = "slow"
                await asyncio.sleep(fault.delay)
                if _gone(request):
                    return web.Response(status=499)
                fault = None
            elif latency and not (fault is not None and fault.kind == "429"):
                await asyncio.sleep(latency)  # rate limiting answers at once, before the model
            if fault is not None and fault.kind in STATUS_FAULTS:
                outcome = fault.kind
                return _error_response(self.api, fault, presented)
            mode = _resolve_mode(self.api, behavior.reasoning, body)
            reply = make_reply(behavior, key=key, model=model, prompt=prompt, input_text=input_text,
                               mode=mode, schema=schema, tool_name=tool)
            stream = bool(body.get("stream"))
            payload = self._payload(reply, stream, body)
            if stream:
                resp, outcome = await self._send_stream(request, payload, fault, cfg.chunk_delay)
                return resp
            resp, outcome = await self._send_json(request, payload, fault)
            return resp
        finally:
            stats.end(model, key, outcome)

    async def _send_json(self, request: web.Request, payload: Any,
                         fault: Fault | None) -> tuple[web.StreamResponse, str]:
        if fault is not None and fault.kind == "malformed" and isinstance(payload, dict):
            payload = {**payload, "model": 12345}
        data = json.dumps(payload).encode()
        if fault is not None and fault.kind == "invalid_json":
            return web.Response(body=BROKEN_JSON, content_type="application/json"), "invalid_json"
        if fault is not None and fault.kind in ("drop", "stream_error"):
            resp = web.StreamResponse(headers={"Content-Type": "application/json"})
            resp.content_length = len(data)
            await resp.prepare(request)
            await resp.write(data[: len(data) // 2])
            _cut(request)
            return resp, "drop"
        return web.Response(body=data, content_type="application/json"), "ok"

    async def _send_stream(self, request: web.Request, events: list[Any], fault: Fault | None,
                           delay: float) -> tuple[web.StreamResponse, str]:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache"})
        await resp.prepare(request)
        cut_at = fault.after_events if fault is not None else -1
        for i, (name, data) in enumerate(events):
            if i == cut_at:
                assert fault is not None
                if fault.kind == "drop":
                    _cut(request)
                    return resp, "drop"
                if fault.kind == "invalid_json":
                    await resp.write(b"data: {\"broken\": \n\n")
                    await resp.write_eof()
                    return resp, "invalid_json"
                if fault.kind == "stream_error":
                    await resp.write(_sse(*self._stream_error()))
                    await resp.write_eof()
                    return resp, "stream_error"
            await resp.write(_sse(name, data))
            if delay:
                await asyncio.sleep(delay)
        await resp.write_eof()
        return resp, "ok"


def make_app(state: State) -> web.Application:
    """Build the aiohttp application serving all three wire formats and the controls."""

    async def set_config(request: web.Request) -> web.Response:
        state.config = FakeConfig.model_validate(await request.json())
        state.stats.script_pos = 0
        return web.json_response({"ok": True})

    async def get_stats(request: web.Request) -> web.Response:
        detail = request.query.get("detail") == "1"
        return web.json_response(state.stats.summary(detail))

    async def reset(request: web.Request) -> web.Response:
        state.stats = Stats()
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/v1/chat/completions", Handler(state, "chat").handle)
    app.router.add_post("/v1/responses", Handler(state, "responses").handle)
    app.router.add_post("/v1/messages", Handler(state, "messages").handle)
    app.router.add_post("/_fake/config", set_config)
    app.router.add_get("/_fake/stats", get_stats)
    app.router.add_post("/_fake/reset", reset)
    from tests.fakeserver.batches import add_batch_routes  # imports this module

    add_batch_routes(app, state)
    return app
