"""Vendor batch clients with the real SDKs against the fake server: a batch result is the
same Response as an online call; chunking; custom ids; control-call retries; limits."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from judge.batch.generation import custom_id as gen_id
from judge.batch.judging import custom_id as judge_id
from judge.batch.vendor import BatchLine, chunks, client_for, control
from judge.errors import ConfigError, RetryableProviderError
from judge.providers.base import Message, Request, Response
from judge.providers.registry import build_provider, parse_spec
from judge.runner import provider_spec
from tests.batch.conftest import batch_config
from tests.fakeserver import Behavior, FakeConfig, FakeServer

SCHEMA = {"type": "object", "properties": {"score": {"type": "integer", "minimum": 1},
                                           "rationale": {"type": "string"}},
          "required": ["score", "rationale"], "additionalProperties": False}
ANTHROPIC_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def request(text: str, **kw: Any) -> Request:
    return Request(messages=[Message(role="system", content="Be terse."),
                             Message(role="user", content=text)], **kw)


async def online(spec: str, req: Request) -> Response:
    provider = build_provider(provider_spec(parse_spec(spec)))
    try:
        return await provider.generate(req)
    finally:
        await provider.aclose()


async def batched(spec: str, reqs: list[Request]) -> dict[str, Any]:
    """Submit requests as one batch, wait for it, return custom_id → (outcome, Response)."""
    client = client_for(spec)
    try:
        lines = [client.line(f"r-{i}", r) for i, r in enumerate(reqs)]
        remote = await client.submit(lines, {"judge_batch": "t0001"})
        while not remote.ended:
            remote = await client.retrieve(remote.id)
        out = {}
        async for item in client.results(remote):
            i = int(item.custom_id.split("-")[1])
            out[item.custom_id] = (item.outcome, item.body and client.parse(item.body, reqs[i]),
                                   item.error)
        return out
    finally:
        await client.aclose()


def _strip(resp: Response) -> dict[str, Any]:
    data = resp.model_dump(exclude={"latency_s"})
    # the server's clock: Chat Completions "created", Responses "created_at"
    data["raw"] = {k: v for k, v in (data["raw"] or {}).items()
                   if k not in ("created", "created_at")}
    return data


@pytest.mark.parametrize("spec", [
    "openai:gpt-4o-mini", "openai:o4-mini?api=responses&reasoning_summary=auto",
    "anthropic:claude-sonnet-4-5?thinking_budget=1024", "anthropic:claude-haiku-4-5"])
def test_batch_result_is_the_online_response(fake: FakeServer, spec: str) -> None:
    fake.configure(FakeConfig(models={"gpt-4o-mini": Behavior(reasoning="reasoning_content")}))
    reqs = [request("Summarize the page", max_tokens=300, temperature=0.2, seed=7),
            request("Judge it", response_schema=SCHEMA, schema_name="intention_verdict")]
    got = asyncio.run(batched(spec, reqs))
    for i, req in enumerate(reqs):
        outcome, resp, _ = got[f"r-{i}"]
        assert outcome == "ok"
        assert _strip(resp) == _strip(asyncio.run(online(spec, req)))
    assert '"score"' in got["r-1"][1].text  # structured output came back as JSON text


def test_anthropic_body_carries_sampling_settings_not_extra_body(fake: FakeServer) -> None:
    provider: Any = build_provider("anthropic:claude-haiku-4-5")
    path, body = provider.wire_request(request("hi", temperature=0.3, top_p=0.9))
    assert path == "/v1/messages" and "extra_body" not in body
    assert body["temperature"] == 0.3 and body["top_p"] == 0.9


def test_item_failures_and_expiry_per_vendor(fake: FakeServer) -> None:
    reqs = [request("fine"), request("bad [[batch:error]]"), request("late [[batch:expire]]")]
    for spec, expired_state in (("openai:gpt-4o-mini", "expired"),
                                ("anthropic:claude-haiku-4-5", "ended")):
        got = asyncio.run(batched(spec, reqs))
        assert [got[f"r-{i}"][0] for i in range(3)] == ["ok", "errored", "expired"], spec
        assert "server" in got["r-1"][2] or "api_error" in got["r-1"][2]
        fake._call("POST", "/_fake/batches/reset", {})


def test_anthropic_rejects_invalid_custom_ids(fake: FakeServer) -> None:
    client = client_for("anthropic:claude-haiku-4-5")

    async def go() -> None:
        try:
            await client.submit([client.line("has space", request("x"))], {})
        finally:
            await client.aclose()

    with pytest.raises(Exception, match="custom_id"):
        asyncio.run(go())


def test_custom_ids_are_stable_and_vendor_safe() -> None:
    a = gen_id("task1", "openai:gpt-4o-mini", 0)
    assert a == gen_id("task1", "openai:gpt-4o-mini", 0) != gen_id("task1", "openai:gpt-4o-mini", 1)
    assert re.fullmatch(r"g-[0-9a-f]{16}", a) and ANTHROPIC_ID.match(a)
    j = judge_id("anthropic:claude-haiku-4-5", "k" * 24)
    assert re.fullmatch(r"j-[0-9a-f]{32}", j) and ANTHROPIC_ID.match(j)


def test_chunks_respect_request_and_byte_limits() -> None:
    lines = [BatchLine(f"c{i}", b"x" * 99) for i in range(10)]  # 100 bytes with newline
    assert [len(c) for c in chunks(lines, 4, 10_000)] == [4, 4, 2]
    assert [len(c) for c in chunks(lines, 100, 350)] == [3, 3, 3, 1]
    assert [len(c) for c in chunks(lines, 100, 300)] == [3, 3, 3, 1]
    with pytest.raises(ConfigError, match="c0 is 100 bytes"):
        list(chunks(lines, 100, 50))


def test_control_calls_retry_transient_errors_but_not_an_unsure_create() -> None:
    calls: list[int] = []

    async def flaky(status: int | None) -> str:
        calls.append(1)
        if len(calls) < 3:
            raise RetryableProviderError("overloaded", model="m", status=status)
        return "ok"

    assert asyncio.run(control(asyncio, "m", lambda: flaky(503), timeout=1, secret=None,
                               initial=0.001)) == "ok"
    assert len(calls) == 3
    calls.clear()
    with pytest.raises(RetryableProviderError):  # a timeout: the batch may exist; no retry
        asyncio.run(control(asyncio, "m", lambda: flaky(None), timeout=1, secret=None,
                            replay_safe=False, initial=0.001))
    assert len(calls) == 1
    calls.clear()
    assert asyncio.run(control(asyncio, "m", lambda: flaky(429), timeout=1, secret=None,
                               replay_safe=False, initial=0.001)) == "ok"


def test_fake_vendor_limits_are_enforced(fake: FakeServer) -> None:
    """The fake rejects what the real APIs reject, so the chunking above is exercised."""
    batch_config(fake, anthropic_max_requests=2)
    with pytest.raises(Exception, match="between 1 and 2"):
        asyncio.run(batched("anthropic:claude-haiku-4-5", [request("a"), request("b"),
                                                            request("c")]))
