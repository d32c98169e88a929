"""OpenAI Batch API: JSONL upload (files.create purpose=batch), batches.create, retrieve,
cancel, and the output / error files (files.content, streamed line by line).

Limits: 50,000 requests and 200 MB per input file; one model and one endpoint
(``/v1/chat/completions`` or ``/v1/responses``, from the spec's ``api`` option) per batch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import openai
import orjson

from judge.batch.vendor import BatchLine, ItemResult, RemoteBatch, SdkBatches
from judge.errors import ConfigError, redact
from judge.providers.base import Request
from judge.providers.common import body_error, map_sdk_error
from judge.providers.openai import OpenAIProvider

ENDED = frozenset({"completed", "failed", "expired", "cancelled"})


class OpenAIBatches(SdkBatches):
    """Batch client of one ``openai:`` spec."""

    vendor = "openai"
    sdk = openai
    client_class = "AsyncOpenAI"
    max_requests = 50_000
    max_bytes = 200 * 1024 * 1024
    provider: OpenAIProvider

    @property
    def endpoint(self) -> str:
        return "/v1/responses" if self.provider.options.api == "responses" else "/v1/chat/completions"

    def _key_var(self) -> str:
        return self.provider.key_env or "OPENAI_API_KEY"

    def line(self, custom_id: str, request: Request,
             row: dict[str, Any] | None = None) -> BatchLine:
        """The JSONL line of one request: the body ``generate`` would post."""
        path, body = self.provider.wire_request(request)
        url = f"/v1{path}"
        if url != self.endpoint:
            raise ConfigError(f"{self.spec}: a request for {url} cannot join a batch for "
                              f"{self.endpoint}")
        return BatchLine(custom_id, orjson.dumps({"custom_id": custom_id, "method": "POST",
                                                  "url": url, "body": body}), row or {})

    async def submit(self, lines: list[BatchLine], meta: dict[str, str]) -> RemoteBatch:
        """Upload the input file and create the batch (24 h window)."""
        client = self._sdk()
        data = b"\n".join(line.data for line in lines) + b"\n"
        name = f"{meta.get('judge_batch', 'batch')}.jsonl"
        upload = await self._call(lambda: client.files.create(
            file=(name, data, "application/jsonl"), purpose="batch"))
        batch = await self._call(lambda: client.batches.create(
            input_file_id=upload.id, endpoint=self.endpoint,  # type: ignore[arg-type]
            completion_window="24h", metadata=meta), replay_safe=False)
        return self._remote(batch)

    async def retrieve(self, batch_id: str) -> RemoteBatch:
        client = self._sdk()
        return self._remote(await self._call(lambda: client.batches.retrieve(batch_id)))

    async def cancel(self, batch_id: str) -> RemoteBatch:
        client = self._sdk()
        return self._remote(await self._call(lambda: client.batches.cancel(batch_id)))

    def _remote(self, batch: Any) -> RemoteBatch:
        counts = batch.request_counts
        total, done, failed = ((counts.total, counts.completed, counts.failed) if counts
                               else (0, 0, 0))
        remote = RemoteBatch(id=batch.id, state=batch.status, ended=batch.status in ENDED,
                             total=total, done=done, failed=failed,
                             files=(batch.output_file_id, batch.error_file_id))
        rest = max(0, total - done - failed)
        if batch.status == "expired":
            remote.expired = rest
        elif batch.status == "cancelled":
            remote.cancelled = rest
        errors = getattr(batch.errors, "data", None) or []
        if batch.status == "failed":
            remote.error = redact("; ".join(str(e.message) for e in errors) or "batch failed")
        return remote

    async def results(self, batch: RemoteBatch) -> AsyncIterator[ItemResult]:
        """Every line of the output file, then of the error file."""
        for file_id in batch.files:
            if file_id:
                async for obj in self._jsonl(file_id):
                    yield item_result(obj)

    async def _jsonl(self, file_id: str) -> AsyncIterator[dict[str, Any]]:
        client = self._sdk()
        try:
            async with client.files.with_streaming_response.content(file_id) as resp:
                async for line in resp.iter_lines():
                    if line.strip():
                        yield orjson.loads(line)
        except Exception as exc:  # noqa: BLE001 - mapped like every SDK error
            raise map_sdk_error(openai, self.spec, exc, self.timeout, self._secret) from None


def item_result(obj: dict[str, Any]) -> ItemResult:
    """One output- or error-file line → ItemResult."""
    custom_id = str(obj.get("custom_id"))
    resp = obj.get("response") or {}
    err = obj.get("error") or {}
    status = resp.get("status_code")
    if status == 200 and isinstance(resp.get("body"), dict) and not err:
        return ItemResult(custom_id, "ok", body=resp["body"], status=200)
    code = err.get("code")
    if code == "batch_expired":
        return ItemResult(custom_id, "expired", error=str(err.get("message") or code))
    if code == "batch_cancelled":
        return ItemResult(custom_id, "cancelled", error=str(err.get("message") or code))
    kind, message = body_error(resp.get("body"))
    text = message or err.get("message") or f"HTTP {status}"
    if kind or code:
        text = f"{kind or code}: {text}"
    return ItemResult(custom_id, "errored", error=redact(str(text)), status=status)
