"""Judging a run: work items per response, a bounded worker pool per judge model.

``JudgingSession.submit`` is the Runner observer: it enqueues a response's judgments and
waits only while a judge's queue is full. Each judge model has a bounded queue
(``QUEUE_PER_WORKER`` items per worker), so neither a resumed run's stored responses nor a
judge slower than generation make memory grow with the run; and ``min(concurrency,
max_concurrency)`` workers; each finished judgment is appended to judgments.jsonl at once. Judgments already
finished (same id and template hash) are skipped, so ``judge rejudge`` and ``judge run
--resume`` pick up where they stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
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
from judge.probeset import ProbeSet
from judge.providers.base import Provider
from judge.providers.registry import build_provider, parse_spec
from judge.records import JudgmentRecord, ResponseRecord, judgment_id, now_iso
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
    concurrency: int = Field(default=4, ge=1)
    grader: GraderSettings = Field(default_factory=GraderSettings)

    def check(self) -> None:
        """Fail early on a bad judge spec, a duplicate judge or an unknown rubric."""
        if len(set(self.judges)) != len(self.judges):
            raise ConfigError("the same --judge is given twice")
        for spec in self.judges:
            parse_spec(spec)
        get_rubrics(self.rubrics)


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


class JudgingSession:
    """Judges the responses of one run as they are observed."""

    def __init__(self, store: RunStore, probes: ProbeSet, templates: Templates, plan: JudgePlan,
                 models: list[str], traces: dict[str, dict[str, Any]] | None = None) -> None:
        plan.check()
        probes = probes if plan.use_drafts else probes.without_drafts()
        self.store, self.probes, self.templates, self.plan = store, probes, templates, plan
        self.models = models
        self.rubrics = get_rubrics(plan.rubrics)
        self.traces = traces or {}
        self.done = judged_keys(store)
        self.tallies: dict[tuple[str, str], Tally] = {}
        self.on_enqueue: Callable[[str, int], None] = lambda _judge, _n: None
        self.on_done: Callable[[str], None] = lambda _judge: None
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
            providers.setdefault(spec, build_provider(spec))
        self._writer = self.store.writer(JUDGMENTS)
        self._cache = ResponseCache() if self.plan.grader.use_cache else None
        for spec in self.plan.judges:
            provider = providers[spec]
            grader = Grader(provider, self.templates, self.plan.grader, self.store.run_id,
                            self._cache if getattr(provider, "cacheable", True) else None)
            limit = getattr(provider, "max_concurrency", None) or self.plan.concurrency
            workers = max(1, min(self.plan.concurrency, limit))
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
            items = [i for i in candidates if self._todo(i, spec)]
            if items:
                self.on_enqueue(spec, len(items))
            for item in items:
                await judge.queue.put(item)

    def items_for(self, record: ResponseRecord) -> list[WorkItem]:
        """Every (rubric, subject, judge sample) one response needs from each judge."""
        events = events_for(record, self.traces.get(record.id))
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
        while True:
            item = await judge.queue.get()
            if item is None:
                return
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
            assert self._writer is not None
            self._writer.write(record)
            self.tallies.setdefault((spec, record.rubric), Tally()).add(record)
            self.on_done(spec)


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
