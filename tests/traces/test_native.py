"""The compiled (Cython) build of the hot modules: used only when current, same results."""

from __future__ import annotations

import hashlib
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from judge.traces import native

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data" / "traces"


def _fake_package(tmp: Path, compiled: tuple[str, ...], manifest: dict[str, str]) -> Path:
    for name in native.MODULES:
        (tmp / f"{name}.py").write_text(f"# {name} source\n", encoding="utf-8")
    for name in compiled:
        (tmp / f"{name}{importlib.machinery.EXTENSION_SUFFIXES[0]}").write_bytes(b"\x7fELF")
    (tmp / native.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return tmp


def _digest(name: str) -> str:
    return hashlib.sha256(f"# {name} source\n".encode()).hexdigest()


def test_a_build_is_used_only_when_the_manifest_matches_its_source(tmp_path):
    where = _fake_package(tmp_path, ("scan", "parser"),
                          {"scan": _digest("scan"), "parser": _digest("parser") + "0"})
    got = native.decide(where, env={})
    assert got["scan"] == "compiled"
    assert got["followthrough"] == "pure: not compiled"
    assert got["parser"].startswith("pure: the compiled build is stale (parser.py changed")
    # editing the source makes the build stale
    (where / "scan.py").write_text("# scan source, edited\n", encoding="utf-8")
    assert native.decide(where, env={})["scan"].startswith("pure: the compiled build is stale")


def test_the_type_declarations_are_part_of_the_source(tmp_path):
    where = _fake_package(tmp_path, ("scan",), {"scan": _digest("scan")})
    assert native.decide(where, env={})["scan"] == "compiled"
    (where / "scan.pxd").write_text("cpdef list raw_hits(object scanner)\n", encoding="utf-8")
    assert native.decide(where, env={})["scan"].startswith("pure: the compiled build is stale")


def test_the_environment_variable_forces_the_source(tmp_path):
    where = _fake_package(tmp_path, native.MODULES, {n: _digest(n) for n in native.MODULES})
    assert set(native.decide(where, env={}).values()) == {"compiled"}
    assert set(native.decide(where, env={native.PURE_ENV: "0"}).values()) == {"compiled"}
    forced = native.decide(where, env={native.PURE_ENV: "1"})
    assert set(forced.values()) == {f"pure: {native.PURE_ENV} is set"}


def test_a_missing_or_broken_manifest_means_no_compiled_build_is_trusted(tmp_path):
    where = _fake_package(tmp_path, native.MODULES, {})
    (where / native.MANIFEST).write_text("{not json", encoding="utf-8")
    assert all(v.startswith("pure: the compiled build is stale") for v in native.decide(where, env={}).values())
    (where / native.MANIFEST).unlink()
    assert all(v.startswith("pure: the compiled build is stale") for v in native.decide(where, env={}).values())


_DUMP = r"""
import json, sys
sys.path.insert(0, sys.argv[1] + "/bench")
from judge.traces import native, parse_trace
import judge.traces.scan, judge.traces.followthrough, judge.traces.parser
import traces as B
files = {m: getattr(judge.traces, m).__file__ for m in native.MODULES}
out = [native.implementation(), files]
for line in open(sys.argv[2], encoding="utf-8"):
    if line.strip():
        r = json.loads(line)
        out.append(parse_trace(r["text"], answer=r.get("answer")).to_dict())
for d, a in B.corpus(0.3, 5):
    out.append(parse_trace(d, answer=a).to_dict())
for name, text in sorted(B.adversarial(0.003).items()):
    out.append(parse_trace(text).to_dict())
json.dump(out, sys.stdout, ensure_ascii=False)
"""


def _dump(env_extra: dict[str, str]) -> list:
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV} | env_extra
    proc = subprocess.run([sys.executable, "-c", _DUMP, str(ROOT), str(DATA / "devset.jsonl")],
                          capture_output=True, text=True, env=env, timeout=600, check=True)
    return json.loads(proc.stdout)


def test_the_source_build_loads_the_py_files_when_forced():
    how, files, *_ = _dump({native.PURE_ENV: "1"})[:3]
    assert how.startswith("pure Python (")
    assert all(f.endswith(".py") for f in files.values()), files


def test_compiled_and_source_builds_give_identical_results():
    status = native.select()
    if set(status.values()) != {"compiled"}:
        if os.environ.get("CI"):
            pytest.fail(f"CI installs the compiled build, but: {status}")
        pytest.skip(f"no current compiled build here: {status}")
    compiled, pure = _dump({}), _dump({native.PURE_ENV: "1"})
    assert compiled[0] == "compiled (Cython)" and pure[0].startswith("pure Python")
    assert not any(f.endswith(".py") for f in compiled[1].values()), compiled[1]
    assert len(compiled) == len(pure) > 1000
    assert compiled[2:] == pure[2:]
