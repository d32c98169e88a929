"""Scanning: text preparation, anchor occurrences and rule checks, overlap resolution.

``prepare`` cleans and folds a text once (length-preserving, see there); ``raw_hits``
finds every anchor occurrence with one Aho-Corasick pass and checks the rules of the
anchor's group at each (judge.traces.library.Group); ``resolve`` merges and arbitrates the
hits; ``scan(text)`` returns the resolved hits ``(start, end, pattern_index)`` with
character offsets into ``text``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import regex

from judge.traces.library import Library, Scanner

_SURROGATE = regex.compile(r"[\ud800-\udfff]")
_ENDS = frozenset(".!?。！？\n")
MERGE_GAP = 6  # hits of one kind at most this far apart, in one sentence, are one event

Hit = tuple[int, int, int]  # start, end, pattern index (into Scanner.patterns)


def clean_text(text: str) -> str:
    """Replace lone surrogates (e.g. from JSON "\\ud800") by U+FFFD; offsets unchanged."""
    return text if text.isascii() else _encoded(text)[0]


def _encoded(text: str) -> tuple[str, bytes]:
    """``(clean_text(text), its UTF-8 bytes)``: the encoding finds lone surrogates."""
    try:
        return text, text.encode("utf-8")
    except UnicodeEncodeError:
        text = _SURROGATE.sub("\ufffd", text)
        return text, text.encode("utf-8")


def fold(text: str, full: bool = False) -> str:
    """``text`` with its ASCII letters lowercased (every cased letter when ``full``), the
    same length; ’ and ‘ become '. (See ``prepare``.)"""
    return prepare(text, full)[1]


def prepare(text: str, full: bool = False) -> tuple[str, str, int]:
    """``(clean, low, nbytes)`` for a text to scan: ``clean_text(text)``, the text the
    rules are matched against, and the UTF-8 length (for the token estimate).

    ``low`` has the same length as ``text``. Rules are written in lower case and, in the
    bundled library, only in ASCII and uncased scripts (CJK), so lowercasing the ASCII
    letters is enough: one UTF-8 encoding (which also finds lone surrogates) is shared,
    and ``bytes.lower`` touches only ASCII bytes, several times cheaper than ``str.lower``
    on non-ASCII text. A library whose rules contain other cased letters sets ``full``
    (``Scanner.full_fold``): then every letter is lowercased, character by character where
    lowercasing would change the length ('İ')."""
    if text.isascii():
        return text, text.lower(), len(text)
    text, data = _encoded(text)
    if full:
        low = text.lower()
        if len(low) != len(text):  # a few characters (e.g. 'İ') lowercase to two
            low = "".join(lc if len(lc := c.lower()) == 1 else c for c in text)
    else:
        low = data.lower().decode("utf-8")
    if "’" in low or "‘" in low:
        low = low.replace("’", "'").replace("‘", "'")
    return text, low, len(data)


LEAD_WINDOW = 1024  # text before ``pos`` that leads may see when scanning from ``pos`` > 0
# An occurrence within DENSE characters of the previous occurrence of the same anchor is
# looked up by its context (CTX_BEFORE + CTX_AFTER characters around it): rules see at
# most about that far, so an identical context gives an identical result. Only dense
# repetition (adversarial input) pays for the slice; normal text rarely repeats an anchor
# that closely.
DENSE = 48
CTX_BEFORE, CTX_AFTER = 96, 128
MEMO_MAX = 512
CHUNK = 16384  # characters per Aho-Corasick call (see _occurrences)


def _periodic_end(low: str, q: int, period: int, end: int) -> int:
    """The largest z (at a coarse granularity) such that low[q:z] repeats low[q-period:]."""
    z = q
    for step in (4096, 512, 64, 8, 1):
        while z + step <= end and low[z:z + step] == low[z - period:z - period + step]:
            z += step
    return z


