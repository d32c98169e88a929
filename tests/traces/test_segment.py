"""Sentence segmentation: the units the real-trace corpus was labeled on."""

from __future__ import annotations

import json
from pathlib import Path

from judge.traces.segment import sentences

REAL = Path(__file__).parent.parent / "data" / "traces" / "real"


def test_every_corpus_label_is_made_of_whole_units():
    texts = {json.loads(l)["id"]: json.loads(l)["text"] for l in (REAL / "corpus.jsonl").open()}
    n = 0
    for line in (REAL / "labels.jsonl").open():
        rec = json.loads(line)
        spans = sentences(texts[rec["id"]])
        starts, ends = {s for s, _ in spans}, {e for _, e in spans}
        for lab in rec["labels"]:
            assert lab["start"] in starts and lab["end"] in ends, (rec["id"], lab)
            n += 1
    assert n > 1000


def test_en_zh_markdown_code_and_math():
    text = ("First, e.g. this. Wait, is 3 × 4 = 12? Yes!\n"
            "1. A list item. 然后计算。让我再检查一下！\n"
            "```python\nx = 1. y = 2.\n```\n$$a. b.$$ Done.")
    got = [text[s:e] for s, e in sentences(text)]
    assert got == ["First, e.g. this.", "Wait, is 3 × 4 = 12?", "Yes!", "1. A list item.",
                   "然后计算。", "让我再检查一下！", "```python\nx = 1. y = 2.\n```", "$$a. b.$$",
                   "Done."]


def test_empty_and_whitespace():
    assert sentences("") == [] and sentences(" \n\n ") == []
