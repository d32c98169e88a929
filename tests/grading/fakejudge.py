"""A loopback fake judge: a real HTTP server on 127.0.0.1 speaking OpenAI Chat Completions.

Replies are scripted. ``respond`` (a function of the request body) is asked first and
may return the reply, or None to pass; ``script`` is consumed one entry per request in
arrival order; ``by_marker`` maps a substring of the request's prompt to its own queue of
replies (for concurrent tests). An entry is the reply text, or ``"!500"`` / ``"!429"`` / ``"!400"`` for
an HTTP error, or ``"!length:TEXT"`` for TEXT cut off by the token limit (finish_reason
"length"). With nothing scripted the server answers with a valid instance of the
request's JSON schema (``response_format.json_schema``), so whole runs can be judged.
Every request body is kept in ``requests`` for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


def instance(schema: dict[str, Any], choose: Callable[[list[Any], str], Any], path: str = "") -> Any:
    """A value satisfying a (closed, simple) JSON schema; ``choose`` picks among enums."""
    if "enum" in schema:
        return choose(schema["enum"], path)
    kind = schema.get("type")
    if kind == "object":
        return {k: instance(v, choose, f"{path}.{k}") for k, v in schema["properties"].items()}
    if kind == "array":
        n = schema.get("minItems", 1)
        item = schema["items"]
        if "enum" in item.get("properties", {}).get("id", {}):  # coverage: each id once
            ids = item["properties"]["id"]["enum"]
            return [{**instance(item, choose, f"{path}[]"), "id": i} for i in ids[:n]]
        return [instance(item, choose, f"{path}[]") for _ in range(n)]
    if kind == "boolean":
        return False
    if kind == "integer":
        return 3
    if kind == "number":
        return 0.5
    return "fake rationale" if path.endswith("rationale") else "quoted text"


def first(options: list[Any], _path: str) -> Any:
    return options[0]


class FakeJudge:
    """The server; use as a context manager. ``url`` is the OpenAI base URL (…/v1)."""

    def __init__(self, script: list[str] | None = None,
                 by_marker: dict[str, list[str]] | None = None,
                 choose: Callable[[list[Any], str], Any] = first, delay: float = 0.0,
                 respond: Callable[[dict[str, Any]], str | None] | None = None) -> None:
        self.script = list(script or [])
        self.respond = respond
        self.by_marker = {k: list(v) for k, v in (by_marker or {}).items()}
        self.choose, self.delay = choose, delay
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def spec(self, name: str = "judge") -> str:
        return f"compat:{name}@{self.url}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_reply(self, body: dict[str, Any]) -> str:
        """The scripted reply for a request, else a valid schema instance."""
        prompt = "\n".join(str(m.get("content")) for m in body.get("messages", []))
        with self.lock:
            self.requests.append(body)
            if self.respond is not None:
                reply = self.respond(body)
                if reply is not None:
                    return reply
            for marker, queue in self.by_marker.items():
                if marker in prompt and queue:
                    return queue.pop(0)
            if self.script:
                return self.script.pop(0)
        fmt = body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema")
        if schema is None:
            return "no schema was sent"
        return json.dumps(instance(schema, self.choose))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                reply = fake.next_reply(body)
                if fake.delay:
                    time.sleep(fake.delay)
                if reply.startswith("!") and reply[1:].isdigit():
                    self._send(int(reply[1:]), {"error": {"message": f"scripted {reply[1:]}",
                                                          "type": "fake"}})
                    return
                finish = "stop"
                if reply.startswith("!length:"):
                    reply, finish = reply[len("!length:"):], "length"
                self._send(200, {
                    "id": f"chatcmpl-{len(fake.requests)}", "object": "chat.completion",
                    "created": int(time.time()), "model": body.get("model", "judge"),
                    "choices": [{"index": 0, "finish_reason": finish,
                                 "message": {"role": "assistant", "content": reply}}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": len(reply.split()),
                              "total_tokens": 100 + len(reply.split())}})

        return Handler
