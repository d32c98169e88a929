"""Compiled builds of the parser's hot modules, used only when built from the current source.

``pip install`` compiles ``scan``, ``followthrough`` and ``parser`` with Cython when it can
(setup.py; a C compiler is needed) and writes ``_compiled.json`` beside the extension
modules: the SHA-256 of each source it compiled (the .py file and its .pxd, if any: C
types for the compiled build only). The compiled module and the .py file are the same
code; the compiled one runs about 11% fewer instructions per byte (bench/traces.py prints
which build ran). Python imports an extension module in preference to the .py file beside
it, so a stale build (the .py edited since) would silently run old code: ``select()``,
called by judge/traces/__init__.py before anything imports these modules, loads the .py
file instead whenever the manifest does not match it. ``JUDGE_PURE_PYTHON=1`` forces the
.py files.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import sys
from pathlib import Path

MODULES = ("scan", "followthrough", "parser")  # in dependency order
MANIFEST = "_compiled.json"
PURE_ENV = "JUDGE_PURE_PYTHON"
_HERE = Path(__file__).resolve().parent
_status: dict[str, str] = {}


def source_digest(where: Path, name: str) -> str:
    """SHA-256 of a module's source: ``name.py``, then ``name.pxd`` (its C type
    declarations for the compiled build) if there is one; setup.py records the same."""
    data = (where / f"{name}.py").read_bytes()
    pxd = where / f"{name}.pxd"
    return hashlib.sha256(data + pxd.read_bytes() if pxd.is_file() else data).hexdigest()


def _compiled_file(name: str, where: Path) -> Path | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        p = where / f"{name}{suffix}"
        if p.is_file():
            return p
    return None


def decide(where: Path = _HERE, env: dict[str, str] | None = None) -> dict[str, str]:
    """Which build of each module in ``where`` should run: ``"compiled"`` or ``"pure: why"``."""
    env = os.environ if env is None else env
    try:
        manifest = json.loads((where / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        manifest = {}
    out = {}
    for name in MODULES:
        if _compiled_file(name, where) is None:
            out[name] = "pure: not compiled"
        elif env.get(PURE_ENV, "") not in ("", "0"):
            out[name] = f"pure: {PURE_ENV} is set"
        elif manifest.get(name) != source_digest(where, name):
            out[name] = f"pure: the compiled build is stale ({name}.py changed; pip install -e . rebuilds it)"
        else:
            out[name] = "compiled"
    return out


def select() -> dict[str, str]:
    """Make ``judge.traces.<module>`` import the right build (see ``decide``); idempotent."""
    if _status:
        return _status
    _status.update(decide())
    for name, how in _status.items():
        full = f"judge.traces.{name}"
        if how in ("compiled", "pure: not compiled") or full in sys.modules:
            continue  # the ordinary import finds the right file
        spec = importlib.util.spec_from_file_location(full, _HERE / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[full]
            raise
        package = sys.modules.get("judge.traces")
        if package is not None:
            setattr(package, name, module)
    return _status


def implementation() -> str:
    """One line for reports: which build of the hot modules is running."""
    status = select()
    if all(v == "compiled" for v in status.values()):
        return "compiled (Cython)"
    reasons = sorted({v.removeprefix("pure: ") for v in status.values() if v != "compiled"})
    return "pure Python (" + "; ".join(reasons) + ")"
