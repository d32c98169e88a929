"""Live rendering of a growing text with highlighted spans, for a plain terminal.

A trace pattern is recognised only once its last words have streamed, so a span must be
styled *after* its text was printed. ``LiveText`` wraps the text itself (so it knows
where every row is), keeps the last ``tail`` rows *live* and redraws them on every
update — cursor up, clear to the end of the screen, print — so a span turns highlighted
as soon as the parser reports it. Rows that scroll out of the live tail are committed and
never touched again. Without a terminal (``live=False``) rows are printed once, when
committed (``tail`` rows late), so piped output carries the highlighting and no cursor
movement.

Model text is data: control characters are shown as ``�`` and never reach the terminal.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from wcwidth import wcwidth

RESET = "\x1b[0m"
# Span styles: bold black on yellow (self-check), bold white on magenta (correction),
# italic underlined black on cyan (pivot: reported, not reflection).
STYLES = {
    "self_check": "\x1b[0;1;30;43m",
    "correction": "\x1b[0;1;97;45m",
    "pivot": "\x1b[0;3;4;30;46m",
}
REASONING_STYLE = "\x1b[0;2;3m"  # dim italic
ANSWER_STYLE = "\x1b[0m"
TAB = "    "


@dataclass(frozen=True)
class Span:
    """A highlighted range [start, end) of a text, of one kind (a STYLES key)."""

    start: int
    end: int
    kind: str


def cell(ch: str) -> str:
    """The printable form of one character (tabs expanded, controls replaced)."""
    if ch == "\t":
        return TAB
    if unicodedata.category(ch) in ("Cc", "Cf", "Cs") and ch != "\n":
        return "\ufffd"
    return ch


def cell_width(ch: str) -> int:
    """Terminal cells one printable character takes (0-width marks count 0)."""
    return max(0, wcwidth(ch)) if len(ch) == 1 else len(ch)


def wrap_rows(text: str, start: int, width: int) -> list[tuple[int, int]]:
    """Greedy word-wrap of ``text[start:]`` into rows of at most ``width`` cells.

    Returns (start, end) offsets per row; a newline ends a row and belongs to none.
    Breaks prefer the last space; a word longer than a row is cut. Appending text never
    moves a break of a row that is already full, so committed rows stay valid.
    """
    rows: list[tuple[int, int]] = []
    row_start, used, last_space = start, 0, -1
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\n":
            rows.append((row_start, i))
            row_start, used, last_space = i + 1, 0, -1
            i += 1
            continue
        w = cell_width(cell(ch))
        if used + w > width and i > row_start:
            if ch == " ":  # a space at the edge: it ends the row, not starts the next
                rows.append((row_start, i))
                row_start, used, last_space = i + 1, 0, -1
                i += 1
                continue
            cut = last_space + 1 if last_space >= row_start else i
            rows.append((row_start, cut))
            row_start, used, last_space = cut, 0, -1
            i = cut
            continue
        if ch == " ":
            last_space = i
        used += w
        i += 1
    rows.append((row_start, len(text)))
    return rows


def styled(text: str, lo: int, hi: int, spans: Sequence[Span], base: str, color: bool) -> str:
    """``text[lo:hi]`` printable, with SGR codes switching between base and span styles."""
    if not color:
        return "".join(cell(c) for c in text[lo:hi])
    out: list[str] = [base]
    current = base
    inside = [s for s in spans if s.start < hi and s.end > lo]
    for i in range(lo, hi):
        style = base
        for s in inside:
            if s.start <= i < s.end:
                style = STYLES.get(s.kind, base)
                break
        if style != current:
            out.append(style)
            current = style
        out.append(cell(text[i]))
    out.append(RESET)
    return "".join(out)


class LiveText:
    """One growing section of text (reasoning or answer) on the terminal."""

    def __init__(self, out: TextIO, width: int, *, base: str = ANSWER_STYLE, live: bool = True,
                 color: bool = True, tail: int = 8) -> None:
        self.out, self.width, self.base = out, max(10, width - 1), base
        self.live, self.color, self.tail = live, color, max(1, tail)
        self.text = ""
        self.spans: list[Span] = []
        self._committed = 0  # offset where the live rows start
        self._shown = 0  # screen rows the live tail occupies now

    def update(self, text: str, spans: Sequence[Span]) -> None:
        """Show ``text`` (the whole section so far) with ``spans`` highlighted."""
        self.text, self.spans = text, list(spans)
        rows = wrap_rows(text, self._committed, self.width)
        finished = rows[:-1]  # the last row may still grow
        commit = finished[:len(finished) - self.tail] if len(finished) > self.tail else []
        if self.live:
            self._redraw(rows)
        else:
            for lo, hi in commit:
                self.out.write(self._row(lo, hi) + "\n")
        if commit:
            self._committed = rows[len(commit)][0]
            if self.live:
                self._shown = len(rows) - len(commit)
        self.out.flush()

    def finish(self) -> None:
        """Print what is left and end the section on a fresh line."""
        rows = wrap_rows(self.text, self._committed, self.width)
        if len(rows) > 1 and rows[-1][0] == rows[-1][1]:
            rows = rows[:-1]  # a trailing newline makes no empty last row
        if self.live:
            self._redraw(rows)
        else:
            for lo, hi in rows:
                self.out.write(self._row(lo, hi) + "\n")
        if self.live:
            self.out.write("\n")
        self._committed, self._shown = len(self.text), 0
        self.out.flush()

    def _row(self, lo: int, hi: int) -> str:
        return styled(self.text, lo, hi, self.spans, self.base, self.color)

    def _redraw(self, rows: list[tuple[int, int]]) -> None:
        parts = ["\r"]
        if self._shown > 1:
            parts.append(f"\x1b[{self._shown - 1}A")
        parts.append("\x1b[J")
        parts.append("\n".join(self._row(lo, hi) for lo, hi in rows))
        self.out.write("".join(parts))
        self._shown = len(rows)
