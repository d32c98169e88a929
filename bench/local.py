"""The embedded model under `judge run --model local --judge local`, against llama-cpp-python
driven directly on the same prompts, measured in one run (figures, not a timed test).

    python bench/local.py                      # the first task of probes/web-summaries.yaml
    python bench/local.py --limit 3            # the first 3 tasks (alias: --tasks)
    python bench/local.py --rubric intention --rubric coverage
    python bench/local.py --fifo               # also: callers in arrival order (no KV ordering)

Default slice (practical on 2 cores: a few minutes): the first task, one sample, every
rubric that applies to it, --max-tokens 160 and --judge-max-tokens 256, temperature 0.

1. `judge run` runs in this process (the same code path as the console script) with
   judge.providers.local.observers recording every llama.cpp call: its messages, schema,
   limits, usage and llama.cpp's own timings (prompt tokens evaluated after the reused KV
   prefix, prompt ms, generated tokens, generation ms).
2. The same calls go straight to a fresh llama_cpp.Llama loaded the same way, back to back,
   sorted by prompt text (adjacent prompts then share the longest prefixes: the best reuse
   llama.cpp can get; "the limit on this machine").

The sides take turns so that a change of machine load hits them alike: --rounds R (default
2) rounds, the order reversed every other round (A B, B A, ...: ABBA cancels a linear drift;
with --fifo A F D, D F A). Each pass prints its load average at start and end; a side's
figures are summed over its passes.

Printed per side: prompt tokens, evaluated, KV reuse (1 - evaluated / prompt tokens, judge
calls only), prompt-processing tok/s (all prompt tokens / prompt time: reuse makes it
faster), generation tok/s, wall; then the ratios judge run / direct (target >= 0.8) and the
judge run's seconds per verdict. With --fifo a third side runs `judge run` with
``?kv_order=false`` (callers served in arrival order, as a plain lock does) for the before
and after of the order of work.
"""

from __future__ import annotations

import argparse
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

PROBES = ROOT / "probes" / "web-summaries.yaml"


def run_judge(out: Path, run_id: str, args: argparse.Namespace, spec: str) -> dict[str, Any]:
    """`judge run --model SPEC --judge SPEC` in process; the calls it made and its figures."""
    from judge.cli import app

    calls: list[dict[str, Any]] = []
    local.observers.append(calls.append)
    cli = ["run", str(PROBES), "--model", spec, "--judge", spec, "--limit", str(args.limit),
           "--samples", "1", "--no-cache", "--no-traces", "--temperature", "0",
           "--judge-temperature", "0", "--max-tokens", str(args.max_tokens),
           "--judge-max-tokens", str(args.judge_max_tokens), "--run-id", run_id,
           "--out", str(out)]
    for rubric in args.rubric:
        cli += ["--rubric", rubric]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    try:
        app(cli, standalone_mode=False)
    except SystemExit as exc:  # typer.Exit(1) when a task failed: the figures still count
        if exc.code:
            print(f"note: judge run exited {exc.code}", file=sys.stderr)
    finally:
        local.observers.remove(calls.append)
    wall = time.perf_counter() - started
    run = out / run_id
    verdicts = [json.loads(x) for x in (run / "judgments.jsonl").read_text().splitlines()]
    manifest = json.loads((run / "manifest.json").read_text())
    return {"calls": calls, "wall_s": manifest.get("wall_s") or wall, "verdicts": verdicts,
            "loadavg": [round(load, 2), round(os.getloadavg()[0], 2)]}


