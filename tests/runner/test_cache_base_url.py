"""The response cache keys on where a request really goes: the same spec pointed at another
server (OPENAI_BASE_URL / ANTHROPIC_BASE_URL, ?base_url=) is a cache miss."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.store import RESPONSES
from tests.fakeserver import Behavior, FakeConfig, FakeServer
from tests.runner.conftest import fast_settings, make_probes, records, run_once


def _server(name: str) -> FakeServer:
    return FakeServer(FakeConfig(default=Behavior(reply=f"answer from server {name}")))


@pytest.fixture(scope="module")
def servers():  # noqa: ANN201
    with _server("A") as a, _server("B") as b:
        yield a, b


def _texts(out: Path, run_id: str) -> set[str]:
    return {r["text"] for r in records(out / run_id, RESPONSES)}


@pytest.mark.parametrize("provider,model,env_var", [
    ("openai", "gpt-4o-mini", "OPENAI_BASE_URL"),
    ("anthropic", "claude-sonnet-4-5", "ANTHROPIC_BASE_URL")])
def test_env_base_url_is_part_of_the_key(servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
                                         provider: str, model: str, env_var: str) -> None:
    a, b = servers
    base = {"openai": lambda s: s.openai_base, "anthropic": lambda s: s.anthropic_base}[provider]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-0123456789")
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=1)
    spec = f"{provider}:{model}"
    monkeypatch.setenv(env_var, base(a))
    run_once(probes, [spec], fast_settings(), tmp_path, "a1")
    run_once(probes, [spec], fast_settings(), tmp_path, "a2")  # same server: all cached
    assert all(r["cached"] for r in records(tmp_path / "a2", RESPONSES))
    monkeypatch.setenv(env_var, base(b))
    before = b.stats()["requests"]
    run_once(probes, [spec], fast_settings(), tmp_path, "b1")
    assert _texts(tmp_path, "b1") == {"answer from server B"}
    assert not any(r["cached"] for r in records(tmp_path / "b1", RESPONSES))
    assert b.stats()["requests"] - before == 2


def test_spec_base_url_option_is_part_of_the_key(servers, tmp_path: Path,  # noqa: ANN001
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = servers
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=1)
    run_once(probes, [f"openai:gpt-4o-mini?base_url={a.openai_base}"], fast_settings(),
             tmp_path, "a")
    run_once(probes, [f"openai:gpt-4o-mini?base_url={b.openai_base}"], fast_settings(),
             tmp_path, "b")
    assert _texts(tmp_path, "a") == {"answer from server A"}
    assert _texts(tmp_path, "b") == {"answer from server B"}
    # the env var and ?base_url= naming the same server share the cache
    monkeypatch.setenv("OPENAI_BASE_URL", b.openai_base)
    run_once(probes, ["openai:gpt-4o-mini"], fast_settings(), tmp_path, "env-b")
    assert all(r["cached"] for r in records(tmp_path / "env-b", RESPONSES))
