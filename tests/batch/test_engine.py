"""Batch runs in process against the fake batch engine: partial failures, expired items,
a batch in progress across two collects, cancel, retry, exactly-once collection, costs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from judge.pricing import load_prices
from judge.records import Usage
from tests.batch.conftest import (
    ANTHROPIC,
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


def keys(run_dir: Path) -> Counter[tuple[str, str, int]]:
    return Counter((r["task_id"], r["model"], r["sample"]) for r in rows(run_dir, "responses.jsonl"))


def test_partial_failures_and_expiry_are_recorded_then_retried(fake: FakeServer,
                                                              tmp_path: Path) -> None:
    batch_config(fake, error_every=7, expire_every=9)
    probes = make_probes(tmp_path / "p.yaml", pages=20, queries=3)
    ctx, report = start_run(probes, [OPENAI, ANTHROPIC], tmp_path, "pf", samples=2)
    run = ctx.store.path
    assert {e.model for e in report.collected} == {OPENAI, ANTHROPIC}
    got = keys(run)
    errors = rows(run, "errors.jsonl")
    assert len(got) + len(errors) == 240 and max(got.values()) == 1
    kinds = Counter(e["error_type"] for e in errors)
    assert kinds["BatchItemError"] > 0 and kinds["BatchExpired"] > 0
    assert all(e["batch_id"] and "batch" in e["message"] for e in errors)
    m = manifest(run)
    assert m["status"] == "incomplete"
    openai_entry = next(b for b in m["batches"] if b["vendor"] == "openai")
    assert openai_entry["state"] == "expired"  # an OpenAI batch with expired items
    assert sum(b["outcome"].get("errored", 0) + b["outcome"].get("expired", 0)
               for b in m["batches"]) == len(errors)
    # a plain collect does not resubmit failures (they wait for --retry-failed)
    again = collect(ctx)
    assert not again.submitted and keys(run) == got
    retried = collect(ctx, retry=True)
    assert retried.retried == ["generation"] and retried.submitted
    assert sum(e.requests for e in retried.submitted) == len(errors)
    assert manifest(run)["status"] == "batch-pending"
    assert len(collect(ctx).collected) == len(retried.submitted)  # the next collect
    final = keys(run)
    assert len(final) == 240 and set(final.values()) == {1}
    assert manifest(run)["status"] == "complete"
    stats = batch_stats(fake)
    assert stats["distinct_ids"] == 240 and stats["resubmitted"] == len(errors)


def test_batch_in_progress_across_two_collects(fake: FakeServer, tmp_path: Path) -> None:
    batch_config(fake, hold=True)
    probes = make_probes(tmp_path / "p.yaml", pages=4, queries=2)
    ctx, report = start_run(probes, [OPENAI, ANTHROPIC], tmp_path, "hold")
    run = ctx.store.path
    assert len(report.submitted) == 2 and not report.collected
    assert manifest(run)["status"] == "batch-pending"
    first = collect(ctx)
    assert not first.collected and not first.submitted and rows(run, "responses.jsonl") == []
    states = {b["vendor"]: b["state"] for b in manifest(run)["batches"]}
    assert states == {"openai": "in_progress", "anthropic": "in_progress"}
    batch_config(fake, hold=False)
    second = collect(ctx)
    assert len(second.collected) == 2 and len(keys(run)) == 16
    third = collect(ctx)  # nothing left: collecting again writes nothing
    assert not third.collected and len(rows(run, "responses.jsonl")) == 16
    assert manifest(run)["status"] == "complete"


def test_recollecting_a_batch_never_duplicates(fake: FakeServer, tmp_path: Path) -> None:
    """A collect killed after writing results but before marking the batch collected is
    finished by the next one without a second record."""
    probes = make_probes(tmp_path / "p.yaml", pages=5, queries=2)
    ctx, _ = start_run(probes, [OPENAI], tmp_path, "dup", samples=2)
    run = ctx.store.path
    assert len(keys(run)) == 20
    m = manifest(run)
    for b in m["batches"]:
        b["collected"] = None  # as if the process died before the manifest write
    ctx.store.write_manifest(m)
    report = collect(ctx)
    assert report.collected[0].outcome == {"already_done": 20}
    assert set(keys(run).values()) == {1} and len(rows(run, "responses.jsonl")) == 20


def test_cancel_keeps_finished_items_and_reports_the_rest(fake: FakeServer,
                                                         tmp_path: Path) -> None:
    batch_config(fake, hold=True, cancel_done=0.5)
    probes = make_probes(tmp_path / "p.yaml", pages=5, queries=2)
    ctx, _ = start_run(probes, [OPENAI, ANTHROPIC], tmp_path, "cancel")
    run = ctx.store.path
    cancelled = collect(ctx, cancel=True)
    assert not cancelled.problems
    assert {b["state"] for b in manifest(run)["batches"]} == {"cancelling", "canceling"}
    report = collect(ctx)
    assert len(report.collected) == 2
    assert {b["state"] for b in manifest(run)["batches"]} == {"cancelled", "ended"}
    assert len(keys(run)) == 10
    errors = rows(run, "errors.jsonl")
    assert len(errors) == 10 and {e["error_type"] for e in errors} == {"BatchCancelled"}
    batch_config(fake, hold=False)
    collect(ctx, retry=True, wait=True)
    assert len(keys(run)) == 20 and set(keys(run).values()) == {1}


def test_chunking_to_batch_size_and_discounted_cost(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=10, queries=3)
    ctx, report = start_run(probes, [OPENAI], tmp_path, "chunk", batch_size=7, samples=1)
    run = ctx.store.path
    assert [e.requests for e in report.submitted] == [7, 7, 7, 7, 2]
    assert len({e.id for e in report.submitted}) == 5 and len(keys(run)) == 30
    prices = load_prices()
    for r in rows(run, "responses.jsonl"):
        online = prices.cost(OPENAI, Usage(**r["usage"]), r["model_id"])
        assert r["cost_usd"] == pytest.approx(online * 0.5)
    m = manifest(run)
    total = sum(r["cost_usd"] for r in rows(run, "responses.jsonl"))
    assert m["cost_usd"] == pytest.approx(total, abs=1e-6)
    assert m["batch"]["cost_usd"] == pytest.approx(total, abs=1e-6)
    assert m["batch"]["models"][0]["discount"] == 0.5


def test_failed_openai_batch_fails_every_item(fake: FakeServer, tmp_path: Path) -> None:
    """A batch the vendor rejects as a whole (input validation) fails all its items."""
    batch_config(fake, openai_max_requests=3)  # the vendor's limit is lower than ours
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=2)
    ctx, report = start_run(probes, [OPENAI], tmp_path, "failed")
    run = ctx.store.path
    entry = report.collected[0]
    assert entry.state == "failed" and "at most 3" in (entry.error or "")
    errors = rows(run, "errors.jsonl")
    assert len(errors) == 4 and all("at most 3" in e["message"] for e in errors)
    batch_config(fake)
    collect(ctx, retry=True, wait=True)
    assert len(keys(run)) == 4


def test_cache_hits_are_not_submitted(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=2)
    start_run(probes, [OPENAI], tmp_path, "first", use_cache=True)
    ctx, report = start_run(probes, [OPENAI], tmp_path, "second", use_cache=True)
    assert report.cached == 6 and not report.submitted
    assert all(r["cached"] for r in rows(ctx.store.path, "responses.jsonl"))
    assert manifest(ctx.store.path)["status"] == "complete"


def test_online_models_run_online_beside_batches(fake: FakeServer, tmp_path: Path) -> None:
    probes = make_probes(tmp_path / "p.yaml", pages=3, queries=2)
    compat = f"compat:qwen3@{fake.openai_base}"
    ctx, report = start_run(probes, [OPENAI, compat], tmp_path, "mixed")
    run = ctx.store.path
    assert [e.model for e in report.submitted] == [OPENAI]
    by_model = Counter(r["model"] for r in rows(run, "responses.jsonl"))
    assert by_model == {OPENAI: 6, compat: 6}
    online = [r for r in rows(run, "responses.jsonl") if r["model"] == compat]
    assert all("batch_id" not in r for r in online)
    assert manifest(run)["batch_mode"]["models"] == [OPENAI]


def test_missing_key_is_reported_and_the_other_model_still_goes(
        fake: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    probes = make_probes(tmp_path / "p.yaml", pages=2, queries=2)
    ctx, report = start_run(probes, [ANTHROPIC, OPENAI], tmp_path, "nokey")
    assert [e.model for e in report.submitted] == [OPENAI]
    assert any("ANTHROPIC_API_KEY is not set" in p for p in report.problems)
    entry = manifest(ctx.store.path)["batches"][0]
    assert entry["state"] == "not-submitted" and entry["id"] is None
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-batch-8e21b4c09f6a")
    later = collect(ctx)  # never-submitted items go out with the next collect
    assert [e.model for e in later.submitted] == [ANTHROPIC]
    collect(ctx)
    assert len(keys(ctx.store.path)) == 8 and manifest(ctx.store.path)["status"] == "complete"
