"""openai: and compat: providers with the real openai SDK against the loopback server."""

from __future__ import annotations

from typing import Any

import pytest

from judge.errors import ConfigError
from judge.providers.base import Delta, Done
from judge.providers.registry import build_provider
from tests.fakeserver import Behavior, FakeConfig, FakeServer
from tests.providers.conftest import ask, both, call, collect, run, same

SCHEMA = {"type": "object", "properties": {"score": {"type": "integer", "minimum": 1,
                                                     "maximum": 5},
                                           "why": {"type": "string"}},
          "required": ["score", "why"]}


def _last(fake: FakeServer, path: str) -> dict[str, Any]:
    return fake.stats(detail=True)["last_body"][path]


def test_chat_plain_json_and_stream(fake: FakeServer) -> None:
    response, events = both(lambda: build_provider("openai:gpt-fake"), ask())
    assert response.text.startswith("Answer ")
    assert response.reasoning.source == "none"
    assert response.model_id == "gpt-fake" and response.finish_reason == "stop"
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    assert response.raw["object"] == "chat.completion"
    assert same(events[-1].response, response)
    assert "".join(e.text for e in events[:-1]) == response.text
    body = _last(fake, "/v1/chat/completions")
    assert body["max_completion_tokens"] == 1024 and body["stream_options"]["include_usage"]
    assert fake.stats()["requests"] == 2  # one HTTP request per call: the SDK never retries


def test_usage_includes_reasoning_and_cached_tokens(fake: FakeServer) -> None:
    fake.configure(FakeConfig(models={"o-fake": Behavior(reasoning="reasoning_content",
                                                         cached_tokens=3)}))
    response = run(call(build_provider("openai:o-fake?reasoning_effort=high"), ask()))
    assert response.usage.reasoning_tokens > 0 and response.usage.cached_tokens == 3
    assert response.usage.output_tokens > response.usage.reasoning_tokens
    assert _last(fake, "/v1/chat/completions")["reasoning_effort"] == "high"


@pytest.mark.parametrize("mode, source, finish", [
    ("reasoning_content", "reasoning_content", "stop"),
    ("reasoning", "reasoning_content", "stop"),
    ("think_tags", "think_tags", "stop"),
    ("think_unclosed", "think_tags", "length"),
    ("think_open", "think_tags", "stop"),
])
def test_compat_reasoning_formats(fake: FakeServer, mode: str, source: str, finish: str) -> None:
    fake.configure(FakeConfig(models={"qwen3": Behavior(reasoning=mode)}))
    spec = f"compat:qwen3@{fake.openai_base}"
    response, events = both(lambda: build_provider(spec), ask())
    assert response.reasoning.source == source
    assert "Wait, let me re-check" in response.reasoning.text
    assert "<think>" not in response.text and "</think>" not in response.text
    assert response.finish_reason == finish
    if mode == "think_unclosed":
        assert response.text == ""
    else:
        assert response.text.startswith("Answer ")
    assert same(events[-1].response, response)
    if mode == "think_open":  # the opening tag was in the prompt: only the final split is right
        return
    deltas = [e for e in events if isinstance(e, Delta)]
    kinds = [d.kind for d in deltas]
    assert kinds.index("reasoning") < (kinds.index("text") if "text" in kinds else len(kinds))
    assert "".join(d.text for d in deltas if d.kind == "reasoning").strip() == response.reasoning.text
    assert "".join(d.text for d in deltas if d.kind == "text").strip() == response.text
    assert _last(fake, "/v1/chat/completions")["max_tokens"] == 1024


def test_think_tags_can_be_left_in_the_text(fake: FakeServer) -> None:
    fake.configure(FakeConfig(models={"qwen3": Behavior(reasoning="think_tags")}))
    response = run(call(build_provider(f"compat:qwen3@{fake.openai_base}?think_tags=false"), ask()))
    assert response.text.startswith("<think>") and response.reasoning.source == "none"


@pytest.mark.parametrize("mode, source, summary", [
    ("summary", "reasoning_summary", True), ("reasoning_text", "reasoning_content", False)])
