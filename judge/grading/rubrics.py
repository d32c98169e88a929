"""Rubrics: a judge template, a verdict model, when it applies, and its headline numbers.

Each rubric renders ``prompts/judges/<name>.j2`` with fenced data (see judge.grading.fence),
asks for its verdict model as JSON, checks the verdict against the subject (e.g. every
key point judged once) and turns it into the JudgmentRecord's ``score`` / ``label`` /
``passed``. Scores that can be computed (coverage credit, share of supported claims) are
computed from the judge's per-item decisions, never asked for.
"""

from __future__ import annotations

import copy
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from judge.errors import ConfigError
from judge.grading.fence import fence
from judge.grading.subject import Subject
from judge.grading.verdicts import (
    CoverageVerdict,
    FaithfulnessVerdict,
    IntentionVerdict,
    PairwiseVerdict,
    ReflectionVerdict,
    RepairVerdict,
    StrategyVerdict,
    json_schema,
)
from judge.providers.base import Message
from judge.templates import Templates

COMMON_TEMPLATE = "judges/_common.j2"
COVERAGE_WEIGHTS = {"core": 2.0, "supporting": 1.0, "background": 0.5}
COVERAGE_CREDIT = {"covered": 1.0, "partial": 0.5, "missing": 0.0}
ValueKind = Literal["ordinal", "interval", "nominal"]


@dataclass(frozen=True)
class Headline:
    """The numbers a verdict becomes, plus computed fields added to the stored verdict."""

    score: float | None = None
    label: str | None = None
    passed: bool | None = None
    extra: dict[str, Any] | None = None


def coverage_score(statuses: Mapping[str, str], roles: Mapping[str, str]) -> float:
    """Partial-credit coverage: Σ weight(role)·credit(status) / Σ weight(role)."""
    total = sum(COVERAGE_WEIGHTS[roles[k]] for k in roles)
    got = sum(COVERAGE_WEIGHTS[roles[k]] * COVERAGE_CREDIT[statuses.get(k, "missing")]
              for k in roles)
    return round(got / total, 4) if total else 0.0


class Rubric(ABC):
    """Base rubric; subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    verdict: ClassVar[type[BaseModel]]
    kind: ClassVar[ValueKind]  # level of measurement of the headline value (agreement)
    value: ClassVar[Literal["score", "label"]] = "score"

    @property
    def template(self) -> str:
        return f"judges/{self.name}.j2"

    def applies(self, s: Subject) -> bool:
        return True

    def schema(self, s: Subject) -> dict[str, Any]:
        return json_schema(self.verdict)

    def check(self, v: Any, s: Subject) -> None:
        """Raise ValueError when the verdict does not fit the subject."""

    @abstractmethod
    def headline(self, v: Any, s: Subject) -> Headline:
        """The record's score / label / passed from a valid verdict."""

    def variables(self, s: Subject) -> dict[str, Any]:
        pages = [{"id": p.id, "type": p.type, "title": p.title, "text": fence("PAGE", p.body)}
                 for p in s.pages]
        return {"query": {"id": s.query_id, "intent": s.intent, "text": s.query_text},
                "pages": pages, "page": pages[0], "is_combo": s.is_combo,
                "answer": fence("ANSWER", s.response.text),
                "key_points": [vars(k) for k in s.key_points]}

    def messages(self, templates: Templates, s: Subject) -> list[Message]:
        return templates.render(self.template, self.variables(s))


class Intention(Rubric):
    name, verdict, kind = "intention", IntentionVerdict, "ordinal"

    def headline(self, v: IntentionVerdict, s: Subject) -> Headline:
        return Headline(score=float(v.score), passed=v.score >= 4)


class Strategy(Rubric):
    name, verdict, kind, value = "strategy", StrategyVerdict, "nominal", "label"

    def applies(self, s: Subject) -> bool:
        return not s.is_combo

    def headline(self, v: StrategyVerdict, s: Subject) -> Headline:
        expected = s.expected_strategy
        match = None if expected is None else v.label == expected
        return Headline(label=v.label, passed=match,
                        extra={"expected_label": expected, "match": match,
                               "page_type": s.page_type})


class Coverage(Rubric):
    name, verdict, kind = "coverage", CoverageVerdict, "interval"

    def applies(self, s: Subject) -> bool:
        return bool(s.key_points)

    def schema(self, s: Subject) -> dict[str, Any]:
        schema = copy.deepcopy(json_schema(CoverageVerdict))
        points = schema["properties"]["points"]
        points["items"]["properties"]["id"]["enum"] = [k.id for k in s.key_points]
        points["minItems"] = points["maxItems"] = len(s.key_points)
        return schema

    def check(self, v: CoverageVerdict, s: Subject) -> None:
        want = [k.id for k in s.key_points]
        got = [p.id for p in v.points]
        missing = [k for k in want if k not in got]
        unknown = sorted({g for g in got if g not in want})
        dupes = sorted({g for g in got if got.count(g) > 1})
        problems = ([f"missing key points {missing}"] if missing else []) + \
            ([f"unknown key point ids {unknown}"] if unknown else []) + \
            ([f"key points judged twice {dupes}"] if dupes else [])
        if problems:
            raise ValueError("; ".join(problems) + f" — judge each of {want} exactly once")

    def headline(self, v: CoverageVerdict, s: Subject) -> Headline:
        statuses = {p.id: p.status for p in v.points}
        roles = {k.id: k.role for k in s.key_points}
        core = [k for k, r in roles.items() if r == "core"]
        all_core = all(statuses[k] == "covered" for k in core)
        return Headline(score=coverage_score(statuses, roles), passed=all_core,
                        extra={"all_core": all_core, "roles": roles,
                               "weights": COVERAGE_WEIGHTS})


