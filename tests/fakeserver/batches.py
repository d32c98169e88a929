"""Batch endpoints on the fake server: OpenAI Files + Batch API and Anthropic Message Batches.

Each item of a batch is answered by the same reply builder as the online endpoints (so a
batch result parses to the same Response as an online call). Routes:

    POST /v1/files                          multipart upload (purpose=batch)
    GET  /v1/files/{id}/content             input, output and error files
    POST /v1/batches                        create (validates the input file)
    GET  /v1/batches/{id}                   retrieve (advances the batch)
    POST /v1/batches/{id}/cancel
    POST /v1/messages/batches               create (validated synchronously, like Anthropic)
    GET  /v1/messages/batches/{id}          retrieve (advances the batch)
    POST /v1/messages/batches/{id}/cancel
    GET  /v1/messages/batches/{id}/results  JSONL results

Controls: POST /_fake/batches/config (a ``BatchConfig``), GET /_fake/batches/stats,
POST /_fake/batches/reset. A batch ends on the retrieve after ``polls`` retrieves, unless
``hold`` is set (it then stays in progress across any number of retrieves). Item faults:
``error_every`` / ``expire_every`` pick items by custom_id hash, and a prompt directive
``[[batch:error]]`` / ``[[batch:expire]]`` picks one item; both hit only an id's first
submission unless ``sticky``. A cancelled batch finishes the first ``cancel_done`` share
of its items and cancels the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from tests.fakeserver.app import Handler, State, _presented_key, _resolve_mode
from tests.fakeserver.config import prompt_key
from tests.fakeserver.replies import make_reply

OPENAI_ENDPOINTS = {"/v1/chat/completions": "chat", "/v1/responses": "responses"}
CUSTOM_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
DIRECTIVE = re.compile(r"\[\[batch:(error|expire)\]\]")
OPENAI_ENDED = {"completed", "failed", "expired", "cancelled"}


class BatchConfig(BaseModel):
    """How fake batches behave (replaced through /_fake/batches/config)."""

    model_config = ConfigDict(extra="forbid")
    polls: int = 0  # retrieves that still see the batch in progress before it ends
    hold: bool = False  # no batch ends while set
    error_every: int = 0  # items whose custom_id hash % n == 0 error
    expire_every: int = 0  # items whose (other) hash % n == 0 expire
    error_status: int = 500
    sticky: bool = False  # faults repeat when an id is submitted again
    cancel_done: float = 0.5  # share of a cancelled batch's items that finished anyway
    openai_max_requests: int = 50_000
    openai_max_bytes: int = 200 * 1024 * 1024
    anthropic_max_requests: int = 100_000
    anthropic_max_bytes: int = 256 * 1024 * 1024


@dataclass
class FakeBatch:
    """One batch of either vendor."""

    vendor: str
    id: str
    api: str  # chat | responses | messages
    items: list[tuple[str, dict[str, Any]]]
    created: int = field(default_factory=lambda: int(time.time()))
    status: str = "validating"
    polls_left: int = 0
    cancel_requested: bool = False
    error: dict[str, Any] | None = None  # OpenAI validation failure
    results: list[tuple[str, dict[str, Any]]] | None = None  # (outcome, vendor result line)
    ended_at: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class BatchStore:
    """Files, batches and counters of the fake batch engine."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.config = BatchConfig()
        self.reset()

    def reset(self) -> None:
        self.files: dict[str, tuple[str, bytes]] = {}  # id → (filename, content)
        self.batches: dict[str, FakeBatch] = {}
        self.submissions: Counter[str] = Counter()  # custom_id → times submitted
        self.stats: Counter[str] = Counter()

    def summary(self) -> dict[str, Any]:
        return {**self.stats, "batches": {b.id: {"vendor": b.vendor, "status": b.status,
                                                 "items": len(b.items)}
                                          for b in self.batches.values()},
                "resubmitted": sum(1 for n in self.submissions.values() if n > 1),
                "distinct_ids": len(self.submissions)}

    # -- item answers
    def answer(self, api: str, body: dict[str, Any], custom_id: str) -> tuple[str, Any]:
        """("ok", vendor body) or ("error" | "expire", None) for one item."""
        handler = Handler(self.state, api)
        prompt, input_text, schema, tool = handler._parse(body)
        fault = self._fault(custom_id, prompt)
        if fault:
            return fault, None
        model = str(body.get("model", ""))
        behavior = self.state.config.behavior(model)
        key = prompt_key(model, input_text)
        reply = make_reply(behavior, key=key, model=model, prompt=prompt, input_text=input_text,
                           mode=_resolve_mode(api, behavior.reasoning, body), schema=schema,
                           tool_name=tool)
        self.stats["answered"] += 1
        return "ok", handler._payload(reply, False, body)

    def _fault(self, custom_id: str, prompt: str) -> str | None:
        cfg = self.config
        if self.submissions[custom_id] > 1 and not cfg.sticky:
            return None
        match = DIRECTIVE.search(prompt)
        if match:
            return match.group(1)
        digest = hashlib.sha256(custom_id.encode()).digest()
        if cfg.error_every and int.from_bytes(digest[:4], "big") % cfg.error_every == 0:
            return "error"
        if cfg.expire_every and int.from_bytes(digest[4:8], "big") % cfg.expire_every == 0:
            return "expire"
        return None

    # -- lifecycle
    def register(self, batch: FakeBatch) -> FakeBatch:
        batch.polls_left = self.config.polls
        for custom_id, _ in batch.items:
            self.submissions[custom_id] += 1
        self.batches[batch.id] = batch
        self.stats[f"{batch.vendor}_batches"] += 1
        self.stats[f"{batch.vendor}_items"] += len(batch.items)
        return batch

    def advance(self, batch: FakeBatch) -> None:
        """One retrieve's worth of progress."""
        if batch.ended_at is not None:
            return
        if batch.cancel_requested:
            self._finish(batch, cancelled=True)
        elif batch.error is not None:
            batch.status, batch.ended_at, batch.results = "failed", int(time.time()), []
        elif self.config.hold or batch.polls_left > 0:
            batch.polls_left = max(0, batch.polls_left - 1)
            batch.status = "in_progress"
        else:
            self._finish(batch, cancelled=False)

    def _finish(self, batch: FakeBatch, cancelled: bool) -> None:
        done_upto = int(len(batch.items) * self.config.cancel_done) if cancelled else None
        results: list[tuple[str, dict[str, Any]]] = []
        for i, (custom_id, body) in enumerate(batch.items):
            if done_upto is not None and i >= done_upto:
                outcome, payload = "cancel", None
            else:
                outcome, payload = self.answer(batch.api, body, custom_id)
            results.append((outcome, {"custom_id": custom_id, "payload": payload}))
        batch.results = results
        batch.ended_at = int(time.time())
        outcomes = Counter(o for o, _ in results)
        if batch.vendor == "anthropic":
            batch.status = "ended"
        elif cancelled:
            batch.status = "cancelled"
        else:
            batch.status = "expired" if outcomes["expire"] else "completed"
        if batch.vendor == "openai":
            self._write_openai_files(batch)

    def _write_openai_files(self, batch: FakeBatch) -> None:
        out, err = _openai_lines(batch, self.config.error_status)
        for name, lines in (("output_file_id", out), ("error_file_id", err)):
            if lines:
                fid = f"file-{secrets.token_hex(8)}"
                self.files[fid] = (f"{batch.id}_{name}.jsonl", b"\n".join(lines) + b"\n")
                batch.extra[name] = fid


