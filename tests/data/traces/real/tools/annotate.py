"""The annotation workflow of the real-trace corpus (see ../README.md).

    python tools/annotate.py chunks OUT_DIR --parts N      # numbered units, N chunk files
    python tools/annotate.py collect ANNOTATOR FILE...     # unit labels -> annotations/<a>.jsonl
    python tools/annotate.py agreement                     # a vs b: span F1 per kind, Cohen's kappa
    python tools/annotate.py disagreements OUT_DIR --parts N   # units where a and b differ
    python tools/annotate.py adjudicate FILE...            # decisions -> labels.jsonl

Annotators see only a chunk file (the contract's definitions are in their instructions)
and write one JSON object per trace: {"id", "self_check": [unit, ...], "correction": [...],
"pivot": [...]}. Units come from tools/units.py; labels are stored as character spans.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from units import units

HERE = Path(__file__).resolve().parent.parent
KINDS = ("self_check", "correction", "pivot")


def read_jsonl(path: Path) -> list[dict]:
    """Every JSON object of a JSONL file (blank lines skipped); errors name file:line."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                sys.exit(f"{path}:{n}: not JSON: {exc}")
    return out


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")


def corpus() -> list[dict]:
    return read_jsonl(HERE / "corpus.jsonl")


def render(trace: dict, only: set[int] | None = None, notes: dict[int, str] | None = None) -> str:
    """A trace as numbered units (``only``: mark these units for a decision)."""
    text = trace["text"]
    lines = [f"=== TRACE {trace['id']} (lang {trace['lang']}) ==="]
    for i, (s, e) in enumerate(units(text)):
        mark = ">>" if only and i in only else "  "
        unit = text[s:e].replace("\n", "\n      ")
        lines.append(f"{mark}[{i}] {unit}")
        if notes and i in notes:
            lines.append(f"      ({notes[i]})")
    lines.append(f"=== END {trace['id']} ===\n")
    return "\n".join(lines)


