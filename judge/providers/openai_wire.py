"""OpenAI wire payloads → vendor-neutral Responses (Chat Completions and Responses API).

Shared by the ``openai`` and ``compat`` providers. Parsers take the decoded JSON dict (the
raw payload kept in ``Response.raw``); the streaming accumulators rebuild that same dict
from SSE events so a streamed reply ends in exactly what ``generate`` would return.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from judge.errors import ProviderError
from judge.providers.base import Response
from judge.providers.common import dropped, status_error
from judge.providers.thinktags import ThinkStream, split_think
from judge.records import Reasoning, Usage


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) else 0


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # some servers send content parts
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def reply_error(spec: str, data: dict[str, Any]) -> ProviderError:
    """A 200 reply that carries an error object instead of an answer."""
    return status_error(spec, 200, data, None, "error object in a 200 reply")


# --- Chat Completions -------------------------------------------------------------------

def chat_usage(u: dict[str, Any] | None) -> Usage:
    """Usage from a chat ``usage`` object (output includes reasoning tokens)."""
    if not u:
        return Usage()
    out_details = u.get("completion_tokens_details") or {}
    in_details = u.get("prompt_tokens_details") or {}
    return Usage(input_tokens=_int(u.get("prompt_tokens")),
                 output_tokens=_int(u.get("completion_tokens")),
                 reasoning_tokens=_int(out_details.get("reasoning_tokens")),
                 cached_tokens=_int(in_details.get("cached_tokens")))


def parse_chat(spec: str, data: Any, think_tags: bool) -> Response:
    """A Chat Completions JSON body → Response (reasoning fields, else ``<think>`` tags)."""
    if not isinstance(data, dict):
        raise dropped(spec, "reply is not a JSON object")
    choices = data.get("choices") or []
    if not choices:
        if data.get("error"):
            raise reply_error(spec, data)
        raise dropped(spec, "reply has no choices")
    choice = choices[0]
    msg = choice.get("message") or {}
    text = _content_text(msg.get("content")) or str(msg.get("refusal") or "")
    reasoning = Reasoning()
    field = msg.get("reasoning_content") or msg.get("reasoning")
    if isinstance(field, str) and field:
        reasoning = Reasoning(text=field, source="reasoning_content")
    elif think_tags:
        split = split_think(text)
        if split.found:
            text = split.answer
            reasoning = Reasoning(text=split.reasoning, source="think_tags")
    return Response(text=text, reasoning=reasoning, usage=chat_usage(data.get("usage")),
                    finish_reason=choice.get("finish_reason"), model_id=data.get("model"),
                    raw=data)


class ChatStream:
    """Accumulates ``chat.completion.chunk`` dicts; ``feed`` yields (kind, text) deltas."""

    def __init__(self, spec: str, think_tags: bool) -> None:
        self.spec = spec
        self.splitter = ThinkStream() if think_tags else None
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.field = ""
        self.finish: str | None = None
        self.usage: dict[str, Any] | None = None
        self.head: dict[str, Any] = {}

    def feed(self, chunk: dict[str, Any]) -> Iterator[tuple[str, str]]:
        if chunk.get("error"):
            raise reply_error(self.spec, chunk)
        if not self.head:
            self.head = {k: chunk.get(k) for k in ("id", "model", "created", "system_fingerprint")}
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            for name in ("reasoning_content", "reasoning"):
                piece = delta.get(name)
                if isinstance(piece, str) and piece:
                    self.field = self.field or name
                    self.reasoning.append(piece)
                    yield "reasoning", piece
            piece = _content_text(delta.get("content"))
            if piece:
                self.content.append(piece)
                if self.splitter is not None and not self.field:
                    yield from self.splitter.feed(piece)
                else:
                    yield "text", piece
            if choice.get("finish_reason"):
                self.finish = choice["finish_reason"]

    def flush(self) -> Iterator[tuple[str, str]]:
        if self.splitter is not None and not self.field:
            yield from self.splitter.close()

    def payload(self) -> dict[str, Any]:
        """The chat.completion dict this stream amounts to."""
        message: dict[str, Any] = {"role": "assistant", "content": "".join(self.content)}
        if self.field:
            message[self.field] = "".join(self.reasoning)
        return {**self.head, "object": "chat.completion", "usage": self.usage,
                "choices": [{"index": 0, "message": message, "finish_reason": self.finish}]}


# --- Responses API ----------------------------------------------------------------------

def responses_usage(u: dict[str, Any] | None) -> Usage:
    if not u:
        return Usage()
    return Usage(input_tokens=_int(u.get("input_tokens")),
                 output_tokens=_int(u.get("output_tokens")),
                 reasoning_tokens=_int((u.get("output_tokens_details") or {}).get("reasoning_tokens")),
                 cached_tokens=_int((u.get("input_tokens_details") or {}).get("cached_tokens")))


def _reasoning_from_items(items: list[dict[str, Any]]) -> Reasoning:
    summaries: list[str] = []
    contents: list[str] = []
    seen = False
    for item in items:
        seen = True
        summaries += [str(s.get("text", "")) for s in item.get("summary") or []]
        contents += [str(c.get("text", "")) for c in item.get("content") or []
                     if c.get("type") == "reasoning_text"]
    if contents:
        return Reasoning(text="\n\n".join(contents), source="reasoning_content")
    if any(summaries):
        return Reasoning(text="\n\n".join(s for s in summaries if s),
                         source="reasoning_summary", summary=True)
    if seen:  # the model reasoned, but nothing readable came back
        return Reasoning(source="reasoning_summary", summary=True, redacted=True)
    return Reasoning()


def parse_responses(spec: str, data: Any) -> Response:
    """A Responses API JSON body → Response (reasoning summary items kept as reasoning)."""
    if not isinstance(data, dict):
        raise dropped(spec, "reply is not a JSON object")
    status = data.get("status")
    if status == "failed" or (data.get("error") and not data.get("output")):
        err = data.get("error") or {}
        raise reply_error(spec, {"error": {"type": err.get("code"), "message": err.get("message")}})
    texts: list[str] = []
    reasoning_items: list[dict[str, Any]] = []
    for item in data.get("output") or []:
        kind = item.get("type")
        if kind == "reasoning":
            reasoning_items.append(item)
        elif kind == "message":
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    texts.append(str(part.get("text", "")))
                elif part.get("type") == "refusal":
                    texts.append(str(part.get("refusal", "")))
    finish: str | None = "stop"
    if status != "completed":
        finish = (data.get("incomplete_details") or {}).get("reason") or status
    return Response(text="".join(texts), reasoning=_reasoning_from_items(reasoning_items),
                    usage=responses_usage(data.get("usage")), finish_reason=finish,
                    model_id=data.get("model"), raw=data)


class ResponsesStream:
    """Turns Responses API stream events (dicts) into (kind, text) deltas; keeps the final."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.final: dict[str, Any] | None = None

    def feed(self, event: dict[str, Any]) -> Iterator[tuple[str, str]]:
        kind = event.get("type", "")
        if kind == "response.reasoning_summary_part.added" and event.get("summary_index"):
            yield "reasoning", "\n\n"
        elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            yield "reasoning", str(event.get("delta", ""))
        elif kind == "response.output_text.delta":
            yield "text", str(event.get("delta", ""))
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            self.final = event.get("response") or {}
        elif kind == "error":
            raise reply_error(self.spec, {"error": {"type": event.get("code"),
                                                    "message": event.get("message")}})