# --- OpenAI ----------------------------------------------------------------------------

def _openai_lines(batch: FakeBatch, status: int) -> tuple[list[bytes], list[bytes]]:
    """(output file lines, error file lines) of an ended OpenAI batch."""
    out, err = [], []
    for outcome, r in batch.results or []:
        rid = f"batch_req_{secrets.token_hex(6)}"
        base = {"id": rid, "custom_id": r["custom_id"]}
        if outcome == "ok":
            line = {**base, "response": {"status_code": 200, "request_id": rid,
                                         "body": r["payload"]}, "error": None}
            out.append(json.dumps(line).encode())
        elif outcome == "error":
            body = {"error": {"message": "The server had an error processing this request.",
                              "type": "server_error", "param": None, "code": None}}
            err.append(json.dumps({**base, "response": {"status_code": status, "request_id": rid,
                                                        "body": body}, "error": None}).encode())
        else:
            code = "batch_expired" if outcome == "expire" else "batch_cancelled"
            message = ("This request could not be executed before the completion window "
                       "expired." if outcome == "expire" else "This batch was cancelled.")
            err.append(json.dumps({**base, "response": None,
                                   "error": {"code": code, "message": message}}).encode())
    return out, err


def _openai_batch_json(b: FakeBatch) -> dict[str, Any]:
    counts = Counter(o for o, _ in b.results or [])
    ended = b.ended_at
    return {
        "id": b.id, "object": "batch", "endpoint": b.extra["endpoint"], "model": b.extra.get("model"),
        "errors": b.error, "input_file_id": b.extra["input_file_id"], "completion_window": "24h",
        "status": b.status, "output_file_id": b.extra.get("output_file_id"),
        "error_file_id": b.extra.get("error_file_id"), "created_at": b.created,
        "in_progress_at": b.created if b.status != "validating" else None,
        "expires_at": b.created + 86400,
        "completed_at": ended if b.status == "completed" else None,
        "failed_at": ended if b.status == "failed" else None,
        "expired_at": ended if b.status == "expired" else None,
        "cancelled_at": ended if b.status == "cancelled" else None,
        "cancelling_at": b.created if b.cancel_requested else None,
        "request_counts": {"total": len(b.items), "completed": counts["ok"],
                           "failed": counts["error"]},
        "metadata": b.extra.get("metadata")}