def split_parts(rows: list, parts: int) -> list[list]:
    """``parts`` contiguous groups of about equal total text length."""
    total = sum(len(r["text"]) for r in rows) or 1
    groups: list[list] = [[] for _ in range(parts)]
    acc = 0
    for r in rows:
        groups[min(parts - 1, acc * parts // total)].append(r)
        acc += len(r["text"])
    return groups


def cmd_chunks(out: Path, parts: int, exclude: list[Path]) -> None:
    """Chunk files of the traces not already labeled in any EXCLUDE file (a later batch)."""
    out.mkdir(parents=True, exist_ok=True)
    done = {row["id"] for f in exclude for row in read_jsonl(f)}
    todo = [t for t in corpus() if t["id"] not in done]
    print(f"{len(todo)} traces to label ({len(done)} excluded)")
    for k, group in enumerate(split_parts(todo, parts), 1):
        (out / f"chunk{k}.txt").write_text("\n".join(render(t) for t in group), encoding="utf-8")
        print(f"chunk{k}.txt: {len(group)} traces, {sum(len(t['text']) for t in group):,} chars")


def unit_labels(row: dict, n_units: int, where: str) -> dict[int, set[str]]:
    """{unit: kinds} from one annotator line, validated."""
    out: dict[int, set[str]] = {}
    for kind in KINDS:
        for u in row.get(kind, []):
            if not isinstance(u, int) or not 0 <= u < n_units:
                sys.exit(f"{where}: {kind} unit {u!r} is not a unit of this trace (0..{n_units - 1})")
            out.setdefault(u, set()).add(kind)
    return out


def cmd_collect(annotator: str, files: list[Path]) -> None:
    traces = {t["id"]: t for t in corpus()}
    seen: dict[str, dict] = {}
    for f in files:
        for n, row in enumerate(read_jsonl(f), 1):
            tid = row.get("id")
            if tid not in traces:
                sys.exit(f"{f}:{n}: unknown trace id {tid!r}")
            seen[tid] = row
    missing = [t for t in traces if t not in seen]
    rows = []
    for tid, trace in traces.items():
        if tid not in seen:
            continue
        spans = units(trace["text"])
        labels = unit_labels(seen[tid], len(spans), f"{annotator}:{tid}")
        rows.append({"id": tid, "labels": [
            {"kind": k, "start": spans[u][0], "end": spans[u][1],
             "text": trace["text"][spans[u][0]:spans[u][1]]}
            for u in sorted(labels) for k in KINDS if k in labels[u]]})
    write_jsonl(HERE / "annotations" / f"{annotator}.jsonl", rows)
    print(f"annotations/{annotator}.jsonl: {len(rows)} traces; missing {len(missing)}: {missing[:10]}")


def _unit_sets(path: Path) -> dict[str, dict[int, set[str]]]:
    """Per trace: {unit index: kinds}, recovered from stored spans."""
    traces = {t["id"]: t for t in corpus()}
    out = {}
    for row in read_jsonl(path):
        spans = units(traces[row["id"]]["text"])
        index = {s: i for i, s in enumerate(spans)}
        per: dict[int, set[str]] = {}
        for lab in row["labels"]:
            per.setdefault(index[(lab["start"], lab["end"])], set()).add(lab["kind"])
        out[row["id"]] = per
    return out


def _overlap_f1(pred: list[tuple[int, int]], gold: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    """(predicted matched, predicted, gold matched, gold) by span overlap."""
    def hit(a: tuple[int, int], others: list[tuple[int, int]]) -> bool:
        return any(a[0] < b[1] and b[0] < a[1] for b in others)
    return (sum(hit(p, gold) for p in pred), len(pred), sum(hit(g, pred) for g in gold), len(gold))


def kappa(a: list[int], b: list[int]) -> float:
    """Cohen's kappa of two binary label lists."""
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)


def cmd_agreement() -> None:
    a, b = _unit_sets(HERE / "annotations/a.jsonl"), _unit_sets(HERE / "annotations/b.jsonl")
    traces = {t["id"]: t for t in corpus()}
    both = sorted(set(a) & set(b))
    print(f"traces labeled by both: {len(both)}")
    for kind in KINDS:
        tp_p = n_p = tp_g = n_g = 0
        xa, xb = [], []
        for tid in both:
            spans = units(traces[tid]["text"])
            sa = [spans[u] for u, k in a[tid].items() if kind in k]
            sb = [spans[u] for u, k in b[tid].items() if kind in k]
            m = _overlap_f1(sb, sa)  # b as prediction, a as reference (F1 is symmetric)
            tp_p, n_p, tp_g, n_g = tp_p + m[0], n_p + m[1], tp_g + m[2], n_g + m[3]
            xa += [int(kind in a[tid].get(u, ())) for u in range(len(spans))]
            xb += [int(kind in b[tid].get(u, ())) for u in range(len(spans))]
        p, r = tp_p / max(n_p, 1), tp_g / max(n_g, 1)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{kind:11s} a={sum(xa):5d} b={sum(xb):5d} units={len(xa):6d}  span-overlap F1 "
              f"{f1:.3f} (P_b|a {p:.3f} R_b|a {r:.3f})  Cohen's kappa {kappa(xa, xb):.3f}")


def cmd_disagreements(out: Path, parts: int) -> None:
    a, b = _unit_sets(HERE / "annotations/a.jsonl"), _unit_sets(HERE / "annotations/b.jsonl")
    todo = []
    count = Counter()
    for t in corpus():
        ua, ub = a.get(t["id"], {}), b.get(t["id"], {})
        diff = {u for u in set(ua) | set(ub) if ua.get(u, set()) != ub.get(u, set())}
        if diff:
            notes = {u: "one annotator: " + (", ".join(sorted(ua.get(u, set()))) or "none")
                     + " | other annotator: " + (", ".join(sorted(ub.get(u, set()))) or "none")
                     for u in diff}
            todo.append((t, diff, notes))
            count["units"] += len(diff)
    out.mkdir(parents=True, exist_ok=True)
    groups = split_parts([t for t, _, _ in todo], parts)
    info = {t["id"]: (d, n) for t, d, n in todo}
    for k, group in enumerate(groups, 1):
        (out / f"disagree{k}.txt").write_text(
            "\n".join(render(t, info[t["id"]][0], info[t["id"]][1]) for t in group), encoding="utf-8")
        print(f"disagree{k}.txt: {len(group)} traces, {sum(len(info[t['id']][0]) for t in group)} units")
    print(f"{len(todo)} traces, {count['units']} units to adjudicate")


def cmd_adjudicate(files: list[Path]) -> None:
    """labels.jsonl: where a and b agree, their label; elsewhere the adjudicator's decision
    ({"id", "decisions": {"unit": [kinds]}})."""
    a, b = _unit_sets(HERE / "annotations/a.jsonl"), _unit_sets(HERE / "annotations/b.jsonl")
    decided: dict[str, dict[int, set[str]]] = {}
    for f in files:
        for n, row in enumerate(read_jsonl(f), 1):
            decided[row["id"]] = {int(u): set(k) for u, k in row["decisions"].items()}
            bad = {k for ks in decided[row["id"]].values() for k in ks} - set(KINDS)
            if bad:
                sys.exit(f"{f}:{n}: unknown kinds {bad}")
    rows, undecided = [], 0
    missing = [t["id"] for t in corpus() if t["id"] not in a or t["id"] not in b]
    if missing:
        sys.exit(f"{len(missing)} traces lack a or b annotations: {missing[:10]}")
    for t in corpus():
        ua, ub = a[t["id"]], b[t["id"]]
        spans = units(t["text"])
        final: dict[int, set[str]] = {}
        for u in set(ua) | set(ub):
            if ua.get(u, set()) == ub.get(u, set()):
                final[u] = ua[u]
            elif u in decided.get(t["id"], {}):
                final[u] = decided[t["id"]][u]
            else:
                undecided += 1
        rows.append({"id": t["id"], "labels": [
            {"kind": k, "start": spans[u][0], "end": spans[u][1],
             "text": t["text"][spans[u][0]:spans[u][1]]}
            for u in sorted(final) for k in KINDS if k in final[u]]})
    if undecided:
        sys.exit(f"{undecided} disagreeing units have no decision")
    write_jsonl(HERE / "labels.jsonl", rows)
    kinds = Counter(lab["kind"] for r in rows for lab in r["labels"])
    print(f"labels.jsonl: {len(rows)} traces; {dict(kinds)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("chunks")
    c.add_argument("out", type=Path)
    c.add_argument("--parts", type=int, default=4)
    c.add_argument("--exclude", type=Path, nargs="*", default=[],
                   help="annotator files whose trace ids are already labeled")
    c = sub.add_parser("collect")
    c.add_argument("annotator")
    c.add_argument("files", type=Path, nargs="+")
    sub.add_parser("agreement")
    c = sub.add_parser("disagreements")
    c.add_argument("out", type=Path)
    c.add_argument("--parts", type=int, default=2)
    c = sub.add_parser("adjudicate")
    c.add_argument("files", type=Path, nargs="+")
    args = ap.parse_args()
    if args.cmd == "chunks":
        cmd_chunks(args.out, args.parts, args.exclude)
    elif args.cmd == "collect":
        cmd_collect(args.annotator, args.files)
    elif args.cmd == "agreement":
        cmd_agreement()
    elif args.cmd == "disagreements":
        cmd_disagreements(args.out, args.parts)
    else:
        cmd_adjudicate(args.files)


if __name__ == "__main__":
    main()
