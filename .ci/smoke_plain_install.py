"""CI: install `judge` as a user would (`pip install .`, no extras) and use the hosted path.

A fresh venv gets a plain `pip install .`; then, against the loopback fake server
(tests/fakeserver, run by the interpreter that runs this script), the installed `judge`
runs `judge models list` and a short `judge run` for a `compat:`, an `openai:` and an
`anthropic:` spec (and one judged run), and a `judge calibrate` slice (the suite and the
probe set it was written on ship inside the package). Any traceback in the output, or an
exit code other than the expected one, fails the step (exit 1).

    python .ci/smoke_plain_install.py [--venv DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBES = ROOT / "probes" / "web-summaries.yaml"


def sh(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, text=True, capture_output=True, **kw)  # type: ignore[call-overload]


def make_venv(where: Path) -> Path:
    """A fresh venv with `pip install .` (no extras, not editable); its bin dir."""
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    bindir = where / "bin"
    proc = sh([str(bindir / "python"), "-m", "pip", "install", "-q", str(ROOT)],
              env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    if proc.returncode != 0:
        sys.exit(f"plain install failed:\n{proc.stdout}\n{proc.stderr}")
    return bindir


def start_fake() -> tuple[subprocess.Popen[str], int]:
    """The fake server in its own process (this interpreter has the test dependencies)."""
    config = '{"models": {"qwen3": {"reasoning": "think_tags"}}}'
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakeserver", "--config", config],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.match(r"PORT (\d+)", line)
    if not match:
        proc.kill()
        sys.exit(f"fake server did not start: {line!r}")
    return proc, int(match.group(1))


class Checks:
    def __init__(self, judge: Path, cwd: Path, env: dict[str, str]) -> None:
        self.judge, self.cwd, self.env = judge, cwd, env
        self.failures: list[str] = []

    def run(self, name: str, *args: str, expect: int = 0, must_say: str = "",
            env: dict[str, str] | None = None) -> str:
        proc = sh([str(self.judge), *args], cwd=self.cwd, env={**self.env, **(env or {})},
                  timeout=300)
        out = proc.stdout + proc.stderr
        problems = []
        if proc.returncode != expect:
            problems.append(f"exit code {proc.returncode}, expected {expect}")
        if "Traceback" in out:
            problems.append("a traceback")
        if must_say and must_say not in out:
            problems.append(f"no {must_say!r} in the output")
        status = "ok" if not problems else "FAILED: " + "; ".join(problems)
        print(f"  {name}: {status}", flush=True)
        if problems:
            self.failures.append(f"{name}: {'; '.join(problems)}\n{out}")
        return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=None, help="venv dir (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="judge-plain-") as tmp:
        work = Path(tmp)
        bindir = make_venv(args.venv or work / "venv")
        fake, port = start_fake()
        base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("OPENAI_", "ANTHROPIC_", "PYTHON"))}
        env.update({"JUDGE_CACHE_DIR": str(work / "cache"), "COLUMNS": "160",
                    "OPENAI_API_KEY": "sk-smoke-openai", "ANTHROPIC_API_KEY": "sk-ant-smoke",
                    "OPENAI_BASE_URL": f"{base}/v1", "ANTHROPIC_BASE_URL": base})
        checks = Checks(bindir / "judge", work, env)
        try:
            out = checks.run("judge models list", "models", "list")
            if "aiohttp" not in out:
                checks.failures.append(f"models list does not name the transport:\n{out}")
            common = [str(PROBES), "--limit", "2", "--samples", "1", "--out", str(work / "runs")]
            for label, spec in (("compat", f"compat:qwen3@{base}/v1"),
                                ("openai", "openai:gpt-4o-mini"),
                                ("anthropic", "anthropic:claude-sonnet-4-5?thinking_budget=1024"),
                                ("openai over httpx", "openai:gpt-4o-mini?http=httpx")):
                checks.run(f"judge run {label}", "run", *common, "--model", spec,
                           must_say="complete")
            checks.run("judge run --judge compat", "run", *common, "--model",
                       f"compat:qwen3@{base}/v1", "--judge", f"compat:judge@{base}/v1",
                       "--rubric", "intention", must_say="complete")
            checks.run("judge calibrate (bundled suite and probe set)", "calibrate",
                       "--judge", f"compat:judge@{base}/v1", "--rubric", "intention",
                       "--limit-per-rubric", "3", "--out", str(work / "runs"),
                       must_say="planted")
            checks.run("judge run, missing key", "run", *common, "--model", "openai:gpt-4o-mini",
                       "--no-cache", env={"OPENAI_API_KEY": ""}, expect=1,
                       must_say="OPENAI_API_KEY")
        finally:
            fake.kill()
            fake.wait()
    if checks.failures:
        print("\n\n".join(checks.failures), file=sys.stderr)
        print(f"plain-install smoke: {len(checks.failures)} failed", file=sys.stderr)
        return 1
    print("plain-install smoke: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