def _validate_openai(store: BatchStore, raw: bytes, endpoint: str) -> tuple[list[Any], str | None]:
    """(items, error message or None) of an uploaded input file."""
    cfg = store.config
    if len(raw) > cfg.openai_max_bytes:
        return [], f"input file is larger than {cfg.openai_max_bytes} bytes"
    items, seen, models = [], set(), set()
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            return [], f"line {n}: not JSON"
        if obj.get("method") != "POST" or obj.get("url") != endpoint:
            return [], f"line {n}: url must be {endpoint} with method POST"
        cid = obj.get("custom_id")
        if not isinstance(cid, str) or cid in seen:
            return [], f"line {n}: custom_id missing or duplicated"
        seen.add(cid)
        models.add(obj["body"].get("model"))
        items.append((cid, obj["body"]))
    if len(items) > cfg.openai_max_requests:
        return [], f"{len(items)} requests; at most {cfg.openai_max_requests} per batch"
    if len(models) > 1:
        return [], "all requests in a batch must use the same model"
    return items, None


def _error_body(status: int, message: str, kind: str = "invalid_request_error") -> web.Response:
    return web.json_response({"error": {"message": message, "type": kind, "param": None,
                                        "code": None}}, status=status)


class OpenAIRoutes:
    """Files and Batch API handlers."""

    def __init__(self, store: BatchStore) -> None:
        self.store = store

    async def upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        if form.get("purpose") != "batch" or not hasattr(upload, "file"):
            return _error_body(400, "expected a file with purpose=batch")
        data = upload.file.read()  # type: ignore[union-attr]
        fid = f"file-{secrets.token_hex(8)}"
        self.store.files[fid] = (str(upload.filename), data)  # type: ignore[union-attr]
        self.store.stats["uploads"] += 1
        return web.json_response({"id": fid, "object": "file", "bytes": len(data),
                                  "created_at": int(time.time()), "status": "processed",
                                  "filename": upload.filename, "purpose": "batch"})  # type: ignore[union-attr]

    async def content(self, request: web.Request) -> web.Response:
        fid = request.match_info["file_id"]
        if fid not in self.store.files:
            return _error_body(404, f"No such File object: {fid}")
        self.store.stats["downloads"] += 1
        return web.Response(body=self.store.files[fid][1], content_type="application/octet-stream")

    async def create(self, request: web.Request) -> web.Response:
        body = await request.json()
        endpoint, fid = body.get("endpoint"), body.get("input_file_id")
        if endpoint not in OPENAI_ENDPOINTS or fid not in self.store.files:
            return _error_body(400, "unknown endpoint or input_file_id")
        items, problem = _validate_openai(self.store, self.store.files[fid][1], endpoint)
        batch = FakeBatch("openai", f"batch_{secrets.token_hex(8)}", OPENAI_ENDPOINTS[endpoint],
                          items, extra={"endpoint": endpoint, "input_file_id": fid,
                                        "metadata": body.get("metadata"),
                                        "model": items[0][1].get("model") if items else None})
        if problem:
            batch.error = {"object": "list", "data": [{"code": "invalid_request",
                                                       "message": problem, "line": None,
                                                       "param": None}]}
        self.store.register(batch)
        return web.json_response(_openai_batch_json(batch))

    def _get(self, request: web.Request) -> FakeBatch | None:
        return self.store.batches.get(request.match_info["batch_id"])

    async def retrieve(self, request: web.Request) -> web.Response:
        batch = self._get(request)
        if batch is None or batch.vendor != "openai":
            return _error_body(404, "No such batch")
        self.store.stats["openai_retrieves"] += 1
        self.store.advance(batch)
        return web.json_response(_openai_batch_json(batch))

    async def cancel(self, request: web.Request) -> web.Response:
        batch = self._get(request)
        if batch is None or batch.vendor != "openai":
            return _error_body(404, "No such batch")
        if batch.status in OPENAI_ENDED:
            return _error_body(409, f"Cannot cancel a batch with status {batch.status}.")
        batch.cancel_requested, batch.status = True, "cancelling"
        self.store.stats["cancels"] += 1
        return web.json_response(_openai_batch_json(batch))



