"""SDK errors are mapped at the provider boundary, for every provider, JSON and streams."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from judge.errors import (
    AuthError,
    FatalProviderError,
    ProviderError,
    RetryableProviderError,
)
from judge.providers.base import Provider, Request
from judge.providers.registry import build_provider
from tests.fakeserver import Behavior, FakeConfig, FakeServer, Fault
from tests.providers.conftest import ANTHROPIC_KEY, OPENAI_KEY, ask, call, collect, run

SPECS = {
    "chat": "openai:gpt-fake?timeout=0.5",
    "responses": "openai:gpt-fake?api=responses&timeout=0.5",
    "compat": "compat:gpt-fake@{base}?timeout=0.5",
    "anthropic": "anthropic:claude-fake?timeout=0.5",
    "chat-httpx": "openai:gpt-fake?timeout=0.5&http=httpx",  # the SDKs' default transport
    "anthropic-httpx": "anthropic:claude-fake?timeout=0.5&http=httpx",
}


def _factory(fake: FakeServer, name: str) -> Callable[[], Provider]:
    spec = SPECS[name].format(base=fake.openai_base)
    return lambda: build_provider(spec)


def _fail(fake: FakeServer, name: str, fault: Fault, stream: bool,
          request: Request | None = None) -> ProviderError:
    fake.configure(FakeConfig(script=[fault]))
    provider = _factory(fake, name)()
    request = request or ask()
    with pytest.raises(ProviderError) as info:
        run(collect(provider, request) if stream else call(provider, request))
    assert fake.stats()["requests"] == 1, f"the SDK must not retry (max_retries=0): {info.value!r}"
    return info.value


ALL = list(SPECS)
MODES = [False, True]


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("stream", MODES)
def test_429_retry_after_seconds(fake: FakeServer, name: str, stream: bool) -> None:
    err = _fail(fake, name, Fault(kind="429", retry_after=2), stream)
    assert isinstance(err, RetryableProviderError) and err.status == 429
    assert err.decision.rate_limited and err.decision.retry_after == 2.0


@pytest.mark.parametrize("name", ALL)
def test_429_retry_after_ms(fake: FakeServer, name: str) -> None:
    err = _fail(fake, name, Fault(kind="429", retry_after_ms=250, retry_after=3), False)
    assert err.decision.rate_limited and err.decision.retry_after == 0.25


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("kind", ["500", "503", "529", "408", "409"])
def test_transient_statuses_are_retryable(fake: FakeServer, name: str, kind: str) -> None:
    err = _fail(fake, name, Fault(kind=kind), False)
    assert isinstance(err, RetryableProviderError) and err.status == int(kind)
    assert err.decision.retry and not err.decision.rate_limited


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("kind", ["400", "403", "404", "422"])
def test_client_errors_fail_fast_with_vendor_message(fake: FakeServer, name: str,
                                                     kind: str) -> None:
    fault = Fault(kind=kind, message="model 'gpt-fake' does not support this parameter")
    err = _fail(fake, name, fault, False)
    assert isinstance(err, FatalProviderError) and not isinstance(err, AuthError)
    assert not err.decision.retry and not err.decision.stop_model
    assert "does not support this parameter" in str(err) and f"HTTP {kind}" in str(err)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("stream", MODES)
def test_401_stops_the_model_and_never_shows_the_key(fake: FakeServer, name: str,
                                                     stream: bool) -> None:
    err = _fail(fake, name, Fault(kind="401"), stream)
    assert isinstance(err, AuthError) and err.decision.stop_model and err.status == 401
    text = f"{err} {err.detail} {err!r}"
    assert OPENAI_KEY not in text and ANTHROPIC_KEY not in text
    assert "Incorrect API key provided" in text


@pytest.mark.parametrize("name", ["chat", "anthropic", "chat-httpx"])
def test_missing_key_is_an_auth_error(fake: FakeServer, name: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(AuthError, match="_API_KEY is not set"):
        run(call(_factory(fake, name)(), ask()))
    assert fake.stats()["requests"] == 0


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("stream", MODES)
def test_slow_reply_beyond_timeout_is_retryable(fake: FakeServer, name: str, stream: bool) -> None:
    err = _fail(fake, name, Fault(kind="slow", delay=1.5), stream)
    assert isinstance(err, RetryableProviderError) and "0.5 s" in str(err)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("stream", MODES)
def test_dropped_connection_is_retryable(fake: FakeServer, name: str, stream: bool) -> None:
    err = _fail(fake, name, Fault(kind="drop", after_events=3), stream)
    assert isinstance(err, RetryableProviderError) and err.decision.retry


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("stream", MODES)
def test_invalid_json_in_a_200_is_retryable(fake: FakeServer, name: str, stream: bool) -> None:
    err = _fail(fake, name, Fault(kind="invalid_json", after_events=3), stream)
    assert isinstance(err, RetryableProviderError)


@pytest.mark.parametrize("name", ALL)
def test_error_event_mid_stream_is_retryable(fake: FakeServer, name: str) -> None:
    err = _fail(fake, name, Fault(kind="stream_error", after_events=3), True)
    assert isinstance(err, RetryableProviderError), err


def test_connection_refused_is_retryable(fake: FakeServer) -> None:
    provider = build_provider("compat:m@http://127.0.0.1:9/v1?timeout=2")
    with pytest.raises(RetryableProviderError, match="connection error"):
        run(call(provider, ask()))


@pytest.mark.parametrize("name", ALL)
def test_stream_cut_leaves_no_done(fake: FakeServer, name: str) -> None:
    """A drop mid-stream raises after some deltas and never yields a Done."""
    fake.configure(FakeConfig(script=[Fault(kind="drop", after_events=6)],
                              default=Behavior(words=40)))
    seen: list[object] = []

    async def consume() -> None:
        provider = _factory(fake, name)()
        try:
            async for event in provider.stream(ask()):
                seen.append(event)
        finally:
            await provider.aclose()

    with pytest.raises(RetryableProviderError):
        run(consume())
    assert seen and all(type(e).__name__ == "Delta" for e in seen)
