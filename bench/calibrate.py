"""`judge calibrate --judge local` on a slice of the suite, against llama-cpp-python driven
directly on the same prompts in the order that reuses most, measured in one run (figures,
not a timed test).

    python bench/calibrate.py                              # 4 cases each: intention, faithfulness
    python bench/calibrate.py --limit-per-rubric 6 --rubric strategy --rubric pairwise

1. `judge calibrate` runs in this process (the console script's code path) with
   judge.providers.local.observers recording every llama.cpp call and llama.cpp's own
   timings (prompt tokens evaluated after the KV prefix it reused, prompt ms, generation ms).
   The response cache and the per-judge record go to a temporary JUDGE_CACHE_DIR (nothing
   of the user's is read or replaced); the model is the installed one (JUDGE_MODEL_DIR).
2. The same calls go straight to a fresh llama_cpp.Llama, back to back, sorted by prompt
   text (adjacent prompts share the longest prefixes: the limit on this machine).

Printed per side (bench/local.py's figures): prompt tokens, evaluated, KV reuse of the judge
calls, prompt-processing and generation tok/s, wall; then calibrate's seconds per verdict
and the ratio calibrate / direct of tokens per second of wall (target >= 0.8).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from judge import embedded  # noqa: E402
from judge.providers import local  # noqa: E402


def _bench_local() -> Any:
    """bench/local.py's direct pass and figures (one definition of both)."""
    spec = importlib.util.spec_from_file_location("bench_local", ROOT / "bench" / "local.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_calibrate(out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """`judge calibrate --judge local` in process; the calls it made and its verdicts."""
    from judge.cli import app

    calls: list[dict[str, Any]] = []
    local.observers.append(calls.append)
    cli = ["calibrate", "--judge", "local", "--limit-per-rubric", str(args.limit_per_rubric),
           "--no-cache", "--judge-temperature", "0", "--judge-max-tokens",
           str(args.judge_max_tokens), "--run-id", "bench", "--out", str(out)]
    for rubric in args.rubric or ["intention", "faithfulness"]:
        cli += ["--rubric", rubric]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    try:
        app(cli, standalone_mode=False)
    finally:
        local.observers.remove(calls.append)
    wall = time.perf_counter() - started
    run = out / "bench"
    verdicts = [json.loads(x) for x in (run / "judgments.jsonl").read_text().splitlines()]
    return {"calls": calls, "wall_s": wall, "verdicts": verdicts,
            "loadavg": [round(load, 2), round(os.getloadavg()[0], 2)]}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit-per-rubric", type=int, default=4)
    parser.add_argument("--rubric", action="append", default=[], help="repeatable")
    parser.add_argument("--judge-max-tokens", type=int, default=1024)
    args = parser.parse_args()
    if not embedded.installed():
        sys.exit(f"the embedded model is not installed: {embedded.INSTALL_CMD}")
    bench = _bench_local()
    os.environ.setdefault("JUDGE_MODEL_DIR", str(embedded.model_path().parent))
    print(f"loadavg before: {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="judge-bench-calibrate-") as tmp:
        os.environ["JUDGE_CACHE_DIR"] = str(Path(tmp) / "cache")
        sides = {"judge calibrate": run_calibrate(Path(tmp) / "runs", args)}
        local.unload()
        sides["direct"] = bench.run_direct(sides["judge calibrate"]["calls"])
    print(f"loadavg after: {os.getloadavg()[0]:.2f}")
    table = {name: bench.figures(side) for name, side in sides.items()}
    for name, row in table.items():
        print(json.dumps({"side": name, **row}))
    print(json.dumps({"side": "judge calibrate", **bench.per_verdict(sides["judge calibrate"])}))
    cal, direct = table["judge calibrate"], table["direct"]
    print(json.dumps({"ratio": "judge calibrate / direct", "target": ">= 0.8",
                      "pp_tok_s": ratio(cal["pp_tok_s"], direct["pp_tok_s"]),
                      "tg_tok_s": ratio(cal["tg_tok_s"], direct["tg_tok_s"]),
                      "wall_tok_s": ratio(cal["wall_tok_s"], direct["wall_tok_s"])}))


if __name__ == "__main__":
    main()
