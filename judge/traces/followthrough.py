"""Follow-through: does the final answer reflect a correction? (cheap, lexical)

From the correction's sentence (and the next one) we extract what the correction names:
"not X but Y", "should be Y, not X", "应该是 Y 而不是 X", "不是 X 而是 Y", "change X to Y",
"should be Y", "include Y"; failing those, numbers stated after the correction. For a
summary-agent episode the self-check sentence adds what the summary was missing
("my summary did not mention the sample size"). Then: expected content present and
rejected content absent in the answer → True; expected absent or rejected still present
→ False; nothing extractable or no separate answer → None. The evidence is stored so the
judge's reflection rubric can confirm it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import ahocorasick_rs

from judge.traces.models import FollowThrough

# (patterns here start with a character class so that re skips non-candidates in C)
_SENT_END = re.compile(r"[.!?;。！？；\n](?:(?<=[.!?;])(?=\s|$|[\"”'’)\]])|(?<=[。！？；\n]))")
_LAST_SENT_END = re.compile(r"(?s:.*)" + _SENT_END.pattern)
_MAX_CTX = 320

_CHUNK = r"[^\s,;!?。，.:…<>]{1,30}(?:[.:/,][^\s,;!?。，.:…<>]{1,30})*"
_TERM_NEW = (rf"(?P<new>\"[^\"\n]{{1,40}}\"|“[^”\n]{{1,40}}”|{_CHUNK}"
             rf"(?:\s+(?!and\b|but\b|so\b|which\b|because\b|since\b|not\b|instead\b|rather\b|too\b){_CHUNK}){{0,3}})")
_TERM_OLD = (rf"(?P<old>\"[^\"\n]{{1,40}}\"|“[^”\n]{{1,40}}”|{_CHUNK}"
             rf"(?:\s+(?!but\b){_CHUNK}){{0,3}}?)")
_ZTERM = r"[^，。！？；,;!?\s]{1,16}"


def _structure(src: str) -> Iterator[tuple[int, str, int]]:
    """``(index, character, open groups before it)`` for each character of regex source
    ``src`` outside escapes and character classes."""
    depth, in_class, i = 0, False, 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        else:
            yield i, c, depth
            depth += (c == "(") - (c == ")")
        i += 1


def _split_top(src: str) -> list[str]:
    """``src`` split at its top-level ``|`` (not inside groups or classes)."""
    cuts = [i for i, c, depth in _structure(src) if c == "|" and depth == 0]
    return [src[a + 1:b] for a, b in zip([-1, *cuts], [*cuts, len(src)])]


def _letter_first(src: str) -> str:
    r"""``\b(?:should|must)...`` rewritten as ``(?:s(?<!\w.)hould|m(?<!\w.)ust)...``: the
    same matches, but the pattern starts with a set of literal first letters, so that
    ``re.search`` skips the other positions in C (a leading ``\b`` disables that)."""
    if not src.startswith("\\b"):
        return src
    body = src[2:]
    if body.startswith("(?:"):
        j = next(i for i, c, depth in _structure(body) if c == ")" and depth == 1)
        alts, rest = _split_top(body[3:j]), body[j + 1:]
    else:
        alts, rest = [body], ""
    by_first: dict[str, list[str]] = {}
    for alt in alts:
        if not ("a" <= alt[:1] <= "z") or alt[1:2] in ("?", "*", "+", "{"):
            return src
        by_first.setdefault(alt[0], []).append(alt[1:])
    return "(?:" + "|".join(f"{c}(?<!\\w.)(?:{'|'.join(t)})" for c, t in by_first.items()) + ")" + rest


class _Search:
    """A pattern matched case-insensitively: on the lowercased text when lowercasing kept
    its length (the same offsets; the letter-first form, see ``_letter_first``), else
    with ``re.I`` on the text itself."""

    __slots__ = ("ci", "low")

    def __init__(self, src: str, flags: int = re.I) -> None:
        self.ci = re.compile(src, flags)
        self.low = re.compile(_letter_first(src)) if flags else self.ci

    def search(self, text: str, low: str) -> re.Match[str] | None:
        return self.low.search(low) if len(low) == len(text) else self.ci.search(text)


_PAIRS = [
    ("not_x_but_y", _Search(rf"\bnot\s+{_TERM_OLD}\s*,?\s+but\s+(?:rather\s+|instead\s+)?{_TERM_NEW}")),
    ("should_be_not", _Search(
        rf"\b(?:should|must|would|ought\s+to)\s+(?:actually\s+|really\s+)?(?:be|have\s+been|read|say|equal)\s+"
        rf"{_TERM_NEW}\s*,?\s+(?:not|instead\s+of|rather\s+than)\s+{_TERM_OLD}(?=[\s,.;!?]|$)")),
    ("changed_to", _Search(rf"\b(?:from|change[sd]?|changing)\s+{_TERM_OLD}\s+to\s+{_TERM_NEW}")),
    ("arrow", _Search(r"(?P<old>[-+]?[$€£¥]?\d[\d,.:]*%?)\s*(?:→|->|=>)\s*(?P<new>[-+]?[$€£¥]?\d[\d,.:]*%?)", 0)),
    ("y_not_x", _Search(rf"{_TERM_NEW}\s*,\s*not\s+{_TERM_OLD}(?=[\s,.;!?]|$)")),
    ("zh_not_but", _Search(rf"不是\s*(?P<old>{_ZTERM})[，,]?\s*而是\s*(?P<new>{_ZTERM})", 0)),
    ("zh_should_not", _Search(rf"应该是\s*(?P<new>{_ZTERM})[，,]?\s*(?:而不是|而非|不是)\s*(?P<old>{_ZTERM})", 0)),
    ("zh_change", _Search(rf"(?:把)?(?P<old>{_ZTERM})(?:改为|改成|更正为|修正为)(?P<new>{_ZTERM})", 0)),
]
_NEW_ONLY = [
    ("should_be", _Search(rf"\b(?:should|must)\s+(?:actually\s+|really\s+)?(?:be|have\s+been|read|say)\s+{_TERM_NEW}")),
    ("it_is", _Search(
        rf"\b(?:it's|it\s+is|the\s+(?:correct\s+|right\s+)?(?:answer|total|result|value|number|count|date|time|figure)\s+(?:is|should\s+be))"
        rf"\s+(?:only\s+|actually\s+|really\s+)?(?!not\b|wrong\b|incorrect\b|just\b|a\s+bug\b|what\b|the\s+case\b|right\b|correct\b|fine\b|true\b|false\b|fixed\b){_TERM_NEW}")),
    ("includes", _Search(
        r"\b(?:include|mention|add|cover|reflect|emphasi[sz]e|highlight|lead\s+with|start\s+with|note)(?:s|es|ed|ing)?\s+"
        r"(?!it\b|this\b|that\b|them\b)(?P<new>[^.;!?\n]{3,60})")),
    ("zh_should_be", _Search(rf"(?:应该|应当)(?:是|为|改为|改成)\s*(?P<new>{_ZTERM})", 0)),
    ("zh_includes", _Search(r"(?:补充|加上|加入|提到|写上|改成|改为)(?P<new>[^，。！？；\n]{2,24})", 0)),
]
_GAP = [  # what a self-check says a summary lacks (cue substrings in _NEEDS)
    ("gap_not", _Search(r"\b(?:did\s+not|didn't|does\s+not|doesn't|never|fails?\s+to|failed\s+to)\s+(?:mention|reflect|include|cover|capture|say|note)\s+"
                  r"(?!it\b|this\b|that\b|them\b)(?P<new>[^.;!?\n]{3,60})")),
    ("gap_missing", _Search(r"\b(?:missed|misses|omitted|omits|left\s+out|leaves\s+out|lacks?|is\s+missing|was\s+missing)\s+"
                  r"(?!it\b|this\b|that\b|them\b)(?P<new>[^.;!?\n]{3,60})")),
    ("gap_zh", _Search(r"(?:没有|没|未|并未)(?:体现|反映|提到|提及|包含|覆盖|涵盖)(?P<new>[^，。！？；\n]{2,24})", 0)),
]
# "= 5", "is 12", "得 30": a number stated as a result. Numbers are found first (digits are
# rarer than the keywords), then the text right before each is compared with the keywords.
_NUM_TOKEN = re.compile(r"[-+−$€£¥\d](?:(?<=[-+−])[$€£¥]?\d+|(?<=[$€£¥])\d+|(?<=\d)\d*)"
                        r"(?:[,，]\d{3})*(?:\.\d+)?(?::\d\d)?%?")
_RESULT_SYM = ("=", "→", "->", "是", "为", "等于", "得")
_RESULT_WORDS = ("is", "equal", "equals", "give", "gives", "get", "got", "be", "to", "so")
_RESULT_LAST = frozenset(k[-1] for k in _RESULT_SYM) | {c for w in _RESULT_WORDS for c in (w[-1], w[-1].upper())}
_RESULT_WORD_SET = frozenset(_RESULT_WORDS)
# a number token (as _NUM_TOKEN finds them) whose previous character, or the character
# before the whitespace in front of it, can end a keyword: the lookbehind is tested after
# the token's first character, so that re still skips to digits in C. Keyword characters
# and whitespace never occur inside a token, so the tokens found are _NUM_TOKEN's.
_NUM_HEAD = r"[-+−$€£¥\d]"
_LAST_CLASS = "[" + re.escape("".join(sorted(_RESULT_LAST))) + "]"
_RESULT_CANDIDATE = re.compile(
    _NUM_HEAD + rf"(?:(?<={_LAST_CLASS}.)|(?<={_LAST_CLASS}\s.)|(?<=\s\s.))"
    + _NUM_TOKEN.pattern[len(_NUM_HEAD):])
_WORD_END = re.compile(r"\w{1,7}\Z")
_ITEMS = re.compile(r",\s+|\s+and\s+|、|和")
_CJK_STOP = re.compile(r"[的了是在和与及或也就都而这那个些一]+")
_NUMBER = re.compile(r"[-+−$€£¥\d](?<![\w.].)(?:(?<=[-+−])[$€£¥]?\d+|(?<=[$€£¥])\d+|(?<=\d)\d*)"
                     r"(?:[,，]\d{3})*(?:\.\d+)?(?::\d\d)?%?")
_WORD = re.compile(r"[a-z0-9][a-z0-9'’]*|[\u3400-\u9fff]+", re.I)
_STOP = frozenset(
    "the a an of to in on at for and or but is are was were be been it its this that these those "
    "my our with as by from into about than then so also only just very more most some any all too up one two "
    "issue issues problem problems point points part parts thing things aspect aspects detail details "
    "information info fact facts case matter bit "
    "answer summary draft page user should would could must need needs it's".split())
_CJK_GENERIC = frozenset("问题 内容 部分 信息 方面 情况 地方 东西 一点 这一 一下".split())


_NUM_DROP = str.maketrans("", "", "$€£¥%,，")


def _number_key(s: str) -> str | None:
    m = _NUMBER.search(s)
    if not m:
        return None
    t = m.group().lstrip("+").replace("−", "-").translate(_NUM_DROP)
    if "." in t and ":" not in t:
        t = t.rstrip("0").rstrip(".")
    return t or None


def numbers(text: str) -> set[str]:
    """Normalised numbers of a text ("1,200" -> "1200", "$4.50" -> "4.5")."""
    return _numbers(text)


def _numbers(text: str) -> set[str]:
    return {k for m in _NUMBER.finditer(text) if (k := _number_key(m.group()))}


def _content(term: str) -> list[str]:
    words = []
    for w in _WORD.findall(_NUMBER.sub(" ", term.lower())):
        if "\u3400" <= w[0] <= "\u9fff":
            for run in _CJK_STOP.split(w):
                words.extend(b for i in range(max(1, len(run) - 1))
                             if run and (b := run[i:i + 2]) not in _CJK_GENERIC)
        elif w not in _STOP and len(w) > 1:
            words.append(w)
    return words


def present(term: str, answer: str, answer_numbers: set[str], answer_low: str | None = None) -> bool:
    """Is ``term`` (a number, a quoted term or a short phrase) in ``answer``? (``answer_low``:
    ``answer.lower()``, when the caller has it)"""
    term = term.strip(" \"“”'’.:")
    key = _number_key(term)
    if key is not None and _NUMBER.fullmatch(term.replace(" ", "")):
        return key in answer_numbers
    nums = _numbers(term)
    if nums:  # numbers are the most specific content: they decide
        return nums <= answer_numbers
    words = _content(term)
    if not words:
        return bool(nums)
    low = answer.lower() if answer_low is None else answer_low
    hits = sum(1 for w in words if (w in low if "\u3400" <= w[0] <= "\u9fff"
                                    else _starts_word(w, low)))
    # short phrases need every content word ("first Sunday" is not "every Sunday");
    # longer ones at least 60% of them
    return hits == len(words) if len(words) <= 2 else hits * 5 >= len(words) * 3


def _starts_word(w: str, low: str) -> bool:
    """Does ``w`` (starting with a word character) occur in ``low`` at the start of a word
    (as ``re.search(r"\b" + re.escape(w), low)``)?"""
    i = low.find(w)
    while i > 0 and _wordchar(low[i - 1]):
        i = low.find(w, i + 1)
    return i != -1


def context_after(text: str, start: int, limit: int = _MAX_CTX, stop_at: int | None = None) -> str:
    """From ``start`` to the end of the next sentence (two sentences when the first is short)."""
    end = min(len(text) if stop_at is None else stop_at, start + limit)
    m = _SENT_END.search(text, start, end)
    if m is None:
        return text[start:end]
    stop = m.end()
    m2 = _SENT_END.search(text, stop, end)  # the sentence after it often states the fix
    stop = m2.end() if m2 and (m2.end() - start < 200 or stop - start < 60) else stop
    return text[start:stop]


def sentence_around(text: str, start: int, end: int, limit: int = 240) -> str:
    lo = max(0, start - limit)
    last = _LAST_SENT_END.match(text, lo, start)  # the last sentence end in text[lo:start]
    s = last.end() if last else lo
    m = _SENT_END.search(text, end, min(len(text), end + limit))
    return text[s:m.end() if m else min(len(text), end + limit)]


# a cheap substring test before each extraction regex runs
_NEEDS = {"not_x_but_y": ("but",), "should_be_not": ("not", "instead", "rather"),
          "changed_to": (" to ",), "arrow": ("→", "->", "=>"), "y_not_x": (", not",),
          "zh_not_but": ("而是",), "zh_should_not": ("应该是",), "zh_change": ("改", "正为"),
          "should_be": ("should", "must"), "it_is": ("it", "the"),
          "includes": ("includ", "mention", "add", "cover", "reflect", "emphas", "highlight",
                       "lead", "start", "note"),
          "zh_should_be": ("应该", "应当"), "zh_includes": ("补充", "加", "提到", "写上", "改"),
          "gap_not": ("not", "n't", "never", "fail"),
          "gap_missing": ("miss", "omit", "left", "leave", "lack"), "gap_zh": ("没", "未")}


# all the substrings above in one automaton: one pass over a context says which are there
_NEED_STRINGS = sorted({n for needs in _NEEDS.values() for n in needs})
_NEED_AC = ahocorasick_rs.AhoCorasick(_NEED_STRINGS, implementation=ahocorasick_rs.Implementation.DFA)
_NEED_IDS = {how: frozenset(_NEED_STRINGS.index(n) for n in needs) for how, needs in _NEEDS.items()}


def _cues(low: str) -> set[int]:
    """Which of the cue substrings (``_NEED_STRINGS`` indexes) the lowercased text has."""
    return {i for i, _, _ in _NEED_AC.find_matches_as_indexes(low, overlapping=True)}


def extract(ctx: str, gap_ctx: str = "", long_ctx: str = "") -> tuple[list[str], list[str], str]:
    """(expected, rejected, how) named by a correction context: a named change in ``ctx``,
    else what the self-check sentence ``gap_ctx`` says the summary lacked, else numbers
    stated as results in ``long_ctx`` (or ``ctx``)."""
    return (_named(ctx) or _summary_gap(gap_ctx)
            or _stated_numbers(long_ctx or ctx) or ([], [], ""))


Extracted = tuple[list[str], list[str], str]


def _named(ctx: str) -> Extracted | None:
    """"not X but Y", "should be Y", "include Y", ... in the correction's context."""
    low = ctx.lower()
    there = _cues(low)
    for how, rx in _PAIRS:
        if there.isdisjoint(_NEED_IDS[how]):
            continue
        m = rx.search(ctx, low)
        if m:
            return [_group(ctx, m, "new")], [_group(ctx, m, "old")], how
    for how, rx in _NEW_ONLY:
        if there.isdisjoint(_NEED_IDS[how]):
            continue
        m = rx.search(ctx, low)
        if m:
            new = _group(ctx, m, "new")
            items = [x.strip() for x in _ITEMS.split(new) if x.strip()]
            return (items if how in ("includes", "zh_includes") and len(items) > 1 else [new]), [], how
    return None


