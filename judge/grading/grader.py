"""The grader: one judge model asking one rubric about one subject, with two retry loops.

Transport: ``judge.runner.call_with_retries`` (429/5xx/timeouts; its own budget). Output
validity: the request carries the verdict's JSON schema (vendor structured-output mode
where the provider has one); whatever comes back is parsed (judge.grading.parse),
validated against the verdict model and the subject, and on failure the judge is re-asked
with the validation error — at most ``tries`` replies in all. A reply that never becomes
a valid verdict is recorded as ``unparseable`` with the reason, never given a score; a
failed call is recorded as ``error``. Neither stops the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from judge.cache import ResponseCache, cache_key
from judge.errors import JudgeError
from judge.grading.parse import candidates
from judge.grading.rubrics import Rubric, judgment_hash
from judge.grading.subject import Subject
from judge.providers.base import Message, Provider, Request, Response
from judge.providers.registry import parse_spec
from judge.records import JudgmentRecord, Usage, judgment_id
from judge.runner import call_with_retries
from judge.templates import Templates

TRUNCATED = ("length", "max_tokens")  # finish reasons of a reply cut off by the token limit


class GraderSettings(BaseModel):
    """How judges are called (recorded in the manifest)."""

    model_config = ConfigDict(extra="forbid")
    tries: int = Field(default=3, ge=1, le=10)  # judge replies per verdict (1 + re-asks)
    attempts: int = Field(default=6, ge=1)  # transport attempts per call
    max_tokens: int = Field(default=1024, ge=16)
    temperature: float | None = None  # None: the provider's default
    seed: int = 0  # judge sample k uses seed + k
    max_backoff: float = 60.0
    use_cache: bool = True


@dataclass
class Outcome:
    """The result of asking for one verdict (after re-asks)."""

    verdict: BaseModel | None = None
    raw: str = ""
    attempts: int = 0
    parse_status: str = "none"  # json | fenced | embedded | none | invalid | error
    reason: str | None = None
    error: bool = False  # a transport failure, not a bad reply
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0


def describe(exc: ValidationError) -> str:
    """A compact, judge-readable summary of a pydantic validation error."""
    parts = []
    for err in exc.errors()[:6]:
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def validate(reply: str, rubric: Rubric, subject: Subject) -> tuple[BaseModel | None, str, str | None]:
    """(verdict, how it was found, error) for a raw reply; the first valid candidate wins."""
    found = candidates(reply)
    if not found:
        return None, "none", "no JSON object found in the reply"
    errors: list[str] = []
    for cand in found:
        try:
            verdict = rubric.verdict.model_validate(cand.obj)
            rubric.check(verdict, subject)
            return verdict, cand.how, None
        except ValidationError as exc:
            errors.append(describe(exc))
        except ValueError as exc:
            errors.append(str(exc))
    return None, "invalid", errors[0]


def reask_message(error: str, schema: dict[str, Any]) -> Message:
    """The user turn that asks the judge to fix its reply."""
    return Message(role="user", content=(
        f"Your reply could not be used as a verdict: {error}. Reply again with only one JSON "
        f"object that matches this JSON schema, and nothing else: "
        f"{orjson.dumps(schema).decode()}"))


class Grader:
    """Asks one judge model for verdicts."""

    def __init__(self, provider: Provider, templates: Templates, settings: GraderSettings,
                 run_id: str, cache: ResponseCache | None = None) -> None:
        self.provider, self.templates, self.settings = provider, templates, settings
        self.spec, self.run_id, self.cache = provider.spec, run_id, cache
        self._parsed_spec = parse_spec(provider.spec)

    async def _call(self, request: Request, judge_sample: int) -> Response:
        key = cache_key(self._parsed_spec, request, judge_sample) if self.cache else ""
        cached = self.cache.get(key) if self.cache else None
        if cached is not None:
            return cached
        response, _ = await call_with_retries(self.provider, request, self.settings.attempts,
                                              self.settings.max_backoff)
        if self.cache:
            self.cache.put(key, response)
        return response

    async def ask(self, rubric: Rubric, subject: Subject, judge_sample: int) -> Outcome:
        """Render, call, parse, validate; re-ask with the error until ``tries`` run out."""
        messages = rubric.messages(self.templates, subject)
        schema = rubric.schema(subject)
        seed = self.settings.seed + judge_sample
        out = Outcome()
        start = time.perf_counter()
        for attempt in range(1, self.settings.tries + 1):
            request = Request(messages=messages, max_tokens=self.settings.max_tokens,
                              temperature=self.settings.temperature, seed=seed,
                              response_schema=schema, schema_name=f"{rubric.name}_verdict")
            try:
                response = await self._call(request, judge_sample)
            except JudgeError as exc:  # transport (after retries) or setup
                out.error, out.reason, out.parse_status = True, str(exc), "error"
                break
            out.attempts, out.raw = attempt, response.text
            out.usage = out.usage.add(response.usage)
            verdict, out.parse_status, error = validate(response.text, rubric, subject)
            if verdict is not None:
                out.verdict, out.reason = verdict, None
                break
            if response.finish_reason in TRUNCATED:
                error = (f"the reply was cut off at the {self.settings.max_tokens}-token limit "
                         f"before its JSON was complete; give a shorter verdict (fewer, "
                         f"shorter items)")
            out.reason = f"{error} (after {attempt} repl{'y' if attempt == 1 else 'ies'})"
            messages = [*messages, Message(role="assistant", content=response.text or "(empty)"),
                        reask_message(error or "invalid", schema)]
        out.latency_s = time.perf_counter() - start
        return out

    def record(self, rubric: Rubric, subject: Subject, judge_sample: int,
               out: Outcome) -> JudgmentRecord:
        """A JudgmentRecord from an outcome (``ok`` only with a valid verdict)."""
        r = subject.response
        other = subject.other.id if subject.other else None
        fields: dict[str, Any] = {"parse_status": out.parse_status}
        if out.verdict is not None:
            head = rubric.headline(out.verdict, subject)
            verdict = {**out.verdict.model_dump(mode="json"), **(head.extra or {})}
            fields |= {"status": "ok", "verdict": verdict, "score": head.score,
                      "label": head.label, "passed": head.passed,
                      "rationale": getattr(out.verdict, "rationale", "")}
        else:
            fields |= {"status": "error" if out.error else "unparseable", "reason": out.reason}
        return JudgmentRecord(
            id=judgment_id(r.id, self.spec, rubric.name, judge_sample, subject.against_query_id,
                           other),
            run_id=self.run_id, response_id=r.id, task_id=r.task_id, model=r.model,
            sample=r.sample, judge=self.spec, rubric=rubric.name,
            template_hash=judgment_hash(self.templates, rubric, subject), judge_sample=judge_sample,
            against_query_id=subject.against_query_id, other_response_id=other,
            raw=out.raw, attempts=out.attempts, usage=out.usage,
            latency_s=round(out.latency_s, 3), **fields)

    async def judge(self, rubric: Rubric, subject: Subject, judge_sample: int) -> JudgmentRecord:
        """One verdict as a record (pairwise goes through judge.grading.pairwise)."""
        return self.record(rubric, subject, judge_sample,
                           await self.ask(rubric, subject, judge_sample))
