"""Anthropic Message Batches: messages.batches.create (one ``custom_id`` + ``params`` per
request), retrieve, cancel and the JSONL results stream.

Limits: 100,000 requests and 256 MB per batch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import anthropic
import orjson

from judge.batch.vendor import BatchLine, ItemResult, RemoteBatch, control
from judge.errors import redact
from judge.providers.anthropic import AnthropicProvider
from judge.providers.base import Request, Response
from judge.providers.common import env_key, map_sdk_error, missing_key_error

TRANSFER_TIMEOUT = 600.0
T = TypeVar("T")


class AnthropicBatches:
    """Batch client of one ``anthropic:`` spec."""

    vendor = "anthropic"
    max_requests = 100_000
    max_bytes = 256 * 1024 * 1024
    endpoint = "/v1/messages/batches"

    def __init__(self, provider: AnthropicProvider) -> None:
        self.provider, self.spec = provider, provider.spec
        self.timeout = max(provider.options.timeout, TRANSFER_TIMEOUT)
        self._client: anthropic.AsyncAnthropic | None = None
        self._secret: str | None = None

    def _sdk(self) -> anthropic.AsyncAnthropic:
        if self._client is None:
            key = env_key(self.provider.key_env)
            if key is None:
                raise missing_key_error(self.spec, self.provider.key_env)
            self._secret = key
            self._client = anthropic.AsyncAnthropic(api_key=key, base_url=self.provider.base_url,
                                                    timeout=self.timeout, max_retries=0)
        return self._client

    async def _call(self, call: Callable[[], Awaitable[T]], replay_safe: bool = True) -> T:
        return await control(anthropic, self.spec, call, timeout=self.timeout,
                             secret=self._secret, replay_safe=replay_safe)

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

    def parse(self, body: dict[str, Any], request: Request | None = None) -> Response:
        return self.provider.parse_reply(body, request)

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()


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
