"""Anthropic Messages wire format: JSON body and SSE events (thinking, redacted, tool use)."""

from __future__ import annotations

import json
from typing import Any

from tests.fakeserver.replies import Reply, pieces

SSE = tuple[str | None, Any]


def messages_request(body: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None, str | None]:
    """(prompt, all input text, tool input schema or None, tool name) of a Messages request."""
    texts: list[str] = []
    system = body.get("system")
    if isinstance(system, str):
        texts.append(system)
    elif isinstance(system, list):
        texts += [str(b.get("text", "")) for b in system if isinstance(b, dict)]
    users: list[str] = []
    for m in body.get("messages") or []:
        content = m.get("content")
        if isinstance(content, list):
            content = " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
        texts.append(str(content))
        if m.get("role") == "user":
            users.append(str(content))
    tools = body.get("tools") or []
    choice = body.get("tool_choice") or {}
    tool = None
    if tools and choice.get("type") in ("tool", "any", "auto"):
        wanted = choice.get("name")
        tool = next((t for t in tools if t.get("name") == wanted), tools[0])
    schema = tool.get("input_schema") if tool else None
    return (users[-1] if users else ""), "\n".join(texts), schema, (tool or {}).get("name")


def _blocks(r: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if r.mode in ("thinking", "thinking+redacted"):
        blocks.append({"type": "thinking", "thinking": r.reasoning, "signature": f"sig-{r.key}"})
    if r.mode in ("redacted", "thinking+redacted"):
        blocks.append({"type": "redacted_thinking", "data": f"ENCRYPTED-{r.key}"})
    if r.json_obj is not None and r.tool_name:
        blocks.append({"type": "tool_use", "id": f"toolu_{r.key}", "name": r.tool_name,
                       "input": r.json_obj})
    else:
        blocks.append({"type": "text", "text": r.text})
    return blocks


def _usage(r: Reply) -> dict[str, Any]:
    return {"input_tokens": r.input_tokens, "cache_read_input_tokens": r.cached_tokens,
            "cache_creation_input_tokens": 0,
            "output_tokens": r.output_tokens + r.reasoning_tokens,
            "output_tokens_details": {"thinking_tokens": r.reasoning_tokens}}


def message_json(r: Reply) -> dict[str, Any]:
    blocks = _blocks(r)
    stop = "tool_use" if blocks[-1]["type"] == "tool_use" else "end_turn"
    return {"id": f"msg_{r.key}", "type": "message", "role": "assistant", "model": r.model,
            "content": blocks, "stop_reason": stop, "stop_sequence": None, "usage": _usage(r)}


def message_sse(r: Reply) -> list[SSE]:
    final = message_json(r)
    events: list[SSE] = [("message_start", {"type": "message_start", "message": {
        **final, "content": [], "stop_reason": None,
        "usage": {**final["usage"], "output_tokens": 1}}}), ("ping", {"type": "ping"})]
    for idx, block in enumerate(final["content"]):
        kind = block["type"]
        start = {"thinking": {"type": "thinking", "thinking": "", "signature": ""},
                 "text": {"type": "text", "text": ""},
                 "tool_use": {**block, "input": {}}}.get(kind, block)
        events.append(("content_block_start", {"type": "content_block_start", "index": idx,
                                               "content_block": start}))
        deltas: list[dict[str, Any]] = []
        if kind == "thinking":
            deltas = [{"type": "thinking_delta", "thinking": p} for p in pieces(block["thinking"], 24)]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        elif kind == "text":
            deltas = [{"type": "text_delta", "text": p} for p in pieces(block["text"])]
        elif kind == "tool_use":
            deltas = [{"type": "input_json_delta", "partial_json": p}
                      for p in pieces(json.dumps(block["input"]), 5)]
        events += [("content_block_delta", {"type": "content_block_delta", "index": idx,
                                            "delta": d}) for d in deltas]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": idx}))
    events.append(("message_delta", {"type": "message_delta",
                                     "delta": {"stop_reason": final["stop_reason"],
                                               "stop_sequence": None},
                                     "usage": {"output_tokens": final["usage"]["output_tokens"]}}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def anthropic_error(status: int, message: str) -> dict[str, Any]:
    kinds = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
             404: "not_found_error", 408: "timeout_error", 409: "invalid_request_error",
             429: "rate_limit_error", 529: "overloaded_error"}
    return {"type": "error", "error": {"type": kinds.get(status, "api_error"), "message": message}}


def stream_error() -> SSE:
    return "error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
