"""The reflection pattern library: loaded from data (patterns.yaml), validated, compiled.

Each rule has one literal anchor (``<<literal>>``); rules are grouped by anchor. A scan
(judge.traces.scan) finds every anchor occurrence in one Aho-Corasick pass and checks the
group's rules there with anchored ``.match`` calls: the tail forward from the anchor, the
lead (the text before it) compiled reversed and matched on the reversed text, so that no
variable-width look-behind is needed and most rules run on stdlib ``re``. No rule has
nested unbounded quantifiers, so each check costs bounded time and a scan is linear in the
text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import ahocorasick_rs
import regex
import yaml

from judge.errors import InputError
from judge.traces.rx import (
    Unsupported,
    compile_fast,
    reverse_source,
)

Kind = Literal["self_check", "correction", "pivot"]
KINDS: tuple[str, ...] = ("self_check", "correction", "pivot")  # models.EVENT_KINDS
LANGS: tuple[str, ...] = ("en", "zh")
FLAGS = regex.VERBOSE | regex.V0

_NAME = regex.compile(r"^[a-z][a-z0-9_]{0,60}$")
_REF = regex.compile(r"\{\{([a-z_][a-z0-9_]*)\}\}")
_ANCHOR = regex.compile(r"<<([^<>]*)>>")
_ESCAPES = regex.compile(r"\\[A-Za-z]")
_UPPER = regex.compile(r"[A-Z]")
_MAX_DEPTH = 8

# libyaml's safe loader when PyYAML has it (12x faster on patterns.yaml: the library loads
# while a run's first calls are out), else the pure-Python one; both build the same data.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Rule:
    """One anchored rule: ``lead`` + ``anchor`` + ``tail`` (lead/tail are regex source)."""

    pattern: str
    anchor: str
    lead: str
    tail: str


@dataclass(frozen=True)
class Pattern:
    """One named pattern: category, language, its rules and examples."""

    name: str
    category: Kind
    lang: str
    rules: tuple[Rule, ...]
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()


class Group:
    """All rules sharing one anchor.

    Scanning (judge.traces.scan) finds every anchor occurrence in one Aho-Corasick pass
    and then checks this group's rules at each occurrence of its anchor with anchored
    ``.match`` calls: ``branches`` holds, per distinct lead (in rule order), one compiled
    alternation of the tails (matched on the text from the end of the anchor; marker
    group k+1 says which rule) and the lead compiled REVERSED (matched on the reversed
    text from the start of the anchor), so neither needs a variable-width look-behind and
    most compile with stdlib ``re``.
    """

    __slots__ = ("_branches", "_candidates", "anchor", "rules")

    def __init__(self, anchor: str, rules: list[tuple[int, Rule]]) -> None:
        self.anchor = anchor
        self.rules = rules
        self._branches: tuple[tuple[Any, Any, tuple[int, ...]], ...] | None = None
        self._candidates: tuple[Candidate, ...] | None = None

    @property
    def branches(self) -> tuple[tuple[Any, Any, tuple[int, ...]], ...]:
        """``(lead_rx reversed or None, tails_rx, pattern index per marker)`` per lead."""
        if self._branches is None:
            out = []
            for lead, members in self._rules_by_branch():
                tails = "|".join(f"(?x:{r.tail}\n)()" for _, r in members)
                lead_rx = compile_fast(reverse_source(lead), verbose=False) if lead else None
                out.append((lead_rx, compile_fast(tails, verbose=False),
                            tuple(i for i, _ in members)))
            self._branches = tuple(out)
        return self._branches

    def forget_branches(self) -> None:
        """Drop the compiled branches (a failed compile is not kept: the next use retries)."""
        self._branches = self._candidates = None

    def candidates(self) -> tuple[Candidate, ...]:
        """``branches`` as the scanner calls them: ``(lead, tails, pattern indexes)`` with
        lead and tails the compiled patterns' bound ``match`` methods (lead None: no lead)."""
        if self._candidates is None:
            self._candidates = tuple((lead.match if lead is not None else None, tails.match, pidx)
                                     for lead, tails, pidx in self.branches)
        return self._candidates

    def _rules_by_branch(self) -> list[tuple[str, list[tuple[int, Rule]]]]:
        by_lead: dict[str, list[tuple[int, Rule]]] = {}
        for idx, rule in self.rules:
            by_lead.setdefault(rule.lead.strip(), []).append((idx, rule))
        return list(by_lead.items())


