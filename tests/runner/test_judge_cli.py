"""`judge run --judge` and `judge rejudge` from the command line: --judge-concurrency, the
unpriced --max-cost warning, judge spend in the summary and manifest, the progress bars
(real subprocesses against the loopback fake server)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import judge_cli
from tests.fakeserver import Behavior, FakeConfig, FakeServer
from tests.runner.conftest import make_probes


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(FakeConfig(latency=0.01, models={"j": Behavior(latency=0.1)}),
                    subprocess=True) as fake:
        yield fake


def _prices(path: Path) -> str:
    path.write_text(json.dumps({"models": {"compat:gen": {"input": 0.01, "output": 0.01},
                                           "compat:j": {"input": 1, "output": 1}}}))
    return str(path)


def _manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text())


def test_judge_concurrency_flag_and_unpriced_max_cost_warning(server: FakeServer,
                                                              tmp_path: Path) -> None:
    server.reset()
    probes = make_probes(tmp_path / "p.yaml", pages=4, queries=10)
    proc = judge_cli("run", str(probes), "-m", f"compat:gen@{server.openai_base}",
                     "--judge", f"compat:j@{server.openai_base}", "--rubric", "intention",
                     "--concurrency", "12", "--judge-concurrency", "6", "--max-cost", "5",
                     "--no-cache", "--run-id", "w", "--out", str(tmp_path / "runs"))
    assert proc.returncode == 0, proc.stderr
    peak = server.stats()["max_inflight"]
    assert peak["j"] == 6 and 10 <= peak["gen"] <= 12
    for name in ("compat:gen", "compat:j"):  # neither is priced: --max-cost cannot see them
        assert re.search(rf"warning: --max-cost \$5: no price for\s+{name}@", proc.stderr)
    assert proc.stderr.index("warning") < proc.stderr.index("generate compat:gen")
    # the final progress display: one bar per model and judge, then the total
    assert re.search(r"generate compat:gen .* 40/40 0 in flight · 0 queued .* done", proc.stderr)
    assert re.search(r"judge compat:j .* 40/40 0 in flight · 0 queued .* done", proc.stderr)
    assert re.search(r"all .* 80/80 .* done", proc.stderr)


def test_judge_spend_in_summary_and_manifest_and_no_warning_when_priced(
        server: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=5)
    prices = _prices(tmp_path / "prices.json")
    proc = judge_cli("run", str(probes), "-m", f"compat:gen@{server.openai_base}",
                     "--judge", f"compat:j@{server.openai_base}", "--rubric", "intention",
                     "--max-cost", "5", "--prices", prices, "--no-cache", "--run-id", "s",
                     "--out", str(tmp_path / "runs"))
    assert proc.returncode == 0, proc.stderr
    assert "warning" not in proc.stderr
    manifest = _manifest(tmp_path / "runs" / "s")
    judged = manifest["judge_cost_usd"]
    assert judged > 0 and manifest["cost_usd"] > judged
    assert f"judging ${judged:.4f}" in proc.stdout and "spent this session" in proc.stdout


def test_rejudge_max_cost_leaves_the_rest_then_finishes(server: FakeServer,
                                                       tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=10)
    runs = str(tmp_path / "runs")
    judge_cli("run", str(probes), "-m", f"compat:gen@{server.openai_base}", "--run-id", "r",
              "--out", runs, "--no-traces", check=True)
    prices = _prices(tmp_path / "prices.json")
    server.reset()
    args = ["rejudge", "r", "--out", runs, "--judge", f"compat:j@{server.openai_base}",
            "--rubric", "intention", "--judge-concurrency", "2", "--prices", prices]
    first = judge_cli(*args, "--max-cost", "0.002")
    assert first.returncode == 1, first.stderr
    assert "judgments left undone: --max-cost $0.002 reached" in first.stdout
    assert server.stats()["max_inflight"]["j"] == 2
    done = [json.loads(x) for x in (tmp_path / "runs" / "r" / "judgments.jsonl").read_text()
            .splitlines()]
    assert 2 <= len(done) < 30
    second = judge_cli(*args, "--max-cost", "1")
    assert second.returncode == 0, second.stderr
    lines = (tmp_path / "runs" / "r" / "judgments.jsonl").read_text().splitlines()
    assert len(lines) == 30
    manifest = _manifest(tmp_path / "runs" / "r")
    spent = sum(json.loads(x)["cost_usd"] for x in lines)
    assert manifest["judge_cost_usd"] == pytest.approx(spent, rel=1e-4)
