"""Computed length appropriateness."""

from __future__ import annotations

from judge.grading.length import bounds_for, length_check, sentence_count, word_count
from judge.probeset import ProbeSet


def test_word_count_latin_numbers_and_cjk() -> None:
    assert word_count("The bridge closed on Monday.") == 5
    assert word_count("It costs $24.99 — don't buy well-known brands!") == 7
    assert word_count("请用中文总结") == 4  # 6 characters / 1.5
    assert word_count("") == 0


def test_sentences() -> None:
    assert sentence_count("One. Two! Three?") == 3
    assert sentence_count("It rose 3.5 percent, e.g. in May.") == 1
    assert sentence_count("第一句。第二句！") == 2


def test_page_bounds_and_status(probes: ProbeSet) -> None:
    kettle = probes.page("short-kettle")
    check = length_check("The Kettlebright Mini is a $24.99 travel kettle.", kettle)
    assert check.ok and check.one_sentence and (check.min_words, check.max_words) == (5, 30)
    assert length_check("A small travel kettle. It costs $24.99.", kettle).status == "not-one-sentence"
    assert length_check("Kettle.", kettle).status == "short"
    assert length_check("word " * 31, kettle).status == "long"


def test_combo_bounds(probes: ProbeSet) -> None:
    a, b = probes.page("review-phone-arcwave"), probes.page("review-phone-lumen")
    bounds = bounds_for([a, b])
    assert bounds.min_words == 70 and bounds.max_words == 360
    assert not length_check("x", [a, b]).one_sentence
