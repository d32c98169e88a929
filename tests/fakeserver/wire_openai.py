"""OpenAI wire formats: Chat Completions and Responses, as JSON bodies and SSE events.

An SSE event is ``(event_name | None, data)`` where data is a dict or a raw string.
"""

from __future__ import annotations

import time
from typing import Any

from tests.fakeserver.replies import Reply, pieces

SSE = tuple[str | None, Any]


# --- Chat Completions -------------------------------------------------------------------

def chat_request(body: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None]:
    """(prompt, all input text, json schema or None) of a chat request."""
    msgs = body.get("messages") or []
    texts = [m.get("content") if isinstance(m.get("content"), str) else str(m.get("content"))
             for m in msgs]
    users = [t for m, t in zip(msgs, texts) if m.get("role") == "user"]
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema") if fmt.get("type") == "json_schema" else None
    return (users[-1] if users else ""), "\n".join(texts), schema


def _chat_content(r: Reply) -> tuple[str, dict[str, str], str]:
    """(content, extra message fields, finish_reason) for a reasoning mode."""
    if r.mode == "reasoning_content":
        return r.text, {"reasoning_content": r.reasoning}, "stop"
    if r.mode == "reasoning":
        return r.text, {"reasoning": r.reasoning}, "stop"
    if r.mode == "think_tags":
        return f"<think>\n{r.reasoning}\n</think>\n\n{r.text}", {}, "stop"
    if r.mode == "think_unclosed":
        return f"<think>\n{r.reasoning}", {}, "length"
    if r.mode == "think_open":
        return f"{r.reasoning}\n</think>\n\n{r.text}", {}, "stop"
    return r.text, {}, "stop"


def _chat_usage(r: Reply) -> dict[str, Any]:
    out = r.output_tokens + r.reasoning_tokens
    return {"prompt_tokens": r.input_tokens, "completion_tokens": out,
            "total_tokens": r.input_tokens + out,
            "completion_tokens_details": {"reasoning_tokens": r.reasoning_tokens},
            "prompt_tokens_details": {"cached_tokens": r.cached_tokens}}


def chat_json(r: Reply) -> dict[str, Any]:
    content, extra, finish = _chat_content(r)
    return {"id": f"chatcmpl-{r.key}", "object": "chat.completion", "created": int(time.time()),
            "model": r.model, "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "logprobs": None, "finish_reason": finish,
                         "message": {"role": "assistant", "content": content, **extra}}],
            "usage": _chat_usage(r)}


def chat_sse(r: Reply, include_usage: bool) -> list[SSE]:
    content, extra, finish = _chat_content(r)
    base = {"id": f"chatcmpl-{r.key}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": r.model, "system_fingerprint": "fp_fake"}

    def chunk(delta: dict[str, Any], fin: str | None = None) -> SSE:
        return None, {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                           "finish_reason": fin}]}

    events = [chunk({"role": "assistant", "content": ""})]
    for field, value in extra.items():
        events += [chunk({field: p}) for p in pieces(value, 24)]
    events += [chunk({"content": p}) for p in pieces(content)]
    events.append(chunk({}, finish))
    if include_usage:
        events.append((None, {**base, "choices": [], "usage": _chat_usage(r)}))
    events.append((None, "[DONE]"))
    return events


# --- Responses --------------------------------------------------------------------------

def responses_request(body: dict[str, Any]) -> tuple[str, str, dict[str, Any] | None]:
    """(prompt, all input text, json schema or None) of a Responses request."""
    inp = body.get("input")
    items = [{"role": "user", "content": inp}] if isinstance(inp, str) else list(inp or [])
    pairs: list[tuple[str, str]] = []
    for item in items:
        content = item.get("content")
        if isinstance(content, list):
            content = " ".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
        pairs.append((str(item.get("role")), str(content or "")))
    texts = [t for _, t in pairs]
    if body.get("instructions"):
        texts.insert(0, str(body["instructions"]))
    users = [t for role, t in pairs if role == "user"]
    fmt = (body.get("text") or {}).get("format") or {}
    schema = fmt.get("schema") if fmt.get("type") == "json_schema" else None
    return (users[-1] if users else ""), "\n".join(texts), schema


