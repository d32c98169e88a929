"""anthropic: provider with the real anthropic SDK against the loopback server."""

from __future__ import annotations

from typing import Any

import pytest

from judge.errors import AuthError, ConfigError
from judge.providers.base import Delta
from judge.providers.registry import build_provider
from tests.fakeserver import Behavior, FakeConfig, FakeServer
from tests.providers.conftest import ask, both, call, collect, run, same

SCHEMA = {"type": "object", "properties": {"label": {"enum": ["news", "review"]}},
          "required": ["label"]}


def _last(fake: FakeServer) -> dict[str, Any]:
    return fake.stats(detail=True)["last_body"]["/v1/messages"]


def test_plain_message_and_stream(fake: FakeServer) -> None:
    response, events = both(lambda: build_provider("anthropic:claude-fake"), ask(temperature=0.2))
    assert response.text.startswith("Answer ") and response.reasoning.source == "none"
    assert response.finish_reason == "end_turn" and response.model_id == "claude-fake"
    assert same(events[-1].response, response)
    assert "".join(e.text for e in events if isinstance(e, Delta)) == response.text
    body = _last(fake)
    assert body["system"] == "You are terse." and body["temperature"] == 0.2
    assert [m["role"] for m in body["messages"]] == ["user"]
    assert "thinking" not in body


def test_thinking_budget_keeps_blocks_with_signature(fake: FakeServer) -> None:
    spec = "anthropic:claude-fake?thinking_budget=2000"
    response, events = both(lambda: build_provider(spec), ask(temperature=0.2, max_tokens=1024))
    body = _last(fake)
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2000}
    assert body["max_tokens"] == 3024  # raised above the budget
    assert "temperature" not in body  # thinking only allows the default
    r = response.reasoning
    assert r.source == "thinking_block" and r.signature and r.signature.startswith("sig-")
    assert "Wait, let me re-check" in r.text and not r.redacted
    assert response.usage.reasoning_tokens > 0
    assert same(events[-1].response, response)
    kinds = [e.kind for e in events if isinstance(e, Delta)]
    assert kinds[0] == "reasoning" and kinds[-1] == "text"
    assert kinds.index("text") > max(i for i, k in enumerate(kinds) if k == "reasoning")


def test_max_tokens_above_budget_is_kept(fake: FakeServer) -> None:
    run(call(build_provider("anthropic:c?thinking_budget=1024"), ask(max_tokens=4096)))
    assert _last(fake)["max_tokens"] == 4096


@pytest.mark.parametrize("mode, text", [("redacted", ""), ("thinking+redacted", "Wait")])
def test_redacted_thinking_is_recorded(fake: FakeServer, mode: str, text: str) -> None:
    fake.configure(FakeConfig(default=Behavior(reasoning=mode)))
    response, events = both(lambda: build_provider("anthropic:c?thinking_budget=1024"), ask())
    assert response.reasoning.redacted and response.reasoning.source == "thinking_block"
    assert text in response.reasoning.text
    assert same(events[-1].response, response)
    assert any(b["type"] == "redacted_thinking" for b in response.raw["content"])


def test_structured_output_through_a_forced_tool(fake: FakeServer) -> None:
    request = ask(response_schema=SCHEMA, schema_name="strategy")
    response, events = both(lambda: build_provider("anthropic:c"), request)
    assert response.text == '{"label":"news"}' and response.finish_reason == "tool_use"
    assert same(events[-1].response, response)
    body = _last(fake)
    assert body["tools"][0]["name"] == "strategy" and body["tools"][0]["input_schema"] == SCHEMA
    assert body["tool_choice"] == {"type": "tool", "name": "strategy"}


def test_structured_output_with_thinking_uses_auto_tool_choice(fake: FakeServer) -> None:
    request = ask(response_schema=SCHEMA, schema_name="strategy")
    response = run(call(build_provider("anthropic:c?thinking_budget=1024"), request))
    assert response.text == '{"label":"news"}' and response.reasoning.signature
    body = _last(fake)
    assert body["tool_choice"] == {"type": "auto"} and "`strategy` tool" in body["system"]


def test_usage_counts_cache_reads(fake: FakeServer) -> None:
    fake.configure(FakeConfig(default=Behavior(cached_tokens=2)))
    response = run(call(build_provider("anthropic:c"), ask()))
    assert response.usage.cached_tokens == 2
    assert response.usage.input_tokens == response.raw["usage"]["input_tokens"] + 2


def test_base_url_from_env_and_option(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    assert run(call(build_provider(f"anthropic:c?base_url={fake.anthropic_base}"), ask())).text
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.anthropic_base)
    assert run(call(build_provider("anthropic:c"), ask())).text


def test_options_are_strict(fake: FakeServer) -> None:
    with pytest.raises(ConfigError, match="thinking_budget"):
        build_provider("anthropic:c?thinking_budget=10")  # below the API minimum
    with pytest.raises(ConfigError, match="reasoning_effort"):
        build_provider("anthropic:c?reasoning_effort=low")
    response = run(call(build_provider("anthropic:c"), ask(options={"thinking_budget": 1500})))
    assert response.reasoning.source == "thinking_block"


def test_key_sent_from_env_only(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.configure(FakeConfig(api_keys=["sk-ant-right-key-123456"]))
    with pytest.raises(AuthError):
        run(call(build_provider("anthropic:c"), ask()))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-right-key-123456")
    assert run(call(build_provider("anthropic:c"), ask())).text
    events = run(collect(build_provider("anthropic:c"), ask()))
    assert events[-1].response.text
