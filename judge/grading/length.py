"""Length appropriateness: computed, not judged — word count against the page's bounds.

Words are letter or number tokens ("don't", "3.5" and "well-known" are one word each);
CJK text (Chinese, Japanese, Korean) has no spaces, so its characters are counted and
divided by ``CJK_CHARS_PER_WORD`` (a Chinese word is about 1.5 characters). On a ``short``
page a good summary is one sentence, so there the answer must also be a single sentence.
A combo's bounds: the largest of its pages' minimums, the sum of their maximums.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from judge.probeset import Length, Page

CJK_CHARS_PER_WORD = 1.5
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d+(?:[.,]\d+)*")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|vs|etc|approx|Dr|Mr|Mrs|Ms|St|No|Fig)\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$|[\"'”’)\]])|[。！？]+")


def word_count(text: str) -> int:
    """Words in ``text`` (CJK-aware, see the module docstring)."""
    cjk = len(_CJK.findall(text))
    return len(_WORD.findall(_CJK.sub(" ", text))) + round(cjk / CJK_CHARS_PER_WORD)


def sentence_count(text: str) -> int:
    """Sentences in ``text`` (0 for blank text; common abbreviations do not end one)."""
    stripped = _ABBREV.sub(lambda m: m.group(0).replace(".", ""), text.strip())
    if not stripped:
        return 0
    ends = list(_SENTENCE_END.finditer(stripped))
    trailing = 1 if not ends or stripped[ends[-1].end():].strip(" \"'”’)]\n") else 0
    return len(ends) + trailing


def bounds_for(pages: list[Page]) -> Length:
    """Word bounds of an answer about these pages (one page: its own bounds)."""
    if len(pages) == 1:
        return pages[0].bounds
    return Length(min_words=max(p.bounds.min_words for p in pages),
                  max_words=sum(p.bounds.max_words for p in pages))


@dataclass(frozen=True)
class LengthCheck:
    """How an answer's length compares with its bounds."""

    words: int
    sentences: int
    min_words: int
    max_words: int
    one_sentence: bool = False  # required (short pages)

    @property
    def status(self) -> Literal["short", "ok", "long", "not-one-sentence"]:
        if self.words < self.min_words:
            return "short"
        if self.words > self.max_words:
            return "long"
        return "not-one-sentence" if self.one_sentence and self.sentences != 1 else "ok"

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def length_check(text: str, pages: Page | list[Page], bounds: Length | None = None) -> LengthCheck:
    """Word count of ``text`` against the pages' bounds (or explicit ``bounds``)."""
    pages = [pages] if isinstance(pages, Page) else pages
    b = bounds or bounds_for(pages)
    one = len(pages) == 1 and pages[0].type == "short"
    return LengthCheck(words=word_count(text), sentences=sentence_count(text),
                       min_words=b.min_words, max_words=b.max_words, one_sentence=one)
