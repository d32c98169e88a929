"""The shared call path: scheduling, retries, cache, store writes, progress.

Per model, a fixed pool of workers pulls (task, sample) items lazily, so memory does not
grow with the number of tasks. Retries are tenacity's: a provider's error carries a
RetryDecision (retry? after how long? stop the whole model?). Each finished item is
appended to responses.jsonl or errors.jsonl at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict
from tenacity import (AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt,
                      wait_exponential_jitter)

from judge.cache import ResponseCache, cache_key
from judge.errors import JudgeError, ProviderError
from judge.probeset import ProbeSet, Task
from judge.providers.base import Provider, Request, Response
from judge.providers.registry import ModelSpec, build_provider, parse_spec
from judge.records import ErrorRecord, ResponseRecord, content_hash, response_id
from judge.render import task_messages
from judge.store import ERRORS, RESPONSES, JsonlWriter, RunStore
from judge.templates import Templates

Observer = Callable[[ResponseRecord], Awaitable[None] | None]


class RunSettings(BaseModel):
    """Settings of a run that are recorded in its manifest (and reused by --resume)."""

    model_config = ConfigDict(extra="forbid")
    samples: int = 1
    limit: int | None = None
    seed: int | None = 0
    temperature: float | None = None
    max_tokens: int = 1024
    concurrency: int = 8
    attempts: int = 6
    max_backoff: float = 60.0
    use_cache: bool = True


@dataclass
class ModelTally:
    """Per-model counters for the summary table."""

    items: int = 0
    ok: int = 0
    failed: int = 0
    cached: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0
    stopped: str | None = None


@dataclass
class RunResult:
    """What a run did, per model."""

    run_id: str
    tallies: dict[str, ModelTally] = field(default_factory=dict)
    wall_s: float = 0.0
    skipped_done: int = 0

    @property
    def failed(self) -> int:
        return sum(t.failed for t in self.tallies.values())


def _wait_for(max_backoff: float) -> Callable[[RetryCallState], float]:
    backoff = wait_exponential_jitter(initial=1, max=max_backoff, jitter=1)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = getattr(getattr(exc, "decision", None), "retry_after", None)
        if after is not None:
            return min(float(after), max_backoff)
        return backoff(state)

    return wait


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError) and exc.decision.retry


async def call_with_retries(provider: Provider, request: Request, attempts: int,
                            max_backoff: float = 60.0) -> tuple[Response, int]:
    """Call ``provider.generate`` with transport retries; returns (response, attempts used)."""
    retrying = AsyncRetrying(stop=stop_after_attempt(attempts), wait=_wait_for(max_backoff),
                             retry=retry_if_exception(_retryable), reraise=True)
    try:
        async for attempt in retrying:
            with attempt:
                response = await provider.generate(request)
    except ProviderError as exc:
        exc.attempts = retrying.statistics.get("attempt_number", 1)
        raise
    return response, retrying.statistics.get("attempt_number", 1)


def iter_items(tasks: list[Task], samples: int, done: set[tuple[str, str, int]],
               model: str) -> Iterator[tuple[Task, int]]:
    """(task, sample) pairs still to do for one model, task-major."""
    for task in tasks:
        for sample in range(samples):
            if (task.id, model, sample) not in done:
                yield task, sample


class Runner:
    """Runs every (task, sample) of a probe set against several models."""

    def __init__(self, store: RunStore, probes: ProbeSet, tasks: list[Task], templates: Templates,
                 models: list[str], settings: RunSettings, observers: list[Observer] | None = None,
                 on_progress: Callable[[str], None] | None = None,
                 providers: dict[str, Provider] | None = None) -> None:
        self.store, self.probes, self.tasks, self.templates = store, probes, tasks, templates
        self.specs: list[ModelSpec] = [parse_spec(m) for m in models]
        self.providers = dict(providers or {})
        self.settings = settings
        self.observers = observers or []
        self.on_progress = on_progress or (lambda _model: None)
        self._messages: dict[str, Any] = {}
        self.result = RunResult(run_id=store.run_id)

    def pending_count(self, done: set[tuple[str, str, int]]) -> int:
        return sum(1 for s in self.specs
                   for _ in iter_items(self.tasks, self.settings.samples, done, s.spec))

    def _request(self, task: Task, sample: int) -> Request:
        messages = self._messages.get(task.id)
        if messages is None:
            messages = self._messages[task.id] = task_messages(self.probes, task, self.templates)
        seed = None if self.settings.seed is None else self.settings.seed + sample
        return Request(messages=messages, max_tokens=self.settings.max_tokens,
                       temperature=self.settings.temperature, seed=seed,
                       meta={"task_id": task.id, "sample": sample, "page_ids": task.page_ids,
                             "query_id": task.query_id, "query_text": task.query_text,
                             "combo_id": task.combo_id})

    async def run(self, done: set[tuple[str, str, int]]) -> RunResult:
        """Run everything not in ``done``; records are written as they complete."""
        start = time.perf_counter()
        cache = ResponseCache() if self.settings.use_cache else None
        responses, errors = self.store.writer(RESPONSES), self.store.writer(ERRORS)
        try:
            await asyncio.gather(*(self._run_model(spec, done, cache, responses, errors)
                                   for spec in self.specs))
        finally:
            responses.close()
            errors.close()
            if cache:
                cache.close()
            self.result.wall_s = time.perf_counter() - start
        return self.result

    async def _run_model(self, spec: ModelSpec, done: set[tuple[str, str, int]],
                         cache: ResponseCache | None, responses: JsonlWriter,
                         errors: JsonlWriter) -> None:
        tally = self.result.tallies.setdefault(spec.spec, ModelTally())
        items = iter_items(self.tasks, self.settings.samples, done, spec.spec)
        try:
            provider = self.providers.get(spec.spec) or build_provider(spec)
        except JudgeError as exc:  # e.g. a missing model: every item fails with the reason
            tally.stopped = str(exc)
            for task, sample in items:
                self._fail(errors, tally, spec.spec, task, sample, exc, 0)
            return
        if not getattr(provider, "cacheable", True):
            cache = None
        limit = getattr(provider, "max_concurrency", None) or self.settings.concurrency
        workers = max(1, min(self.settings.concurrency, limit))
        try:
            await asyncio.gather(*(self._worker(provider, spec, items, cache, responses, errors,
                                                tally) for _ in range(workers)))
        finally:
            await provider.aclose()

    async def _worker(self, provider: Provider, spec: ModelSpec,
                      items: Iterator[tuple[Task, int]], cache: ResponseCache | None,
                      responses: JsonlWriter, errors: JsonlWriter, tally: ModelTally) -> None:
        for task, sample in items:  # a shared iterator: each item goes to one worker
            tally.items += 1
            if tally.stopped:
                self._fail(errors, tally, spec.spec, task, sample,
                           JudgeError(f"skipped: {tally.stopped}"), 0)
                continue
            request = self._request(task, sample)
            key = cache_key(spec, request, sample) if cache else ""
            cached = cache.get(key) if cache else None
            try:
                if cached is not None:
                    response, attempts = cached, 0
                else:
                    response, attempts = await call_with_retries(
                        provider, request, self.settings.attempts, self.settings.max_backoff)
                    if cache:
                        cache.put(key, response)
            except ProviderError as exc:
                if exc.decision.stop_model and not tally.stopped:
                    tally.stopped = f"{spec.spec} stopped after: {exc.detail}"
                self._fail(errors, tally, spec.spec, task, sample, exc, exc.attempts)
                continue
            except JudgeError as exc:
                self._fail(errors, tally, spec.spec, task, sample, exc, 1)
                continue
            record = self._record(spec, task, sample, request, response, cached is not None)
            responses.write(record)
            self._count(tally, record)
            for observer in self.observers:
                out = observer(record)
                if out is not None:
                    await out
            self.on_progress(spec.spec)

    def _record(self, spec: ModelSpec, task: Task, sample: int, request: Request,
                response: Response, cached: bool) -> ResponseRecord:
        return ResponseRecord(
            id=response_id(task.id, spec.spec, sample), run_id=self.store.run_id,
            task_id=task.id, sample=sample, model=spec.spec, task_kind=task.kind,
            page_ids=task.page_ids, query_id=task.query_id, combo_id=task.combo_id,
            prompt_hash=content_hash([m.model_dump() for m in request.messages], length=16),
            text=response.text, reasoning=response.reasoning, usage=response.usage,
            latency_s=response.latency_s, finish_reason=response.finish_reason,
            model_id=response.model_id, cached=cached, raw=response.raw)

    def _count(self, tally: ModelTally, record: ResponseRecord) -> None:
        tally.ok += 1
        tally.cached += record.cached
        tally.input_tokens += record.usage.input_tokens
        tally.output_tokens += record.usage.output_tokens
        tally.reasoning_tokens += record.usage.reasoning_tokens
        tally.cost_usd += record.cost_usd or 0.0

    def _fail(self, errors: JsonlWriter, tally: ModelTally, model: str, task: Task, sample: int,
              exc: JudgeError, attempts: int) -> None:
        errors.write(ErrorRecord(
            run_id=self.store.run_id, task_id=task.id, sample=sample, model=model,
            error_type=type(exc).__name__, message=str(exc),
            status=getattr(exc, "status", None), attempts=attempts))
        tally.failed += 1
        self.on_progress(model)
