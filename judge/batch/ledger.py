"""The batch ledger of a run: manifest entries plus the files beside them.

``manifest.json`` holds a ``batches`` list (one ``BatchEntry`` per vendor batch: vendor,
batch id, model spec, phase, request count, state, counts, times, outcome, cost) and a
``batch`` summary. ``batches/<name>.map.jsonl`` maps each custom_id back to its work key
((task_id, model, sample) for generation; (judge, request key) for judging);
``batches/<name>.failed.jsonl`` lists the items that came back errored, expired or
cancelled; ``batches/answers.jsonl`` keeps judge replies until their verdicts are made.
Nothing here holds a key: specs are key-free and request bodies are not stored.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field

from judge.records import now_iso
from judge.store import JsonlWriter, RunStore, read_jsonl

BATCH_DIR = "batches"
ANSWERS = "answers.jsonl"
Phase = Literal["generation", "judging"]
FAILED_OUTCOMES = ("errored", "expired", "cancelled")


class BatchEntry(BaseModel):
    """One vendor batch as the manifest records it."""

    model_config = ConfigDict(extra="forbid")
    name: str  # local name (g0001, j0001); also the stem of its files
    vendor: str
    model: str  # model spec (generation) or judge spec (judging)
    phase: Phase
    id: str | None = None  # the vendor's batch id (None until created)
    endpoint: str
    requests: int
    bytes: int
    map_file: str
    state: str = "submitting"  # the vendor's state word; submitting / not-submitted locally
    counts: dict[str, int] = Field(default_factory=dict)
    submitted: str | None = None
    ended: str | None = None
    collected: str | None = None
    outcome: dict[str, int] = Field(default_factory=dict)  # ok/errored/expired/cancelled/...
    cost_usd: float | None = None
    discount: float | None = None  # batch price multiplier applied to cost_usd
    retried: bool = False  # its failed items were resubmitted (--retry-failed)
    error: str | None = None

    @property
    def in_flight(self) -> bool:
        """Created at the vendor and not collected yet."""
        return self.id is not None and self.collected is None

    @property
    def failures(self) -> int:
        return sum(self.outcome.get(k, 0) for k in FAILED_OUTCOMES)


class Ledger:
    """Reads and writes a run's batch entries and their files (caller holds the run lock
    for writes)."""

    def __init__(self, store: RunStore) -> None:
        self.store = store
        self.dir = store.path / BATCH_DIR
        raw = store.read_manifest().get("batches") or []
        self.entries = [BatchEntry.model_validate(e) for e in raw]

    # -- entries
    def new_name(self, phase: Phase) -> str:
        prefix = "g" if phase == "generation" else "j"
        n = sum(1 for e in self.entries if e.phase == phase) + 1
        return f"{prefix}{n:04d}"

    def add(self, entry: BatchEntry) -> None:
        self.entries.append(entry)
        self.save()

    def in_flight(self, phase: Phase | None = None) -> list[BatchEntry]:
        return [e for e in self.entries if e.in_flight and (phase is None or e.phase == phase)]

    def save(self, spent: float = 0.0) -> None:
        """Rewrite the manifest's ``batches`` and ``batch`` summary (atomically); ``spent``
        (USD collected now) is added to the run's ``cost_usd``."""
        manifest = self.store.read_manifest()
        manifest["batches"] = [e.model_dump(mode="json") for e in self.entries]
        manifest["batch"] = self.summary()
        if spent:
            manifest["cost_usd"] = round(float(manifest.get("cost_usd") or 0.0) + spent, 6)
        self.store.write_manifest(manifest)

    def summary(self) -> dict[str, Any]:
        """Totals per (phase, model): batches, requests, outcomes, cost, discount."""
        rows: dict[str, dict[str, Any]] = {}
        for e in self.entries:
            row = rows.setdefault(f"{e.phase} {e.model}", {
                "phase": e.phase, "model": e.model, "batches": 0, "requests": 0,
                "in_flight": 0, "cost_usd": 0.0, "discount": e.discount})
            row["batches"] += 1
            row["requests"] += e.requests
            row["in_flight"] += e.in_flight
            row["cost_usd"] = round(row["cost_usd"] + (e.cost_usd or 0.0), 6)
            row["discount"] = e.discount if e.discount is not None else row["discount"]
            for k, v in e.outcome.items():
                row[k] = row.get(k, 0) + v
        total = round(sum(e.cost_usd or 0.0 for e in self.entries), 6)
        return {"cost_usd": total, "models": list(rows.values()), "updated": now_iso()}

    # -- files
    def _write_rows(self, rel: str, rows: list[dict[str, Any]]) -> str:
        self.dir.mkdir(exist_ok=True)
        tmp = self.store.path / f"{rel}.tmp"
        tmp.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.store.path / rel)
        return rel

    def write_map(self, name: str, rows: list[dict[str, Any]]) -> str:
        """Write ``<name>.map.jsonl`` atomically; returns its path relative to the run."""
        return self._write_rows(f"{BATCH_DIR}/{name}.map.jsonl", rows)

    def read_map(self, entry: BatchEntry) -> dict[str, dict[str, Any]]:
        """custom_id → work key of one batch."""
        return {r["c"]: r for r in read_jsonl(self.store.path / entry.map_file)}

    def write_failures(self, entry: BatchEntry, rows: list[dict[str, Any]]) -> None:
        """Write ``<name>.failed.jsonl`` atomically (a collect that is run again rewrites it)."""
        if not rows:
            return
        self._write_rows(f"{BATCH_DIR}/{entry.name}.failed.jsonl", rows)

    def failures(self, entry: BatchEntry) -> Iterator[dict[str, Any]]:
        """The items of a collected batch that came back errored, expired or cancelled."""
        return read_jsonl(self.dir / f"{entry.name}.failed.jsonl")

    def answers_writer(self) -> JsonlWriter:
        self.dir.mkdir(exist_ok=True)
        return JsonlWriter(self.dir / ANSWERS)

    def answers(self) -> Iterator[dict[str, Any]]:
        """Collected judge replies: {judge, key, batch, body}."""
        return read_jsonl(self.dir / ANSWERS)
