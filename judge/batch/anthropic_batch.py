"""Anthropic Message Batches: messages.batches.create (one ``custom_id`` + ``params`` per
request), retrieve, cancel and the JSONL results stream.

Limits: 100,000 requests and 256 MB per batch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import orjson

from judge.batch.vendor import BatchLine, ItemResult, RemoteBatch, SdkBatches
from judge.errors import redact
from judge.providers.anthropic import AnthropicProvider
from judge.providers.base import Request
from judge.providers.common import map_sdk_error


class AnthropicBatches(SdkBatches):
    """Batch client of one ``anthropic:`` spec."""

    vendor = "anthropic"
    sdk = anthropic
    client_class = "AsyncAnthropic"
    max_requests = 100_000
    max_bytes = 256 * 1024 * 1024
    endpoint = "/v1/messages/batches"
    provider: AnthropicProvider

    def line(self, custom_id: str, request: Request,
             row: dict[str, Any] | None = None) -> BatchLine:
        """One batch request: the Messages body ``generate`` would post, as ``params``."""
        _, body = self.provider.wire_request(request)
        return BatchLine(custom_id, orjson.dumps({"custom_id": custom_id, "params": body}),
                         row or {})

    async def submit(self, lines: list[BatchLine], meta: dict[str, str]) -> RemoteBatch:
        """Create the batch (Message Batches take no metadata; ``meta`` is not sent)."""
        client = self._sdk()
        requests = [orjson.loads(line.data) for line in lines]
        batch = await self._call(lambda: client.messages.batches.create(requests=requests),
                                 replay_safe=False)
        return _remote(batch)

    async def retrieve(self, batch_id: str) -> RemoteBatch:
        client = self._sdk()
        return _remote(await self._call(lambda: client.messages.batches.retrieve(batch_id)))

    async def cancel(self, batch_id: str) -> RemoteBatch:
        client = self._sdk()
        return _remote(await self._call(lambda: client.messages.batches.cancel(batch_id)))

    async def results(self, batch: RemoteBatch) -> AsyncIterator[ItemResult]:
        """The results stream, one ItemResult per request."""
        client = self._sdk()
        try:
            decoder = await client.messages.batches.results(batch.id)
            async for item in decoder:
                yield item_result(item.to_dict())
        except Exception as exc:  # noqa: BLE001 - mapped like every SDK error
            raise map_sdk_error(anthropic, self.spec, exc, self.timeout, self._secret) from None


def _remote(batch: Any) -> RemoteBatch:
    c = batch.request_counts
    total = c.processing + c.succeeded + c.errored + c.canceled + c.expired
    return RemoteBatch(id=batch.id, state=batch.processing_status,
                       ended=batch.processing_status == "ended", total=total, done=c.succeeded,
                       failed=c.errored, expired=c.expired, cancelled=c.canceled)


def item_result(obj: dict[str, Any]) -> ItemResult:
    """One results line → ItemResult."""
    custom_id = str(obj.get("custom_id"))
    result = obj.get("result") or {}
    kind = result.get("type")
    if kind == "succeeded" and isinstance(result.get("message"), dict):
        return ItemResult(custom_id, "ok", body=result["message"])
    if kind == "expired":
        return ItemResult(custom_id, "expired", error="the batch ended before this request ran")
    if kind == "canceled":
        return ItemResult(custom_id, "cancelled", error="the batch was cancelled")
    err = (result.get("error") or {}).get("error") or {}
    text = f"{err.get('type', 'error')}: {err.get('message', 'request failed')}"
    return ItemResult(custom_id, "errored", error=redact(text))