# --- Anthropic -------------------------------------------------------------------------

def _iso(ts: int | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def _anthropic_batch_json(b: FakeBatch, origin: str) -> dict[str, Any]:
    counts = Counter(o for o, _ in b.results or [])
    ended = b.ended_at is not None
    return {
        "id": b.id, "type": "message_batch",
        "processing_status": "ended" if ended else ("canceling" if b.cancel_requested
                                                    else "in_progress"),
        "request_counts": {"processing": 0 if ended else len(b.items), "succeeded": counts["ok"],
                           "errored": counts["error"], "canceled": counts["cancel"],
                           "expired": counts["expire"]},
        "ended_at": _iso(b.ended_at), "created_at": _iso(b.created),
        "expires_at": _iso(b.created + 86400), "archived_at": None,
        "cancel_initiated_at": _iso(b.created) if b.cancel_requested else None,
        "results_url": f"{origin}/v1/messages/batches/{b.id}/results" if ended else None}


def _anthropic_result(outcome: str, r: dict[str, Any], status: int) -> dict[str, Any]:
    if outcome == "ok":
        result: dict[str, Any] = {"type": "succeeded", "message": r["payload"]}
    elif outcome == "error":
        kind = "api_error" if status >= 500 else "invalid_request_error"
        result = {"type": "errored", "error": {"type": "error", "error": {
            "type": kind, "message": "Internal server error while processing the request."}}}
    else:
        result = {"type": "expired" if outcome == "expire" else "canceled"}
    return {"custom_id": r["custom_id"], "result": result}


class AnthropicRoutes:
    """Message Batches handlers."""

    def __init__(self, store: BatchStore) -> None:
        self.store = store

    async def create(self, request: web.Request) -> web.Response:
        raw = await request.read()
        cfg = self.store.config
        if len(raw) > cfg.anthropic_max_bytes:
            return _anthropic_error(413, "request_too_large", "batch is too large")
        reqs = json.loads(raw).get("requests") or []
        ids = [r.get("custom_id", "") for r in reqs]
        if not reqs or len(reqs) > cfg.anthropic_max_requests:
            return _anthropic_error(400, "invalid_request_error",
                                    f"requests: between 1 and {cfg.anthropic_max_requests}")
        if len(set(ids)) != len(ids) or not all(CUSTOM_ID.match(i) for i in ids):
            return _anthropic_error(400, "invalid_request_error",
                                    "custom_id must be unique and match ^[a-zA-Z0-9_-]{1,64}$")
        batch = FakeBatch("anthropic", f"msgbatch_{secrets.token_hex(8)}", "messages",
                          [(r["custom_id"], r["params"]) for r in reqs], status="in_progress")
        self.store.register(batch)
        return web.json_response(_anthropic_batch_json(batch, str(request.url.origin())))

    def _get(self, request: web.Request) -> FakeBatch | None:
        batch = self.store.batches.get(request.match_info["batch_id"])
        return batch if batch is not None and batch.vendor == "anthropic" else None

    async def retrieve(self, request: web.Request) -> web.Response:
        batch = self._get(request)
        if batch is None:
            return _anthropic_error(404, "not_found_error", "batch not found")
        self.store.stats["anthropic_retrieves"] += 1
        self.store.advance(batch)
        return web.json_response(_anthropic_batch_json(batch, str(request.url.origin())))

    async def cancel(self, request: web.Request) -> web.Response:
        batch = self._get(request)
        if batch is None:
            return _anthropic_error(404, "not_found_error", "batch not found")
        if batch.ended_at is None:
            batch.cancel_requested = True
            self.store.stats["cancels"] += 1
        return web.json_response(_anthropic_batch_json(batch, str(request.url.origin())))

    async def results(self, request: web.Request) -> web.Response:
        batch = self._get(request)
        if batch is None or batch.results is None:
            return _anthropic_error(404, "not_found_error", "no results for this batch yet")
        self.store.stats["downloads"] += 1
        status = self.store.config.error_status
        lines = [json.dumps(_anthropic_result(o, r, status)) for o, r in batch.results]
        return web.Response(body=("\n".join(lines) + "\n").encode(),
                            content_type="application/binary")


def _anthropic_error(status: int, kind: str, message: str) -> web.Response:
    return web.json_response({"type": "error", "error": {"type": kind, "message": message}},
                             status=status)


# --- registration ----------------------------------------------------------------------

def _keyed(state: State, handler: Any, anthropic: bool) -> Any:
    """Wrap a handler with the fake server's key check (401 for a key not accepted)."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        keys = state.config.api_keys
        if keys is not None and _presented_key(request) not in keys:
            message = "invalid x-api-key" if anthropic else "Incorrect API key provided."
            if anthropic:
                return _anthropic_error(401, "authentication_error", message)
            return _error_body(401, message, "invalid_request_error")
        return await handler(request)

    return wrapped


def add_batch_routes(app: web.Application, state: State) -> BatchStore:
    """Register both vendors' batch endpoints and the batch controls on ``app``."""
    store = BatchStore(state)
    oa, an = OpenAIRoutes(store), AnthropicRoutes(store)
    routes = [("POST", "/v1/files", oa.upload, False),
              ("GET", "/v1/files/{file_id}/content", oa.content, False),
              ("POST", "/v1/batches", oa.create, False),
              ("GET", "/v1/batches/{batch_id}", oa.retrieve, False),
              ("POST", "/v1/batches/{batch_id}/cancel", oa.cancel, False),
              ("POST", "/v1/messages/batches", an.create, True),
              ("GET", "/v1/messages/batches/{batch_id}", an.retrieve, True),
              ("POST", "/v1/messages/batches/{batch_id}/cancel", an.cancel, True),
              ("GET", "/v1/messages/batches/{batch_id}/results", an.results, True)]
    for method, path, handler, is_anthropic in routes:
        app.router.add_route(method, path, _keyed(state, handler, is_anthropic))

    async def set_config(request: web.Request) -> web.Response:
        store.config = BatchConfig.model_validate(await request.json())
        return web.json_response({"ok": True})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(store.summary())

    async def reset(request: web.Request) -> web.Response:
        store.reset()
        return web.json_response({"ok": True})

    app.router.add_post("/_fake/batches/config", set_config)
    app.router.add_get("/_fake/batches/stats", stats)
    app.router.add_post("/_fake/batches/reset", reset)
    return store