def test_responses_api_reasoning(fake: FakeServer, mode: str, source: str, summary: bool) -> None:
    fake.configure(FakeConfig(default=Behavior(reasoning=mode, cached_tokens=2)))
    spec = "openai:o4-mini?api=responses&reasoning_effort=low"
    response, events = both(lambda: build_provider(spec), ask())
    assert response.reasoning.source == source and response.reasoning.summary is summary
    assert "Wait, let me re-check" in response.reasoning.text
    assert response.text.startswith("Answer ") and response.finish_reason == "stop"
    assert response.usage.reasoning_tokens > 0 and response.usage.cached_tokens == 2
    assert same(events[-1].response, response)
    streamed = "".join(e.text for e in events if isinstance(e, Delta) and e.kind == "reasoning")
    assert streamed == response.reasoning.text
    body = _last(fake, "/v1/responses")
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert body["max_output_tokens"] == 1024 and body["store"] is False


def test_responses_reasoning_without_summary_is_marked_redacted(fake: FakeServer) -> None:
    fake.configure(FakeConfig(default=Behavior(reasoning="none")))
    response = run(call(build_provider("openai:o4-mini?api=responses"), ask()))
    assert response.reasoning.source == "none"
    data = dict(response.raw)
    data["output"] = [{"type": "reasoning", "id": "rs_1", "summary": []}, *data["output"]]
    from judge.providers.openai_wire import parse_responses
    parsed = parse_responses("openai:x", data)
    assert parsed.reasoning.redacted and parsed.reasoning.source == "reasoning_summary"


def test_structured_output_chat_and_responses(fake: FakeServer) -> None:
    request = ask(response_schema=SCHEMA, schema_name="verdict")
    response = run(call(build_provider("openai:gpt-fake"), request))
    assert response.text == '{"score": 1, "why": "fake"}'
    fmt = _last(fake, "/v1/chat/completions")["response_format"]
    assert fmt == {"type": "json_schema", "json_schema": {"name": "verdict", "schema": SCHEMA,
                                                          "strict": False}}
    response = run(call(build_provider("openai:gpt-fake?api=responses&strict_schema=true"),
                        request))
    assert response.text == '{"score": 1, "why": "fake"}'
    fmt = _last(fake, "/v1/responses")["text"]["format"]
    assert fmt == {"type": "json_schema", "name": "verdict", "schema": SCHEMA, "strict": True}


def test_request_options_override_spec_options(fake: FakeServer) -> None:
    fake.configure(FakeConfig(default=Behavior(reasoning="summary")))
    response = run(call(build_provider("openai:gpt-fake"), ask(options={"api": "responses"})))
    assert response.reasoning.source == "reasoning_summary"
    assert fake.stats()["by_path"] == {"/v1/responses": 1}


def test_unknown_options_are_config_errors(fake: FakeServer) -> None:
    with pytest.raises(ConfigError, match="reasoning_efort"):
        build_provider("openai:gpt-fake?reasoning_efort=low")
    with pytest.raises(ConfigError, match="api"):
        build_provider("openai:gpt-fake?api=completions")
    provider = build_provider("openai:gpt-fake")
    with pytest.raises(ConfigError, match="thinking_budget"):
        run(call(provider, ask(options={"thinking_budget": 2000})))


def test_base_url_from_spec_beats_env(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    response = run(call(build_provider(f"openai:gpt-fake?base_url={fake.openai_base}"), ask()))
    assert response.text
    monkeypatch.setenv("OPENAI_BASE_URL", fake.openai_base)
    assert run(call(build_provider("openai:gpt-fake"), ask())).text


def test_compat_keys(fake: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    run(call(build_provider(f"compat:m@{fake.openai_base}"), ask()))
    headers = fake.stats(detail=True)["last_headers"]["/v1/chat/completions"]
    assert headers["authorization"] == "Bearer not-needed"  # no key configured: a dummy
    monkeypatch.setenv("MY_SERVER_TOKEN", "tok-abcdef123456")
    run(call(build_provider(f"compat:m@{fake.openai_base}?api_key_env=MY_SERVER_TOKEN"), ask()))
    headers = fake.stats(detail=True)["last_headers"]["/v1/chat/completions"]
    assert headers["authorization"] == "Bearer tok-abcdef123456"


def test_stream_events_are_ordered_reasoning_then_text(fake: FakeServer) -> None:
    fake.configure(FakeConfig(models={"r1": Behavior(reasoning="reasoning_content")}))
    events = run(collect(build_provider(f"compat:r1@{fake.openai_base}"), ask()))
    kinds = [e.kind for e in events if isinstance(e, Delta)]
    first_text = kinds.index("text")
    assert set(kinds[:first_text]) == {"reasoning"} and set(kinds[first_text:]) == {"text"}
    assert isinstance(events[-1], Done)
