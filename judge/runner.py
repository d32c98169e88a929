"""The shared call path: scheduling, retries, cache, store writes, progress.

Per model, a fixed pool of workers pulls (task, sample) items lazily, so memory does not
grow with the number of tasks. Retries are tenacity's: a provider's error carries a
RetryDecision (retry? after how long? stop the whole model?). Each finished item is
appended to responses.jsonl or errors.jsonl at once.

Per model: ``concurrency`` workers, an optional rate limiter (requests/min, tokens/min),
``attempts`` — from the run settings, overridable in the spec (``openai:x?rpm=500``;
these scheduling options are stripped before the provider sees the spec). Every response
is priced (judge.pricing); ``max_cost`` stops taking new items once the run has spent it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from judge.cache import ResponseCache, cache_key
from judge.errors import ConfigError, JudgeError, ProviderError, redact
from judge.pricing import Price, PriceTable, load_prices
from judge.probeset import ProbeSet, Task
from judge.providers.base import Provider, Request, Response
from judge.providers.registry import ModelSpec, build_provider, parse_spec
from judge.ratelimit import RateLimiter, estimate_tokens
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
    backoff_initial: float = 1.0  # first exponential backoff step (no Retry-After given)
    use_cache: bool = True
    rpm: float | None = None  # per-model requests/min (None: unlimited)
    tpm: float | None = None  # per-model tokens/min
    max_cost: float | None = None  # USD: stop taking new items once the run spent this
    prices: str | None = None  # a price file overriding the bundled table


class SchedulingOptions(BaseModel):
    """Spec options the runner reads (``openai:x?concurrency=4&rpm=500``)."""

    model_config = ConfigDict(extra="forbid")
    concurrency: int | None = Field(default=None, ge=1)
    rpm: float | None = Field(default=None, gt=0)
    tpm: float | None = Field(default=None, gt=0)
    attempts: int | None = Field(default=None, ge=1)


SCHEDULING_OPTIONS = frozenset(SchedulingOptions.model_fields)


@dataclass(frozen=True)
class ModelLimits:
    """What one model gets: workers, rate limits, attempts per call."""

    concurrency: int
    rpm: float | None
    tpm: float | None
    attempts: int


def provider_spec(spec: ModelSpec) -> ModelSpec:
    """The spec without the runner's scheduling options (what the provider is built from)."""
    if not SCHEDULING_OPTIONS & spec.options.keys():
        return spec
    return dataclasses.replace(spec, options={k: v for k, v in spec.options.items()
                                              if k not in SCHEDULING_OPTIONS})


def model_limits(spec: ModelSpec, settings: RunSettings) -> ModelLimits:
    """Scheduling limits of one model: spec options over run settings."""
    try:
        opts = SchedulingOptions.model_validate({k: v for k, v in spec.options.items()
                                                 if k in SCHEDULING_OPTIONS})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"model spec {spec.spec!r}: {err['loc'][0]}: {err['msg']}") from None
    return ModelLimits(concurrency=opts.concurrency or settings.concurrency,
                       rpm=opts.rpm or settings.rpm, tpm=opts.tpm or settings.tpm,
                       attempts=opts.attempts or settings.attempts)


def check_settings(models: list[str], settings: RunSettings) -> None:
    """Everything a Runner would reject, checked before a run directory is made or a run is
    reopened: each spec's scheduling options (``?concurrency=0``) and the price file."""
    for model in models:
        model_limits(parse_spec(model), settings)
    load_prices(settings.prices)


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
    cost_usd: float = 0.0  # spent in this run (cache hits are free)
    priced: bool = False  # some response had a known price
    stopped: str | None = None


@dataclass
class RunResult:
    """What a run did, per model."""

    run_id: str
    tallies: dict[str, ModelTally] = field(default_factory=dict)
    wall_s: float = 0.0
    skipped_done: int = 0
    budget_stop: str | None = None  # why new items stopped being scheduled (--max-cost)

    @property
    def cost_usd(self) -> float:
        return sum(t.cost_usd for t in self.tallies.values())

    @property
    def failed(self) -> int:
        return sum(t.failed for t in self.tallies.values())


def _wait_for(max_backoff: float, initial: float = 1.0) -> Callable[[RetryCallState], float]:
    """Retry-After when the provider got one (capped), else capped exponential + jitter."""
    backoff = wait_exponential_jitter(multiplier=initial, max=max_backoff, jitter=initial)

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
                            max_backoff: float = 60.0, *, limiter: RateLimiter | None = None,
                            tokens: int = 0, initial: float = 1.0) -> tuple[Response, int]:
    """Call ``provider.generate`` with transport retries; returns (response, attempts used).

    Each attempt first waits for the model's rate limiter (if any) with ``tokens`` as the
    estimate; the real usage is settled against it afterwards. A 429 with Retry-After pauses
    that limiter, so the model's other workers hold their calls too.
    """
    retrying = AsyncRetrying(stop=stop_after_attempt(attempts),
                             wait=_wait_for(max_backoff, initial),
                             retry=retry_if_exception(_retryable), reraise=True)
    try:
        async for attempt in retrying:
            with attempt:
                if limiter is not None:
                    await limiter.acquire(tokens)
                try:
                    response = await provider.generate(request)
                except ProviderError as exc:  # a rate-limited model holds all its calls
                    after = exc.decision.retry_after
                    if limiter is not None and exc.decision.rate_limited and after:
                        limiter.pause(after)
                    raise
    except ProviderError as exc:
        exc.attempts = retrying.statistics.get("attempt_number", 1)
        raise
    if limiter is not None and tokens:
        limiter.settle(tokens, response.usage.input_tokens + response.usage.output_tokens)
    return response, retrying.statistics.get("attempt_number", 1)


