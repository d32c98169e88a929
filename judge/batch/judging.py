"""Judging through batch APIs, as a second phase once the responses are in.

The grader is reused unchanged: its provider is a ``Playback`` that answers each judge
request from the replies collected so far (parsed as the online provider would). A
request with no reply yet raises ``Deferred``; those requests are what the next judging
batch carries. An item whose requests are all answered is judged right away — verdict
parsing, validation, pairwise position swap and records exactly as online, so the same
JudgmentRecords land in judgments.jsonl. A reply that fails validation makes the grader
re-ask, which is one more Deferred request: re-asks go out as a follow-up batch round.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from judge.batch.context import RunContext
from judge.batch.ledger import BatchEntry, Ledger
from judge.batch.vendor import BatchLine, RemoteBatch, VendorBatches
from judge.cache import ResponseCache
from judge.errors import FatalProviderError, JudgeError
from judge.grading.grader import Grader
from judge.grading.io import iter_responses, load_trace_rows
from judge.grading.pairwise import judge_pair
from judge.grading.rubrics import template_hash
from judge.grading.session import JudgePlan, JudgingSession, WorkItem
from judge.providers.base import Done, Request, Response, StreamEvent
from judge.records import JudgmentRecord, content_hash, judgment_id
from judge.store import JUDGMENTS

AnswerKey = tuple[str, str]  # (judge spec, request key)


def request_key(judge: str, request: Request) -> str:
    """Stable key of one judge request (what it asks, not when)."""
    return content_hash({"judge": judge, "request": request.cache_payload()}, length=24)


def custom_id(judge: str, key: str) -> str:
    """The custom_id of a judge request (vendor-safe, 34 chars)."""
    return f"j-{content_hash({'judge': judge, 'key': key}, length=32)}"


class Deferred(Exception):
    """A judge request with no collected reply yet."""

    def __init__(self, judge: str, key: str, request: Request) -> None:
        super().__init__(f"{judge}: request {key} not answered yet")
        self.judge, self.key, self.request = judge, key, request


class Held(Deferred):
    """A judge request that failed in a batch and is not being retried."""


class Playback:
    """A judge 'provider' answering from collected batch replies."""

    cacheable = True

    def __init__(self, client: VendorBatches, answers: dict[str, dict[str, Any]],
                 failed: dict[str, str]) -> None:
        self.spec, self.client, self.answers, self.failed = client.spec, client, answers, failed
        self.fail_hard = False  # raise the batch failure (an error verdict) instead of Held

    async def generate(self, request: Request) -> Response:
        key = request_key(self.spec, request)
        body = self.answers.get(key)
        if body is not None:
            return self.client.parse(body, request)
        if key in self.failed:
            if self.fail_hard:
                raise FatalProviderError(f"batch request failed: {self.failed[key]}",
                                         model=self.spec)
            raise Held(self.spec, key, request)
        raise Deferred(self.spec, key, request)

    async def stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        yield Done(await self.generate(request))

    async def aclose(self) -> None:
        return None


@dataclass
class Settled:
    """One judging pass: records written, requests still to ask, items on hold."""

    written: Counter[str] = field(default_factory=Counter)  # per judge
    deferred: dict[AnswerKey, Request] = field(default_factory=dict)
    held: int = 0


class JudgingWork:
    """Batch judging of one run by its openai/anthropic judges."""

    def __init__(self, ctx: RunContext, ledger: Ledger, plan: JudgePlan,
                 clients: dict[str, VendorBatches]) -> None:
        self.ctx, self.ledger, self.plan, self.clients = ctx, ledger, plan, clients
        self.store = ctx.store
        self.templates = ctx.runner.templates

    # -- replies and failures on disk
    def answers(self) -> dict[str, dict[str, dict[str, Any]]]:
        """judge → request key → reply body."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for row in self.ledger.answers():
            out.setdefault(row["judge"], {})[row["key"]] = row["body"]
        return out

    def failed(self) -> dict[str, dict[str, str]]:
        """judge → request key → error, for failed requests of batches not retried."""
        out: dict[str, dict[str, str]] = {}
        for entry in self.ledger.entries:
            if entry.phase == "judging" and not entry.retried and entry.failures:
                rows = self.ledger.read_map(entry)
                for f in self.ledger.failures(entry):
                    row = rows.get(f["c"])
                    if row:
                        out.setdefault(row["judge"], {})[row["key"]] = str(f.get("error"))
        return out

    def in_flight(self) -> set[AnswerKey]:
        keys: set[AnswerKey] = set()
        for entry in self.ledger.in_flight("judging"):
            keys |= {(r["judge"], r["key"]) for r in self.ledger.read_map(entry).values()}
        return keys

    async def collect(self, entry: BatchEntry, client: VendorBatches,
                      remote: RemoteBatch) -> tuple[Counter[str], list[dict[str, Any]], float]:
        """Keep the replies of an ended judging batch; return outcomes, failures, cost."""
        from judge.batch.generation import missing_result

        rows, have = self.ledger.read_map(entry), self.answers().get(entry.model, {})
        outcome: Counter[str] = Counter()
        failures: list[dict[str, Any]] = []
        seen: set[str] = set()
        cost = 0.0
        with self.ledger.answers_writer() as writer:
            async for item in client.results(remote):
                row = rows.get(item.custom_id)
                if row is None or item.custom_id in seen:
                    outcome["unknown"] += 1
                    continue
                seen.add(item.custom_id)
                if item.outcome == "ok" and item.body is not None:
                    cost += self._cost(client, item.body)
                    if row["key"] not in have:
                        writer.write({"judge": row["judge"], "key": row["key"],
                                      "batch": entry.name, "body": item.body})
                        have[row["key"]] = item.body
                    outcome["ok"] += 1
                    continue
                outcome[item.outcome] += 1
                failures.append({"c": item.custom_id, "outcome": item.outcome,
                                 "error": item.error, "status": item.status})
            for cid in rows.keys() - seen:
                item = missing_result(remote, cid)
                outcome[item.outcome] += 1
                failures.append({"c": cid, "outcome": item.outcome, "error": item.error})
        return outcome, failures, cost

    def _cost(self, client: VendorBatches, body: dict[str, Any]) -> float:
        """Batch-priced cost of one judge reply (0 when unpriced or unreadable)."""
        try:
            response = client.parse(body)
        except JudgeError:
            return 0.0
        return self.ctx.runner.prices.cost(client.spec, response.usage, response.model_id,
                                           batch=True) or 0.0

    # -- judging what can be judged
    async def settle(self, retry_failed: bool) -> Settled:
        """Judge every item whose replies are in; gather the requests still needed."""
        answers, failed = self.answers(), ({} if retry_failed else self.failed())
        session = JudgingSession(self.store, self.ctx.runner.probes, self.templates, self.plan,
                                 [s.spec for s in self.ctx.runner.specs],
                                 load_trace_rows(self.store))
        recorded = {r["id"] for r in self.store.records(JUDGMENTS)}
        cache = ResponseCache() if self.plan.grader.use_cache else None
        graders = {spec: Grader(Playback(c, answers.get(spec, {}), failed.get(spec, {})),
                                self.templates, self.plan.grader, self.store.run_id, cache)
                   for spec, c in self.clients.items()}
        hashes = {r.name: template_hash(self.templates, r) for r in session.rubrics}
        out = Settled()
        try:
            with self.store.writer(JUDGMENTS) as writer:
                for response in iter_responses(self.store):
                    session.observe(response)  # no judges started: only remembers it
                    items = session.items_for(response)
                    for spec, grader in graders.items():
                        for item in items:
                            jid = _jid(item, spec)
                            if (jid, hashes[item.rubric.name]) in session.done:
                                continue
                            record = await self._settle_item(grader, item, jid in recorded, out)
                            if record is not None:
                                writer.write(record)
                                out.written[spec] += 1
        finally:
            if cache is not None:
                cache.close()
        return out

    async def _settle_item(self, grader: Grader, item: WorkItem, recorded: bool,
                           out: Settled) -> JudgmentRecord | None:
        """The item's record when all its replies are in (or failed), else None."""
        playback: Playback = grader.provider  # type: ignore[assignment]
        missing: list[Deferred] = []
        for subject in _subjects(item):
            try:
                await grader.ask(item.rubric, subject, item.judge_sample)
            except Deferred as exc:
                missing.append(exc)
        waiting = [d for d in missing if not isinstance(d, Held)]
        for d in waiting:
            out.deferred[(d.judge, d.key)] = d.request
        if waiting or (missing and recorded):  # a failure already recorded stays on hold
            out.held += bool(missing) and not waiting
            return None
        playback.fail_hard = bool(missing)
        try:
            return await _judge(grader, item)
        finally:
            playback.fail_hard = False

    def lines(self, deferred: dict[AnswerKey, Request], skip: set[AnswerKey],
              judge: str) -> list[BatchLine]:
        """Batch lines of one judge's deferred requests (not in flight already)."""
        client = self.clients[judge]
        return [client.line(custom_id(j, key), request, {"c": custom_id(j, key), "judge": j,
                                                         "key": key})
                for (j, key), request in deferred.items() if j == judge and (j, key) not in skip]


