"""Fencing untrusted text (pages, answers, reasoning) inside a judge prompt.

Each block is wrapped in markers that carry a boundary token derived from a hash of the
block's own text, e.g. ``<<ANSWER 5c0f6e1d2a9b>>`` … ``<</ANSWER 5c0f6e1d2a9b>>``. The
text cannot close its fence early: to contain the closing marker it would have to contain
a hash of itself (checked anyway; on a clash the token is re-derived). The token is
deterministic, so identical prompts stay cacheable and reproducible.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Fenced:
    """A block of untrusted text with its opening and closing markers."""

    name: str
    text: str
    token: str

    @property
    def begin(self) -> str:
        return f"<<{self.name} {self.token}>>"

    @property
    def end(self) -> str:
        return f"<</{self.name} {self.token}>>"

    def __str__(self) -> str:
        return f"{self.begin}\n{self.text}\n{self.end}"


def fence(name: str, text: str) -> Fenced:
    """Fence ``text`` under an upper-case ``name`` (ANSWER, PAGE, REASONING ...)."""
    salt = 0
    while True:
        token = hashlib.sha256(f"{salt}\x00{name}\x00{text}".encode()).hexdigest()[:12]
        if token not in text:
            return Fenced(name=name.upper(), text=text, token=token)
        salt += 1
