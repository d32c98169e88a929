"""The planted-verdict calibration suite: its YAML schema, loading with located errors,
and the final text of every case.

The suite (``judge/data/calibration/``, written for this project) is answers on the bundled
probe set's pages whose right verdict is known because it was planted: ``suite.yaml``
(name, version, the sha256 of every page text the answers were written against, extra
queries), ``answers.yaml`` (the answer library: id, page, the query it answers, text) and
one file of cases per rubric. A case names a page, a query and an answer (by id, or
inline ``text``), optionally an ``edit`` that plants the flaw (``replace: [old, new]``,
``add`` a sentence, ``drop`` a passage), its planted verdict and a one-line ``note`` of
what was planted and why the verdict follows. Pairwise cases name a ``better`` and a
``worse`` answer, which one is shown first, and whether the worse one is padded
(``pad``: its sentences repeated as a list, about twice its length).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from judge.errors import ConfigError, InputError
from judge.grading.length import word_count
from judge.grading.subject import EXPECTED_STRATEGY
from judge.grading.verdicts import StrategyLabel
from judge.probeset import ID_PATTERN, ProbeSet, Query
from judge.records import content_hash, sha256_text
from judge.yamlsrc import Loc, line_of, load_yaml_with_lines

SUITE_DIR = Path(__file__).resolve().parent.parent / "data" / "calibration"
_PACKAGED_PROBES = Path(__file__).resolve().parent.parent / "_probes"  # a wheel (setup.py)


def bundled_probes() -> Path:
    """The probe set the suite was written on: ``probes/web-summaries.yaml`` of the
    checkout, or the copy a plain ``pip install .`` ships as ``judge/_probes``."""
    root = _PACKAGED_PROBES if _PACKAGED_PROBES.is_dir() else \
        Path(__file__).resolve().parent.parent.parent / "probes"
    return root / "web-summaries.yaml"
RUBRIC_FILES = ("intention", "faithfulness", "coverage", "strategy", "reflection", "pairwise")
NOTE_MAX = 400
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Note = Annotated[str, Field(min_length=8, max_length=NOTE_MAX, pattern=r"^[^\n]+$")]
Ident = Annotated[str, Field(pattern=ID_PATTERN)]


class Answer(Strict):
    """One answer of the library, written for ``query`` on ``page``."""

    id: Ident
    page: Ident
    query: Ident
    text: str = Field(min_length=1)
    faithful: bool = True  # False: written with errors on purpose (a worse pairwise side)
    derived: list[str] = Field(default_factory=list)  # numbers implied, not on the page verbatim


class Edit(Strict):
    """The planted change: exactly one of replace / add / drop."""

    replace: tuple[str, str] | None = None
    add: str | None = None
    after: str | None = None  # with add: insert after this passage (default: at the end)
    drop: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Edit:
        given = [k for k in ("replace", "add", "drop") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("an edit needs exactly one of replace, add, drop")
        if self.after is not None and self.add is None:
            raise ValueError("`after` only goes with `add`")
        return self


class CaseBase(Strict):
    id: Ident
    page: Ident
    query: Ident
    note: Note


class AnswerCase(CaseBase):
    """A case judged on one answer (every rubric but pairwise)."""

    answer: Ident | None = None
    text: str | None = None
    edit: Edit | None = None

    @model_validator(mode="after")
    def _source(self) -> AnswerCase:
        if (self.answer is None) == (self.text is None):
            raise ValueError("give exactly one of `answer` (an answer id) or `text`")
        if self.edit is not None and self.answer is None:
            raise ValueError("`edit` changes a library answer: give `answer`, not `text`")
        return self


class IntentionCase(AnswerCase):
    kind: Literal["on-query", "other-query", "generic"]
    planted: int = Field(ge=1, le=5)

    @model_validator(mode="after")
    def _consistent(self) -> IntentionCase:
        if (self.kind == "on-query") != (self.planted >= 4):
            raise ValueError(f"a {self.kind} case must plant "
                             f"{'4 or 5' if self.kind == 'on-query' else '3 or less'}")
        return self


class FaithfulnessCase(AnswerCase):
    kind: Literal["faithful", "unsupported", "changed-number"]
    absent: list[str] = Field(default_factory=list)  # words of the planted claim not on the page

    @model_validator(mode="after")
    def _consistent(self) -> FaithfulnessCase:
        need = {"faithful": None, "unsupported": "add", "changed-number": "replace"}[self.kind]
        have = next((k for k in ("replace", "add", "drop") if self.edit and
                     getattr(self.edit, k) is not None), None)
        if have != need:
            raise ValueError(f"a {self.kind} case needs " +
                             (f"edit.{need}" if need else "no edit"))
        if self.kind == "unsupported" and not self.absent:
            raise ValueError("an unsupported case lists `absent`: words of the planted claim "
                             "that the page does not contain")
        return self


class CoverageCase(AnswerCase):
    kind: Literal["complete", "dropped"]
    dropped: Ident | None = None  # the core key point left out
    absent: list[str] = Field(default_factory=list)  # its distinctive words, gone from the answer

    @model_validator(mode="after")
    def _consistent(self) -> CoverageCase:
        if (self.kind == "dropped") != (self.dropped is not None) or \
                (self.kind == "dropped") != bool(self.absent):
            raise ValueError("a dropped case names `dropped` (the key point) and `absent` "
                             "(its distinctive words); a complete case names neither")
        return self


class StrategyCase(AnswerCase):
    label: StrategyLabel  # the strategy the answer uses
    fits: bool  # does it fit the page type (label == the type's expected label)?


class ReflectionCase(AnswerCase):
    kind: Literal["reflected", "ignored"]
    reasoning: str = Field(min_length=1)
    wrong: str = Field(min_length=1)  # the mistaken value the reasoning corrects
    right: str = Field(min_length=1)  # the corrected value (the page's)


class PairwiseCase(CaseBase):
    better: Ident
    worse: Ident
    better_first: bool
    pad: bool = False


CASE_MODELS: dict[str, type[CaseBase]] = {
    "intention": IntentionCase, "faithfulness": FaithfulnessCase, "coverage": CoverageCase,
    "strategy": StrategyCase, "reflection": ReflectionCase, "pairwise": PairwiseCase}


class SuiteMeta(Strict):
    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    description: str = ""
    probes: str = Field(min_length=1)  # the probe set the pages come from (by name)
    pages: dict[str, str]  # page id → sha256 of its text when the answers were written
    queries: list[Query] = Field(default_factory=list)  # queries beyond the probe set's


def apply_edit(text: str, edit: Edit | None) -> str:
    """The answer with the planted change; each passage it names must occur exactly once."""
    if edit is None:
        return text

    def once(passage: str) -> int:
        n = text.count(passage)
        if n != 1:
            raise ValueError(f"{passage!r} occurs {n} times in the answer (must be once)")
        return text.index(passage)

    if edit.replace is not None:
        old, new = edit.replace
        at = once(old)
        return text[:at] + new + text[at + len(old):]
    if edit.drop is not None:
        at = once(edit.drop)
        out = text[:at] + text[at + len(edit.drop):]
        return re.sub(r"[ \t]{2,}", " ", out).replace(" .", ".").strip()
    assert edit.add is not None
    if edit.after is None:
        return f"{text.rstrip()} {edit.add}"
    at = once(edit.after) + len(edit.after)
    return f"{text[:at]} {edit.add}{text[at:]}"


def sentences(text: str) -> list[str]:
    """The sentences of a text (split after . ! ? and their CJK forms)."""
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s.strip()]


def pad(text: str) -> str:
    """The verbosity probe: the answer, then its own sentences again as a list."""
    return text.rstrip() + "\n\nKey points again:\n" + "\n".join(f"- {s}" for s in sentences(text))


@dataclass(frozen=True)
class Case:
    """One loaded case with its final text(s), ready to judge."""

    rubric: str
    spec: CaseBase
    file: str
    line: int | None
    text: str  # the answer judged (pairwise: answer A)
    other: str | None = None  # pairwise: answer B
    base: str | None = None  # the library answer before the edit

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def planted(self) -> Any:
        """The planted verdict in the judge's terms (see judge.calibration.metrics)."""
        s = self.spec
        if isinstance(s, IntentionCase):
            return s.planted
        if isinstance(s, FaithfulnessCase):
            return s.kind == "faithful"
        if isinstance(s, CoverageCase):
            return s.kind == "complete"
        if isinstance(s, StrategyCase):
            return s.label
        if isinstance(s, ReflectionCase):
            return "corrected-reflected" if s.kind == "reflected" else "corrected-not-reflected"
        assert isinstance(s, PairwiseCase)
        return "A" if s.better_first else "B"

    @property
    def stratum(self) -> str:
        """The kind of planted case (slices stay balanced across these)."""
        s = self.spec
        if isinstance(s, PairwiseCase):
            return ("padded" if s.pad else "plain") + ("-A" if s.better_first else "-B")
        if isinstance(s, StrategyCase):
            return "fits" if s.fits else "misfit"
        return str(getattr(s, "kind", "case"))

    @property
    def task_key(self) -> str:
        """A hash of what the judge is shown (changes when the case's text changes)."""
        return content_hash({"case": self.id, "rubric": self.rubric, "page": self.spec.page,
                             "query": self.spec.query, "text": self.text, "other": self.other,
                             "reasoning": getattr(self.spec, "reasoning", None)})


