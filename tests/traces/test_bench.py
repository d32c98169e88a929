"""bench/traces.py runs end to end (tiny sizes) and prints the figures the issue asks for;
with valgrind installed, --instructions also counts instructions per byte."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "traces.py"


def _bench(*args: str, timeout: int = 300) -> str:
    proc = subprocess.run([sys.executable, str(BENCH), "--mb", "0.15", "--adv-mb", "0.002",
                           "--passes", "1", "--top", "3", *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_bench_prints_throughput_and_adversarial_ratio():
    out = _bench()
    assert re.search(r"throughput: [\d.]+ MB/s of CPU time on one core", out)
    assert re.search(r"slowest adversarial input: [\d.]+x normal per byte", out)
    assert re.search(r"targets: >= 20 MB/s -> [\d.]+ MB/s; adversarial <= 3x -> [\d.]+x", out)
    assert "instructions:" not in out


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_bench_counts_instructions_per_byte_under_valgrind():
    out = _bench("--instructions", "--ir-mb", "0.03", "--ir-passes", "1", timeout=600)
    m = re.search(r"instructions: ([\d.]+) per byte", out)
    assert m, out
    assert 50 < float(m.group(1)) < 5000  # hundreds per byte; 0 or absurd means a broken count
