"""Build devset.jsonl from source.txt: strip [[SC: ...]] / [[CO: ...]] markers and record
character offsets of the marked spans. Run: python tests/data/traces/build.py"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK = re.compile(r"\[\[(SC|CO):(.*?)\]\](?!\])", re.S)
KINDS = {"SC": "self_check", "CO": "correction"}


def parse_text(marked: str) -> tuple[str, list[dict]]:
    out, labels, pos = [], [], 0
    for m in MARK.finditer(marked):
        out.append(marked[pos:m.start()])
        start = sum(len(p) for p in out)
        span = m.group(2)
        out.append(span)
        labels.append({"kind": KINDS[m.group(1)], "start": start, "end": start + len(span), "text": span})
        pos = m.end()
    out.append(marked[pos:])
    text = "".join(out)
    if "[[" in text or "]]" in text.replace("]]]", ""):
        raise ValueError(f"unbalanced marker in: {marked[:80]!r}")
    return text, labels


def parse_source(src: str) -> list[dict]:
    records, cur, body = [], None, []

    def flush() -> None:
        if cur is None:
            return
        text, labels = parse_text("\n".join(body).strip("\n"))
        cur.update(text=text, labels=labels)
        records.append(dict(cur))

    for line in src.splitlines():
        if line.startswith("=== "):
            flush()
            rid, lang, style = (x.strip() for x in line[4:].split("|"))
            cur, body = {"id": rid, "lang": lang, "style": style, "answer": None,
                         "follow_through": None, "hard_negative": style.startswith("neg")}, []
        elif cur is None:
            continue  # header comments
        elif line.startswith("@answer:") and not body:
            cur["answer"] = line.split(":", 1)[1].strip()
        elif line.startswith("@follow_through:") and not body:
            cur["follow_through"] = line.split(":", 1)[1].strip() == "true"
        else:
            body.append(line)
    flush()
    return records


def build(source: str, target: str) -> list[dict]:
    records = parse_source((HERE / source).read_text("utf-8"))
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for r in records:
        assert r["hard_negative"] == (not r["labels"]), f"{r['id']}: negatives have no labels"
        for lab in r["labels"]:
            assert r["text"][lab["start"]:lab["end"]] == lab["text"]
    with open(HERE / target, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    neg = sum(r["hard_negative"] for r in records)
    print(f"{len(records)} traces, {neg} hard negatives, "
          f"{sum(len(r['labels']) for r in records)} labeled spans -> {target}")
    return records


def main() -> int:
    build("source.txt", "devset.jsonl")
    build("holdout_source.txt", "holdout.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
