"""Generation through batch APIs: a model's pending (task, sample) items become batch
lines; a collected batch becomes ResponseRecords (responses.jsonl) and ErrorRecords
(errors.jsonl), exactly once per (task_id, model, sample).

Requests are built by the Runner (same messages, seed and max_tokens as an online run, so
the same cache key) and bodies by the online provider. The response cache is consulted
before anything is submitted and filled as results are collected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from judge.batch.ledger import BatchEntry, Ledger
from judge.batch.vendor import BatchLine, ItemResult, RemoteBatch, VendorBatches
from judge.cache import ResponseCache, cache_key
from judge.errors import ProviderError
from judge.providers.base import Response
from judge.providers.registry import parse_spec
from judge.records import ErrorRecord, ResponseRecord, response_id
from judge.runner import Runner, iter_items
from judge.store import ERRORS, RESPONSES

Key = tuple[str, str, int]  # (task_id, model, sample)
ERROR_TYPES = {"errored": "BatchItemError", "expired": "BatchExpired",
               "cancelled": "BatchCancelled"}


def custom_id(task_id: str, model: str, sample: int) -> str:
    """The custom_id of a generation request: stable, vendor-safe ([a-z0-9-], 18 chars)."""
    return f"g-{response_id(task_id, model, sample)}"


def row_key(row: dict[str, Any]) -> Key:
    return (row["task_id"], row["model"], int(row["sample"]))


@dataclass
class Collected:
    """What collecting one batch did."""

    outcome: Counter[str] = field(default_factory=Counter)
    cost_usd: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)


class GenerationWork:
    """Generation items of one run; ``done`` is updated as records are written."""

    def __init__(self, runner: Runner, ledger: Ledger, done: set[Key],
                 cache: ResponseCache | None) -> None:
        self.runner, self.ledger, self.done, self.cache = runner, ledger, done, cache
        self.store = runner.store
        self.cached = 0  # cache hits written instead of submitted

    # -- submitting
    def lines(self, client: VendorBatches, skip: set[Key]) -> Iterator[BatchLine]:
        """Batch lines of ``client``'s model for items not done and not in ``skip``;
        cache hits are written as responses on the way."""
        spec = parse_spec(client.spec)
        settings = self.runner.settings
        with self.store.writer(RESPONSES) as responses:
            for task, sample in iter_items(self.runner.tasks, settings.samples,
                                           self.done | skip, client.spec):
                request = self.runner.request(task, sample)  # the online run's request
                key = cache_key(spec, request, sample) if self.cache is not None else ""
                row: dict[str, Any] = {
                    "c": custom_id(task.id, client.spec, sample), "task_id": task.id,
                    "model": client.spec, "sample": sample, "task_kind": task.kind,
                    "page_ids": task.page_ids, "query_id": task.query_id,
                    "combo_id": task.combo_id, "prompt_hash": self.runner.rendered(task)[1],
                    "cache_key": key}
                hit = self.cache.get(key) if self.cache is not None else None
                if hit is not None:
                    responses.write(self.record(row, hit, None))
                    self.done.add(row_key(row))
                    self.cached += 1
                    continue
                yield client.line(row["c"], request, row)

    def has_pending(self, spec: str, skip: set[Key]) -> bool:
        """Whether ``spec`` has an item not done and not in ``skip``."""
        items = iter_items(self.runner.tasks, self.runner.settings.samples, self.done | skip, spec)
        return next(items, None) is not None

    def failed_keys(self) -> set[Key]:
        """Work keys of failed items in generation batches not retried yet."""
        keys: set[Key] = set()
        for entry in self.ledger.entries:
            if entry.phase != "generation" or entry.retried or not entry.failures:
                continue
            rows = self.ledger.read_map(entry)
            keys |= {row_key(rows[f["c"]]) for f in self.ledger.failures(entry) if f["c"] in rows}
        return keys - self.done

    def in_flight_keys(self) -> set[Key]:
        keys: set[Key] = set()
        for entry in self.ledger.in_flight("generation"):
            keys |= {row_key(r) for r in self.ledger.read_map(entry).values()}
        return keys

    # -- collecting
    def record(self, row: dict[str, Any], response: Response,
               entry: BatchEntry | None) -> ResponseRecord:
        """The ResponseRecord of one item, priced at the batch discount when ``entry``."""
        prices, model = self.runner.prices, row["model"]
        price = prices.lookup(model, response.model_id)
        factor = prices.batch_multiplier(model, response.model_id) if entry else 1.0
        fields: dict[str, Any] = {
            "id": response_id(row["task_id"], model, int(row["sample"])),
            "run_id": self.store.run_id, "model": model, "sample": int(row["sample"]),
            **{k: row[k] for k in ("task_id", "task_kind", "page_ids", "query_id", "combo_id",
                                   "prompt_hash")},
            "text": response.text, "reasoning": response.reasoning, "usage": response.usage,
            "cost_usd": None if price is None else price.cost(response.usage) * factor,
            "latency_s": response.latency_s, "finish_reason": response.finish_reason,
            "model_id": response.model_id, "cached": entry is None, "raw": response.raw}
        if entry is not None:
            fields["batch_id"] = entry.id  # an extra field: where the answer came from
        return ResponseRecord(**fields)

    async def collect(self, entry: BatchEntry, client: VendorBatches,
                      remote: RemoteBatch) -> Collected:
        """Write every result of an ended batch; items with no result get the batch's fate."""
        rows = self.ledger.read_map(entry)
        out, seen = Collected(), set()
        with self.store.writer(RESPONSES) as responses, self.store.writer(ERRORS) as errors:
            async for item in client.results(remote):
                row = rows.get(item.custom_id)
                if row is None or item.custom_id in seen:
                    out.outcome["unknown"] += 1
                    continue
                seen.add(item.custom_id)
                self._settle(entry, client, row, item, out, (responses, errors))
            for cid, row in rows.items():
                if cid not in seen:
                    self._settle(entry, client, row, missing_result(remote, cid), out,
                                 (responses, errors))
        if self.cache is not None:
            self.cache.flush()
        return out

    def _settle(self, entry: BatchEntry, client: VendorBatches, row: dict[str, Any],
                item: ItemResult, out: Collected, writers: tuple[Any, Any]) -> None:
        key = row_key(row)
        if item.outcome == "ok" and item.body is not None:
            try:
                response = client.parse(item.body)
            except ProviderError as exc:  # e.g. an error object inside a 200 body
                item = ItemResult(item.custom_id, "errored", error=exc.detail, status=exc.status)
            else:
                self._write_ok(entry, row, response, out, writers[0])
                return
        if key in self.done:  # answered meanwhile (an earlier collect or an online resume)
            out.outcome["already_done"] += 1
            return
        out.outcome[item.outcome] += 1
        out.failures.append({"c": item.custom_id, "outcome": item.outcome, "error": item.error,
                             "status": item.status})
        fields: dict[str, Any] = {
            "run_id": self.store.run_id, "task_id": row["task_id"], "sample": int(row["sample"]),
            "model": row["model"], "error_type": ERROR_TYPES[item.outcome],
            "message": f"batch {entry.id} ({entry.name}): {item.error}", "status": item.status,
            "attempts": 1, "batch_id": entry.id}
        writers[1].write(ErrorRecord(**fields))

    def _write_ok(self, entry: BatchEntry, row: dict[str, Any], response: Response,
                  out: Collected, responses: Any) -> None:
        key = row_key(row)
        if key in self.done:  # collected before: never a second record
            out.outcome["already_done"] += 1
            return
        record = self.record(row, response, entry)
        responses.write(record)
        self.done.add(key)
        out.outcome["ok"] += 1
        out.cost_usd += record.cost_usd or 0.0
        if self.cache is not None and row.get("cache_key"):
            self.cache.put(row["cache_key"], response)


def missing_result(remote: RemoteBatch, cid: str) -> ItemResult:
    """The result of a request the vendor returned nothing for: the batch's own fate."""
    if remote.state == "expired":
        return ItemResult(cid, "expired", error="the batch expired before this request ran")
    if remote.state in ("cancelled", "canceled"):
        return ItemResult(cid, "cancelled", error="the batch was cancelled")
    return ItemResult(cid, "errored", error=remote.error or "no result returned for this request")