def _occurrences(scanner: Scanner, low: str, pos: int, end: int, skip_to: list[int],
                 zone_end: list[int], periodic: list[int]) -> Iterator[tuple[int, int, int]]:
    """Anchor occurrences ``(group, start, end)`` in ``low[pos:end]``, in chunks, for
    ``raw_hits`` (whose state ``skip_to``, ``zone_end`` and ``periodic`` it reads). A chunk
    is skipped without scanning when the text there repeats what came before it (a
    periodic zone found by raw_hits) and every group seen before it is past the chunk
    (skip_to/zone_end): the loop would skip each of its occurrences anyway, and a periodic
    chunk holds no anchor that the period before it did not."""
    auto = scanner.automaton()
    longest = scanner.longest
    active: set[int] = set()
    c0 = pos
    while c0 < end:
        c1 = min(end, c0 + CHUNK)
        q, z, p = periodic
        if (active and 0 < p <= CHUNK and q <= c0 and c1 + longest <= z
                and all(skip_to[i] >= c1 or zone_end[i] >= c1 for i in active)):
            c0 = c1
            continue
        stop = min(end, c1 + longest - 1)
        seg = low if c0 == 0 and stop == len(low) else low[c0:stop]
        found = auto.find_matches_as_indexes(seg, overlapping=True)
        if c0 == 0 and c1 == end == stop:  # the whole text in one chunk
            yield from found
            return
        active = {m[0] for m in found}
        for gi, a, after in found:
            if a + c0 < c1:
                yield gi, a + c0, after + c0
        c0 = c1