def _jid(item: WorkItem, spec: str) -> str:
    s = item.subject
    return judgment_id(s.response.id, spec, item.rubric.name, item.judge_sample,
                       s.against_query_id, s.other.id if s.other else None)


def _subjects(item: WorkItem) -> list[Any]:
    """The subjects one item asks about (pairwise: both orders)."""
    s = item.subject
    if item.rubric.name == "pairwise" and s.other is not None:
        return [s, replace(s, response=s.other, other=s.response)]
    return [s]


async def _judge(grader: Grader, item: WorkItem) -> JudgmentRecord:
    """The judgment as the online session makes it."""
    try:
        if item.rubric.name == "pairwise":
            return await judge_pair(grader, item.subject, item.judge_sample)
        return await grader.judge(item.rubric, item.subject, item.judge_sample)
    except JudgeError as exc:
        from judge.grading.grader import Outcome

        return grader.record(item.rubric, item.subject, item.judge_sample,
                             Outcome(error=True, reason=str(exc), parse_status="error"))


async def judge_online(ctx: RunContext, plan: JudgePlan, judges: list[str]) -> Counter[str]:
    """Judge the run's responses online with ``judges`` (those without a batch API)."""
    from judge.grading.live import save_tallies

    sub = plan.model_copy(update={"judges": judges})
    session = JudgingSession(ctx.store, ctx.runner.probes, ctx.runner.templates, sub,
                             [s.spec for s in ctx.runner.specs], load_trace_rows(ctx.store))
    await session.start()
    try:
        for response in iter_responses(ctx.store):
            await session.submit(response)
        await session.close()
    except BaseException:
        await session.abort()
        raise
    save_tallies(ctx.store, session)
    return Counter({judge: t.judged for (judge, _), t in session.tallies.items()})