@dataclass
class Suite:
    """The loaded suite: meta, answer library and cases in file order."""

    meta: SuiteMeta
    answers: dict[str, Answer]
    cases: list[Case]
    directory: Path

    def __iter__(self) -> Iterator[Case]:
        return iter(self.cases)

    def by_rubric(self, rubric: str) -> list[Case]:
        return [c for c in self.cases if c.rubric == rubric]

    def select(self, rubrics: list[str], limit: int | None) -> list[Case]:
        """The cases of ``rubrics`` (all of the suite's when empty), each rubric's sliced by
        ``slice_cases``; a rubric the suite has no cases for is an error."""
        have = list(dict.fromkeys(c.rubric for c in self.cases))
        missing = [r for r in rubrics if r not in have]
        if missing:
            raise ConfigError(f"the calibration suite has no cases for rubric "
                              f"{', '.join(map(repr, missing))}; it calibrates "
                              f"{', '.join(have)}")
        names = list(dict.fromkeys(rubrics)) or have
        return [c for name in names for c in slice_cases(self.by_rubric(name), limit)]

    def sha256(self) -> str:
        """Hash of every file of the suite (the record says which suite it measured)."""
        files = sorted(self.directory.glob("*.yaml"))
        return sha256_text("".join(f.name + f.read_text(encoding="utf-8") for f in files))

    def query(self, probes: ProbeSet, query_id: str) -> Query:
        extra = {q.id: q for q in self.meta.queries}
        return extra.get(query_id) or probes.query_by_id(query_id)

    def check_pages(self, probes: ProbeSet) -> None:
        """Fail unless every page the suite uses has the text its answers were written on."""
        have = {p.id: p for p in probes.pages}
        for page_id, digest in self.meta.pages.items():
            if page_id not in have:
                raise InputError(f"page {page_id!r} of the calibration suite is not in probe "
                                 f"set {probes.name!r}", path=probes.source or None)
            if sha256_text(have[page_id].body) != digest:
                raise InputError(
                    f"page {page_id!r} changed since the calibration suite was written "
                    f"(sha256 differs): its planted verdicts may no longer hold; review the "
                    f"cases on it and update {SUITE_DIR.name}/suite.yaml",
                    path=probes.source or None)
        for case in self.cases:
            s = case.spec
            if isinstance(s, StrategyCase):
                expected = EXPECTED_STRATEGY.get(have[s.page].type)
                if s.fits != (s.label == expected):
                    raise InputError(f"`fits: {str(s.fits).lower()}` is wrong: a "
                                     f"{have[s.page].type} page expects {expected!r}",
                                     path=case.file, line=case.line, item=f"case {s.id!r}")

    def resolve(self, probes: ProbeSet) -> None:
        """Check pages, queries and key points against the probe set."""
        self.check_pages(probes)
        known = {q.id for q in probes.queries} | {q.id for q in self.meta.queries}
        for case in self.cases:
            s = case.spec
            where = {"path": case.file, "line": case.line, "item": f"case {s.id!r}"}
            if s.query not in known:
                raise InputError(f"query {s.query!r} is neither in the probe set nor in "
                                 "suite.yaml `queries`", **where)
            dropped = getattr(s, "dropped", None)
            if dropped is not None:
                roles = {k.id: k.role for k in probes.page(s.page).key_points}
                if roles.get(dropped) != "core":
                    raise InputError(f"dropped key point {dropped!r} is not a core key point "
                                     f"of page {s.page!r}", **where)


