"""The pattern library: data loads, every example behaves, hard negatives stay silent."""

from __future__ import annotations

from importlib import resources

import pytest

from judge.errors import InputError
from judge.traces.library import literal_prefix, load_library, parse_library
from judge.traces.scan import fold, raw_hits, resolve, scan

LIB = load_library()
CASES_POS = [(p.name, ex) for p in LIB.patterns for ex in p.positive]
CASES_NEG = [(p.name, ex) for p in LIB.patterns for ex in p.negative]


def test_library_is_package_data_with_both_languages_and_kinds():
    text = resources.files("judge.traces").joinpath("patterns.yaml").read_text("utf-8")
    assert "patterns:" in text
    langs = {p.lang for p in LIB.patterns}
    kinds = {(p.lang, p.category) for p in LIB.patterns}
    assert langs == {"en", "zh"}
    assert kinds == {(lang, k) for lang in langs for k in ("self_check", "correction", "pivot")}
    assert all(p.positive and p.rules for p in LIB.patterns)
    assert LIB.ident.startswith(f"{LIB.version}+")


FULL = LIB.scanner()
INDEX = {p.name: i for i, p in enumerate(FULL.patterns)}


def own_hits(name: str, example: str) -> list:
    """Raw hits of pattern ``name`` (before overlaps are resolved). In the full scanner an
    earlier rule on the same anchor can take the position first, so a miss is re-checked
    with a scanner of this pattern alone (compiled only then: compiling is the slow part)."""
    hits = [h for h in raw_hits(FULL, fold(example)) if h[2] == INDEX[name]]
    return hits or raw_hits(LIB.scanner(names=(name,)), fold(example))


@pytest.mark.parametrize(("name", "example"), CASES_POS)
def test_positive_example_matches_its_pattern_and_the_full_scan(name, example):
    assert own_hits(name, example), f"{name} does not match its example {example!r}"
    kinds = [p.category for p in FULL.patterns]
    assert LIB.get(name).category in {kinds[p] for _, _, p in scan(LIB, example)}, example


@pytest.mark.parametrize(("name", "example"), CASES_NEG)
def test_negative_example_does_not_match_its_pattern(name, example):
    hits = own_hits(name, example)
    assert not hits, f"{name} matched its negative {example!r}: {[example[s:e] for s, e, _ in hits]}"


@pytest.mark.parametrize("example", LIB.hard_negatives)
def test_hard_negatives_yield_no_event(example):
    assert scan(LIB, example) == []


def test_every_rule_compiles_on_its_own():
    LIB.validate()
    assert LIB.scanner().compile_all().groups


def test_rules_must_be_lower_case_and_anchored():
    base = "patterns:\n  - name: x\n    category: self_check\n    lang: en\n    examples: {positive: [a]}\n"
    with pytest.raises(InputError, match="lower case"):
        parse_library(base + "    rules: ['\\bLet <<check>>']\n")
    with pytest.raises(InputError, match="exactly one"):
        parse_library(base + "    rules: ['let me check']\n")
    with pytest.raises(InputError, match="unknown definition"):
        parse_library(base + "    rules: ['{{nope}} <<check>>']\n")
    with pytest.raises(InputError, match="capture groups"):
        parse_library(base + "    rules: ['(x) <<check>>']\n").validate()
    with pytest.raises(InputError, match="does not compile"):
        parse_library(base + "    rules: ['(?:x <<check>>']\n").validate()
    with pytest.raises(InputError, match="category"):
        parse_library(base.replace("self_check", "musing") + "    rules: ['<<check>>']\n")
    with pytest.raises(InputError, match="patterns.yaml"):
        parse_library("patterns: [", "patterns.yaml")


def test_anchor_alternatives_expand_to_one_rule_each():
    lib = parse_library(
        "patterns:\n  - name: x\n    category: correction\n    lang: en\n"
        "    rules: ['\\bi\\s+<<erred|goofed>>\\b']\n    examples: {positive: [I goofed]}\n")
    assert [r.anchor for r in lib.patterns[0].rules] == ["erred", "goofed"]
    assert [lib.patterns[0].name] == [lib.scanner().patterns[0].name]
    assert scan(lib, "Yes, I goofed. I erred.") and len(scan(lib, "I goofed and then I erred")) == 2 and len(scan(lib, "I goofed and I erred")) == 1


def test_literal_prefix_of_verbose_source():
    assert literal_prefix(r"se\b (?=x)") == ("se", r"\b (?=x)")
    assert literal_prefix(r"e?\b") == ("", r"e?\b")
    assert literal_prefix("ing \\s+ x") == ("ing", "\\s+ x")
    assert literal_prefix("了(?:x)") == ("了", "(?:x)")


def test_resolve_merges_adjacent_hits_of_one_kind_and_prefers_longer_across_kinds():
    kinds = ["correction", "self_check"]
    text = fold("Wait, is that right? I made a mistake.")
    # two self-checks ", " apart merge into one
    assert resolve([(0, 4, 1), (6, 20, 1)], kinds, text) == [(0, 20, 1)]
    # overlapping hits of different kinds: the longer wins
    assert resolve([(21, 37, 0), (21, 27, 1)], kinds, text) == [(21, 37, 0)]
    assert resolve([], kinds, text) == []


MENTION_LIB = """patterns:
  - name: x
    category: correction
    lang: en
    rules: ['\\bi\\s+<<made a mistake>>']
    examples: {positive: [I made a mistake]}
"""


def test_a_phrase_after_a_mention_frame_is_not_an_event():
    text = "常见说法是 I made a mistake。嗯，I made a mistake，应该是 14。"
    assert len(scan(parse_library(MENTION_LIB), text)) == 2  # no frame: both
    lib = parse_library(MENTION_LIB + "mentions:\n  en: '说法是 \\s* \\Z'\n")
    (only,) = scan(lib, text)
    assert text[only[0]:only[1]] == "I made a mistake" and only[0] > text.index("嗯")
    # the bundled frames: after a word of saying, and in a list of such phrases
    quoted = "常见说法是 I got it wrong 或 I made a mistake，也可以说 I miscalculated。"
    assert scan(LIB, quoted) == []
    assert scan(LIB, "嗯，I made a mistake here，应该是 14。")
    assert scan(LIB, "他说完了。Wait, I made a mistake in step 2.")  # the frame stops at 。


def test_an_ascii_mention_frame_is_searched_in_ascii_text():
    lib = parse_library(MENTION_LIB + "mentions:\n  en: 'you\\s+could\\s+say \\s* \\Z'\n")
    assert scan(lib, "You could say I made a mistake.") == []
    assert scan(lib, "Hmm, I made a mistake.")


def test_a_bad_mention_frame_names_its_language():
    with pytest.raises(InputError, match=r"mentions\.en.*does not compile"):
        parse_library(MENTION_LIB + "mentions:\n  en: '(?:x'\n", "p.yaml")
    with pytest.raises(InputError, match=r"mentions\.fr"):
        parse_library(MENTION_LIB + "mentions:\n  fr: 'x'\n", "p.yaml")
