"""The labeled dev set: composition, offsets, and P/R/F1 per label against the bars."""

from __future__ import annotations

import importlib.util
import json

from judge.traces.parser import lexical_parse as parse_trace  # the pattern library alone

from .conftest import DATA

BARS = {"self_check": 0.90, "correction": 0.85}


def _build_module():
    spec = importlib.util.spec_from_file_location("traces_build", DATA / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_devset_jsonl_is_built_from_source(devset):
    mod = _build_module()
    rebuilt = mod.parse_source((DATA / "source.txt").read_text("utf-8"))
    assert rebuilt == devset, "devset.jsonl is stale: run python tests/data/traces/build.py"
    with open(DATA / "holdout.jsonl", encoding="utf-8") as fh:
        holdout = [json.loads(line) for line in fh if line.strip()]
    assert mod.parse_source((DATA / "holdout_source.txt").read_text("utf-8")) == holdout


def test_devset_composition(devset):
    assert len(devset) >= 80
    negatives = [r for r in devset if r["hard_negative"]]
    assert len(negatives) * 3 >= len(devset), "at least a third hard negatives"
    assert {r["lang"] for r in devset} == {"en", "zh"}
    assert {r["lang"] for r in negatives} == {"en", "zh"}
    assert len({r["style"] for r in devset if not r["hard_negative"]}) >= 6
    for r in devset:
        for lab in r["labels"]:
            assert r["text"][lab["start"]:lab["end"]] == lab["text"]
    tricky = ("check", "wait", "verify", "actually", "等等", "检查")
    text = " ".join(r["text"].lower() for r in negatives)
    assert all(w in text for w in tricky)


def score(devset: list[dict]) -> dict[str, dict[str, float]]:
    """Per label: precision over events (an event is right when it overlaps a labeled span
    of its kind), recall over labeled spans (found when an event of the kind overlaps)."""
    out = {}
    for kind in ("self_check", "correction"):
        tp = fp = found = total = 0
        for r in devset:
            labels = [(lab["start"], lab["end"]) for lab in r["labels"] if lab["kind"] == kind]
            events = [(e.start, e.end) for e in parse_trace(r["text"]).events if e.kind == kind]
            overlaps = lambda a, b: a[0] < b[1] and b[0] < a[1]  # noqa: E731
            for ev in events:
                if any(overlaps(ev, lab) for lab in labels):
                    tp += 1
                else:
                    fp += 1
            total += len(labels)
            found += sum(1 for lab in labels if any(overlaps(ev, lab) for ev in events))
        p = tp / (tp + fp) if tp + fp else 1.0
        rec = found / total if total else 1.0
        f1 = 2 * p * rec / (p + rec) if p + rec else 0.0
        out[kind] = {"precision": round(p, 3), "recall": round(rec, 3), "f1": round(f1, 3),
                     "events": tp + fp, "labels": total}
    return out


def test_devset_precision_recall_f1(devset):
    report = score(devset)
    print("\ntrace parser on the dev set:\n" + json.dumps(report, indent=2))
    for kind, bar in BARS.items():
        assert report[kind]["f1"] >= bar, f"{kind} F1 {report[kind]} below {bar}"


def test_hard_negatives_yield_at_most_rare_events(devset):
    negatives = [r for r in devset if r["hard_negative"]]
    noisy = {r["id"]: [e.quote for e in parse_trace(r["text"]).events] for r in negatives}
    noisy = {k: v for k, v in noisy.items() if v}
    assert len(noisy) <= len(negatives) // 10, noisy


def test_follow_through_signal_on_labeled_traces(devset):
    labeled = [r for r in devset if r["follow_through"] is not None
               and any(lab["kind"] == "correction" for lab in r["labels"])]
    decided = right = 0
    for r in labeled:
        value = parse_trace(r["text"], answer=r["answer"]).follow_through
        if value is not None:
            decided += 1
            right += value == r["follow_through"]
    print(f"\nfollow-through: {right}/{decided} right, {len(labeled) - decided} undecided")
    assert decided >= len(labeled) // 2
    assert right >= 0.85 * decided


def test_holdout_report():
    """Held-out traces, written after the patterns were frozen: reported, not a bar
    (the patterns must not be tuned on them). A loose floor catches gross regressions."""
    with open(DATA / "holdout.jsonl", encoding="utf-8") as fh:
        holdout = [json.loads(line) for line in fh if line.strip()]
    report = score(holdout)
    print("\ntrace parser on the held-out set:\n" + json.dumps(report, indent=2))
    assert report["self_check"]["precision"] >= 0.6 and report["self_check"]["f1"] >= 0.5
