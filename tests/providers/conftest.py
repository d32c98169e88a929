"""Fixtures: one loopback fake server per session, reset and reconfigured per test."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

import pytest

from judge.providers.base import Done, Message, Provider, Request, Response
from tests.fakeserver import FakeConfig, FakeServer

T = TypeVar("T")
OPENAI_KEY = "sk-test-openai-0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdef"


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeServer]:
    with FakeServer(FakeConfig()) as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    """The server with a fresh config and counters; keys and base URLs in the env."""
    fake_server.configure(FakeConfig())
    fake_server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_server.openai_base)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.anthropic_base)
    return fake_server


def run(coro: Awaitable[T]) -> T:
    """Run a coroutine to completion in a fresh event loop."""
    return asyncio.run(coro)  # type: ignore[arg-type]


def ask(text: str = "Summarize this page", **kw: Any) -> Request:
    return Request(messages=[Message(role="system", content="You are terse."),
                             Message(role="user", content=text)], **kw)


async def call(provider: Provider, request: Request) -> Response:
    try:
        return await provider.generate(request)
    finally:
        await provider.aclose()


async def collect(provider: Provider, request: Request) -> list[Any]:
    try:
        return [event async for event in provider.stream(request)]
    finally:
        await provider.aclose()


def both(provider_factory: Any, request: Request) -> tuple[Response, list[Any]]:
    """generate and stream the same request; returns (response, stream events)."""
    response = run(call(provider_factory(), request))
    events = run(collect(provider_factory(), request))
    assert isinstance(events[-1], Done)
    assert all(not isinstance(e, Done) for e in events[:-1])
    return response, events


def same(a: Response, b: Response) -> bool:
    """Same content (raw payload and latency aside)."""
    skip = {"raw", "latency_s"}
    return a.model_dump(exclude=skip) == b.model_dump(exclude=skip)
