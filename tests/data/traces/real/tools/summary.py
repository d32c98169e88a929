"""Composition of the real-trace corpus as markdown tables (for ../README.md).

    python tools/summary.py        # traces per family x language, per split, label counts
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from annotate import HERE, KINDS, corpus, read_jsonl


def table(header: list[str], rows: list[list]) -> str:
    """A markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def main() -> None:
    traces = corpus()
    splits = json.loads((HERE / "splits.json").read_text()) if (HERE / "splits.json").is_file() else {}
    split_of = {repo: s for s, repos in splits.items() for repo in repos}
    labels = {r["id"]: r["labels"] for r in read_jsonl(HERE / "labels.jsonl")} \
        if (HERE / "labels.jsonl").is_file() else {}
    n = len(traces)
    langs = Counter(t["lang"] for t in traces)
    print(f"{n} traces, {len({t['source'] for t in traces})} source repositories, "
          + ", ".join(f"{k} {v} ({v / n:.0%})" for k, v in sorted(langs.items())) + "\n")
    fam: dict[str, Counter] = defaultdict(Counter)
    for t in traces:
        fam[t["family"]][t["lang"]] += 1
    print(table(["family", "en", "zh", "total"],
                [[f, c["en"], c["zh"], c["en"] + c["zh"]]
                 for f, c in sorted(fam.items(), key=lambda kv: -sum(kv[1].values()))]))
    print()
    per: dict[str, dict] = {}
    for t in traces:
        row = per.setdefault(t["source"], {"n": 0, "en": 0, "zh": 0, "fams": set(),
                                           **{k: 0 for k in KINDS}})
        row["n"] += 1
        row[t["lang"]] += 1
        row["fams"].add(t["family"])
        for lab in labels.get(t["id"], []):
            row[lab["kind"]] += 1
    rows = []
    for split in ("train", "dev", "test", None):
        for src, r in sorted(per.items(), key=lambda kv: -kv[1]["n"]):
            if split_of.get(src) == split:
                rows.append([split or "-", src, r["n"], r["en"], r["zh"], ", ".join(sorted(r["fams"])),
                             *(r[k] for k in KINDS)])
    print(table(["split", "source repository", "traces", "en", "zh", "families", *KINDS], rows))
    print()
    tot = []
    for split in ("train", "dev", "test"):
        ids = [t for t in traces if split_of.get(t["source"]) == split]
        c = Counter(lab["kind"] for t in ids for lab in labels.get(t["id"], []))
        tot.append([split, len(ids), sum(t["lang"] == "zh" for t in ids),
                    sum(len(t["text"]) for t in ids), *(c[k] for k in KINDS)])
    print(table(["split", "traces", "zh", "chars", *KINDS], tot))


if __name__ == "__main__":
    main()