def _group(text: str, m: re.Match[str], name: str) -> str:
    """Group ``name`` of a ``_Search`` match, cut from the original (not lowercased) text."""
    return text[m.start(name):m.end(name)].strip()


def _summary_gap(gap_ctx: str) -> Extracted | None:
    """What a self-check sentence says is missing ("my summary did not mention X")."""
    gap_low = gap_ctx.lower()
    there = _cues(gap_low)
    for how, rx in _GAP:
        if there.isdisjoint(_NEED_IDS[how]):
            continue
        m = rx.search(gap_ctx, gap_low)
        if m:
            return [_group(gap_ctx, m, "new")], [], "summary_gap"
    return None


def _stated_numbers(ctx: str) -> Extracted | None:
    nums = result_numbers(ctx)
    return (list(dict.fromkeys(nums))[:4], [], "numbers") if nums else None


def _wordchar(c: str) -> bool:
    return c.isalnum() or c == "_"  # what re's \w matches


def result_numbers(s: str) -> list[str]:
    """Numbers stated as results ("= 5", "is 12", "gives 3.5", "得 30"), in order."""
    out = []
    for m in _RESULT_CANDIDATE.finditer(s):
        at = j = m.start()
        while j > 0 and s[j - 1].isspace():
            j -= 1
        if s.endswith(_RESULT_SYM, 0, j):
            out.append(m.group())
            continue
        # whole words only: "is 5", not "this 5" or "is5" (the word run before j is one
        # of the keywords; a run of 7 or more word characters is none of them)
        w = _WORD_END.search(s, max(0, j - 7), j)
        if (w is not None and w.end() - w.start() < 7 and s[w.start():j].lower() in _RESULT_WORD_SET
                and (j < at or not _wordchar(s[at]))):
            out.append(m.group())
    return out


