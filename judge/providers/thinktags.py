"""Split ``<think>…</think>`` reasoning out of model text (batch and streaming).

Open-weight reasoning models served behind OpenAI-compatible servers often put their
chain of thought inline. Handled shapes:

* ``<think>r</think>answer``          → reasoning ``r``, answer ``answer``
* ``<think>r`` (budget ran out)      → reasoning ``r``, answer ``""``
* ``r</think>answer`` (the template already opened the tag) → reasoning ``r``
* several blocks                      → reasoning joined by blank lines
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

OPEN, CLOSE = "<think>", "</think>"


@dataclass(frozen=True)
class ThinkSplit:
    """Result of splitting a text: reasoning, answer, and whether any tag was found."""

    reasoning: str
    answer: str
    found: bool


def split_think(text: str) -> ThinkSplit:
    """Split reasoning in think tags out of ``text`` (see module docstring for shapes)."""
    if OPEN not in text and CLOSE not in text:
        return ThinkSplit("", text, False)
    thoughts: list[str] = []
    answer: list[str] = []
    pos = 0
    first_close = text.find(CLOSE)
    first_open = text.find(OPEN)
    if first_close != -1 and (first_open == -1 or first_close < first_open):
        thoughts.append(text[:first_close])  # opening tag was in the prompt template
        pos = first_close + len(CLOSE)
    while pos <= len(text):
        start = text.find(OPEN, pos)
        if start == -1:
            answer.append(text[pos:])
            break
        answer.append(text[pos:start])
        end = text.find(CLOSE, start + len(OPEN))
        if end == -1:  # unclosed: the token budget ran out while thinking
            thoughts.append(text[start + len(OPEN):])
            break
        thoughts.append(text[start + len(OPEN):end])
        pos = end + len(CLOSE)
    reasoning = "\n\n".join(t.strip() for t in thoughts if t.strip())
    return ThinkSplit(reasoning, "".join(answer).strip(), True)


def _partial_suffix(buf: str, tag: str) -> int:
    """Length of the longest suffix of ``buf`` that is a proper prefix of ``tag``."""
    for n in range(min(len(tag) - 1, len(buf)), 0, -1):
        if buf.endswith(tag[:n]):
            return n
    return 0


@dataclass
class ThinkStream:
    """Incremental splitter: ``feed`` text chunks, get ("reasoning"|"text", piece) pairs.

    A tag split across chunks is held back until it is complete. ``close`` flushes what
    is left. Agrees with ``split_think`` on everything except a stray ``</think>`` with no
    opening tag, whose reasoning was already streamed as text (the final response, built
    with ``split_think``, is right).
    """

    inside: bool = False
    _buf: str = ""
    _strip_next: bool = field(default=True)

    def feed(self, chunk: str) -> Iterator[tuple[str, str]]:
        self._buf += chunk
        while self._buf:
            tag = CLOSE if self.inside else OPEN
            idx = self._buf.find(tag)
            if idx == -1:
                keep = _partial_suffix(self._buf, tag)
                out, self._buf = self._buf[:len(self._buf) - keep], self._buf[len(self._buf) - keep:]
                yield from self._emit(out)
                return
            yield from self._emit(self._buf[:idx])
            self._buf = self._buf[idx + len(tag):]
            self.inside = not self.inside
            self._strip_next = True

    def close(self) -> Iterator[tuple[str, str]]:
        out, self._buf = self._buf, ""
        yield from self._emit(out)

    def _emit(self, piece: str) -> Iterator[tuple[str, str]]:
        if self._strip_next:
            piece = piece.lstrip()
            if not piece:
                return
            self._strip_next = False
        if piece:
            yield ("reasoning" if self.inside else "text", piece)