@dataclass(frozen=True)
class Scanner:
    """Anchor groups for a set of patterns (``patterns[i]`` is hit pattern index i)."""

    groups: tuple[Group, ...]
    patterns: tuple[Pattern, ...]
    # per pattern index: the compiled mention frame of its language (Library.mentions)
    # or None (an empty tuple when no chosen pattern has one)
    mention_frames: tuple[Any, ...] = ()

    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def kinds(self) -> list[str]:
        """The category of each pattern (``kinds[i]`` for hit pattern index i)."""
        kinds = self._cache.get("kinds")
        if kinds is None:
            kinds = self._cache["kinds"] = [p.category for p in self.patterns]
        return kinds

    @property
    def candidates(self) -> list[tuple[Candidate, ...]]:
        """Each group's ``Group.candidates()``, by group index."""
        found = self._cache.get("candidates")
        if found is None:
            found = self._cache["candidates"] = [g.candidates() for g in self.groups]
        return found

    @property
    def meta(self) -> list[tuple[str, str, str]]:
        """``(category, name, lang)`` of each pattern (for hit pattern index i)."""
        meta = self._cache.get("meta")
        if meta is None:
            meta = self._cache["meta"] = [(p.category, p.name, p.lang) for p in self.patterns]
        return meta

    @property
    def longest(self) -> int:
        """Length of the longest anchor."""
        n = self._cache.get("longest")
        if n is None:
            n = self._cache["longest"] = max((len(g.anchor) for g in self.groups), default=1)
        return n

    @property
    def full_fold(self) -> bool:
        """Do the rules contain cased letters outside ASCII (then the scanned text must be
        lowercased in full, not only its ASCII letters: judge.traces.scan.prepare)?"""
        full = self._cache.get("full_fold")
        if full is None:
            full = self._cache["full_fold"] = any(
                not c.isascii() and c.lower() != c.upper()
                for g in self.groups for _, r in g.rules for c in r.anchor + r.lead + r.tail)
        return full

    def compile_all(self) -> Scanner:
        self.candidates  # noqa: B018  (compiles every group)
        self.automaton()
        return self

    def automaton(self) -> Any:
        """Aho-Corasick automaton (ahocorasick_rs, DFA) over the anchors; the index of a
        match is the group index."""
        auto = self._cache.get("a")
        if auto is None:
            auto = self._cache["a"] = ahocorasick_rs.AhoCorasick(
                [g.anchor for g in self.groups], matchkind=ahocorasick_rs.MatchKind.Standard,
                implementation=ahocorasick_rs.Implementation.DFA)
        return auto


@dataclass(frozen=True)
class Library:
    """A validated pattern library."""

    version: int
    digest: str
    patterns: tuple[Pattern, ...]
    hard_negatives: tuple[str, ...] = ()
    _by_name: dict[str, Pattern] = field(default_factory=dict, repr=False, compare=False)
    _scanners: dict[Any, Scanner] = field(default_factory=dict, repr=False, compare=False)
    # language -> regex source: text that, ending right before an event of that language,
    # makes it a quoted phrase rather than the model's own reflection (judge.traces.scan)
    mentions: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def ident(self) -> str:
        """Version and content hash, stored with every trace result."""
        return f"{self.version}+{self.digest}"

    def get(self, name: str) -> Pattern:
        return self._by_name[name]

    def scanner(self, langs: tuple[str, ...] | None = None,
                names: tuple[str, ...] | None = None) -> Scanner:
        """Compiled groups for the patterns of ``langs`` (all when None), or only ``names``."""
        key = (tuple(sorted(langs)) if langs else None, names)
        found = self._scanners.get(key)
        if found is None:
            found = self._scanners[key] = _build_scanner(self, *key)
        return found

    def validate(self) -> None:
        """Compile every anchor group (as scanning would) and check that rules use no
        unnamed capture groups; on a failure, check that group's rules one by one to
        name the bad rule. InputError on the first problem. Loading skips this so that
        a CLI call compiles only the groups it needs."""
        for group in self.scanner().groups:
            try:
                if all(t.groups == len(p) for _, t, p in group.branches):
                    continue
            except (re.error, regex.error, Unsupported, RecursionError):
                group.forget_branches()
            for _, rule in group.rules:
                self._validate_rule(rule)
            raise InputError("anchor group does not compile", item=f"anchor {group.anchor!r}")

    def _validate_rule(self, rule: Rule) -> None:
        item = f"pattern '{rule.pattern}' rule with anchor {rule.anchor!r}"
        try:
            rx = regex.compile(_branch(0, rule, regex.escape(rule.anchor)), FLAGS)
        except regex.error as exc:
            raise InputError(f"regex does not compile: {exc}", item=item) from exc
        if rx.groups > len(rx.groupindex):
            raise InputError("use (?:...) groups only; capture groups are reserved", item=item)
        try:
            compile_fast(reverse_source(rule.lead), verbose=False)
            compile_fast(f"(?:{rule.tail}\n)")
        except (re.error, regex.error, Unsupported) as exc:
            raise InputError(f"rule cannot be compiled for scanning: {exc}", item=item) from exc

    def anchors(self) -> list[str]:
        return sorted({r.anchor for p in self.patterns for r in p.rules})


