"""A 5,000-item batch run (2,500 page × query tasks × 2 samples) with partial failures and
expired items, chunked into several batches, collected completely: every item once."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from tests.batch.conftest import (
    OPENAI,
    batch_config,
    batch_stats,
    collect,
    make_probes,
    manifest,
    rows,
    start_run,
)
from tests.fakeserver import FakeServer


def test_5000_items_collected_exactly_once(fake: FakeServer, tmp_path: Path) -> None:
    started = time.monotonic()
    batch_config(fake, error_every=40, expire_every=60, hold=True)
    probes = make_probes(tmp_path / "big.yaml", pages=250, queries=10)
    ctx, report = start_run(probes, [OPENAI], tmp_path, "big", samples=2, batch_size=2000)
    run = ctx.store.path
    assert [e.requests for e in report.submitted] == [2000, 2000, 1000]
    assert manifest(run)["status"] == "batch-pending" and not report.collected
    batch_config(fake, error_every=40, expire_every=60)  # the vendor finishes them
    first = collect(ctx)
    assert len(first.collected) == 3
    failed = rows(run, "errors.jsonl")
    ok = rows(run, "responses.jsonl")
    assert len(ok) + len(failed) == 5000 and 50 < len(failed) < 400
    collect(ctx, retry=True, wait=True)
    final = Counter((r["task_id"], r["sample"]) for r in rows(run, "responses.jsonl"))
    assert len(final) == 5000 and set(final.values()) == {1}
    assert {(t, s) for t in {k[0] for k in final} for s in (0, 1)} == set(final)
    m = manifest(run)
    assert m["status"] == "complete" and len(m["batches"]) == 4
    stats = batch_stats(fake)
    assert stats["distinct_ids"] == 5000 and stats["resubmitted"] == len(failed)
    assert stats["openai_items"] == 5000 + len(failed)
    assert time.monotonic() - started < 60
