"""CI: the declared minimum versions of the runtime dependencies really work.

Reads pyproject.toml's `dependencies`, pins each to its floor (`name==floor`, as a pip
constraints file), installs the package with its `dev` extra into a fresh venv under those
constraints, and runs the test suite there. The `local` extra (llama-cpp-python, a
~10-minute source build) is not installed, so the embedded-model tests skip.

    python .ci/min_versions.py [--venv DIR] [--print] [-- PYTEST ARGS]

--print only prints the constraints. Exit code: pytest's (1 on an install failure).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQ = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)\s*$")


def floors(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """`name==floor` for every runtime dependency; each must declare a `>=` floor."""
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = []
    for dep in deps:
        match = REQ.match(dep)
        if match is None:
            raise SystemExit(f"pyproject.toml: dependency {dep!r} has no plain `>=` floor")
        pins.append(f"{match.group(1)}=={match.group(2)}")
    return pins


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=None)
    parser.add_argument("--print", action="store_true", dest="only_print")
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args()
    pins = floors()
    print("\n".join(pins))
    if args.only_print:
        return 0
    with tempfile.TemporaryDirectory(prefix="judge-minver-") as tmp:
        where = args.venv or Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True, clear=True).create(where)
        python = str(where / "bin" / "python")
        constraints = Path(tmp) / "floors.txt"
        constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
        env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        install = [python, "-m", "pip", "install", "-q", "-c", str(constraints),
                   f"{ROOT}[dev]"]
        print("+", " ".join(install), flush=True)
        if subprocess.run(install, env=env).returncode != 0:
            print("installing the minimum versions failed", file=sys.stderr)
            return 1
        subprocess.run([python, "-m", "pip", "check"], env=env)
        subprocess.run([python, "-m", "pip", "list"], env=env)
        # The source tree is first on sys.path (tests import judge from it); only the
        # dependencies differ from the main suite's environment.
        test = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args.pytest_args]
        print("+", " ".join(test), flush=True)
        return subprocess.run(test, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