def _reasoning_item(r: Reply) -> dict[str, Any] | None:
    if r.mode == "summary":
        sentences = r.reasoning.split(". ")
        head, tail = ". ".join(sentences[:2]), ". ".join(sentences[2:])
        parts = [head + "." if tail else head, tail] if tail else [head]
        return {"id": f"rs_{r.key}", "type": "reasoning", "status": "completed",
                "summary": [{"type": "summary_text", "text": p} for p in parts]}
    if r.mode == "reasoning_text":
        return {"id": f"rs_{r.key}", "type": "reasoning", "status": "completed", "summary": [],
                "content": [{"type": "reasoning_text", "text": r.reasoning}]}
    return None


def _message_item(r: Reply) -> dict[str, Any]:
    return {"id": f"msg_{r.key}", "type": "message", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": r.text, "annotations": []}]}


def responses_json(r: Reply, status: str = "completed") -> dict[str, Any]:
    output = [item for item in (_reasoning_item(r), _message_item(r)) if item]
    return {"id": f"resp_{r.key}", "object": "response", "created_at": int(time.time()),
            "status": status, "model": r.model, "output": output, "error": None,
            "incomplete_details": None, "parallel_tool_calls": True, "tools": [],
            "tool_choice": "auto",
            "usage": {"input_tokens": r.input_tokens,
                      "input_tokens_details": {"cached_tokens": r.cached_tokens,
                                               "cache_write_tokens": 0},
                      "output_tokens": r.output_tokens + r.reasoning_tokens,
                      "output_tokens_details": {"reasoning_tokens": r.reasoning_tokens},
                      "total_tokens": r.input_tokens + r.output_tokens + r.reasoning_tokens}}


def responses_sse(r: Reply) -> list[SSE]:
    seq = iter(range(1_000_000))
    events: list[SSE] = []

    def ev(kind: str, **data: Any) -> None:
        events.append((kind, {"type": kind, "sequence_number": next(seq), **data}))

    final = responses_json(r)
    ev("response.created", response={**final, "status": "in_progress", "output": [],
                                     "usage": None})
    for idx, item in enumerate(final["output"]):
        ev("response.output_item.added", output_index=idx,
           item={**item, "status": "in_progress", "summary": [], "content": []}
           if item["type"] == "reasoning" else {**item, "status": "in_progress", "content": []})
        if item["type"] == "reasoning":
            for si, part in enumerate(item["summary"]):
                ev("response.reasoning_summary_part.added", item_id=item["id"], output_index=idx,
                   summary_index=si, part={"type": "summary_text", "text": ""})
                for p in pieces(part["text"], 24):
                    ev("response.reasoning_summary_text.delta", item_id=item["id"],
                       output_index=idx, summary_index=si, delta=p)
                ev("response.reasoning_summary_text.done", item_id=item["id"], output_index=idx,
                   summary_index=si, text=part["text"])
                ev("response.reasoning_summary_part.done", item_id=item["id"], output_index=idx,
                   summary_index=si, part=part)
            for ci, part in enumerate(item.get("content") or []):
                for p in pieces(part["text"], 24):
                    ev("response.reasoning_text.delta", item_id=item["id"], output_index=idx,
                       content_index=ci, delta=p)
                ev("response.reasoning_text.done", item_id=item["id"], output_index=idx,
                   content_index=ci, text=part["text"])
        else:
            ev("response.content_part.added", item_id=item["id"], output_index=idx,
               content_index=0, part={"type": "output_text", "text": "", "annotations": []})
            for p in pieces(r.text):
                ev("response.output_text.delta", item_id=item["id"], output_index=idx,
                   content_index=0, delta=p, logprobs=[])
            ev("response.output_text.done", item_id=item["id"], output_index=idx,
               content_index=0, text=r.text, logprobs=[])
            ev("response.content_part.done", item_id=item["id"], output_index=idx,
               content_index=0, part=item["content"][0])
        ev("response.output_item.done", output_index=idx, item=item)
    ev("response.completed", response=final)
    return events


def openai_error(status: int, message: str) -> dict[str, Any]:
    kinds = {400: "invalid_request_error", 401: "invalid_request_error", 403: "permission_error",
             404: "invalid_request_error", 429: "rate_limit_exceeded"}
    codes = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}
    return {"error": {"message": message, "type": kinds.get(status, "server_error"),
                      "param": None, "code": codes.get(status)}}


def chat_stream_error() -> SSE:
    return None, {"error": {"message": "The server had an error while processing your request.",
                            "type": "server_error", "param": None, "code": None}}


def responses_stream_error() -> SSE:
    return "error", {"type": "error", "code": "server_error", "sequence_number": 99,
                     "message": "The server had an error while processing your request.",
                     "param": None}
