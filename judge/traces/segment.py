"""Sentence segmentation of reasoning traces (EN + ZH, markdown, code blocks, LaTeX).

A unit is a sentence (EN: ., !, ? followed by space, not after a common abbreviation, an
initial or a list marker; ZH: 。！？；… and their closing quotes), a line, or a whole fenced
code block / display-math block (``` ... ```, $$ ... $$, \\[ ... \\]) kept as one unit.
Leading and trailing whitespace is not part of a unit. This is the segmentation the real-trace
corpus was annotated with (tests/data/traces/real/tools/units.py re-exports it), so the
detector classifies exactly the units the labels are given on. Linear time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# A fenced code block or display math: one unit each.
_BLOCK = re.compile(r"```.*?(?:```|\Z)|\$\$.*?(?:\$\$|\Z)|\\\[.*?(?:\\\]|\Z)", re.S)
# Sentence ends inside a line. English: terminal punctuation (optionally closing quotes or
# brackets) followed by whitespace; not after a common abbreviation or a single initial.
_EN_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+")
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Mrs|Ms|Fig|Eq|No|approx|cf|St)\.|\b[A-Z]\.)$")
_ABBREV_RX = re.compile(_ABBREV.pattern)
_ENUMERATOR = re.compile(r"\s*(?:[-*#>]\s*)*[*(]*(?:\d{1,3}|[A-Za-z]|[ivxIVX]{1,4})[.)]*\**\s*")
_ZH_END = re.compile(r"(?<=[。！？；…])[”’」』）)]*")


def _abbrev_at(line: str, end: int) -> bool:
    """Does an abbreviation or initial end at ``end`` (\\b sees the text before the window)?"""
    return _ABBREV_RX.search(line, max(0, end - 16), end) is not None


def _split_line(line: str, base: int) -> Iterator[tuple[int, int]]:
    """(start, end) of the sentences of one line (offsets into the whole text)."""
    cuts = []
    last = 0
    for m in _EN_END.finditer(line):
        end = m.start()  # the abbreviation test looks at a bounded window: linear time
        while end > last and line[end - 1] in "\"'”’)]":
            end -= 1
        if _abbrev_at(line, end) or (
                end - last <= 24 and _ENUMERATOR.fullmatch(line[last:m.start()])):
            continue  # "e.g. x", "J. Smith", a list marker "1. " / "(a). " / "**2.** "
        cuts.append(m.end())
        last = m.end()
    for m in _ZH_END.finditer(line):
        if 0 < m.end() < len(line):
            cuts.append(m.end())
    start = 0
    for cut in sorted(set(cuts)) + [len(line)]:
        piece = line[start:cut]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            yield base + start + lead, base + start + len(piece.rstrip())
        start = cut


def sentences(text: str) -> list[tuple[int, int]]:
    """The sentences (units) of ``text`` as (start, end) code-point spans, in order."""
    out: list[tuple[int, int]] = []
    pos = 0
    for block in _BLOCK.finditer(text):
        out.extend(_prose_units(text, pos, block.start()))
        out.append((block.start(), block.end()))
        pos = block.end()
    out.extend(_prose_units(text, pos, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _prose_units(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    pos = start
    for line in text[start:end].split("\n"):
        yield from _split_line(line, pos)
        pos += len(line) + 1
