"""The model-graded trace tier: a judge model labels candidate sentences of a trace.

Candidates (judge.traces.segment.sentences) are, by default, the sentences with a detector
event, a hesitation opener or a question (``every=True``: all sentences). They go to any
model spec ``BATCH`` at a time, numbered, with the sentences before them as context, via
prompts/traces/classify.j2 (the trace is fenced data, never compiled). Calls go through the
existing structured-verdict path (judge.grading.grader.Grader): schema mode where the vendor
has one, else parse + validate + re-ask (bounded); cache, rate limiter and prices as for
any judge. A batch that never yields a valid verdict is ``unparseable``: its sentences get
no graded label and keep the detector's events. Graded labels replace the detector's events
on the sentences graded; graded events carry ``why`` = the model's reason and
``pattern`` = ``classifier:<spec>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from judge.cache import ResponseCache
from judge.errors import AuthError, ConfigError
from judge.grading.fence import fence
from judge.grading.grader import Grader, GraderSettings
from judge.grading.rubrics import Headline, Rubric
from judge.grading.verdicts import json_schema
from judge.pricing import PriceTable, load_prices
from judge.providers.base import Message, Provider, Request, Response
from judge.providers.registry import build_provider, parse_spec
from judge.ratelimit import Limiters
from judge.runner import ModelLimits, limit_key, model_limits, provider_spec
from judge.templates import Templates
from judge.traces.models import Event, TraceResult
from judge.traces.parser import follow_corrections, build_episodes
from judge.traces.segment import sentences

TEMPLATE = "traces/classify.j2"
BATCH = 8  # sentences per call
CONTEXT = 4  # sentences before a batch shown as context
Kind = Literal["self_check", "correction", "pivot", "none"]
_CUE = re.compile(r"^\W*(?:wait|hmm+|hold on|actually|but|no\b|oh|let me|let's|on second|"
                  r"hang on|alternatively|maybe|perhaps|double[- ]check|okay|ok\b|so\b|"
                  r"等等|不对|嗯|其实|让我|或者|不过|但是)", re.I)
_QUESTION = re.compile(r"[?？]\s*\W*$")


class SentenceLabel(BaseModel):
    """One sentence's label: the id it was given, its kind and a short reason."""

    model_config = ConfigDict(extra="ignore")
    id: int
    reason: str = Field(default="", json_schema_extra={"maxLength": 200})
    kind: Kind


class ClassifierVerdict(BaseModel):
    """The classifier's reply for one batch."""

    model_config = ConfigDict(extra="ignore")
    sentences: list[SentenceLabel]


@dataclass(frozen=True)
class Batch:
    """Sentences sent in one call: ids (sentence indices), their spans, the trace text."""

    text: str
    spans: list[tuple[int, int]]  # every sentence of the trace
    ids: list[int]


class ClassifyRubric(Rubric):
    """The classifier as a rubric of the grader (subject: a Batch)."""

    name, verdict, kind, value = "trace_classifier", ClassifierVerdict, "nominal", "label"

    @property
    def template(self) -> str:
        return TEMPLATE

    def schema(self, s: Any) -> dict[str, Any]:
        schema = json_schema(ClassifierVerdict)
        items = schema["properties"]["sentences"]
        items["minItems"] = items["maxItems"] = len(s.ids)
        return schema

    def check(self, v: ClassifierVerdict, s: Any) -> None:
        got = [x.id for x in v.sentences]
        missing = [i for i in s.ids if i not in got]
        unknown = sorted({g for g in got if g not in s.ids})
        if missing or unknown or len(got) != len(set(got)):
            raise ValueError(f"label each sentence id exactly once: ids {s.ids}; "
                             f"missing {missing}, unknown {unknown}")

    def headline(self, v: Any, s: Any) -> Headline:
        return Headline()

    def messages(self, templates: Templates, s: Any) -> list[Message]:
        b: Batch = s
        first = b.ids[0]
        ctx = [f"[{i}] {b.text[st:en]}" for i, (st, en) in
               enumerate(b.spans[max(0, first - CONTEXT):first], start=max(0, first - CONTEXT))]
        items = [{"id": i, "text": fence("SENTENCE", b.text[slice(*b.spans[i])])} for i in b.ids]
        return templates.render(TEMPLATE, {"context": fence("CONTEXT", "\n".join(ctx))
                                           if ctx else None, "items": items})


