"""The calibration suite checked mechanically: what a planted verdict claims, the text shows.

These checks cannot prove a verdict right (people wrote and reviewed the cases, see each
case's note); they catch the mistakes that can be caught by machine: a "changed number"
that is on the page after all, a planted claim the page does make, a "dropped" key point
whose words are still in the answer, a reflection pair whose answers do not differ in
the corrected value, unbalanced pairwise positions, padding that is not about twice the
length, a "faithful" answer with a figure the page does not state.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from judge.calibration.suite import (
    CoverageCase,
    FaithfulnessCase,
    IntentionCase,
    PairwiseCase,
    ReflectionCase,
    StrategyCase,
    Suite,
    load_suite,
    pad,
    words,
)
from judge.errors import InputError
from judge.grading.length import sentence_count
from judge.probeset import ProbeSet, load_probeset
from tests.conftest import ROOT

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CJK = re.compile(r"[\u4e00-\u9fff]")
MIN_PER_RUBRIC = {"intention": 60, "faithfulness": 45, "coverage": 40, "strategy": 40,
                  "reflection": 40, "pairwise": 48}


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_suite()


@pytest.fixture(scope="module")
def probes() -> ProbeSet:
    return load_probeset(ROOT / "probes" / "web-summaries.yaml")


def numbers(text: str) -> set[str]:
    """Number tokens, without thousands separators or trailing zero decimals
    ("41,000" → "41000", "$549.00" → "549", "4.0" → "4")."""
    out = set()
    for n in _NUMBER.findall(text):
        n = n.replace(",", "")
        out.add(n.rstrip("0").rstrip(".") if "." in n else n)
    return out


def page_text(probes: ProbeSet, page_id: str) -> str:
    page = probes.page(page_id)
    return f"{page.title}\n{page.body}"


def test_size_and_balance(suite: Suite, probes: ProbeSet) -> None:
    suite.resolve(probes)  # pages unchanged, queries and dropped key points known
    assert len(suite.cases) >= 240
    per = Counter(c.rubric for c in suite.cases)
    for rubric, least in MIN_PER_RUBRIC.items():
        assert per[rubric] >= least, rubric
    strata = Counter((c.rubric, c.stratum) for c in suite.cases)
    for rubric in MIN_PER_RUBRIC:
        sizes = [n for (r, _), n in strata.items() if r == rubric]
        assert len(sizes) >= 2 and min(sizes) >= 12, (rubric, sizes)
    assert len({c.task_key for c in suite.cases}) == len(suite.cases)  # no duplicate case


def test_faithful_answers_state_only_the_pages_numbers(suite: Suite, probes: ProbeSet) -> None:
    for a in suite.answers.values():
        if not a.faithful:
            continue
        extra = numbers(a.text) - numbers(page_text(probes, a.page)) - set(a.derived)
        assert not extra, f"answer {a.id}: {sorted(extra)} not on page {a.page}"


def test_faithfulness_plants(suite: Suite, probes: ProbeSet) -> None:
    for case in suite.by_rubric("faithfulness"):
        s = case.spec
        assert isinstance(s, FaithfulnessCase) and case.base is not None
        page = page_text(probes, s.page)
        assert suite.answers[str(s.answer)].faithful, case.id
        if s.kind == "faithful":
            assert case.text == case.base, case.id
        elif s.kind == "unsupported":
            assert s.edit is not None and s.edit.add
            for term in s.absent:
                assert term.casefold() not in page.casefold(), f"{case.id}: {term!r} is on the page"
                assert term.casefold() in s.edit.add.casefold(), f"{case.id}: {term!r} not planted"
            assert case.text != case.base
        else:
            assert s.edit is not None and s.edit.replace is not None
            old, new = s.edit.replace
            assert numbers(old) <= numbers(page), f"{case.id}: {old!r} is not the page's figure"
            changed = numbers(new) - numbers(old)
            assert changed, f"{case.id}: no number changed"
            assert not changed & numbers(page), f"{case.id}: {sorted(changed)} is on the page"
            assert new in case.text and old not in case.text, case.id


def test_coverage_drops_remove_the_core_point(suite: Suite, probes: ProbeSet) -> None:
    for case in suite.by_rubric("coverage"):
        s = case.spec
        assert isinstance(s, CoverageCase) and case.base is not None
        if s.kind == "complete":
            assert case.text == case.base, case.id
            continue
        roles = {k.id: k.role for k in probes.page(s.page).key_points}
        assert roles[str(s.dropped)] == "core", case.id
        page = page_text(probes, s.page).casefold()
        for term in s.absent:
            t = term.casefold()
            assert t in case.base.casefold(), f"{case.id}: {term!r} was not in the answer"
            assert t not in case.text.casefold(), f"{case.id}: {term!r} is still in the answer"
            assert t in page, f"{case.id}: {term!r} is not the page's wording of the point"
        twin = [c for c in suite.by_rubric("coverage") if c.spec.answer == s.answer
                and getattr(c.spec, "kind", "") == "complete"]
        assert twin, f"{case.id}: no complete twin"


def test_strategy_labels_show_in_the_text(suite: Suite) -> None:
    review = re.compile(r"\b(Pros|Strengths|What works)\b")
    verdict = re.compile(r"\b(Verdict|Recommendation):")
    for case in suite.by_rubric("strategy"):
        s = case.spec
        assert isinstance(s, StrategyCase)
        one = sentence_count(case.text) == 1
        if s.label != "other":  # a bare list has no sentences to count
            assert one == (s.label == "one-sentence"), f"{case.id}: {sentence_count(case.text)}"
        structured = bool(review.search(case.text) and verdict.search(case.text))
        assert structured == (s.label == "pros-cons"), case.id
        if s.label == "other":
            assert case.text.count(";") >= 5, case.id  # a bare list of items
        if s.label == "method-conclusion":
            assert re.search(r"(?i)\b(design|method|randomised|trial)\b", case.text), case.id


def test_reflection_pairs_differ_in_the_corrected_value(suite: Suite, probes: ProbeSet) -> None:
    by_reasoning: dict[str, list[str]] = {}
    for case in suite.by_rubric("reflection"):
        s = case.spec
        assert isinstance(s, ReflectionCase)
        assert s.wrong not in s.right and s.right not in s.wrong, case.id
        assert s.wrong in s.reasoning and s.right in s.reasoning, case.id
        assert s.reasoning.index(s.wrong) < s.reasoning.rindex(s.right), case.id  # then fixed
        used, dropped = (s.right, s.wrong) if s.kind == "reflected" else (s.wrong, s.right)
        assert used in case.text and dropped not in case.text, case.id
        assert numbers(s.right) <= numbers(page_text(probes, s.page)), case.id
        by_reasoning.setdefault(s.reasoning, []).append(s.kind)
    assert all(sorted(kinds) == ["ignored", "reflected"] for kinds in by_reasoning.values())


def test_pairwise_orders_balance_and_padding(suite: Suite) -> None:
    cases = suite.by_rubric("pairwise")
    specs = [c.spec for c in cases]
    assert all(isinstance(s, PairwiseCase) for s in specs)
    for padded in (False, True):
        firsts = Counter(s.better_first for s in specs if s.pad == padded)  # type: ignore[union-attr]
        assert firsts[True] == firsts[False], (padded, firsts)
    plain = {(s.better, s.worse) for s in specs if not s.pad}  # type: ignore[union-attr]
    for case in cases:
        s = case.spec
        assert isinstance(s, PairwiseCase)
        better, worse = suite.answers[s.better], suite.answers[s.worse]
        assert better.faithful and not worse.faithful, case.id
        assert better.query == worse.query == s.query, case.id
        a, b = (case.text, case.other)
        assert (a, b) == ((better.text, case.other) if s.better_first else (case.text, better.text))
        shown_worse = b if s.better_first else a
        assert 0.75 <= words(worse.text) / words(better.text) <= 1.25, case.id  # similar
        if s.pad:
            assert (s.better, s.worse) in plain, f"{case.id}: no unpadded twin"
            assert shown_worse == pad(worse.text)
            assert 1.8 <= words(shown_worse) / words(worse.text) <= 2.3, case.id
            assert words(shown_worse) >= 1.5 * words(better.text), case.id  # longer than A
        else:
            assert shown_worse == worse.text


def test_intention_kinds(suite: Suite) -> None:
    custom = {q.id for q in suite.meta.queries}
    for case in suite.by_rubric("intention"):
        s = case.spec
        assert isinstance(s, IntentionCase)
        written_for = suite.answers[str(s.answer)].query
        if s.kind == "on-query":
            assert written_for == s.query, case.id
            if s.query == "tldr":
                assert sentence_count(case.text) == 1, case.id
            if s.query == "zh-summary":
                assert len(_CJK.findall(case.text)) > len(case.text) / 3, case.id
        elif s.kind == "other-query":
            assert written_for != s.query and {written_for, s.query} <= custom, case.id
        else:
            assert written_for == "overview" and s.query in ("tldr", "zh-summary"), case.id
            if s.query == "tldr":
                assert sentence_count(case.text) >= 3, case.id
            else:
                assert not _CJK.search(case.text), case.id


def test_a_changed_page_is_refused(suite: Suite, probes: ProbeSet) -> None:
    pages = [p.model_copy(update={"text": p.body + " (edited)"}) if p.id == "short-kettle" else p
             for p in probes.pages]
    with pytest.raises(InputError, match="short-kettle.*changed since the calibration suite"):
        suite.check_pages(probes.model_copy(update={"pages": pages}))


def test_a_bad_case_names_file_line_and_case(tmp_path: Path) -> None:
    src = Path(load_suite().directory)
    for f in src.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "faithfulness.yaml"
    text = path.read_text(encoding="utf-8").replace("kind: changed-number", "kind: changed", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_suite(tmp_path)
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "kind: changed" == x.strip())
    msg = str(err.value)
    assert f"faithfulness.yaml:{line}" in msg and "faith-ledger-number" in msg and "kind" in msg
