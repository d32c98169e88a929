"""Judging a run: work items per response, a bounded worker pool per judge model.

``JudgingSession.submit`` is the Runner observer: it enqueues a response's judgments and
waits only while a judge's queue is full. Each judge model has a bounded queue
(``QUEUE_PER_WORKER`` items per worker), so neither a resumed run's stored responses nor a
judge slower than generation make memory grow with the run; and ``min(concurrency,
max_concurrency)`` workers; each finished judgment is appended to judgments.jsonl at once. Judgments already
finished (same id and template hash) are skipped, so ``judge rejudge`` and ``judge run
--resume`` pick up where they stopped.

A judge is scheduled like a model (judge.runner.model_limits): ``?concurrency=``, ``?rpm=``,
``?tpm=``, ``?attempts=`` in its spec over the plan's limits, which default to the run's.
``Shared`` carries what judging shares with generation: the run's prices, its --max-cost
budget and its rate limiters (a model that generates and judges spends one limit).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from judge.cache import ResponseCache
from judge.errors import ConfigError
from judge.grading.grader import Grader, GraderSettings, Outcome
from judge.grading.hints import events_for
from judge.grading.io import judged_keys
from judge.grading.pairwise import judge_pair
from judge.grading.rubrics import RUBRICS, Rubric, get_rubrics, judgment_hash, template_hash
from judge.grading.subject import Subject, other_queries, subject_for
from judge.pricing import Budget, PriceTable, load_prices
from judge.probeset import ProbeSet
from judge.providers.base import Provider
from judge.providers.registry import build_provider, parse_spec
from judge.ratelimit import Limiters
from judge.records import JudgmentRecord, ResponseRecord, judgment_id, now_iso
from judge.runner import ModelLimits, limit_key, model_limits, provider_spec
from judge.store import JUDGMENTS, JsonlWriter, RunStore
from judge.templates import Templates


class JudgePlan(BaseModel):
    """Which judges, rubrics and repeats (recorded in the manifest, reused by --resume)."""

    model_config = ConfigDict(extra="forbid")
    judges: list[str] = Field(min_length=1)
    rubrics: list[str] = Field(default_factory=list)  # empty: every rubric that applies
    samples: int = Field(default=1, ge=1, le=100)  # judge samples per item (test-retest)
    cross_query: bool = False
    use_drafts: bool = False  # judge coverage against draft key points too
    # Per judge model (a spec's ?concurrency= etc. wins); None: the run's own setting.
    concurrency: int | None = Field(default=None, ge=1)
    rpm: float | None = Field(default=None, gt=0)
    tpm: float | None = Field(default=None, gt=0)
    grader: GraderSettings = Field(default_factory=GraderSettings)

    def check(self) -> None:
        """Fail early on a bad judge spec or option, a duplicate judge or an unknown rubric."""
        if len(set(self.judges)) != len(self.judges):
            raise ConfigError("the same --judge is given twice")
        for spec in self.judges:
            model_limits(parse_spec(spec), self.limits())
        get_rubrics(self.rubrics)

    def limits(self, run: ModelLimits | None = None) -> ModelLimits:
        """The judges' default limits: the plan's, else the run's (``run``), else 8 workers."""
        return ModelLimits(concurrency=self.concurrency or (run.concurrency if run else 8),
                           rpm=self.rpm or (run.rpm if run else None),
                           tpm=self.tpm or (run.tpm if run else None),
                           attempts=self.grader.attempts)


@dataclass
class Shared:
    """What a judging pass shares with the run's generation (or keeps to itself when alone,
    as in ``judge rejudge``): default limits, prices, the --max-cost budget, rate limiters."""

    run_limits: ModelLimits | None = None  # the run's concurrency / rpm / tpm
    prices: PriceTable = field(default_factory=load_prices)
    budget: Budget = field(default_factory=Budget)
    limiters: Limiters = field(default_factory=Limiters)


@dataclass
class Tally:
    """Per (judge, rubric) counters for the summary table."""

    judged: int = 0
    ok: int = 0
    unparseable: int = 0
    errors: int = 0
    skipped: int = 0
    score_sum: float = 0.0
    score_n: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0  # spent in this pass (verdicts served from the cache are free)
    priced: bool = False  # some verdict had a known price

    @property
    def mean(self) -> float | None:
        return self.score_sum / self.score_n if self.score_n else None

    def add(self, record: JudgmentRecord) -> None:
        self.judged += 1
        if record.status == "ok":
            self.ok += 1
            if record.score is not None:
                self.score_sum += record.score
                self.score_n += 1
        elif record.status == "unparseable":
            self.unparseable += 1
        else:
            self.errors += 1
        self.input_tokens += record.usage.input_tokens
        self.output_tokens += record.usage.output_tokens
        if record.cost_usd is not None:
            self.priced = True
            if not record.cached:
                self.cost_usd += record.cost_usd