def iter_items(tasks: Iterable[Task], samples: int, done: set[tuple[str, str, int]],
               model: str) -> Iterator[tuple[Task, int]]:
    """(task, sample) pairs still to do for one model, task-major."""
    for task in tasks:
        for sample in range(samples):
            if (task.id, model, sample) not in done:
                yield task, sample


class Runner:
    """Runs every (task, sample) of a probe set against several models."""

    MESSAGE_CACHE = 4096  # rendered tasks kept (items are task-major: a small window is enough)
    # Workers start this far apart (at most RAMP_TOTAL in all): replies to calls sent in one
    # burst come back in one burst, and each one's CPU then waits behind all the others'.
    RAMP_STEP, RAMP_TOTAL = 0.002, 0.25

    def __init__(self, store: RunStore, probes: ProbeSet, tasks: Iterable[Task], templates: Templates,
                 models: list[str], settings: RunSettings, observers: list[Observer] | None = None,
                 on_progress: Callable[[str], None] | None = None,
                 providers: dict[str, Provider] | None = None) -> None:
        self.store, self.probes, self.tasks, self.templates = store, probes, tasks, templates
        self.specs: list[ModelSpec] = [parse_spec(m) for m in models]
        self.limits = {s.spec: model_limits(s, settings) for s in self.specs}
        self.providers = dict(providers or {})
        self.settings = settings
        self.observers = observers or []
        self.on_progress = on_progress or (lambda _model: None)
        self.prices: PriceTable = load_prices(settings.prices)
        self.spent_before = 0.0  # cost of earlier sessions of this run (set on --resume)
        self._prices: dict[tuple[str, str | None], Price | None] = {}
        self._messages: OrderedDict[str, Any] = OrderedDict()
        self.result = RunResult(run_id=store.run_id)

    def pending_count(self, done: set[tuple[str, str, int]]) -> int:
        return sum(self.pending_for(s.spec, done) for s in self.specs)

    def pending_for(self, model: str, done: set[tuple[str, str, int]]) -> int:
        """(task, sample) items of one model still to do (nothing done: no pass over tasks)."""
        if not done and hasattr(self.tasks, "__len__"):
            return len(self.tasks) * self.settings.samples  # type: ignore[arg-type]
        return sum(1 for _ in iter_items(self.tasks, self.settings.samples, done, model))

    def rendered(self, task: Task) -> tuple[list[Any], str]:
        """(messages, prompt hash) of a task, rendered once while its samples run (batch
        mode builds its lines from the same rendering)."""
        hit = self._messages.get(task.id)
        if hit is None:
            messages = task_messages(self.probes, task, self.templates)
            digest = content_hash([m.model_dump() for m in messages], length=16)
            hit = self._messages[task.id] = (messages, digest)
            if len(self._messages) > self.MESSAGE_CACHE:
                self._messages.popitem(last=False)
        return hit

    def request(self, task: Task, sample: int) -> Request:
        """The Request of one (task, sample): what the online run sends and what a batch
        line carries (seed + sample, the run's max tokens and temperature)."""
        messages = self.rendered(task)[0]
        seed = None if self.settings.seed is None else self.settings.seed + sample
        return Request(messages=messages, max_tokens=self.settings.max_tokens,
                       temperature=self.settings.temperature, seed=seed,
                       meta={"task_id": task.id, "sample": sample, "page_ids": task.page_ids,
                             "query_id": task.query_id, "query_text": task.query_text,
                             "combo_id": task.combo_id})

    def over_budget(self) -> bool:
        """Whether --max-cost is reached (earlier sessions of the run count too)."""
        limit = self.settings.max_cost
        return limit is not None and self.spent_before + self.result.cost_usd >= limit

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
            provider = self.providers.get(spec.spec) or build_provider(provider_spec(spec))
        except JudgeError as exc:  # e.g. a missing model: every item fails with the reason
            tally.stopped = str(exc)
            for task, sample in items:
                self._fail(errors, tally, spec.spec, task, sample, exc, 0)
            return
        if not getattr(provider, "cacheable", True):
            cache = None
        limits = self.limits[spec.spec]
        most = getattr(provider, "max_concurrency", None) or limits.concurrency
        workers = max(1, min(limits.concurrency, most))
        limiter = RateLimiter(limits.rpm, limits.tpm) if limits.rpm or limits.tpm else None
        call = _Call(provider, spec, limits, limiter, cache)
        step = min(self.RAMP_STEP, self.RAMP_TOTAL / workers)
        try:
            await asyncio.gather(*(self._worker(call, items, responses, errors, tally, i * step)
                                   for i in range(workers)))
        finally:
            await provider.aclose()

    async def _worker(self, call: _Call, items: Iterator[tuple[Task, int]],
                      responses: JsonlWriter, errors: JsonlWriter, tally: ModelTally,
                      delay: float = 0.0) -> None:
        model = call.spec.spec
        if delay:
            await asyncio.sleep(delay)
        for task, sample in items:  # a shared iterator: each item goes to one worker
            if self.over_budget():  # leave the rest for --resume with a higher --max-cost
                self.result.budget_stop = (f"--max-cost ${self.settings.max_cost:g} reached "
                                           f"(${self.spent_before + self.result.cost_usd:.4f})")
                return
            tally.items += 1
            if tally.stopped:
                self._fail(errors, tally, model, task, sample,
                           JudgeError(f"skipped: {tally.stopped}"), 0)
                continue
            try:
                request = self.request(task, sample)
                response, cached = await self._obtain(call, request, sample)
            except ProviderError as exc:
                if exc.decision.stop_model and not tally.stopped:
                    tally.stopped = f"{model} stopped after: {exc.detail}"
                self._fail(errors, tally, model, task, sample, exc, exc.attempts)
                continue
            except Exception as exc:  # noqa: BLE001 - one bad item never aborts a run
                self._fail(errors, tally, model, task, sample, exc, 1)
                continue
            record = self._record(call.spec, task, sample, request, response, cached)
            responses.write(record)
            self._count(tally, record)
            for observer in self.observers:
                out = observer(record)
                if out is not None:
                    await out
            self.on_progress(model)

    async def _obtain(self, call: _Call, request: Request, sample: int) -> tuple[Response, bool]:
        """The response from the cache, else from the provider (and then cached)."""
        key = cache_key(call.spec, request, sample) if call.cache else ""
        if call.cache is not None:
            hit = call.cache.get(key)
            if hit is not None:
                return hit, True
        tokens = 0
        if call.limiter is not None:
            chars = sum(len(m.content) for m in request.messages)
            tokens = estimate_tokens(chars, request.max_tokens)
        response, _ = await call_with_retries(
            call.provider, request, call.limits.attempts, self.settings.max_backoff,
            limiter=call.limiter, tokens=tokens, initial=self.settings.backoff_initial)
        if call.cache is not None:
            call.cache.put(key, response)
        return response, False

    def _price(self, spec: ModelSpec, model_id: str | None) -> Price | None:
        key = (spec.spec, model_id)
        if key not in self._prices:
            self._prices[key] = self.prices.lookup(spec, model_id)
        return self._prices[key]

    def _record(self, spec: ModelSpec, task: Task, sample: int, request: Request,
                response: Response, cached: bool) -> ResponseRecord:
        price = self._price(spec, response.model_id)
        return ResponseRecord(
            id=response_id(task.id, spec.spec, sample), run_id=self.store.run_id,
            task_id=task.id, sample=sample, model=spec.spec, task_kind=task.kind,
            page_ids=task.page_ids, query_id=task.query_id, combo_id=task.combo_id,
            prompt_hash=self.rendered(task)[1],
            text=response.text, reasoning=response.reasoning, usage=response.usage,
            cost_usd=None if price is None else price.cost(response.usage),
            latency_s=response.latency_s, finish_reason=response.finish_reason,
            model_id=response.model_id, cached=cached, raw=response.raw)

    def _count(self, tally: ModelTally, record: ResponseRecord) -> None:
        tally.ok += 1
        tally.cached += record.cached
        tally.input_tokens += record.usage.input_tokens
        tally.output_tokens += record.usage.output_tokens
        tally.reasoning_tokens += record.usage.reasoning_tokens
        if record.cost_usd is not None:
            tally.priced = True
            if not record.cached:  # a cache hit costs nothing in this run
                tally.cost_usd += record.cost_usd

    def _fail(self, errors: JsonlWriter, tally: ModelTally, model: str, task: Task, sample: int,
              exc: Exception, attempts: int) -> None:
        """Record a failed item in errors.jsonl (a bug's message names its type too)."""
        message = str(exc) if isinstance(exc, JudgeError) else \
            f"unexpected {type(exc).__name__} on task {task.id}: {redact(str(exc))}"
        errors.write(ErrorRecord(
            run_id=self.store.run_id, task_id=task.id, sample=sample, model=model,
            error_type=type(exc).__name__, message=message,
            status=getattr(exc, "status", None), attempts=attempts))
        tally.failed += 1
        self.on_progress(model)


@dataclass(frozen=True)
class _Call:
    """How one model's items are called: provider, limits, limiter, cache."""

    provider: Provider
    spec: ModelSpec
    limits: ModelLimits
    limiter: RateLimiter | None
    cache: ResponseCache | None
