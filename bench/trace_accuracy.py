"""Accuracy of the trace detector and its baselines, as one table.

    python bench/trace_accuracy.py [--split test,dev,...] [--system shipped,naive,...]
                                   [--seed N] [--boots N] [--markdown] [--record]

Rows: set × system. Sets: the real corpus's test and dev splits (train too with
``--split train``; tests/data/traces/real, split
by source repository) and the team-written sets heldout2, heldout3, holdout and devset (the
patterns were written on devset: it is not blind). Systems: shipped (judge.traces.parse_trace),
lexical (the patterns alone), trained (the sentence-level detector, trained on train + dev:
its dev figures are in-sample), naive (sentences matching wait|check|verify|mistake|wrong|actually,
predicted as self_check and correction), r1zero (the understand-r1-zero keyword pool, same
rule), human (annotator b against annotator a: the ceiling; real splits only). Columns per
kind: P, R, F1 with BCa 95% intervals resampling traces (judge.stats), and Spearman's ρ of
per-trace counts; "—" where a kind is not scored (the baselines emit no pivots, the team sets
label none) or a figure is undefined. See judge/traces/accuracy.py for the matching rule.
``--record`` writes the shipped detector's test-split figures to
judge/traces/accuracy_record.json, the floor tests/traces/test_accuracy.py holds it to.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from judge.stats import N_RESAMPLES, SEED, Estimate  # noqa: E402
from judge.traces import accuracy  # noqa: E402
from judge.traces.models import EVENT_KINDS  # noqa: E402

SETS = ("test", "dev", "heldout2", "heldout3", "holdout", "devset")  # the default
ALL_SETS = (*SETS, "train")  # train: on request (--split train)
DASH = "—"


def cell(est: Estimate) -> str:
    """``0.62 [0.57, 0.67]``; the value alone without an interval; — when undefined."""
    if est.value is None:
        return DASH
    if not est.has_interval:
        return f"{est.value:.2f}"
    return f"{est.value:.2f} [{est.lo:.2f}, {est.hi:.2f}]"


def row(score: accuracy.Score, label: str) -> list[str]:
    out = [score.set, label, str(score.traces)]
    for kind in EVENT_KINDS:
        ks = score.kinds.get(kind)
        if ks is None:
            out += [DASH] * 4
            continue
        rho = DASH if ks.spearman is None else f"{ks.spearman:.2f}"
        out += [cell(ks.p), cell(ks.r), cell(ks.f1), rho]
    return out


HEADER = ["set", "system", "traces"] + [f"{k} {m}" for k in EVENT_KINDS
                                        for m in ("P", "R", "F1", "ρ")]


def render(rows: list[list[str]], markdown: bool) -> str:
    """A pipe table for markdown, else columns aligned with two spaces."""
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                     for r in [HEADER, *rows])


def _names(arg: str | None, allowed: tuple[str, ...], what: str) -> list[str]:
    names = list(allowed) if not arg else [n.strip() for n in arg.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)} (one of {', '.join(allowed)})")
    return names


def graded_system(spec: str, every: bool) -> tuple[accuracy.System, Any, dict, Any]:
    """The model-graded tier as a harness system: parse_trace, then the classifier's labels
    (one event loop for every trace); also the classifier, a timer and the loop."""
    import asyncio

    from judge.traces import parse_trace
    from judge.traces.graded import Classifier

    clf = Classifier(spec, every=every)
    loop = asyncio.new_event_loop()
    timer = {"s": 0.0}

    def predict(trace: accuracy.Trace) -> list[accuracy.Span]:
        t0 = time.perf_counter()
        result = parse_trace(trace.text)
        loop.run_until_complete(clf.grade(trace.text, result))
        timer["s"] += time.perf_counter() - t0
        return [accuracy.Span(e.kind, e.start, e.end) for e in result.events]

    sys_ = accuracy.System(f"classifier:{spec}", predict, EVENT_KINDS,
                           "parse_trace + model-graded candidates")
    return sys_, clf, timer, loop


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", help=f"comma-separated sets of {','.join(ALL_SETS)} "
                                    f"(default: {','.join(SETS)})")
    ap.add_argument("--system",
                    help=f"comma-separated systems (default all: {','.join(accuracy.SYSTEMS)})")
    ap.add_argument("--seed", type=int, default=SEED, help="bootstrap seed")
    ap.add_argument("--boots", type=int, default=N_RESAMPLES,
                    help="bootstrap resamples (0: no intervals)")
    ap.add_argument("--markdown", action="store_true", help="print a markdown pipe table")
    ap.add_argument("--record", action="store_true",
                    help="write the shipped detector's test-split figures to accuracy_record.json")
    ap.add_argument("--classifier", metavar="SPEC",
                    help="add a row for the model-graded tier (judge.traces.graded) with this "
                         "model spec, e.g. local or openai:gpt-5-mini")
    ap.add_argument("--classifier-all", action="store_true",
                    help="the classifier grades every sentence, not only the cued ones")
    ap.add_argument("--limit", type=int, metavar="N", help="only the first N traces of each set")
    args = ap.parse_args(argv)
    sets = _names(args.split, ALL_SETS, "set") if args.split else list(SETS)
    systems = _names(args.system, tuple(accuracy.SYSTEMS), "system") if args.system or \
        not args.classifier else []
    clf = None
    if args.classifier:
        clf = graded_system(args.classifier, args.classifier_all)
        accuracy.SYSTEMS[clf[0].name] = clf[0]
        systems.append(clf[0].name)
    t0 = time.perf_counter()
    rows = []
    for name in sets:
        traces = accuracy.load_set(name)
        if args.limit:
            traces = accuracy.TraceSet(traces.name, traces.traces[:args.limit], traces.kinds)
        for sys_name in systems:
            sys_ = accuracy.SYSTEMS[sys_name]
            if sys_.reference != "adjudicated" and name not in accuracy.SPLITS:
                continue  # no second annotator on the team-written sets
            rows.append(row(accuracy.score(traces, sys_, args.boots, args.seed), sys_name))
    print(render(rows, args.markdown))
    if clf is not None:
        st = clf[1].stats
        cost = f"${st.cost_usd:.4f}" if st.priced else "n/a"
        print(f"classifier {args.classifier}: {st.calls} calls ({st.cached} cached), "
              f"{st.batches} batches, {st.unparseable} unparseable, {st.errors} errors, "
              f"{st.graded} sentences graded, {st.ungraded} left to the detector, cost {cost}, "
              f"{clf[2]['s']:.1f} s grading")
        clf[3].run_until_complete(clf[1].aclose())
    print(f"\n{args.boots} bootstrap resamples (traces), seed {args.seed}; "
          f"corpus {accuracy.corpus_sha256()[:12]}; {time.perf_counter() - t0:.1f} s")
    if args.record:
        shipped = accuracy.score(accuracy.load_real("test"), accuracy.SYSTEMS["shipped"],
                                 args.boots, args.seed)
        path = accuracy.write_record(accuracy.record(shipped, args.boots, args.seed))
        print(f"recorded the shipped detector's test-split figures in {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
