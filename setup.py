"""Optional compiled build of the trace parser's hot modules (judge.traces.native).

Everything else is configured in pyproject.toml. With Cython and a C compiler present,
judge/traces/{scan,followthrough,parser}.py are also compiled to extension modules, and
_compiled.json records the SHA-256 of each compiled source so that a stale build is never
used. Without them the install still succeeds and the .py files run (~13% more CPU
instructions per byte).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

MODULES = ("scan", "followthrough", "parser")  # judge.traces.native.MODULES
SOURCES = {f"judge.traces.{m}": f"judge/traces/{m}.py" for m in MODULES}


def _warn(msg: str) -> None:
    print(f"judge: {msg}; the trace parser runs as pure Python", file=sys.stderr)


def _digest(py: str) -> str:
    """judge.traces.native.source_digest: the .py file, then its .pxd if there is one."""
    with open(py, "rb") as f:
        data = f.read()
    pxd = py[:-3] + ".pxd"
    if os.path.isfile(pxd):
        with open(pxd, "rb") as f:
            data += f.read()
    return hashlib.sha256(data).hexdigest()


class OptionalBuildExt(build_ext):
    """build_ext that never fails the install and writes the manifest of what it built."""

    def run(self) -> None:
        self.built: list[str] = []
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001  (no compiler at all: never fail the install)
            _warn(f"compiling failed ({exc})")
        if not self.extensions:
            return
        manifest = {}
        for name in self.built:
            manifest[name.rsplit(".", 1)[1]] = _digest(SOURCES[name])
        path = self._manifest_path()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001  (an optional module: never fail the install)
            _warn(f"{ext.name} not compiled ({exc})")
            return
        self.built.append(ext.name)

    def get_outputs(self) -> list[str]:
        outs = super().get_outputs()
        if self.extensions:
            outs.append(self._manifest_path())
        return outs

    def _manifest_path(self) -> str:
        """_compiled.json, beside the extension modules (the source tree when in place)."""
        return os.path.join(os.path.dirname(self.get_ext_fullpath(self.extensions[0].name)),
                            "_compiled.json")


class BuildPyWithPrompts(build_py):
    """build_py that ships the top-level prompts/ inside the package as judge/_prompts, and
    the bundled probe sets (probes/: the pages `judge calibrate`'s suite was written on) as
    judge/_probes.

    A wheel has no repository around it, so judge.templates.PROMPTS_DIR and
    judge.calibration.suite.bundled_probes look there first; an editable install reads
    prompts/ and probes/ in the checkout directly.
    """

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        here = os.path.dirname(os.path.abspath(__file__))
        self._ship(os.path.join(here, "prompts"), "_prompts", lambda name: name.endswith(".j2"))
        self._ship(os.path.join(here, "probes"), "_probes", lambda name: True)

    def _ship(self, src: str, name: str, keep) -> None:  # noqa: ANN001
        dest = os.path.join(self.build_lib, "judge", name)
        for root, _dirs, files in os.walk(src):
            for file in files:
                if keep(file):
                    rel = os.path.relpath(os.path.join(root, file), src)
                    target = os.path.join(dest, rel)
                    self.mkpath(os.path.dirname(target))
                    self.copy_file(os.path.join(root, file), target)


def _extensions() -> list:
    if os.environ.get("JUDGE_NO_COMPILE", "") not in ("", "0"):
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        _warn("Cython is not installed")
        return []
    from setuptools import Extension

    exts = [Extension(name, [src]) for name, src in SOURCES.items()]
    try:
        return cythonize(exts, quiet=True, compiler_directives={
            "language_level": 3,
            "annotation_typing": False,  # exactly the .py semantics: annotations are not checks
            "binding": True,
        })
    except Exception as exc:  # noqa: BLE001  (a Cython that cannot translate the source)
        _warn(f"Cython failed ({exc})")
        return []


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt, "build_py": BuildPyWithPrompts})