@dataclass(frozen=True)
class WorkItem:
    """One judgment to make."""

    rubric: Rubric
    subject: Subject
    judge_sample: int


QUEUE_PER_WORKER = 16  # queued judgments per judge worker before submit waits


@dataclass
class _Judge:
    grader: Grader
    queue: asyncio.Queue[WorkItem | None]
    workers: list[asyncio.Task[None]] = field(default_factory=list)


@dataclass
class JudgeLoad:
    """Where one judge's work stands (for progress): judgments queued, in flight, done,
    failed (error or unparseable; counted in done too), left unjudged by --max-cost, and
    the responses it was given."""

    queued: int = 0
    inflight: int = 0
    done: int = 0
    failed: int = 0
    unjudged: int = 0
    responses: int = 0


class JudgingSession:
    """Judges the responses of one run as they are observed."""

    def __init__(self, store: RunStore, probes: ProbeSet, templates: Templates, plan: JudgePlan,
                 models: list[str], traces: dict[str, dict[str, Any]] | None = None,
                 shared: Shared | None = None) -> None:
        plan.check()
        probes = probes if plan.use_drafts else probes.without_drafts()
        self.store, self.probes, self.templates, self.plan = store, probes, templates, plan
        self.models = models
        self.shared = shared or Shared()
        self.loads = {spec: JudgeLoad() for spec in plan.judges}
        self.unjudged = 0  # judgments not made because --max-cost was reached
        self.rubrics = get_rubrics(plan.rubrics)
        self.traces = traces or {}
        self.done = judged_keys(store)
        self.tallies: dict[tuple[str, str], Tally] = {}
        self._judges: dict[str, _Judge] = {}
        self._seen: dict[tuple[str, int], dict[str, ResponseRecord]] = {}
        self._writer: JsonlWriter | None = None
        self._cache: ResponseCache | None = None
        self._hashes = {r.name: template_hash(templates, r) for r in self.rubrics}

    # -- lifecycle
    async def start(self, providers: dict[str, Provider] | None = None) -> None:
        """Build the judge providers (failing early) and start their workers."""
        providers = dict(providers or {})
        for spec in self.plan.judges:
            if spec not in providers:
                providers[spec] = build_provider(provider_spec(parse_spec(spec)))
        self._writer = self.store.writer(JUDGMENTS)
        self._cache = ResponseCache() if self.plan.grader.use_cache else None
        defaults = self.plan.limits(self.shared.run_limits)
        for spec in self.plan.judges:
            parsed, provider = parse_spec(spec), providers[spec]
            limits = model_limits(parsed, defaults)
            grader = Grader(provider, self.templates,
                            self.plan.grader.model_copy(update={"attempts": limits.attempts}),
                            self.store.run_id,
                            self._cache if getattr(provider, "cacheable", True) else None,
                            limiter=self.shared.limiters.get(limit_key(parsed), limits.rpm,
                                                             limits.tpm),
                            prices=self.shared.prices)
            most = getattr(provider, "max_concurrency", None) or limits.concurrency
            workers = max(1, min(limits.concurrency, most))
            judge = self._judges[spec] = _Judge(grader, asyncio.Queue(workers * QUEUE_PER_WORKER))
            for _ in range(workers):
                judge.workers.append(asyncio.create_task(self._worker(spec, judge)))

    async def close(self) -> None:
        """Finish every queued judgment, then release providers, cache and file."""
        for judge in self._judges.values():
            for _ in judge.workers:
                await judge.queue.put(None)
        try:
            await asyncio.gather(*(w for j in self._judges.values() for w in j.workers))
        finally:
            await self.abort()

    async def abort(self) -> None:
        """Stop at once (interrupt): cancel workers, release resources."""
        for judge in self._judges.values():
            for w in judge.workers:
                w.cancel()
            await asyncio.gather(*judge.workers, return_exceptions=True)
            await judge.grader.provider.aclose()
        self._judges.clear()
        if self._writer:
            self._writer.close()
        if self._cache:
            self._cache.close()
            self._cache = None

    def queued(self) -> int:
        """Judgments waiting in the judges' queues now (bounded by QUEUE_PER_WORKER)."""
        return sum(j.queue.qsize() for j in self._judges.values())

    # -- work
    def observe(self, record: ResponseRecord) -> None:
        """Remember a response for pairwise judging, without judging it (batch mode reads
        ``items_for`` itself). A started session takes responses through ``submit``."""
        if RUBRICS["pairwise"] in self.rubrics:
            self._seen.setdefault((record.task_id, record.sample), {})[record.model] = record

    async def submit(self, record: ResponseRecord) -> None:
        """Runner observer: enqueue every judgment this response needs, waiting while a
        judge's queue is full (memory stays flat however many responses come)."""
        self.observe(record)
        candidates = self.items_for(record)
        for spec, judge in self._judges.items():
            load = self.loads[spec]
            load.responses += 1
            items = [i for i in candidates if self._todo(i, spec)]
            load.queued += len(items)  # waiting for a worker, or for room in the queue
            for item in items:
                await judge.queue.put(item)

    def items_for(self, record: ResponseRecord) -> list[WorkItem]:
        """Every (rubric, subject, judge sample) one response needs from each judge."""
        # trace events are hints for the reflection rubric only: not parsed for the others
        events = (events_for(record, self.traces.get(record.id))
                  if RUBRICS["reflection"] in self.rubrics else [])
        base = subject_for(self.probes, record, events=events)
        subjects: list[tuple[Rubric, Subject]] = [(r, base) for r in self.rubrics
                                                  if r.name != "pairwise" and r.applies(base)]
        if self.plan.cross_query and RUBRICS["intention"] in self.rubrics:
            subjects += [(RUBRICS["intention"], subject_for(self.probes, record, against=q))
                         for q in other_queries(self.probes, record)]
        if RUBRICS["pairwise"] in self.rubrics:
            subjects += [(RUBRICS["pairwise"], s) for s in self._pairs(record)]
        return [WorkItem(r, s, k) for r, s in subjects for k in range(self.plan.samples)]

    def _pairs(self, record: ResponseRecord) -> list[Subject]:
        """Pairwise subjects with every other model's response to the same task sample;
        A is the model listed first in the run."""
        seen = self._seen.get((record.task_id, record.sample), {})
        order = {m: i for i, m in enumerate(self.models)}
        out = []
        for model, other in seen.items():
            if model == record.model:
                continue
            a, b = sorted((record, other), key=lambda r: order.get(r.model, len(order)))
            out.append(subject_for(self.probes, a, other=b))
        return out

    def _todo(self, item: WorkItem, spec: str) -> bool:
        s = item.subject
        jid = judgment_id(s.response.id, spec, item.rubric.name, item.judge_sample,
                          s.against_query_id, s.other.id if s.other else None)
        key = (jid, self._hashes[item.rubric.name] if not self.plan.use_drafts
               else judgment_hash(self.templates, item.rubric, s))
        if key in self.done:
            self.tallies.setdefault((spec, item.rubric.name), Tally()).skipped += 1
            return False
        self.done.add(key)  # queued once, even if a response is observed twice
        return True

    async def _worker(self, spec: str, judge: _Judge) -> None:
        load, budget = self.loads[spec], self.shared.budget
        while True:
            item = await judge.queue.get()
            if item is None:
                return
            load.queued -= 1
            if budget.reached:  # left for `judge run --resume` / `judge rejudge`
                load.unjudged += 1
                self.unjudged += 1
                continue
            load.inflight += 1
            try:
                if item.rubric.name == "pairwise":
                    record = await judge_pair(judge.grader, item.subject, item.judge_sample)
                else:
                    record = await judge.grader.judge(item.rubric, item.subject,
                                                      item.judge_sample)
            except Exception as exc:  # noqa: BLE001 - e.g. a prompt too long for the judge's
                # window; one bad item never stops the judging of the others
                record = judge.grader.record(item.rubric, item.subject, item.judge_sample,
                                             Outcome(error=True, reason=str(exc),
                                                     parse_status="error"))
            finally:
                load.inflight -= 1
            assert self._writer is not None
            self._writer.write(record)
            self.tallies.setdefault((spec, record.rubric), Tally()).add(record)
            if record.cost_usd is not None and not record.cached:
                budget.add(record.cost_usd, judging=True)
            load.done += 1
            load.failed += record.status != "ok"


def manifest_entry(plan: JudgePlan, templates: Templates) -> dict[str, Any]:
    """What the manifest records about a judging pass (no keys: specs are key-free)."""
    rubrics = get_rubrics(plan.rubrics)
    return {"judges": plan.judges, "rubrics": [r.name for r in rubrics],
            "rubrics_selected": plan.rubrics or "all that apply",
            "templates": {r.template: template_hash(templates, r) for r in rubrics},
            "samples": plan.samples, "cross_query": plan.cross_query,
            "use_drafts": plan.use_drafts,
            "grader": plan.grader.model_dump(mode="json"), "started": now_iso()}


def record_plan(store: RunStore, plan: JudgePlan, templates: Templates) -> None:
    """Append the judging pass to manifest["judges"] and keep the plan for --resume."""
    manifest = store.read_manifest()
    passes = manifest.get("judges") or []
    passes.append(manifest_entry(plan, templates))
    store.update_manifest(judges=passes, judging=plan.model_dump(mode="json"))
