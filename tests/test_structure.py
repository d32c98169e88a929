"""One of each: no private names used across modules, one JSONL reader, one error mapping
for the SDK and direct HTTP paths, shared CLI option definitions."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PKG = ROOT / "judge"


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(PKG.rglob("*.py"))]


def test_no_private_names_imported_or_reached_into_across_modules() -> None:
    problems = []
    for path, tree in _modules():
        rel = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("judge"):
                problems += [f"{rel}: imports {node.module}.{a.name}" for a in node.names
                             if a.name.startswith("_") and not a.name.startswith("__")]
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                    and not node.attr.startswith("__"):
                base = node.value
                if not (isinstance(base, ast.Name) and base.id in ("self", "cls")):
                    problems.append(f"{rel}:{node.lineno}: reaches into .{node.attr}")
    allowed = {"judge/traces/rx.py"}  # the stdlib's own re._parser / re._constants
    assert [p for p in problems if p.split(":")[0] not in allowed] == []


def test_one_jsonl_reader() -> None:
    """JSONL is decoded line by line in one place (judge.store.iter_jsonl)."""
    readers = []
    for path, _ in _modules():
        text = path.read_text(encoding="utf-8")
        if re.search(r"for \w+(, \w+)* in enumerate\((fh|f|text\.splitlines\(\))", text) \
                and re.search(r"(orjson|json)\.loads", text):
            readers.append(str(path.relative_to(ROOT)))
    assert readers == ["judge/store.py"]


def test_shared_cli_options_are_defined_once() -> None:
    flags: dict[str, list[str]] = {}
    for path in sorted((PKG / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Option":
                for arg in node.args[1:]:
                    if isinstance(arg, ast.Constant) and str(arg.value).startswith("--"):
                        flags.setdefault(arg.value, []).append(path.name)
    for flag in ("--out", "--json", "--no-cache", "--judge-temperature", "--rubric"):
        defs = [f for f in flags.get(flag, []) if f != "spot.py"]  # spot: its own meaning
        assert defs == ["options.py"], (flag, flags.get(flag))


@pytest.mark.parametrize("fault", ["500", "429", "400", "invalid_json", "drop"])
def test_direct_and_sdk_paths_map_errors_alike(fault: str) -> None:
    """compat: over aiohttp (no SDK) and over the SDK's httpx: the same error for a fault."""
    import asyncio

    from judge.errors import ProviderError
    from judge.providers.base import Message, Request
    from judge.providers.registry import build_provider
    from tests.fakeserver import FakeConfig, FakeServer
    from tests.fakeserver.config import Fault

    async def one(spec: str) -> ProviderError:
        provider = build_provider(spec)
        try:
            await provider.generate(Request(messages=[Message(role="user", content="hi")]))
        except ProviderError as exc:
            return exc
        finally:
            await provider.aclose()
        raise AssertionError("no error")

    with FakeServer(FakeConfig(script=[Fault(kind=fault)] * 2)) as fake:
        direct = asyncio.run(one(f"compat:m@{fake.openai_base}"))
        sdk = asyncio.run(one(f"compat:m@{fake.openai_base}?http=httpx"))
    assert type(direct) is type(sdk)
    assert (direct.status, direct.decision) == (sdk.status, sdk.decision)
    if fault != "drop":  # the transport's own exception class names differ
        assert str(direct).replace("?http=httpx", "") == str(sdk).replace("?http=httpx", "")


COMMANDS = ["run", "traces", "rejudge", "agreement", "analyze", "compare", "report", "spot",
            "probes validate", "probes show", "models list", "models install", "batch status",
            "batch collect", "batch cancel", "batch rejudge", "calibrate", "review"]


def test_every_command_help_has_examples() -> None:
    from tests.conftest import judge_cli

    for command in COMMANDS:
        out = judge_cli(*command.split(), "--help", env={"COLUMNS": "200"}, check=True).stdout
        assert "Examples:" in out, command
        examples = [x.strip() for x in out.split("Examples:", 1)[1].splitlines()
                    if x.strip().startswith("judge ")]
        assert examples and all(e.startswith(f"judge {command}") for e in examples), command
