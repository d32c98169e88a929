"""Submitting, polling, collecting and cancelling a run's batches.

One ``collect_pass``: retrieve every batch in flight; collect the ones that ended
(generation → responses.jsonl / errors.jsonl, judging → replies, then verdicts); submit
generation items that were never submitted (an interrupted submission) and, with retry,
the failed ones; once no generation batch is in flight, judge (batch judges: settle what
is answered, submit what is still needed, re-asks included; other judges: online); then
set the run's status. Every state change is saved to the manifest at once, so a pass
interrupted anywhere is finished by the next one (results already written are skipped).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from judge.batch.context import RunContext
from judge.batch.generation import GenerationWork
from judge.batch.ledger import BatchEntry, Ledger, Phase
from judge.batch.vendor import (
    BatchLine,
    RemoteBatch,
    VendorBatches,
    batchable,
    chunks,
    client_for,
)
from judge.cache import ResponseCache
from judge.errors import JudgeError
from judge.records import now_iso

if TYPE_CHECKING:  # judging (and judge.grading) is imported only by runs that judge
    from judge.batch.judging import JudgingWork


@dataclass
class PassReport:
    """What one or more collect passes did."""

    collected: list[BatchEntry] = field(default_factory=list)
    submitted: list[BatchEntry] = field(default_factory=list)
    cached: int = 0  # items answered from the response cache instead of submitted
    judged: int = 0  # judgments written from batch replies
    judged_online: int = 0
    held: int = 0  # judge items whose failed requests wait for --retry-failed
    retried: list[str] = field(default_factory=list)  # phases resubmitted
    problems: list[str] = field(default_factory=list)

    def merge(self, other: PassReport) -> None:
        for name in ("collected", "submitted", "retried", "problems"):
            getattr(self, name).extend(getattr(other, name))
        self.cached += other.cached
        self.judged += other.judged
        self.judged_online += other.judged_online
        self.held = other.held


class BatchEngine:
    """A run's batches; the caller holds the run lock for every method but ``refresh``."""

    def __init__(self, ctx: RunContext, say: Callable[[str], None] | None = None) -> None:
        self.ctx, self.store = ctx, ctx.store
        self.ledger = Ledger(ctx.store)
        self.say = say or (lambda _message: None)
        self.done = ctx.store.done_keys()
        self.cache = ResponseCache() if ctx.runner.settings.use_cache else None
        self.generation = GenerationWork(ctx.runner, self.ledger, self.done, self.cache)
        self._clients: dict[str, VendorBatches] = {}
        self._judged_at: int | None = None  # responses count when online judges last ran

    @property
    def judges_here(self) -> bool:
        """Whether this run judges as a batch phase (``judge run --batch --judge ...``)."""
        return self.ctx.plan is not None and self.ctx.settings.judging

    def _problem(self, report: PassReport, message: str) -> None:
        report.problems.append(message)
        self.say(f"problem: {message}")

    def client(self, spec: str) -> VendorBatches:
        if spec not in self._clients:
            self._clients[spec] = client_for(spec)
        return self._clients[spec]

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
        if self.cache is not None:
            self.cache.close()
            self.cache = None

    # -- submitting ----------------------------------------------------------------------
    async def submit_generation(self, report: PassReport, skip_failed: bool = True) -> None:
        """Submit every pending generation item of the run's batch models."""
        skip = self.generation.in_flight_keys()
        if skip_failed:
            skip |= self.generation.failed_keys()
        before = self.generation.cached
        for spec in self.ctx.settings.models:
            if not self.generation.has_pending(spec, skip):
                continue
            try:
                client = self.client(spec)
                report.submitted += await self._submit(client, "generation",
                                                       self.generation.lines(client, skip))
            except JudgeError as exc:  # e.g. a missing key: the other models still go
                self._problem(report, f"{spec}: not submitted: {exc}")
        report.cached += self.generation.cached - before

    async def _submit(self, client: VendorBatches, phase: Phase,
                      lines: Iterable[BatchLine]) -> list[BatchEntry]:
        size = min(client.max_requests, self.ctx.settings.batch_size or client.max_requests)
        return [await self._submit_chunk(client, phase, chunk)
                for chunk in chunks(lines, size, client.max_bytes)]

    async def _submit_chunk(self, client: VendorBatches, phase: Phase,
                            chunk: list[BatchLine]) -> BatchEntry:
        """Record the batch (and its custom_id map) first, then create it at the vendor."""
        name = self.ledger.new_name(phase)
        entry = BatchEntry(name=name, vendor=client.vendor, model=client.spec, phase=phase,
                           endpoint=client.endpoint, requests=len(chunk),
                           bytes=sum(line.size for line in chunk),
                           map_file=self.ledger.write_map(name, [line.row for line in chunk]),
                           discount=self.ctx.runner.prices.batch_multiplier(client.spec))
        self.ledger.add(entry)
        meta = {"judge_run": self.store.run_id[:500], "judge_batch": name, "phase": phase}
        try:
            remote = await client.submit(chunk, meta)
        except JudgeError as exc:
            entry.state, entry.error = "not-submitted", str(exc)
            self.ledger.save()
            raise
        entry.id, entry.submitted = remote.id, now_iso()
        self._update(entry, remote)
        self.ledger.save()
        self.say(f"submitted {name}: {client.vendor} batch {remote.id} — {client.spec}, "
                 f"{phase}, {len(chunk):,} requests")
        return entry

    # -- polling -------------------------------------------------------------------------
    def _update(self, entry: BatchEntry, remote: RemoteBatch) -> None:
        entry.state, entry.counts = remote.state, remote.counts()
        if remote.error:
            entry.error = remote.error
        if remote.ended and entry.ended is None:
            entry.ended = now_iso()

    async def refresh(self, report: PassReport) -> list[tuple[BatchEntry, RemoteBatch]]:
        """Retrieve every batch in flight; returns the ended ones (not saved here)."""
        ended = []
        for entry in self.ledger.in_flight():
            assert entry.id is not None
            try:
                remote = await self.client(entry.model).retrieve(entry.id)
            except JudgeError as exc:
                self._problem(report, f"{entry.name} ({entry.id}): not retrieved: {exc}")
                continue
            self._update(entry, remote)
            if remote.ended:
                ended.append((entry, remote))
        return ended

    # -- collecting ----------------------------------------------------------------------
    async def _collect(self, entry: BatchEntry, remote: RemoteBatch, report: PassReport) -> None:
        """Write one ended batch's results, then mark it collected (in one manifest write)."""
        client = self.client(entry.model)
        try:
            if entry.phase == "generation":
                got = await self.generation.collect(entry, client, remote)
                outcome, failures, cost = got.outcome, got.failures, got.cost_usd
            else:
                outcome, failures, cost = await self._judging().collect(entry, client, remote)
        except JudgeError as exc:  # a download failed: the next collect tries again
            self._problem(report, f"{entry.name} ({entry.id}): not collected: {exc}")
            return
        self.ledger.write_failures(entry, failures)
        entry.outcome, entry.collected = dict(outcome), now_iso()
        entry.cost_usd = round(cost, 6)
        self.ledger.save(spent=cost if entry.phase == "generation" else 0.0)
        report.collected.append(entry)
        self.say(describe_collected(entry))

    def _judging(self) -> JudgingWork:
        from judge.batch.judging import JudgingWork

        assert self.ctx.plan is not None
        judges = [j for j in self.ctx.plan.judges if batchable(j)]
        return JudgingWork(self.ctx, self.ledger, self.ctx.plan,
                           {j: self.client(j) for j in judges})

    def _wants_retry(self, phase: Phase, retry: set[Phase], now: bool) -> bool:
        if phase not in retry or not any(e.phase == phase and e.failures and not e.retried
                                         for e in self.ledger.entries):
            return False
        return now or not self.ledger.in_flight(phase)

    def _mark_retried(self, phase: Phase, report: PassReport) -> None:
        for e in self.ledger.entries:
            if e.phase == phase and e.collected and e.failures and not e.retried:
                e.retried = True
        self.ledger.save()
        report.retried.append(phase)

    async def collect_pass(self, retry: set[Phase] | None = None,
                           retry_now: bool = True) -> PassReport:
        """One pass (see the module docstring). ``retry``: phases whose failed items are
        resubmitted — at once (``retry_now``) or once that phase has nothing in flight;
        a phase retried is removed from ``retry``."""
        retry = retry if retry is not None else set()
        report = PassReport()
        ended = await self.refresh(report)
        self.ledger.save()
        for entry, remote in ended:
            await self._collect(entry, remote, report)
        gen_retry = self._wants_retry("generation", retry, retry_now)
        await self.submit_generation(report, skip_failed=not gen_retry)
        if gen_retry:
            self._mark_retried("generation", report)
            retry.discard("generation")
        if self.judges_here and not self.ledger.in_flight("generation"):
            await self._judging_pass(report, retry, retry_now)
        self._set_status(report)
        return report

    async def _judging_pass(self, report: PassReport, retry: set[Phase], now: bool) -> None:
        assert self.ctx.plan is not None
        jud_retry = self._wants_retry("judging", retry, now)
        if any(batchable(j) for j in self.ctx.plan.judges):
            work = self._judging()
            settled = await work.settle(retry_failed=jud_retry)
            report.judged += sum(settled.written.values())
            report.held = settled.held
            skip = work.in_flight()
            for judge, client in work.clients.items():
                lines = work.lines(settled.deferred, skip, judge)
                try:
                    report.submitted += await self._submit(client, "judging", lines)
                except JudgeError as exc:  # submitted again by the next collect
                    self._problem(report, f"{judge}: judge requests not submitted: {exc}")
        if jud_retry:
            self._mark_retried("judging", report)
            retry.discard("judging")
        online = [j for j in self.ctx.plan.judges if not batchable(j)]
        if online and self._judged_at != len(self.done):
            from judge.batch.judging import judge_online

            counts = await judge_online(self.ctx, self.ctx.plan, online)
            report.judged_online += sum(counts.values())
            self._judged_at = len(self.done)

    def _set_status(self, report: PassReport) -> None:
        """batch-pending while anything is in flight; then complete or incomplete."""
        if self.ledger.in_flight():
            self.store.update_manifest(status="batch-pending", ended=None)
            return
        missing = self.ctx.runner.pending_count(self.done)
        held = report.held if self.judges_here else 0
        status = "complete" if missing == 0 and held == 0 else "incomplete"
        self.store.update_manifest(status=status, ended=now_iso())

    async def wait(self, poll: float, retry: bool = False) -> PassReport:
        """Collect passes every ``poll`` seconds until nothing is in flight; with ``retry``
        each phase's failures are resubmitted once, when that phase is idle."""
        phases: set[Phase] = {"generation", "judging"} if retry else set()
        total = PassReport()
        while True:
            report = await self.collect_pass(phases, retry_now=False)
            total.merge(report)
            if not self.ledger.in_flight():
                return total
            await asyncio.sleep(poll)

    # -- cancelling ----------------------------------------------------------------------
    async def cancel(self) -> PassReport:
        """Ask the vendor to cancel every batch in flight (collect gathers what finished)."""
        report = PassReport()
        for entry in self.ledger.in_flight():
            assert entry.id is not None
            try:
                self._update(entry, await self.client(entry.model).cancel(entry.id))
            except JudgeError as exc:
                self._problem(report, f"{entry.name} ({entry.id}): not cancelled: {exc}")
        for entry in self.ledger.entries:
            if entry.id is None and entry.state == "submitting":
                entry.state = "not-submitted"
        self.ledger.save()
        return report


def describe_collected(entry: BatchEntry) -> str:
    """One line about a collected batch: outcomes, where they went, what it cost."""
    parts = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in sorted(entry.outcome.items()))
    where = ("responses.jsonl / errors.jsonl" if entry.phase == "generation"
             else "judge replies (verdicts → judgments.jsonl)")
    return (f"collected {entry.name} ({entry.id}, {entry.model}, {entry.phase}): "
            f"{parts or 'nothing'} → {where}; ${entry.cost_usd or 0:.4f} at "
            f"×{entry.discount or 1:g} of the online price")