def run_direct(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """The same calls on a fresh Llama, back to back, in the order that reuses most."""

    opts = local.LocalOptions()
    llm = local.load_llama(embedded.model_path(), opts)
    out: list[dict[str, Any]] = []
    load = os.getloadavg()[0]
    started = time.perf_counter()
    for call in sorted(calls, key=lambda c: json.dumps(c["messages"])):
        kw: dict[str, Any] = {"messages": call["messages"], "max_tokens": call["max_tokens"],
                              "temperature": call["temperature"], "top_p": opts.top_p,
                              "repeat_penalty": opts.repeat_penalty}
        if call["seed"] is not None:
            kw["seed"] = call["seed"]
        if call["schema"] is not None:
            kw["response_format"] = {"type": "json_object", "schema": call["schema"]}
        t0, before = time.perf_counter(), local.perf_counters(llm)
        result = llm.create_chat_completion(**kw)
        out.append({**call, "usage": result.get("usage") or {},
                    "timings": local.call_timings(before, llm),
                    "wall_s": time.perf_counter() - t0})
    wall = time.perf_counter() - started
    llm.close()
    return {"calls": out, "wall_s": wall,
            "loadavg": [round(load, 2), round(os.getloadavg()[0], 2)]}


def figures(side: dict[str, Any]) -> dict[str, Any]:
    """Token counts and rates of one side's calls (from llama.cpp's counters)."""
    calls = [c for c in side["calls"] if c["timings"]]
    judged = [c for c in calls if c["schema"] is not None]
    prompt = sum(c["usage"].get("prompt_tokens", 0) for c in calls)
    pp_s = sum(c["timings"]["prompt_ms"] for c in calls) / 1000
    gen = sum(c["timings"]["generated"] for c in calls)
    tg_s = sum(c["timings"]["generation_ms"] for c in calls) / 1000
    j_prompt = sum(c["usage"].get("prompt_tokens", 0) for c in judged)
    j_eval = sum(c["timings"]["prompt_evaluated"] for c in judged)
    evaluated = sum(c["timings"]["prompt_evaluated"] for c in calls)
    return {"calls": len(calls), "judge_calls": len(judged), "prompt_tokens": prompt,
            "evaluated": evaluated,
            "judge_kv_reuse": round(1 - j_eval / j_prompt, 3) if j_prompt else None,
            "pp_tok_s": round(prompt / pp_s, 1) if pp_s else None,
            "pp_eval_tok_s": round(evaluated / pp_s, 1) if pp_s else None,
            "generated": gen, "tg_tok_s": round(gen / tg_s, 2) if tg_s else None,
            "wall_s": round(side["wall_s"], 2),
            "wall_tok_s": round((prompt + gen) / side["wall_s"], 1),
            "loadavg": side["loadavg"]}


def per_verdict(side: dict[str, Any]) -> dict[str, Any]:
    """Seconds per verdict: the model's time on judge calls over the verdicts (what the
    order of work changes), the run's wall over its verdicts (generation included), and
    the mean verdict latency (asked → recorded, waiting for the model included)."""
    v = side["verdicts"]
    judge_s = sum(c["wall_s"] for c in side["calls"] if c["schema"] is not None)
    return {"verdicts": len(v), "ok": sum(x["status"] == "ok" for x in v),
            "judge_call_s_per_verdict": round(judge_s / len(v), 2) if v else None,
            "wall_s_per_verdict": round(side["wall_s"] / len(v), 2) if v else None,
            "mean_verdict_latency_s": round(sum(x["latency_s"] for x in v) / len(v), 2)
            if v else None}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def merge(passes: list[dict[str, Any]]) -> dict[str, Any]:
    """One side's passes as one: calls and verdicts concatenated, walls summed."""
    merged: dict[str, Any] = {
        "calls": [c for p in passes for c in p["calls"]],
        "wall_s": sum(p["wall_s"] for p in passes),
        "loadavg": [passes[0]["loadavg"][0], passes[-1]["loadavg"][1]],
        "passes": len(passes)}
    if "verdicts" in passes[0]:
        merged["verdicts"] = [v for p in passes for v in p["verdicts"]]
    return merged


def schedule(rounds: int, fifo: bool) -> list[str]:
    """The passes in order: each round runs every side once, every other round reversed."""
    sides = ["judge run"] + (["judge run, arrival order"] if fifo else []) + ["direct"]
    order: list[str] = []
    for i in range(rounds):
        order += sides if i % 2 == 0 else sides[::-1]
    return order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", "--tasks", type=int, default=1, help="first N tasks")
    parser.add_argument("--rubric", action="append", default=[], help="repeatable")
    parser.add_argument("--max-tokens", type=int, default=160)
    parser.add_argument("--judge-max-tokens", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds of every side, order reversed every other round")
    parser.add_argument("--fifo", action="store_true",
                        help="also run with ?kv_order=false (arrival order) for before/after")
    args = parser.parse_args()
    if not embedded.installed():
        sys.exit(f"the embedded model is not installed: {embedded.INSTALL_CMD}")
    if args.rounds < 1:
        sys.exit("--rounds must be >= 1")
    load_start = os.getloadavg()
    print(f"loadavg at start: {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}",
          flush=True)
    specs = {"judge run": "local", "judge run, arrival order": "local?kv_order=false"}
    passes: dict[str, list[dict[str, Any]]] = {}
    calls: list[dict[str, Any]] | None = None
    with tempfile.TemporaryDirectory(prefix="judge-bench-local-") as tmp:
        for n, name in enumerate(schedule(args.rounds, args.fifo)):
            if name == "direct":
                local.unload()
                if calls is None:  # never: every schedule starts with a judge run
                    raise RuntimeError("direct pass before any judge run")
                side = run_direct(calls)
            else:
                side = run_judge(Path(tmp), f"pass{n}", args, specs[name])
                if name == "judge run":
                    calls = [{k: v for k, v in c.items()} for c in side["calls"]]
            passes.setdefault(name, []).append(side)
            f = figures(side)
            print(json.dumps({"pass": n, "side": name, "wall_s": f["wall_s"],
                              "pp_tok_s": f["pp_tok_s"], "tg_tok_s": f["tg_tok_s"],
                              "loadavg": side["loadavg"]}), flush=True)
        local.unload()
    load_end = os.getloadavg()
    print(f"loadavg at end: {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}")
    runs = {name: merge(p) for name, p in passes.items()}
    table = {name: figures(side) for name, side in runs.items()}
    for name, row in table.items():
        print(json.dumps({"side": name, "passes": runs[name]["passes"], **row}))
    for name, side in runs.items():
        if "verdicts" in side:
            print(json.dumps({"side": name, **per_verdict(side)}))
    judge, direct = table["judge run"], table["direct"]
    print(json.dumps({"ratio": "judge run / direct", "target": ">= 0.8",
                      "pp_tok_s": _ratio(judge["pp_tok_s"], direct["pp_tok_s"]),
                      "tg_tok_s": _ratio(judge["tg_tok_s"], direct["tg_tok_s"]),
                      "wall_tok_s": _ratio(judge["wall_tok_s"], direct["wall_tok_s"])}))
    print()
    print_table(runs, table)


def print_table(runs: dict[str, dict[str, Any]], table: dict[str, dict[str, Any]]) -> None:
    """The figures above as one table; ratios are each side's over direct."""
    direct = table["direct"]
    row = "{:<26} {:>5} {:>7} {:>7} {:>6} {:>8} {:>5} {:>8} {:>5} {:>7} {:>9}"
    print(row.format("side", "calls", "prompt", "eval'd", "KV", "pp tok/s", "/dir", "tg tok/s",
                     "/dir", "wall s", "s/verdict"))
    for name, r in table.items():
        v = per_verdict(runs[name]) if "verdicts" in runs[name] else {}
        print(row.format(name, r["calls"], r["prompt_tokens"], r["evaluated"],
                         str(r["judge_kv_reuse"]), str(r["pp_tok_s"]),
                         str(_ratio(r["pp_tok_s"], direct["pp_tok_s"])), str(r["tg_tok_s"]),
                         str(_ratio(r["tg_tok_s"], direct["tg_tok_s"])), r["wall_s"],
                         str(v.get("judge_call_s_per_verdict", "-"))))


if __name__ == "__main__":
    main()