# (reversed lead's match or None, tails' match, pattern index per marker group)
Candidate = tuple[Any, Any, tuple[int, ...]]


def _build_scanner(lib: Library, langs: tuple[str, ...] | None,
                   names: tuple[str, ...] | None) -> Scanner:
    chosen = [(i, p) for i, p in enumerate(lib.patterns)
              if (langs is None or p.lang in langs) and (names is None or p.name in names)]
    if not chosen:
        raise InputError(f"no trace patterns for language(s) {', '.join(langs or ())}")
    by_anchor: dict[str, list[tuple[int, Rule]]] = {}
    for idx, (_, p) in enumerate(chosen):
        for rule in p.rules:
            by_anchor.setdefault(rule.anchor, []).append((idx, rule))
    groups = tuple(Group(a, rules) for a, rules in sorted(by_anchor.items()))
    frames = {lang: compile_fast(src) for lang, src in lib.mentions.items()}
    per_pattern = tuple(frames.get(p.lang) for _, p in chosen)
    return Scanner(groups, tuple(p for _, p in chosen), per_pattern if any(per_pattern) else ())


_STOP = set("()[]{}?*+|.^$#")
_QUANT = set("?*+{")


def literal_prefix(src: str) -> tuple[str, str]:
    """Split VERBOSE regex source into its leading fixed literal and the rest."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
            continue
        if c == "\\":
            if i + 1 >= n or src[i + 1].isalnum():
                break
            lit, j = src[i + 1], i + 2
        elif c in _STOP:
            break
        else:
            lit, j = c, i + 1
        k = j
        while k < n and src[k].isspace():
            k += 1
        if k < n and src[k] in _QUANT:
            break
        out.append(lit)
        i = j
    return "".join(out), src[i:]


def _branch(k: int, rule: Rule, esc: str) -> str:
    """One rule as a single ``regex`` pattern (anchor + tail, the lead checked by a
    look-behind that re-matches anchor + tail), for ``Library._validate_rule``: it names
    the rule whose source does not compile or uses capture groups."""
    lit, rest = literal_prefix(rule.tail)
    head = regex.escape(lit)
    if not rule.lead.strip():
        return f"{head}(?:{rest}\n)(?P<m{k}>)"
    return (f"{head}(?P<t{k}>{rest}\n)"
            f"(?<=(?P<L>{rule.lead}\n){esc}{head}(?P=t{k}))(?P<m{k}>)")


def _expand(src: str, defs: dict[str, str], where: str, depth: int = 0) -> str:
    if depth > _MAX_DEPTH:
        raise InputError("definitions nest too deeply (a cycle?)", item=where)

    def sub(m: regex.Match[str]) -> str:
        name = m.group(1)
        if name not in defs:
            raise InputError(f"unknown definition {{{{{name}}}}}", item=where)
        return "(?:" + _expand(defs[name], defs, f"{where} > {name}", depth + 1) + "\n)"

    return _REF.sub(sub, src)


def _rules(raw: Any, name: str, defs: dict[str, str], path: str) -> tuple[Rule, ...]:
    where = f"pattern '{name}'"
    if not isinstance(raw, list) or not raw or not all(isinstance(r, str) for r in raw):
        raise InputError("rules must be a non-empty list of strings", path=path, item=where)
    out: list[Rule] = []
    for i, src in enumerate(raw):
        item = f"{where} rule {i + 1}"
        marks = _ANCHOR.findall(src)
        if len(marks) != 1 or not marks[0].strip():
            raise InputError("a rule needs exactly one non-empty <<anchor>>", path=path, item=item)
        lead_src, tail_src = _ANCHOR.split(src, maxsplit=1)[0], _ANCHOR.split(src, maxsplit=1)[2]
        for part in (lead_src, tail_src):
            if _UPPER.search(_ESCAPES.sub("", _REF.sub("", part))):
                raise InputError("rules are matched against lowercased text: write them in lower case",
                                 path=path, item=item)
        lead, tail = _expand(lead_src, defs, item), _expand(tail_src, defs, item)
        for anchor in marks[0].split("|"):
            if not anchor or anchor != anchor.lower():
                raise InputError(f"anchor {anchor!r} must be non-empty lower case", path=path, item=item)
            out.append(Rule(name, anchor, lead, tail))
    return tuple(out)


def _examples(raw: Any, key: str, where: str, path: str) -> tuple[str, ...]:
    vals = (raw or {}).get(key, []) or []
    if not isinstance(vals, list) or not all(isinstance(v, str) for v in vals):
        raise InputError(f"examples.{key} must be a list of strings", path=path, item=where)
    return tuple(vals)


def _pattern(raw: Any, defs: dict[str, str], path: str, index: int) -> Pattern:
    where = f"patterns[{index}]"
    if not isinstance(raw, dict):
        raise InputError("each pattern must be a mapping", path=path, item=where)
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError("name must be lower_snake_case", path=path, item=where)
    where = f"pattern '{name}'"
    if raw.get("category") not in KINDS:
        raise InputError(f"category must be one of {'|'.join(KINDS)}", path=path, item=where)
    if raw.get("lang") not in LANGS:
        raise InputError(f"lang must be one of {'|'.join(LANGS)}", path=path, item=where)
    rules = _rules(raw.get("rules"), name, defs, path)
    ex = raw.get("examples")
    pos, neg = _examples(ex, "positive", where, path), _examples(ex, "negative", where, path)
    if not pos:
        raise InputError("needs at least one positive example", path=path, item=where)
    return Pattern(name, raw["category"], raw["lang"], rules, pos, neg)


def parse_library(text: str, path: str = "patterns.yaml") -> Library:
    """Validate and build a Library from YAML text."""
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", path=path) from exc
    if not isinstance(data, dict) or not isinstance(data.get("patterns"), list):
        raise InputError("expected a mapping with a 'patterns' list", path=path)
    defs = {str(k): str(v) for k, v in (data.get("defs") or {}).items()}
    patterns = tuple(_pattern(raw, defs, path, i) for i, raw in enumerate(data["patterns"]))
    names = [p.name for p in patterns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InputError(f"duplicate pattern names: {', '.join(dupes)}", path=path)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    hard = tuple(str(x) for x in data.get("hard_negatives") or ())
    return Library(int(data.get("version", 1)), digest, patterns, hard,
                   {p.name: p for p in patterns}, mentions=_mentions(data.get("mentions"), path))


def _mentions(raw: Any, path: str) -> dict[str, str]:
    """The ``mentions`` mapping (language -> regex), each source checked to compile."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InputError("mentions must map a language to a regex", path=path, item="mentions")
    out = {}
    for lang, src in raw.items():
        item = f"mentions.{lang}"
        if lang not in LANGS or not isinstance(src, str):
            raise InputError(f"mentions: a language ({'|'.join(LANGS)}) -> a regex string",
                             path=path, item=item)
        try:
            compile_fast(src)  # as the scanner compiles it (cached)
        except (re.error, regex.error) as exc:
            raise InputError(f"regex does not compile: {exc}", path=path, item=item) from exc
        out[lang] = src
    return out


@lru_cache(maxsize=4)
def load_library(path: str | None = None) -> Library:
    """The bundled library (judge/traces/patterns.yaml) or one at ``path``."""
    if path is None:
        text = resources.files("judge.traces").joinpath("patterns.yaml").read_text("utf-8")
        return parse_library(text, "judge/traces/patterns.yaml")
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read pattern library: {exc.strerror}", path=path) from exc
    return parse_library(text, path)
