"""Throughput of `judge run` against the loopback fake server (figures, not a timed test).

    python bench/throughput.py                 # all workloads
    python bench/throughput.py --only a,b      # some of them
    python bench/throughput.py --scale 0.1     # smaller N, for a quick look

The fake server runs as its own process, so its CPU is not the client's. Each workload
runs `python -m judge run` as a child process against a generated probe set of N distinct
tasks (one sample each) with the `compat:` provider, and reports, measured in that one run:

* run wall / ideal     the runner phase (manifest ``wall_s``) over ideal = N × latency / C
                       (judged workloads: + one latency, the last response's judgment)
* process wall / ideal the whole `judge` process, start-up and shutdown included
* CPU ms/task          user+sys of the `judge` process / N (start-up included; judged
                       workloads: generation and judging together)
* peak RSS             ru_maxrss of the `judge` process
* loadavg_1m           the machine's 1-minute load before and after (other work skews walls)

Workloads: (a) stress N=2,000, 100 ms, C=50; (b) = (a) plus one judge call per sample
(``--judge compat:… --rubric intention``, judge concurrency 50, schema verdicts from the
fake server), issue 22; (c) realistic N=2,000, 1 s, C=100; (d) = (c) with 10% of requests
answered 429 + Retry-After: 1; (e) N=100,000 at 0 ms for memory, compared with (e0) = the
same at N=2,000 (issue 4).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakeserver import FakeConfig, FakeServer, Fault, Plan


@dataclass(frozen=True)
class Workload:
    name: str
    n: int
    latency: float
    concurrency: int
    rate_429: float = 0.0
    target: str = ""
    judged: bool = False  # one judge call per sample (intention), judge concurrency = C


WORKLOADS = [
    Workload("a", 2_000, 0.1, 50, target="CPU <= 3 ms/task, run wall/ideal <= 1.5"),
    Workload("b", 2_000, 0.1, 50, judged=True,
             target="CPU <= 3 ms/sample (generation + judging), run wall/ideal <= 1.3"),
    Workload("c", 2_000, 1.0, 100, target="process wall/ideal <= 1.10"),
    Workload("d", 2_000, 1.0, 100, rate_429=0.10, target="process wall/ideal <= 1.3, all done"),
    Workload("e0", 2_000, 0.0, 50, target="reference for e"),
    Workload("e", 100_000, 0.0, 50, target="peak RSS <= 1.5 x e0"),
]

PAGE_TEXT = ("The city council approved a new budget on Tuesday after a long debate. "
             "It raises spending on transit by 12 percent and cuts parking fees. "
             "Critics said the plan relies on optimistic revenue forecasts. ") * 3


def probe_set(path: Path, n: int) -> None:
    """A probe set of exactly n distinct tasks: pages × queries, one sample."""
    queries = 100 if n >= 10_000 else 40
    pages = n // queries
    assert pages * queries == n, "n must be a multiple of the query count"
    lines = ["name: bench", "version: 1", "samples: 1", "pages:"]
    for p in range(pages):
        lines += [f"  - id: page-{p}", "    type: news", f"    title: Page {p}",
                  f"    text: {json.dumps(f'Page {p}. ' + PAGE_TEXT)}"]
    lines.append("queries:")
    for q in range(queries):
        lines.append(f"  - {{id: q{q}, intent: overview, text: \"Question {q}: what happened?\"}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def fake_config(w: Workload) -> FakeConfig:
    plan = None
    if w.rate_429:
        plan = Plan(probability=w.rate_429, seed=4, max_per_prompt=2,
                    kinds=[Fault(kind="429", retry_after=1)])
    return FakeConfig(latency=w.latency, plan=plan, track_times=False)


def run_one(w: Workload, scale: float, workdir: Path) -> dict[str, object]:
    n = max(40, int(w.n * scale) // 40 * 40) if scale != 1 else w.n
    wdir = workdir / w.name
    wdir.mkdir()
    probes = wdir / "probes.yaml"
    probe_set(probes, n)
    load_before = os.getloadavg()[0]
    with FakeServer(fake_config(w), subprocess=True) as fake:
        cmd = [sys.executable, "-m", "judge", "run", str(probes), "--run-id", "bench",
               "--out", str(wdir / "runs"), "--concurrency", str(w.concurrency),
               "--model", f"compat:fake@{fake.openai_base}?timeout=60",
               "--attempts", "6"]
        if w.judged:
            cmd += ["--judge", f"compat:judge@{fake.openai_base}?timeout=60",
                    "--rubric", "intention", "--judge-concurrency", str(w.concurrency)]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "JUDGE_CACHE_DIR": str(wdir / "cache")}
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stats = fake.stats()
        server_cpu = fake.cpu_seconds
    manifest = json.loads((wdir / "runs" / "bench" / "manifest.json").read_text())
    with open(wdir / "runs" / "bench" / "responses.jsonl", "rb") as fh:
        done = sum(1 for _ in fh)
    judged = 0
    if w.judged:
        with open(wdir / "runs" / "bench" / "judgments.jsonl", "rb") as fh:
            judged = sum(1 for line in fh if b'"status":"ok"' in line)
    ideal = n * w.latency / w.concurrency + (w.latency if w.judged else 0.0)
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "workload": w.name, "n": n, "latency_s": w.latency, "concurrency": w.concurrency,
        "exit": proc.returncode, "done": done, "judged": judged, "requests": stats["requests"],
        "429s": stats["outcomes"].get("429", 0),
        "ideal_s": round(ideal, 2), "run_wall_s": round(manifest.get("wall_s", 0.0), 2),
        "process_wall_s": round(wall, 2),
        "run_wall/ideal": round(manifest["wall_s"] / ideal, 3) if ideal else None,
        "process_wall/ideal": round(wall / ideal, 3) if ideal else None,
        "cpu_ms_per_task": round(cpu * 1000 / n, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "target": w.target,
        "server_cpu_s": None if server_cpu is None else round(server_cpu, 2),
        "client_cpu_s": round(cpu, 2),
        "loadavg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated workload names")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every N")
    args = parser.parse_args()
    chosen = [w for w in WORKLOADS if not args.only or w.name in args.only.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="judge-bench-") as tmp:
        for w in chosen:
            result = run_one(w, args.scale, Path(tmp))
            results.append(result)
            print(json.dumps(result), flush=True)
    by_name = {r["workload"]: r for r in results}
    if "e" in by_name and "e0" in by_name:
        ratio = by_name["e"]["peak_rss_mb"] / by_name["e0"]["peak_rss_mb"]  # type: ignore[operator]
        print(json.dumps({"workload": "e/e0", "peak_rss_ratio": round(ratio, 3),
                          "target": "<= 1.5"}))
    print()
    head = ("wl", "N", "lat", "C", "done", "judged", "run/ideal", "proc/ideal", "cpu ms/task",
            "RSS MB")
    row = "{:<4} {:>7} {:>5} {:>4} {:>7} {:>7} {:>9} {:>10} {:>11} {:>7}"
    print(row.format(*head))
    for r in results:
        print(row.format(r["workload"], r["n"], r["latency_s"], r["concurrency"], r["done"],
                         r["judged"], str(r["run_wall/ideal"]), str(r["process_wall/ideal"]),
                         r["cpu_ms_per_task"], r["peak_rss_mb"]))


if __name__ == "__main__":
    main()
