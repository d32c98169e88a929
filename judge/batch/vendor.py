"""What every vendor's batch module provides, the types they exchange, and the shared
helpers: chunking to a vendor's limits and retried control-plane calls.

A vendor module (``openai_batch``, ``anthropic_batch``) wraps the online provider of the
same spec: request bodies come from ``provider.wire_request`` and result bodies go through
``provider.parse_reply``, so a batch result becomes exactly the Response an online call
would have given.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Literal, Protocol, TypeVar

from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from judge.errors import ConfigError, ProviderError
from judge.providers.base import Request, Response
from judge.providers.common import env_key, map_sdk_error, missing_key_error
from judge.providers.registry import build_provider, parse_spec

BATCH_VENDORS = ("openai", "anthropic")
Outcome = Literal["ok", "errored", "expired", "cancelled"]
T = TypeVar("T")


@dataclass(frozen=True)
class BatchLine:
    """One request of a batch: custom_id, the serialized vendor line, its map-file row."""

    custom_id: str
    data: bytes  # one JSON line as the vendor wants it (no trailing newline)
    row: dict[str, Any] = field(default_factory=dict, compare=False)  # its map-file row

    @property
    def size(self) -> int:
        return len(self.data) + 1


@dataclass
class RemoteBatch:
    """A batch as the vendor reports it."""

    id: str
    state: str  # the vendor's own word: in_progress, completed, ended, expired ...
    ended: bool
    total: int = 0
    done: int = 0
    failed: int = 0
    expired: int = 0
    cancelled: int = 0
    error: str | None = None  # the whole batch failed (e.g. OpenAI input validation)
    files: tuple[str | None, ...] = ()  # OpenAI output and error file ids

    def counts(self) -> dict[str, int]:
        return {"total": self.total, "done": self.done, "failed": self.failed,
                "expired": self.expired, "cancelled": self.cancelled}


@dataclass(frozen=True)
class ItemResult:
    """The result of one batch request."""

    custom_id: str
    outcome: Outcome
    body: dict[str, Any] | None = None  # the reply body (outcome "ok")
    error: str | None = None
    status: int | None = None


class VendorBatches(Protocol):
    """One model spec's batch client."""

    vendor: str
    spec: str
    max_requests: int
    max_bytes: int

    @property
    def endpoint(self) -> str: ...

    def line(self, custom_id: str, request: Request,
             row: dict[str, Any] | None = None) -> BatchLine: ...

    async def submit(self, lines: list[BatchLine], meta: dict[str, str]) -> RemoteBatch: ...

    async def retrieve(self, batch_id: str) -> RemoteBatch: ...

    async def cancel(self, batch_id: str) -> RemoteBatch: ...

    def results(self, batch: RemoteBatch) -> AsyncIterator[ItemResult]: ...

    def parse(self, body: dict[str, Any], request: Request | None = None) -> Response: ...

    async def aclose(self) -> None: ...


def batchable(spec: str) -> bool:
    """Whether a model spec can go through a vendor batch API (openai: and anthropic:)."""
    return parse_spec(spec).provider in BATCH_VENDORS


def client_for(spec: str) -> VendorBatches:
    """The batch client of an ``openai:`` or ``anthropic:`` spec (built like its provider)."""
    from judge.runner import provider_spec

    parsed = provider_spec(parse_spec(spec))
    if parsed.provider not in BATCH_VENDORS:
        raise ConfigError(f"{spec}: only openai: and anthropic: specs have a batch API")
    provider: Any = build_provider(parsed)
    if parsed.provider == "openai":
        from judge.batch.openai_batch import OpenAIBatches

        return OpenAIBatches(provider)
    from judge.batch.anthropic_batch import AnthropicBatches

    return AnthropicBatches(provider)


def chunks(lines: Iterable[BatchLine], max_requests: int,
           max_bytes: int) -> Iterator[list[BatchLine]]:
    """Group lines into batches of at most ``max_requests`` lines and ``max_bytes`` bytes."""
    chunk: list[BatchLine] = []
    size = 0
    for line in lines:
        if line.size > max_bytes:
            raise ConfigError(f"request {line.custom_id} is {line.size:,} bytes, more than a "
                              f"batch may hold ({max_bytes:,}); run it online")
        if chunk and (len(chunk) >= max_requests or size + line.size > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(line)
        size += line.size
    if chunk:
        yield chunk


async def control(sdk: ModuleType, spec: str, call: Callable[[], Awaitable[T]], *,
                  timeout: float, secret: str | None, replay_safe: bool = True,
                  attempts: int = 5, initial: float = 1.0) -> T:
    """A control-plane call (upload, create, retrieve, cancel) with retries on transient
    failures, SDK errors mapped as for online calls. With ``replay_safe=False`` (creating a
    batch) only an error status from the server is retried, never a timeout or a dropped
    connection: the batch may exist already and a second one would be paid twice."""

    def retryable(exc: BaseException) -> bool:
        return (isinstance(exc, ProviderError) and exc.decision.retry
                and (replay_safe or exc.status is not None))

    retrying = AsyncRetrying(stop=stop_after_attempt(attempts), reraise=True,
                             wait=wait_exponential_jitter(multiplier=initial, max=30.0, jitter=initial),
                             retry=retry_if_exception(retryable))
    async for attempt in retrying:
        with attempt:
            try:
                return await call()
            except Exception as exc:  # noqa: BLE001 - mapped to a judge ProviderError
                raise map_sdk_error(sdk, spec, exc, timeout, secret) from None
    raise AssertionError("unreachable")  # pragma: no cover


TRANSFER_TIMEOUT = 600.0  # seconds for an upload or download of up to a few hundred MB


class SdkBatches:
    """What the vendors' batch clients share: the online provider of their spec, one SDK
    client built on first use (key from the environment, ``max_retries=0``, a timeout long
    enough for file transfers), control-plane calls through ``control`` and ``aclose``.
    A subclass names its SDK module (``sdk``) and client class (``client_class``)."""

    sdk: ModuleType
    client_class: str

    def __init__(self, provider: Any) -> None:
        self.provider, self.spec = provider, provider.spec
        self.timeout = max(provider.options.timeout, TRANSFER_TIMEOUT)
        self._client: Any = None
        self._secret: str | None = None

    def _key_var(self) -> str:
        return self.provider.key_env

    def _sdk(self) -> Any:
        if self._client is None:
            var = self._key_var()
            key = env_key(var)
            if key is None:
                raise missing_key_error(self.spec, var)
            self._secret = key
            self._client = getattr(self.sdk, self.client_class)(
                api_key=key, base_url=self.provider.base_url, timeout=self.timeout,
                max_retries=0)
        return self._client

    async def _call(self, call: Callable[[], Awaitable[T]], replay_safe: bool = True) -> T:
        return await control(self.sdk, self.spec, call, timeout=self.timeout,
                             secret=self._secret, replay_safe=replay_safe)

    def parse(self, body: dict[str, Any], request: Request | None = None) -> Response:
        """A result body as the Response an online call would have given."""
        return self.provider.parse_reply(body, request)

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()