def follow_through(text: str, answer: str | None, correction: int, start: int,
                   episode: int | None, gap_span: tuple[int, int] | None = None,
                   stop_at: int | None = None, answer_numbers: set[str] | None = None,
                   answer_low: str | None = None) -> FollowThrough:
    """The follow-through record of the correction event starting at ``start`` (context
    ends at ``stop_at``, e.g. the end of its <think> block); ``gap_span`` is the episode's
    self-check, whose sentence may name what a summary lacked. Each context is cut from
    the text only when the extraction gets that far (``extract`` on strings)."""
    ctx = context_after(text, start, stop_at=stop_at)
    found = _named(ctx)
    if found is None and gap_span is not None:
        found = _summary_gap(sentence_around(text, *gap_span))
    if found is None:
        long_ctx = (ctx + context_after(text, start + len(ctx), 160, stop_at)
                    if len(ctx) < _MAX_CTX else ctx)
        found = _stated_numbers(long_ctx)
    expected, rejected, how = found or ([], [], "")
    ft = FollowThrough(correction, episode, None, expected, rejected, how=how)
    if answer is None or not answer.strip():
        ft.reason = "no separate answer to compare with"
        return ft
    if not expected and not rejected:
        ft.reason = "the correction names nothing checkable"
        return ft
    nums = _numbers(answer) if answer_numbers is None else answer_numbers
    low = answer.lower() if answer_low is None else answer_low
    ft.found = [t for t in expected if present(t, answer, nums, low)]
    ft.found_rejected = [t for t in rejected if present(t, answer, nums, low)]
    if ft.found_rejected and not ft.found:
        ft.value, ft.reason = False, "the answer keeps what the correction rejected"
    elif ft.found and ft.found_rejected:
        ft.value, ft.reason = None, "the answer contains both the old and the new content"
    elif ft.found and (how == "numbers" or len(ft.found) * 2 >= len(expected)):
        ft.value, ft.reason = True, "the answer contains the corrected content"
    elif expected:
        ft.value, ft.reason = False, "the corrected content is not in the answer"
    else:
        ft.value, ft.reason = True, "the rejected content is gone from the answer"
    return ft