def raw_hits(scanner: Scanner, low: str, pos: int = 0, endpos: int | None = None) -> list[Hit]:
    """All rule matches in ``low[pos:endpos]`` (leads may see text before ``pos``).

    One Aho-Corasick pass finds every anchor occurrence; at each, the group's branches are
    tried in rule order: the lead (reversed) by ``.match`` on the reversed text, then the
    tails by ``.match`` on ``low`` after the anchor. The first rule that matches gives the
    hit, and occurrences of the same anchor inside that hit are skipped (as a regex
    ``finditer`` would). Each check is bounded, so a scan is linear in the text length.
    """
    end = len(low) if endpos is None else endpos
    if end <= pos or not low:
        return []
    lo = 0 if pos <= 0 else max(0, pos - LEAD_WINDOW)
    rlow = low[lo:end][::-1]  # original boundary i <-> reversed boundary end - i
    groups = scanner.groups
    candidates = scanner.candidates
    dense = DENSE
    skip_to = [0] * len(groups)
    prev = [-DENSE - 1] * len(groups)
    last_hit = [-1] * len(groups)  # index in hits of the group's last hit
    hit_at = [-1] * len(groups)  # anchor position of the group's last hit
    zone_end = [0] * len(groups)
    # per group: context -> (relative hit or None, position it was last seen at)
    memo: list[dict[str, tuple[tuple[int, int, int] | None, int]] | None] = [None] * len(groups)
    hits: list[Hit] = []
    append = hits.append
    periodic = [0, 0, 0]  # (q, z, p): low[x] == low[x - p] for q <= x < z (last one found)

    if pos == 0 and end == len(low) <= CHUNK:  # one chunk: no generator in between
        found_all: Any = scanner.automaton().find_matches_as_indexes(low, overlapping=True)
    else:
        found_all = _occurrences(scanner, low, pos, end, skip_to, zone_end, periodic)
    for gi, a, after in found_all:
        if a < skip_to[gi] or a < zone_end[gi]:
            continue
        key = None
        if a - prev[gi] <= dense and a - CTX_BEFORE >= lo and a + CTX_AFTER <= end:
            # dense repeats of one anchor (adversarial input): an identical context
            # gives the identical result, so look it up instead of checking again
            key = low[a - CTX_BEFORE:a + CTX_AFTER]
            seen = memo[gi]
            if seen is None:
                seen = memo[gi] = {}
            elif len(seen) > MEMO_MAX:
                seen.clear()
            known = seen.get(key)
            if known is not None:
                found, was = known
                seen[key] = (found, a)
                # the period of the repetition: the distance to the last identical context
                # (not to the previous occurrence: "等等" has two per period)
                period, prev[gi] = a - was, a
                if found is not None:
                    rs, re_, rp = found
                    j = last_hit[gi]
                    fs = max(pos, a + rs)
                    # a run of hits of one pattern that resolve() would merge: merge here
                    # already (keeps dense runs cheap)
                    merge = (j >= 0 and hits[j][2] == rp and fs - hits[j][1] <= MERGE_GAP
                             and _ENDS.isdisjoint(low[hits[j][1]:fs]))
                    k = 0
                    if period > 0 and hit_at[gi] == a - period and a - period - CTX_BEFORE >= lo:
                        # the previous hit was one period back, with nothing else of this
                        # group hitting in between: while the text repeats, every
                        # occurrence one period on does the same, so take them all at once
                        z = _periodic_end(low, a - CTX_BEFORE, period, end)
                        periodic[:] = (a - CTX_BEFORE, z, period)
                        k = max(0, (z - CTX_AFTER - 1 - a) // period)
                    last = a + k * period
                    if merge:
                        hits[j] = (hits[j][0], last + re_, rp)
                    else:
                        append((fs, a + re_, rp))
                        if k:
                            hits.extend([(x + rs, x + re_, rp)
                                        for x in range(a + period, last + 1, period)])
                        last_hit[gi] = len(hits) - 1
                    if k:
                        a = prev[gi] = last
                        seen[key] = (found, a)
                        zone_end[gi] = a + 1
                    skip_to[gi] = a + re_
                    hit_at[gi] = a
                elif (period > 0 and hit_at[gi] < a - period and skip_to[gi] <= a - period
                        and a - period - CTX_BEFORE >= lo):
                    # the previous occurrence (one period back) did not hit either; while
                    # the text repeats with this period, no occurrence will: skip to
                    # where it stops repeating
                    z = _periodic_end(low, a - CTX_BEFORE, period, end)
                    periodic[:] = (a - CTX_BEFORE, z, period)
                    zone_end[gi] = z - CTX_AFTER
                continue
        prev[gi] = a
        result = None
        for lead_match, tail_match, pidx in candidates[gi]:
            # the lead first: it fails far more often than the tail (both must match, so
            # the order changes nothing but the cost)
            if lead_match is None:
                start = a
            else:
                lm = lead_match(rlow, end - a)
                if lm is None:
                    continue
                start = end - lm.end()
            m = tail_match(low, after, end)
            if m is None:
                continue
            result = (start, m.end(), pidx[m.lastindex - 1])
            break
        if result is not None:
            start, e, p = result
            last_hit[gi] = len(hits)
            hit_at[gi] = a
            append((max(pos, start), e, p))
            skip_to[gi] = e
            if key is not None and a - CTX_BEFORE < start and e < a + CTX_AFTER:
                memo[gi][key] = ((start - a, e - a, p), a)  # type: ignore[index]
        elif key is not None:
            memo[gi][key] = (None, a)  # type: ignore[index]
    return hits


MENTION_WINDOW = 48  # characters before a hit that a mention frame may look at


def drop_mentions(scanner: Scanner, hits: list[Hit], low: str) -> list[Hit]:
    """``hits`` without those that a mention frame of their language precedes (a phrase
    being quoted or translated, not the model's own reflection: "常见说法是 I got it
    wrong")."""
    frames = scanner.mention_frames
    if not hits or not frames:
        return hits
    return [h for h in hits if (f := frames[h[2]]) is None
            or f.search(low, max(0, h[0] - MENTION_WINDOW), h[0]) is None]


def finish(scanner: Scanner, hits: list[Hit], low: str) -> list[Hit]:
    """The hits of a scan as events will have them: mentions dropped, then resolved."""
    return resolve(drop_mentions(scanner, hits, low), scanner.kinds, low)


def resolve(hits: list[Hit], kinds: list[str], low: str) -> list[Hit]:
    """Sort hits; merge hits of one kind that overlap or are at most MERGE_GAP characters
    apart within one sentence ("Wait, is that right?"); when hits of different kinds
    overlap, the longer one wins, then the earlier pattern in the library."""
    if not hits:
        return hits
    keyed = [(s, -e, p) for s, e, p in hits]  # sorted by start, longest first, pattern
    keyed.sort()
    out: list[list[int]] = []
    ls = le = lp = -1  # the last kept hit (start, end, pattern), mirrored in out[-1]
    lk = ""
    for s, ne, p in keyed:
        e = -ne
        k = kinds[p]
        if out:
            if k == lk:
                if s <= le or (s - le <= MERGE_GAP and _ENDS.isdisjoint(low[le:s])):
                    if e > le:
                        le = out[-1][1] = e
                    continue
            elif s < le:
                # overlap between kinds: the longer hit wins, then the earlier pattern
                if e - s > le - ls or (e - s == le - ls and p < lp):
                    out[-1] = [s, e, p]
                    ls, le, lp, lk = s, e, p, k
                continue
        out.append([s, e, p])
        ls, le, lp, lk = s, e, p, k
    return [(s, e, p) for s, e, p in out]


def scan(lib: Library, text: str, langs: tuple[str, ...] | None = None) -> list[Hit]:
    """Resolved hits over the whole ``text`` (already cleaned)."""
    scanner = lib.scanner(langs)
    low = fold(text, scanner.full_fold)
    return finish(scanner, raw_hits(scanner, low), low)
