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


_AT_FWD = {
    C.AT_BEGINNING: "^", C.AT_BEGINNING_STRING: r"\A",
    C.AT_END: "$", C.AT_END_STRING: r"\Z",
    C.AT_BOUNDARY: r"\b", C.AT_NON_BOUNDARY: r"\B",
}


def _seq(items: Any, rev: bool = True) -> str:
    parts = [_item(op, av, rev) for op, av in items]
    return "".join(reversed(parts) if rev else parts)


def _alternatives(av: Any) -> list[list[tuple[Any, Any]]]:
    """A branch's alternatives as item lists; an alternative that is only a plain
    ``(?:a|b)`` group contributes its own alternatives in place (same order)."""
    out: list[list[tuple[Any, Any]]] = []
    for alt in av[1]:
        items = list(alt)
        if len(items) == 1 and items[0][0] is C.SUBPATTERN:
            group, add, dele, p = items[0][1]
            inner = list(p)
            if group is None and not add and not dele and len(inner) == 1 \
                    and inner[0][0] is C.BRANCH:
                out.extend(_alternatives(inner[0][1]))
                continue
        out.append(items)
    return out


def _branch(alts: list[list[tuple[Any, Any]]], rev: bool) -> str:
    """An alternation, factored by leading literal: within each run of consecutive
    alternatives that start (in matching direction) with a literal, those with the same
    literal share it (``answer|assume|result`` -> ``a(?:nswer|ssume)|result``), so a
    failing match tests one character per distinct literal instead of every
    alternative. Alternatives with different leading literals cannot match at the same
    position, and order is kept within each literal, so matches are unchanged."""
    out: list[str] = []
    i = 0
    while i < len(alts):
        first = _lead_literal(alts[i], rev)
        if first is None:
            out.append(_seq(alts[i], rev))
            i += 1
            continue
        j = i
        groups: dict[int, list[list[tuple[Any, Any]]]] = {}
        while j < len(alts) and (lit := _lead_literal(alts[j], rev)) is not None:
            rest = alts[j][:-1] if rev else alts[j][1:]
            groups.setdefault(lit, []).append(rest)
            j += 1
        for lit, rests in groups.items():
            if len(rests) == 1:
                body = _seq(rests[0], rev)
            else:
                body = "(?:" + _branch(rests, rev) + ")"
            out.append(_ch(lit) + body)  # the literal is matched first either way
        i = j
    return "|".join(out)


def _lead_literal(items: list[tuple[Any, Any]], rev: bool) -> int | None:
    if not items:
        return None
    op, av = items[-1] if rev else items[0]
    return av if op is C.LITERAL else None


def _item(op: Any, av: Any, rev: bool = True) -> str:
    if op is C.LITERAL:
        return _ch(av)
    if op is C.NOT_LITERAL:
        return "[^" + _ch(av) + "]"
    if op is C.ANY:
        return "."
    if op is C.IN:
        return _in(av)
    if op is C.BRANCH:
        return "(?:" + _branch(_alternatives(av), rev) + ")"
    if op is C.SUBPATTERN:
        group, add, dele, p = av
        if group is not None or add or dele:
            raise Unsupported("groups or inline flags")
        return "(?:" + _seq(p, rev) + ")"
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
        lo, hi, p = av
        q = f"{{{lo},}}" if hi is C.MAXREPEAT else f"{{{lo},{hi}}}"
        suffix = "?" if op is C.MIN_REPEAT else "+" if op is not C.MAX_REPEAT else ""
        return "(?:" + _seq(p, rev) + ")" + q + suffix
    if op is getattr(C, "ATOMIC_GROUP", None):
        return "(?>" + _seq(av, rev) + ")"
    if op is C.AT:
        return (_AT_REV if rev else _AT_FWD)[av]
    if op in (C.ASSERT, C.ASSERT_NOT):
        direction, p = av
        neg = op is C.ASSERT_NOT
        ahead = direction == 1
        if rev:
            ahead = not ahead
        head = ("(?=" if not neg else "(?!") if ahead else ("(?<=" if not neg else "(?<!")
        # a look-around body is matched in its own direction: reversed with the pattern
        return head + _seq(p, rev) + ")"
    raise Unsupported(str(op))


def reverse_source(src: str, verbose: bool = True) -> str:
    """The (non-verbose) source of the pattern matching the reversed strings of ``src``."""
    try:
        parsed = P.parse(src, re.VERBOSE if verbose else 0)
    except re.error as exc:
        raise Unsupported(str(exc)) from exc
    return _seq(parsed)


def factor_source(src: str, verbose: bool = True) -> str:
    """The (non-verbose) source of ``src`` with alternations factored by leading literal
    (see ``_branch``): the same matches, cheaper failures."""
    try:
        parsed = P.parse(src, re.VERBOSE if verbose else 0)
    except re.error as exc:
        raise Unsupported(str(exc)) from exc
    return _seq(parsed, rev=False)


def compile_fast(src: str, verbose: bool = True) -> Any:
    """Compile with stdlib ``re`` (cheaper per call); with ``regex`` (V0) where stdlib cannot
    (variable-width look-behind). Both have ``.match(string, pos, endpos)``."""
    try:
        return re.compile(src, re.VERBOSE if verbose else 0)
    except re.error:
        return regex.compile(src, (regex.VERBOSE if verbose else 0) | regex.V0)
