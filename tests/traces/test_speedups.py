"""The scanner's shortcuts change nothing but the cost: each is checked against the plain
computation it replaces, on the dev set's text and on random strings."""

from __future__ import annotations

import random
import re

import pytest

from judge.traces import followthrough as ft
from judge.traces import load_library, parse_trace
from judge.traces.library import parse_library
from judge.traces.rx import reverse_source
from judge.traces.scan import clean_text, fold, prepare


def test_prepare_folds_ascii_letters_and_counts_utf8_once():
    text = "Wait—IS THAT right? ÉTÉ 检查 ’quoted‘"
    clean, low, nbytes = prepare(text)
    assert clean == text and nbytes == len(text.encode("utf-8"))
    assert low == "wait—is that right? ÉtÉ 检查 'quoted'"  # ASCII letters only
    assert len(low) == len(text)
    assert prepare("ABC d") == ("ABC d", "abc d", 5)
    surr = "Wait \ud800 ok"
    clean, low, nbytes = prepare(surr)
    assert clean == clean_text(surr) == "Wait \ufffd ok" and low == "wait \ufffd ok"
    assert nbytes == len(clean.encode("utf-8"))


def test_full_fold_when_rules_have_non_ascii_cased_letters():
    lib = parse_library("""
patterns:
  - name: de_fehler
    category: correction
    lang: en
    rules: ['\\b <<fehler>> \\s+ gemacht', '<<überprüfen>>']
    examples: {positive: [Fehler gemacht]}
""")
    scanner = lib.scanner()
    assert scanner.full_fold and not load_library().scanner().full_fold
    assert fold("ÜBERPRÜFEN", True) == "überprüfen" and fold("ÜBERPRÜFEN") == "ÜberprÜfen"
    res = parse_trace("Ich muss das ÜBERPRÜFEN.", library=lib)
    assert [e.quote for e in res.events] == ["ÜBERPRÜFEN"]


@pytest.mark.parametrize("src", [
    r"(?:y|ew)?\s+(?:again|once\s+more)\b",
    r"(?:ni)??x?abc(?:ab){2,3}(?:cd){0,2}?e",
    r"(?:very\s+|really\s+)?(?:bad|wrong)(?:\s+\w+){0,3}\?",
    r"(?:\w{1,5}\s+){0,1}(?:mistake|error)",
    r"(?:ab|abc)d?(?:x|xe|y)",
])
def test_reversed_sources_match_the_reversed_strings(src):
    """reverse_source: wherever the pattern matches t[p:e], the reversed pattern matches
    the reversed text from len(t) - e (a lead is matched that way, backwards)."""
    fwd, back = re.compile(src), re.compile(reverse_source(src, False))
    rng = random.Random(3)
    words = "y ew ni x abc abcd abx abcxe ab cd e very really bad wrong mistake error again once more ? ".split(" ")
    for _ in range(3000):
        t = " ".join(rng.choice(words) for _ in range(rng.randint(0, 8)))
        for p in range(len(t) + 1):
            m = fwd.match(t, p)
            if m is not None:
                assert back.match(t[::-1], len(t) - m.end()) is not None, (src, t, p)


def test_letter_first_follow_through_patterns_match_as_before(devset):
    """Follow-through patterns run on the lowercased context in a letter-first form; on
    dev-set sentences they find what the case-insensitive original finds."""
    sentences = [s for r in devset for s in re.split(r"(?<=[.!?。！？])\s*", r["text"]) if s]
    sentences += [s.upper() for s in sentences[:200]]
    checked = 0
    for _, search in ft._PAIRS + ft._NEW_ONLY + ft._GAP:
        for s in sentences:
            low = s.lower()
            if len(low) != len(s):
                continue
            a, b = search.ci.search(s), search.low.search(low)
            assert (a and a.span()) == (b and b.span()), (search.ci.pattern, s)
            checked += bool(a)
    assert checked > 50


def _reference_result_numbers(s: str) -> list[str]:
    """result_numbers as first written: every number token, then the keyword test."""
    out = []
    for m in ft._NUM_TOKEN.finditer(s):
        at = j = m.start()
        while j > 0 and s[j - 1].isspace():
            j -= 1
        if s.endswith(ft._RESULT_SYM, 0, j):
            out.append(m.group())
            continue
        before = s[max(0, j - 6):j].lower()
        for w in ft._RESULT_WORDS:
            if (before.endswith(w) and (j == len(w) or not ft._wordchar(s[j - len(w) - 1]))
                    and (j < at or not ft._wordchar(s[at]))):
                out.append(m.group())
                break
    return out


def test_result_numbers_match_the_reference(devset):
    rng = random.Random(11)
    pieces = list("0123456789 ,.:=-+$%→是为得等于\n\t€x_") + [
        "is", "IS", "equals", "gives", "to", "so", "be", "got", "this", "also", "->", "=>", "İ"]
    texts = [r["text"] for r in devset] + [
        "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25))) for _ in range(30000)]
    for t in texts:
        assert ft.result_numbers(t) == _reference_result_numbers(t), t


def test_episode_anchor_terms_match_the_case_insensitive_original(devset):
    from judge.traces import parser as P

    def reference(s: str) -> set[str]:
        return {t.lower() for t in P._ANCHORS.findall(s) if t.lower() not in P._REFLECTIVE}

    rng = random.Random(2)
    pieces = list("ab-+12,.:%\"\n xyzAB检查对吗") + ["wait", "Check", "Hello", "-5", "3.5%", "İ"]
    texts = [r["text"] for r in devset] + [
        "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(20000)]
    for t in texts:
        assert P._anchor_terms(t) == reference(t), t
