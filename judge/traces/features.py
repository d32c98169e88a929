"""Features of one sentence (unit) for the reflection detector, shared by training and inference.

A unit's own features are strings (binary): its words and word bigrams (lowercased), the
character bigrams of its Chinese runs, its opener (first word or two, with the punctuation
after the first), cue groups (hesitation openers, references to an earlier step, questions,
negation, numbers, equations, inline math that is not a price), its length and position
in the trace, and the lexical patterns of the pattern library (judge.traces.patterns.yaml)
that overlap it (``pat:<name>`` and ``cat:<category>``). The detector also sees the same
features of the previous and next unit (weights of their own, see judge.traces.detector),
plus a few pair features (``pair:...``) that join a unit's cues with its neighbours' (a
check before and a new value after a rejected hypothesis, for instance).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)*|[\u3400-\u9fff]+")
_OPENER = re.compile(r"[\W_]*([a-z]+(?:'[a-z]+)?|[\u3400-\u9fff]{1,2})([,.!?:;—–-]?)")
_HES = frozenset("wait hmm hm hmmm but alternatively actually oh ah hold no okay ok well".split())
_HES_ZH = ("等等", "不过", "但是", "嗯", "等一下", "或者", "其实", "不对", "哦", "啊")
_REF = frozenset("that this my i earlier above previous previously before again got".split())
_REF_ZH = ("刚才", "之前", "上面", "前面", "我的", "这个", "那个", "再", "重新")
_NEG = re.compile(r"\bnot\b[^.?!]{0,60}\bbut\b|doesn't|does not|don't|isn't|can't|cannot|won't"
                  r"|\bfails?\b|\bwrong\b|\bincorrect\b|\bmistake|\bcontradict|\bimpossible"
                  r"|\bdoesn't fit|\bno\b|\bnot\b|不对|错|不是|矛盾|不行|不符合|不可能")
_CHECK = re.compile(r"\bcheck|\bverif|\bconfirm|\bmake sure|\bdouble|\bre-?examin|\brecheck"
                    r"|检查|验证|确认|核对|验算")
_NUM = re.compile(r"\d")
_PRICE = re.compile(r"\$\s?\d")
_MATH = re.compile(r"\$[^$\n]{1,200}\$|\\\(|\\frac|\\times|\^")
_QUESTION = ("?", "？")
_LEN_BUCKETS = (20, 60, 150, 400)


def unit_features(s: str, pats: Sequence[tuple[str, str]], pos: int, n: int) -> list[str]:
    """Own features of unit ``s`` (the ``pos``-th of ``n``); ``pats`` are the (name,
    category) pairs of the lexical patterns overlapping it."""
    low = s.lower()
    out: list[str] = []
    toks = _TOKEN.findall(low)
    words: list[str] = []
    for t in toks:
        if "\u3400" <= t[0] <= "\u9fff":
            out.extend("c:" + t[i:i + 2] for i in range(max(1, len(t) - 1)))
        elif t[0].isdigit():
            words.append("<num>")
        else:
            words.append(t)
    out.extend("w:" + w for w in set(words))
    out.extend("b:" + a + "_" + b for a, b in zip(words, words[1:], strict=False))
    m = _OPENER.match(low)
    if m:
        first = m.group(1)
        out.append("o:" + first + m.group(2))
        if first in _HES:
            out.append("cue:hes")
        if len(words) > 1 and words[0] == first:
            out.append("o2:" + first + "_" + words[1])
    if low.startswith(_HES_ZH):
        out.append("cue:hes")
    if any(w in _REF for w in words) or any(z in low for z in _REF_ZH):
        out.append("cue:ref")
    if low.endswith(_QUESTION) or "?" in low or "？" in low:
        out.append("cue:q")
    if _NEG.search(low):
        out.append("cue:neg")
    if _CHECK.search(low):
        out.append("cue:check")
    nums = len(_NUM.findall(low))
    out.append("num:" + ("0" if not nums else "1" if nums < 3 else "many"))
    if "=" in s:
        out.append("cue:eq")
    if s.startswith(("```", "$$", "\\[")):
        out.append("cue:block")
    elif _MATH.search(_PRICE.sub(" ", s)):
        out.append("cue:math")
    ln = len(s)
    out.append("len:" + str(next((i for i, b in enumerate(_LEN_BUCKETS) if ln < b),
                                 len(_LEN_BUCKETS))))
    out.append("pos:" + str(min(9, 10 * pos // max(1, n))))
    if pos == 0:
        out.append("pos:first")
    if pos == n - 1:
        out.append("pos:last")
    for name, cat in pats:
        out.append("pat:" + name)
        out.append("cat:" + cat)
    if not pats:
        out.append("cat:none")
    return out


_PAIR_OWN = ("cue:neg", "cue:hes", "cue:q", "cue:check", "cue:eq", "cue:ref")
_PAIR_CTX = ("cat:self_check", "cat:correction", "cue:check", "cue:q", "cue:eq", "cue:neg")


def pair_features(own: list[str], prev: list[str] | None, nxt: list[str] | None) -> list[str]:
    """Joined features of a unit and its neighbours (computed after ``unit_features``)."""
    mine = [f for f in _PAIR_OWN if f in own]
    out: list[str] = []
    for tag, ctx in (("p", prev), ("n", nxt)):
        if ctx is None:
            out.append("pair:" + tag + "none")
            continue
        theirs = [f for f in _PAIR_CTX if f in ctx]
        out.extend("pair:" + tag + ":" + a + "&" + b for a in mine for b in theirs)
    return out