class Faithfulness(Rubric):
    name, verdict, kind = "faithfulness", FaithfulnessVerdict, "interval"

    def headline(self, v: FaithfulnessVerdict, s: Subject) -> Headline:
        """Share of supported claims; an answer with no claims is judged but unscored
        (nothing was checked, so it is neither faithful nor unfaithful)."""
        bad = [c.claim for c in v.claims if c.status != "supported"]
        n = len(v.claims)
        if n == 0:
            return Headline(label="no-claims", extra={"n_claims": 0, "unsupported": []})
        return Headline(score=round((n - len(bad)) / n, 4), passed=not bad,
                        extra={"n_claims": n, "unsupported": bad})


def hints_block(events: list[Any]) -> Any:
    """The trace parser's events as one fenced block (their quotes are the model's text,
    so they are data like the answer), or None when there are none."""
    if not events:
        return None
    return fence("HINTS", "\n".join(f"- {e.kind}: {e.quote}" for e in events))


class Reflection(Rubric):
    name, verdict, kind, value = "reflection", ReflectionVerdict, "nominal", "label"

    def applies(self, s: Subject) -> bool:
        return bool(s.reasoning.strip()) or bool(s.events)

    def variables(self, s: Subject) -> dict[str, Any]:
        out = super().variables(s)
        out["reasoning"] = fence("REASONING", s.reasoning) if s.reasoning.strip() else None
        out["hints"] = hints_block(s.events)
        return out

    def check(self, v: ReflectionVerdict, s: Subject) -> None:
        if v.correction and v.reflected == "not_applicable":
            raise ValueError("correction is true, so `reflected` must be yes or no")

    def headline(self, v: ReflectionVerdict, s: Subject) -> Headline:
        if v.correction:
            ok = v.reflected == "yes"
            label = "corrected-reflected" if ok else "corrected-not-reflected"
            return Headline(score=float(ok), label=label, passed=ok)
        label = "self-check-only" if v.self_check else "no-self-check"
        return Headline(label=label, extra={"reflected": "not_applicable"})


REPAIR_LABELS = {"no": "error-free", "yes": "carries-error", "unclear": "unclear"}


class Repair(Rubric):
    """Planted-error probes whose repair has no deterministic check: does the final
    answer still carry the planted error? On a control (no error shown) the same
    question measures how often an answer carries it anyway."""

    name, verdict, kind, value = "repair", RepairVerdict, "nominal", "label"

    def applies(self, s: Subject) -> bool:
        return s.plant is not None and s.plant.judged and not s.is_combo

    def variables(self, s: Subject) -> dict[str, Any]:
        out = super().variables(s)
        assert s.plant is not None
        plant = s.plant.plant
        out["plant"] = {"planted": s.plant.planted, "kind": plant.kind,
                        "error": plant.error_type, "true_side": plant.true_side,
                        "erroneous": fence("ERROR", plant.erroneous or ""),
                        "correct": fence("CORRECT", plant.correct or "")}
        return out

    def headline(self, v: RepairVerdict, s: Subject) -> Headline:
        free = None if v.carries_error == "unclear" else v.carries_error == "no"
        return Headline(score=None if free is None else float(free),
                        label=REPAIR_LABELS[v.carries_error], passed=free)


class Pairwise(Rubric):
    name, verdict, kind, value = "pairwise", PairwiseVerdict, "nominal", "label"

    def applies(self, s: Subject) -> bool:
        return s.other is not None

    def variables(self, s: Subject) -> dict[str, Any]:
        out = super().variables(s)
        assert s.other is not None
        out["a"], out["b"] = fence("ANSWER_A", s.response.text), fence("ANSWER_B", s.other.text)
        return out

    def headline(self, v: PairwiseVerdict, s: Subject) -> Headline:
        return Headline(label=v.winner)


RUBRICS: dict[str, Rubric] = {r.name: r for r in (Intention(), Strategy(), Coverage(),
                                                   Faithfulness(), Reflection(), Repair(),
                                                   Pairwise())}


def get_rubrics(names: list[str] | None) -> list[Rubric]:
    """Rubrics by name (None or empty: all); unknown names are a ConfigError."""
    if not names:
        return list(RUBRICS.values())
    unknown = [n for n in names if n not in RUBRICS]
    if unknown:
        raise ConfigError(f"unknown rubric {unknown[0]!r} (known: {', '.join(RUBRICS)})")
    return [RUBRICS[n] for n in dict.fromkeys(names)]


def template_hash(templates: Templates, rubric: Rubric) -> str:
    """sha256 over the rubric's template and the shared judge macros it imports."""
    parts = [templates.sha256(rubric.template), templates.sha256(COMMON_TEMPLATE)]
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def judgment_hash(templates: Templates, rubric: Rubric, subject: Subject) -> str:
    """The template hash a judgment records: a coverage verdict over draft key points
    (``--use-drafts``) is another judgment than one over the confirmed points alone, so a
    rejudge with drafts is not skipped as done."""
    base = template_hash(templates, rubric)
    if rubric.name == "coverage" and any(k.draft for k in subject.key_points):
        return hashlib.sha256(f"{base}+drafts".encode()).hexdigest()
    return base
