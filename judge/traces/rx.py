"""Regex helpers for the scanner: compile with stdlib ``re`` when it can, and reverse a
pattern so that a rule's lead (the text before its anchor) can be matched forward, with
an anchored ``.match``, on the reversed text instead of by a variable-width look-behind.

``reverse_source(src)`` parses ``src`` (VERBOSE) with the stdlib parser and writes the
pattern that matches the reversed strings: sequences reversed, look-aheads become
look-behinds and vice versa (their bodies reversed), ``^``/``\\A`` become ``\\Z`` and
``$``/``\\Z`` become ``\\A``; ``\\b``, classes and quantifiers are unchanged.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import regex

try:  # Python 3.11+
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

_CAT = {
    C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D",
    C.CATEGORY_SPACE: r"\s", C.CATEGORY_NOT_SPACE: r"\S",
    C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W",
}
_AT_REV = {
    C.AT_BEGINNING: r"\Z", C.AT_BEGINNING_STRING: r"\Z",
    C.AT_END: r"\A", C.AT_END_STRING: r"\A",
    C.AT_BOUNDARY: r"\b", C.AT_NON_BOUNDARY: r"\B",
}


class Unsupported(ValueError):
    pass


def _ch(code: int) -> str:
    if code < 128 and (chr(code).isalnum() or code == 0x5F):
        return chr(code)  # ASCII letters, digits, _ are never special
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _in(items: list[tuple[Any, Any]]) -> str:
    out = []
    for op, av in items:
        if op is C.NEGATE:
            out.insert(0, "^")
        elif op is C.LITERAL:
            out.append(_ch(av))
        elif op is C.RANGE:
            out.append(f"{_ch(av[0])}-{_ch(av[1])}")
        elif op is C.CATEGORY:
            out.append(_CAT[av])
        else:
            raise Unsupported(str(op))
    return "[" + "".join(out) + "]"


def _seq(items: Any) -> str:
    """A sequence reversed: its items' reversals in reverse order."""
    return "".join(reversed([_item(op, av) for op, av in items]))


def _item(op: Any, av: Any) -> str:
    if op is C.LITERAL:
        return _ch(av)
    if op is C.NOT_LITERAL:
        return "[^" + _ch(av) + "]"
    if op is C.ANY:
        return "."
    if op is C.IN:
        return _in(av)
    if op is C.BRANCH:
        return "(?:" + "|".join(_seq(alt) for alt in av[1]) + ")"
    if op is C.SUBPATTERN:
        group, add, dele, p = av
        if group is not None or add or dele:
            raise Unsupported("groups or inline flags")
        return "(?:" + _seq(p) + ")"
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        lo, hi, p = av
        q = f"{{{lo},}}" if hi is C.MAXREPEAT else f"{{{lo},{hi}}}"
        suffix = "?" if op is C.MIN_REPEAT else "+" if op is not C.MAX_REPEAT else ""
        return "(?:" + _seq(p) + ")" + q + suffix
    if op is getattr(C, "ATOMIC_GROUP", None):
        return "(?>" + _seq(av) + ")"
    if op is C.AT:
        return _AT_REV[av]
    if op in (C.ASSERT, C.ASSERT_NOT):
        direction, p = av
        neg = op is C.ASSERT_NOT
        ahead = direction != 1  # a look-ahead becomes a look-behind and vice versa
        head = ("(?=" if not neg else "(?!") if ahead else ("(?<=" if not neg else "(?<!")
        # a look-around body is matched in its own direction: reversed with the pattern
        return head + _seq(p) + ")"
    raise Unsupported(str(op))


@lru_cache(maxsize=None)  # anchor groups share many leads and tails
def reverse_source(src: str, verbose: bool = True) -> str:
    """The (non-verbose) source of the pattern matching the reversed strings of ``src``."""
    try:
        parsed = P.parse(src, re.VERBOSE if verbose else 0)
    except re.error as exc:
        raise Unsupported(str(exc)) from exc
    return _seq(parsed)


@lru_cache(maxsize=None)  # anchor groups share many leads and tails
def compile_fast(src: str, verbose: bool = True) -> Any:
    """Compile with stdlib ``re`` (cheaper per call); with ``regex`` (V0) where stdlib cannot
    (variable-width look-behind). Both have ``.match(string, pos, endpos)``."""
    try:
        return re.compile(src, re.VERBOSE if verbose else 0)
    except re.error:
        return regex.compile(src, (regex.VERBOSE if verbose else 0) | regex.V0)