def _located(err: Exception, shown: str, lines: dict[Loc, int], loc: Loc, item: str | None
             ) -> InputError:
    if isinstance(err, ValidationError):
        e = err.errors()[0]
        field = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function"))
        full = (*loc, *e["loc"])
        msg = f"{field}: {e['msg']}" if field else e["msg"]
        return InputError(msg, path=shown, line=line_of(lines, full), item=item)
    return InputError(str(err), path=shown, line=line_of(lines, loc), item=item)


def _items(path: Path, key: str) -> tuple[list[tuple[Loc, Any]], dict[Loc, int], str]:
    data, lines = load_yaml_with_lines(path, str(path))
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise InputError(f"top level must be a mapping with a `{key}` list", path=str(path),
                         line=1)
    return [((key, i), item) for i, item in enumerate(data[key])], lines, str(path)


def _model(cls: type[BaseModel], raw: Any, shown: str, lines: dict[Loc, int], loc: Loc) -> Any:
    item = f"{loc[0][:-1]} {raw.get('id')!r}" if isinstance(raw, dict) and raw.get("id") else None
    try:
        return cls.model_validate(raw)
    except (ValidationError, ValueError) as exc:
        raise _located(exc, shown, lines, loc, item) from None


def _text_of(spec: CaseBase, answers: dict[str, Answer], meta: SuiteMeta) -> tuple[str, str | None, str | None]:
    """(text A, text B, base) of a case; raises ValueError naming what is wrong."""
    def ref(answer_id: str) -> Answer:
        a = answers.get(answer_id)
        if a is None:
            raise ValueError(f"answer {answer_id!r} is not in answers.yaml")
        if a.page != spec.page:
            raise ValueError(f"answer {answer_id!r} is about page {a.page!r}, not {spec.page!r}")
        return a

    if spec.page not in meta.pages:
        raise ValueError(f"page {spec.page!r} is not listed in suite.yaml `pages`")
    if isinstance(spec, PairwiseCase):
        better, worse = ref(spec.better).text, ref(spec.worse).text
        worse = pad(worse) if spec.pad else worse
        a, b = (better, worse) if spec.better_first else (worse, better)
        return a, b, None
    assert isinstance(spec, AnswerCase)
    if spec.text is not None:
        return spec.text, None, None
    base = ref(str(spec.answer)).text
    return apply_edit(base, spec.edit), None, base