def candidates(text: str, result: TraceResult, spans: list[tuple[int, int]],
               every: bool = False) -> list[int]:
    """Indices of the sentences to grade (see the module docstring); only sentences inside
    the parsed segments (the ``<think>`` blocks of a think-tag trace)."""
    out = []
    for i, (s, e) in enumerate(spans):
        if not any(a <= s and e <= b for a, b in result.segments):
            continue
        piece = text[s:e]
        if every:
            out.append(i)
            continue
        if (any(s <= ev.start < e for ev in result.events) or _CUE.match(piece)
                or _QUESTION.search(piece)):
            out.append(i)
    return out


@dataclass
class GradedStats:
    """What a classifier pass did: calls, unparseable batches, sentences, cost."""

    calls: int = 0  # replies that were calls (not cache hits)
    cached: int = 0
    batches: int = 0
    unparseable: int = 0
    errors: int = 0
    graded: int = 0  # sentences with a graded label
    ungraded: int = 0  # sentences whose batch failed (detector events kept)
    cost_usd: float = 0.0
    priced: bool = False
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "cached": self.cached, "batches": self.batches,
                "unparseable": self.unparseable, "errors": self.errors,
                "graded": self.graded, "ungraded": self.ungraded,
                "cost_usd": round(self.cost_usd, 8) if self.priced else None}


