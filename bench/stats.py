"""How honest the statistics engine's intervals are, by simulation (figures, not a test).

    python bench/stats.py                # all checks, 400 replications each
    python bench/stats.py --reps 100     # a quicker look

Each check draws data with a known truth many times and reports, measured in this run:

* paired differences with no true difference (judge compare on identical models): the
  share of replications where the 95% BCa interval excludes 0 (a false "B worse/better"),
  per number of tasks n, and its ratio to the nominal 5% — below MIN_TASKS the engine
  says "n too small"; the rows below it show what it would claim otherwise;
* the same with a true difference of 0.5 SD: the share detected (power);
* rates over responses of tasks with 2 correlated samples (true rate 5%, tasks vary):
  coverage of the clustered Wilson interval vs plain Wilson over responses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judge.stats import MIN_TASKS, difference, rate  # noqa: E402


def paired(n: int, shift: float, reps: int, rng: np.random.Generator) -> float:
    """Share of replications whose interval excludes 0 (min_tasks lowered to measure)."""
    hits = 0
    for r in range(reps):
        task = rng.normal(3.0, 1.0, n)  # task difficulty, shared by A and B
        a = task + rng.normal(0, 0.7, n)
        b = task + shift + rng.normal(0, 0.7, n)
        est = difference({i: [a[i]] for i in range(n)}, {i: [b[i]] for i in range(n)},
                         seed=r, min_tasks=2)
        hits += est.excludes(0.0)
    return hits / reps


def clustered_coverage(tasks: int, reps: int, rng: np.random.Generator) -> tuple[float, float]:
    """Coverage of the true rate by clustered vs plain Wilson (2 samples per task)."""
    truth, inside_c, inside_p = 0.05, 0, 0
    for _ in range(reps):
        p_task = rng.beta(0.25, 4.75, tasks)  # mean 0.05, tasks differ a lot (ICC ≈ 0.2)
        flags = [bool(x) for p in p_task for x in rng.random(2) < p]
        ids = [t for t in range(tasks) for _ in range(2)]
        c, p = rate(flags, ids), rate(flags)
        inside_c += c.lo <= truth <= c.hi  # type: ignore[operator]
        inside_p += p.lo <= truth <= p.hi  # type: ignore[operator]
    return inside_c / reps, inside_p / reps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--reps", type=int, default=400)
    args = ap.parse_args()
    rng = np.random.default_rng(20240601)
    print(f"paired BCa, no true difference ({args.reps} replications; engine minimum "
          f"n = {MIN_TASKS})")
    print(f"{'n tasks':>8} {'false +':>8} {'/ 5%':>6} {'power @0.5 SD':>14}")
    for n in (3, 5, 8, 10, 20, 55):
        fp = paired(n, 0.0, args.reps, rng)
        power = paired(n, 0.5, args.reps, rng)
        flag = "  (shown as n too small)" if n < MIN_TASKS else ""
        print(f"{n:>8} {fp:>8.3f} {fp / 0.05:>6.2f} {power:>14.3f}{flag}")
    print("\nrate over 2 correlated samples per task, true rate 5%: coverage of 95% intervals")
    print(f"{'tasks':>8} {'clustered':>10} {'plain':>8}")
    for tasks in (20, 55, 200):
        c, p = clustered_coverage(tasks, args.reps, rng)
        print(f"{tasks:>8} {c:>10.3f} {p:>8.3f}")


if __name__ == "__main__":
    main()