def load_suite(directory: Path = SUITE_DIR) -> Suite:
    """Load and check the suite; every error names the file, line and case."""
    shown = str(directory / "suite.yaml")
    data, lines = load_yaml_with_lines(directory / "suite.yaml", shown)
    meta: SuiteMeta = _model(SuiteMeta, data, shown, lines, ())
    raw_answers, a_lines, a_shown = _items(directory / "answers.yaml", "answers")
    answers: dict[str, Answer] = {}
    for loc, raw in raw_answers:
        answer = _model(Answer, raw, a_shown, a_lines, loc)
        if answer.id in answers:
            raise InputError(f"answer id {answer.id!r} is used twice", path=a_shown,
                             line=line_of(a_lines, loc))
        answers[answer.id] = answer
    cases: list[Case] = []
    seen: set[str] = set()
    for rubric in RUBRIC_FILES:
        items, c_lines, c_shown = _items(directory / f"{rubric}.yaml", "cases")
        for loc, raw in items:
            spec = _model(CASE_MODELS[rubric], raw, c_shown, c_lines, loc)
            where = {"path": c_shown, "line": line_of(c_lines, loc), "item": f"case {spec.id!r}"}
            if spec.id in seen:
                raise InputError("case id is used twice", **where)
            seen.add(spec.id)
            try:
                text, other, base = _text_of(spec, answers, meta)
            except ValueError as exc:
                raise InputError(str(exc), **where) from None
            cases.append(Case(rubric, spec, c_shown, where["line"], text, other, base))
    return Suite(meta, answers, cases, directory)


def slice_cases(cases: list[Case], limit: int | None) -> list[Case]:
    """The first ``limit`` cases, taken round-robin over the planted kinds (strata) in file
    order, each pick from the page picked least so far (ties: file order), so a slice keeps
    the suite's balance of kinds and spreads over its pages; all cases when ``limit`` is
    None."""
    if limit is None or limit >= len(cases):
        return list(cases)
    strata: dict[str, list[Case]] = {}
    for c in cases:
        strata.setdefault(c.stratum, []).append(c)
    used: Counter[str] = Counter()
    out: list[Case] = []
    queues = list(strata.values())
    while len(out) < limit:
        for q in queues:
            if q and len(out) < limit:
                pick = min(range(len(q)), key=lambda i: (used[q[i].spec.page], i))
                used[q[pick].spec.page] += 1
                out.append(q.pop(pick))
    return sorted(out, key=cases.index)


def words(text: str) -> int:
    """Word count (the length the verbosity checks compare)."""
    return word_count(text)