class _Watched:
    """A provider whose 401 is remembered (the grader records call failures as errors;
    a wrong key must instead stop the pass with an error naming the spec)."""

    def __init__(self, inner: Provider) -> None:
        self.inner, self.spec = inner, inner.spec
        self.auth: AuthError | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def generate(self, request: Request) -> Response:
        try:
            return await self.inner.generate(request)
        except AuthError as exc:
            self.auth = exc
            raise

    def stream(self, request: Request) -> Any:
        return self.inner.stream(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class Classifier:
    """A judge model grading trace sentences; one instance per model spec."""

    def __init__(self, spec: str, *, every: bool = False, batch: int = BATCH,
                 settings: GraderSettings | None = None, use_cache: bool = True,
                 provider: Provider | None = None, prices: PriceTable | None = None,
                 limiters: Limiters | None = None, templates: Templates | None = None) -> None:
        parsed = parse_spec(spec)
        limits = model_limits(parsed, ModelLimits(concurrency=1, rpm=None, tpm=None, attempts=6))
        self.spec, self.every, self.batch = spec, every, batch
        self.provider = _Watched(provider or build_provider(provider_spec(parsed)))
        self.cache = ResponseCache() if use_cache and getattr(self.provider, "cacheable", True) \
            else None
        limiter = (limiters or Limiters()).get(limit_key(parsed), limits.rpm, limits.tpm)
        base = settings or GraderSettings()
        self.grader = Grader(self.provider,  # type: ignore[arg-type]
                             templates or Templates(),
                             base.model_copy(update={"attempts": limits.attempts}), "traces",
                             self.cache, limiter=limiter, prices=prices or load_prices())
        self.rubric = ClassifyRubric()
        self.stats = GradedStats()

    async def aclose(self) -> None:
        """Release the provider and the cache."""
        await self.provider.aclose()
        if self.cache:
            self.cache.close()

    async def grade(self, text: str, result: TraceResult,
                    answer: str | None = None) -> dict[str, Any]:
        """Grade one trace in place: ``result.events`` / ``episodes`` get the graded labels.
        Returns the record's ``classifier`` block (spec, graded / unparseable sentences)."""
        spans = sentences(text)
        ids = candidates(text, result, spans, self.every)
        labels: dict[int, SentenceLabel] = {}
        failed: list[int] = []
        errored: list[int] = []
        reasons: list[str] = []
        for k in range(0, len(ids), self.batch):
            b = Batch(text, spans, ids[k:k + self.batch])
            out = await self.grader.ask(self.rubric, b, 0)  # type: ignore[arg-type]
            if self.provider.auth is not None:
                raise ConfigError(f"classifier {self.spec}: the vendor refused the API key "
                                  f"(401); check the key in the environment") from None
            self.stats.batches += 1
            self.stats.calls += out.sent
            self.stats.cached += out.attempts - out.sent if not out.error else 0
            if out.cost_usd is not None:
                self.stats.priced = True
                self.stats.cost_usd += out.cost_usd if out.sent else 0.0
            if out.verdict is None:
                self.stats.errors += out.error
                self.stats.unparseable += not out.error
                (errored if out.error else failed).extend(b.ids)
                reasons.append(out.reason or "unparseable")
                continue
            for lab in out.verdict.sentences:  # type: ignore[attr-defined]
                labels[lab.id] = lab
        self.stats.graded += len(labels)
        self.stats.ungraded += len(failed) + len(errored)
        self.stats.reasons.extend(reasons)
        result.events = merge(text, result.events, spans, labels, self.spec, result.lang)
        result.episodes = build_episodes(text, result.events)
        result.corrections = follow_corrections(text, answer, result.events, result.episodes,
                                     result.segments)
        vals = [c.value for c in result.corrections if c.value is not None]
        result.follow_through = vals[-1] if vals else None
        return {"spec": self.spec, "candidates": len(ids), "graded": sorted(labels),
                "unparseable": failed, "errors": errored, "reasons": reasons,
                "note": ("sentences in 'unparseable' / 'errors' keep the detector's events "
                         "(no graded label)") if failed or errored else ""}


def merge(text: str, events: list[Event], spans: list[tuple[int, int]],
          labels: dict[int, SentenceLabel], spec: str, lang: str) -> list[Event]:
    """Detector events outside graded sentences, plus one event per graded non-none label."""
    graded = [spans[i] for i in labels]
    kept = [ev for ev in events if not any(s <= ev.start < e for s, e in graded)]
    new = [Event(lab.kind, spans[i][0], spans[i][1], text[spans[i][0]:spans[i][1]],
                 f"classifier:{spec}", lang, lab.reason)
           for i, lab in labels.items() if lab.kind != "none"]
    return sorted(kept + new, key=lambda ev: (ev.start, ev.end))


def trace_text(text: str, reasoning: str | None) -> str:
    """The text a response's trace result has offsets into (judge.traces.analyze_response)."""
    return reasoning if reasoning and reasoning.strip() else text or ""


async def write_graded_run_traces(run_dir: Any, clf: Classifier, *, lang: str | None = None,
                                  on_record: Any = None) -> Any:
    """A run's traces.jsonl with the classifier's labels (atomic rewrite, streaming); each
    record carries a ``classifier`` block (spec, graded and unparseable sentences)."""
    from pathlib import Path

    from judge.traces.parser import analyze_response, outside, think_segments
    from judge.traces.runs import TRACES, record_for, rewriting_traces

    with rewriting_traces(run_dir, on_record) as (responses, write):
        for resp in responses:
            result = analyze_response(resp.text, resp.reasoning.text, resp.reasoning.source,
                                      lang=lang)
            text = trace_text(resp.text, resp.reasoning.text)
            answer = (outside(resp.text, think_segments(resp.text)) or resp.text) \
                if result.parsed != "answer" else None
            block = await clf.grade(text, result, answer)
            write({**record_for(resp, result), "classifier": block})
    return Path(run_dir) / TRACES
