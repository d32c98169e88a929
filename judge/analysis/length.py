"""Length appropriateness: an answer's word count against its page's bounds.

Words are Latin/digit tokens plus CJK characters / 1.5 (a Chinese word is about 1.5
characters). A short page's good summary is one sentence, so there the answer must also
be a single sentence.
"""

from __future__ import annotations

import re

_LATIN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d+(?:[.,]\d+)*", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|vs|etc|approx|Dr|Mr|Mrs|Ms|St|No|Fig)\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$|[\"'”’)\]])|[。！？]+")


def word_count(text: str) -> int:
    """Approximate words in ``text`` (CJK-aware)."""
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(_CJK.sub(" ", text)))
    return latin + round(cjk / 1.5)


def sentence_count(text: str) -> int:
    """Sentences in ``text`` (at least 1 for non-empty text)."""
    stripped = _ABBREV.sub(lambda m: m.group(0).replace(".", ""), text.strip())
    if not stripped:
        return 0
    ends = list(_SENTENCE_END.finditer(stripped))
    trailing = 1 if not ends or stripped[ends[-1].end():].strip(" \"'”’)]\n") else 0
    return len(ends) + trailing


def length_ok(text: str, min_words: int, max_words: int, one_sentence: bool = False) -> bool:
    """True when the answer is within bounds (and one sentence, when asked)."""
    n = word_count(text)
    if not (min_words <= n <= max_words):
        return False
    return not one_sentence or sentence_count(text) == 1
