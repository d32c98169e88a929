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
from collections.abc import Callable
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


# -- first-character analysis --------------------------------------------------------
# ``can_start(src, prev)`` answers, conservatively, "can ``re.match(src)`` succeed at a
# position whose next character is c?" (prev: the character before that position, for
# \b). The scanner uses it to skip, by a dict lookup on the character after an anchor,
# the rules whose tail cannot match there, instead of calling their regex. A predicate may
# say True when the regex then fails (that only costs the call), never False when it could
# match. Each item gives (P, N): P(c) a non-empty match may start with c; N(c) an empty
# match is possible when the next character is c.

Pred = Callable[[str], bool]


def _true(c: str) -> bool:
    return True


def _false(c: str) -> bool:
    return False


def _isword(c: str) -> bool:
    return c.isalnum() or c == "_"  # what re's \w matches in a str pattern


_CAT_TEST: dict[Any, Pred] = {
    C.CATEGORY_DIGIT: str.isdecimal, C.CATEGORY_SPACE: str.isspace, C.CATEGORY_WORD: _isword,
    C.CATEGORY_NOT_DIGIT: lambda c: not c.isdecimal(),
    C.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
    C.CATEGORY_NOT_WORD: lambda c: not _isword(c),
}


def _first_in(items: Any) -> Pred:
    neg, tests = False, []
    for op, av in items:
        if op is C.NEGATE:
            neg = True
        elif op is C.LITERAL:
            tests.append(lambda c, x=chr(av): c == x)
        elif op is C.RANGE:
            tests.append(lambda c, lo=av[0], hi=av[1]: lo <= ord(c) <= hi)
        elif op is C.CATEGORY and av in _CAT_TEST:
            tests.append(_CAT_TEST[av])
        else:
            return _true
    if neg:
        return lambda c: not any(t(c) for t in tests)
    return lambda c: any(t(c) for t in tests)


def _first_seq(items: Any, prev_word: bool) -> tuple[Pred, Pred]:
    # only the items up to the first that cannot match empty decide the first character
    parts = []
    for op, av in items:
        p, n = _first_item(op, av, prev_word)
        parts.append((p, n))
        if n is _false:
            break
    pr, nr = (_false, _true) if not parts or parts[-1][1] is not _false else (_false, _false)
    for p1, n1 in reversed(parts):
        pr, nr = _seq2(p1, n1, pr, nr)
    return pr, nr


def _seq2(p1: Pred, n1: Pred, pr: Pred, nr: Pred) -> tuple[Pred, Pred]:
    """(P, N) of item 1 followed by the rest."""
    if n1 is _false:
        return p1, _false
    return (lambda c: p1(c) or (n1(c) and pr(c))), (lambda c: n1(c) and nr(c))


def _first_item(op: Any, av: Any, prev_word: bool) -> tuple[Pred, Pred]:
    if op is C.LITERAL:
        return (lambda c, x=chr(av): c == x), _false
    if op is C.NOT_LITERAL:
        return (lambda c, x=chr(av): c != x), _false
    if op is C.ANY:
        return _true, _false
    if op is C.IN:
        return _first_in(av), _false
    if op is C.BRANCH:
        alts = [_first_seq(a, prev_word) for a in av[1]]
        return (lambda c: any(p(c) for p, _ in alts)), (lambda c: any(n(c) for _, n in alts))
    if op is C.SUBPATTERN:
        return _first_seq(av[3], prev_word)
    if op is getattr(C, "ATOMIC_GROUP", None):
        return _first_seq(av, prev_word)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        lo, _, body = av
        p, n = _first_seq(body, prev_word)
        return p, (_true if lo == 0 else n)
    if op is C.AT:
        if av is C.AT_BOUNDARY:
            return _false, lambda c: _isword(c) != prev_word
        if av is C.AT_NON_BOUNDARY:
            return _false, lambda c: _isword(c) == prev_word
        return _false, _true
    if op is C.ASSERT and av[0] == 1:  # a look-ahead constrains the next character
        p, n = _first_seq(av[1], prev_word)
        return _false, lambda c: p(c) or n(c)
    if op in (C.ASSERT, C.ASSERT_NOT):
        return _false, _true
    return _true, _true


@lru_cache(maxsize=None)
def can_start(src: str, prev: str) -> Pred:
    """Conservative test of the next character for ``re.match(src)`` (non-verbose source)
    at a position after ``prev``; at the end of the text ("") always True."""
    try:
        p, n = _first_seq(P.parse(src), _isword(prev))
    except (re.error, RecursionError):
        return _true
    return lambda c: not c or p(c) or n(c)
