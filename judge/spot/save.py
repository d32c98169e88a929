"""``:save``: append the session's finished samples to a run directory.

A new directory becomes a valid run (manifest.json, probeset.json with the workspace,
responses.jsonl, traces.jsonl, judgments.jsonl), so ``judge`` reports read it like any
other run; the trace records come from the trace parser, as a run's do. A run that has a
traces.jsonl gets trace records for the appended responses too (one without keeps none:
``judge traces RUN`` traces all of it). An
existing run gets the records appended: pages, queries and combos the samples need and
the run's probe set lacks are added to its probeset.json (a clash of ids with different
content is refused), sample numbers continue after the run's own, and the manifest's
history says what was added. Each sample is saved once per directory.

Spot samples never become work for ``judge run --resume``: their models are listed under
the manifest's ``spot_models`` (not ``models``, the models a resume calls), and the pages,
queries and combos added to an existing run are listed under ``spot_added``, which a
resume leaves out of the tasks it schedules.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from judge.errors import StoreError
from judge.manifest import build_manifest
from judge.probeset import ProbeSet, Task
from judge.records import ResponseRecord, judgment_id, now_iso, response_id
from judge.runner import RunSettings
from judge.spot.session import Sample, SpotSession
from judge.store import JUDGMENTS, MANIFEST, PROBESET, RESPONSES, TRACES, RunStore
from judge.traces import trace_record


@dataclass
class SaveResult:
    """What ``:save`` wrote."""

    path: Path
    responses: int
    judgments: int
    created: bool
    added: list[str]
    traced: bool  # trace records were appended to traces.jsonl


def default_dir(session: SpotSession) -> Path:
    """runs/spot-YYYYmmdd-HHMMSS-<probe set name>."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return session.settings.runs_dir / f"spot-{stamp}-{session.probes.name}"


def save(session: SpotSession, target: Path | None) -> SaveResult:
    """Append every finished, not yet saved sample to ``target`` (or the session's dir)."""
    path = target or session.save_dir or default_dir(session)
    key = str(path.resolve())
    todo = [s for s in session.finished() if key not in s.saved_to]
    created = not (path / MANIFEST).exists()
    store = _create(session, path, todo) if created else RunStore.open(path)
    store.lock()
    try:
        added = [] if created else _merge_probeset(store, session.probes, todo)
        traces = created or (path / TRACES).exists()  # else the run was never traced
        n_judgments = _append(store, todo, traces)
        _touch_manifest(store, todo, created, added)
    finally:
        store.unlock()
    for s in todo:
        s.saved_to.add(key)
    session.save_dir = path
    return SaveResult(path, len(todo), n_judgments, created, added, traces)


def _tasks(samples: list[Sample]) -> list[Task]:
    return list({s.task.id: s.task for s in samples}.values())


def _settings(session: SpotSession) -> dict[str, Any]:
    return RunSettings(samples=1, seed=None, temperature=session.settings.temperature,
                       max_tokens=session.settings.max_tokens,
                       concurrency=session.settings.concurrency).model_dump(mode="json")


def _create(session: SpotSession, path: Path, samples: list[Sample]) -> RunStore:
    if path.exists() and any(path.iterdir()):
        raise StoreError(f"{path} exists and is not a run directory (no {MANIFEST})")
    store = RunStore.create(path.parent, path.name)
    store.write_json(PROBESET, session.probes.model_dump(mode="json"))
    models = list(dict.fromkeys(s.model for s in samples)) or [session.model]
    tasks = _tasks(samples) or [session.task]
    manifest = build_manifest(store.run_id, session.probes, tasks, session.templates, [],
                              _settings(session))
    manifest.update(status="complete", source="judge spot", ended=now_iso(), tasks=len(tasks),
                    spot_models=models)
    store.write_manifest(manifest)
    return store


SINGULAR = {"pages": "page", "queries": "query", "combos": "combo"}


def _missing(run: ProbeSet, workspace: ProbeSet, section: str, needed: set[str | None],
             where: Path) -> list[Any]:
    """Items of ``section`` the samples need and the run lacks; a clash is an error."""
    have = {x.id: x for x in getattr(run, section)}
    extra = []
    for item in getattr(workspace, section):
        if item.id not in needed:
            continue
        if item.id not in have:
            extra.append(item)
        elif have[item.id] != item:
            raise StoreError(f"{where}: {SINGULAR[section]} {item.id!r} differs from the one "
                             "in this session; save to another directory")
    return extra


def _merge_probeset(store: RunStore, workspace: ProbeSet, samples: list[Sample]) -> list[str]:
    """Add the pages / queries / combos the samples need to the run's probeset.json."""
    where = store.path / PROBESET
    if not where.exists():
        raise StoreError(f"{store.path} has no {PROBESET}; cannot add spot samples to it")
    run = ProbeSet.model_validate(store.read_json(PROBESET))
    needed: dict[str, set[str | None]] = {
        "pages": {pid for s in samples for pid in s.task.page_ids},
        "queries": {s.task.query_id for s in samples if s.task.kind == "single"},
        "combos": {s.task.combo_id for s in samples if s.task.kind == "combo"}}
    update: dict[str, list[Any]] = {}
    added: list[str] = []
    for section, ids in needed.items():
        extra = _missing(run, workspace, section, ids, where)
        if extra:
            update[section] = [*getattr(run, section), *extra]
            added += [f"{SINGULAR[section]} {x.id}" for x in extra]
    if update:
        store.write_json(PROBESET, run.model_copy(update=update).model_dump(mode="json"))
    return added


def _next_samples(store: RunStore) -> dict[tuple[str, str], int]:
    nxt: dict[tuple[str, str], int] = {}
    for task_id, model, sample in store.done_keys():
        nxt[(task_id, model)] = max(nxt.get((task_id, model), 0), sample + 1)
    return nxt


def record_for(sample: Sample, run_id: str, index: int) -> ResponseRecord:
    """The ResponseRecord of a finished sample, as sample ``index`` of its task."""
    r = sample.response
    assert r is not None, "only finished samples are recorded"
    task = sample.task
    return ResponseRecord(
        id=response_id(task.id, sample.model, index), run_id=run_id, task_id=task.id,
        sample=index, model=sample.model, task_kind=task.kind, page_ids=task.page_ids,
        query_id=task.query_id, combo_id=task.combo_id,
        prompt_hash=sample.prompt_hash, text=r.text, reasoning=r.reasoning,
        usage=r.usage, latency_s=r.latency_s, finish_reason=r.finish_reason,
        model_id=r.model_id, raw={"spot": {"seed": sample.seed, "session_sample": sample.number},
                                  "response": r.raw})


def _append(store: RunStore, samples: list[Sample], traces: bool) -> int:
    """Write the samples' responses (and traces, verdicts); returns the verdict count."""
    nxt = _next_samples(store)
    n_judgments = 0
    with store.writer(RESPONSES) as responses, store.writer(JUDGMENTS) as judgments, \
            contextlib.ExitStack() as stack:
        trace_out = stack.enter_context(store.writer(TRACES)) if traces else None
        for s in samples:
            index = nxt.get((s.task.id, s.model), 0)
            nxt[(s.task.id, s.model)] = index + 1
            record = record_for(s, store.run_id, index)
            responses.write(record)
            if trace_out is not None:
                trace_out.write(trace_record(record))
            for j in s.judgments:
                judgments.write(j.model_copy(update={
                    "run_id": store.run_id, "response_id": record.id, "sample": index,
                    "id": judgment_id(record.id, j.judge, j.rubric, j.judge_sample,
                                      j.against_query_id, j.other_response_id)}))
                n_judgments += 1
    return n_judgments


def _touch_manifest(store: RunStore, samples: list[Sample], created: bool,
                    added: list[str]) -> None:
    manifest = store.read_manifest()
    run_models = set(manifest.get("models") or [])
    models = list(manifest.get("spot_models") or [])
    models += [m for m in dict.fromkeys(s.model for s in samples)
               if m not in models and m not in run_models]
    judges = list(manifest.get("judges") or [])
    judges += [j for j in dict.fromkeys(r.judge for s in samples for r in s.judgments)
               if j not in judges]
    history = list(manifest.get("history") or [])
    history.append({"spot_saved": now_iso(), "responses": len(samples), "added": added})
    changes: dict[str, Any] = {"spot_models": models, "judges": judges, "history": history}
    if added:
        spot_added = dict(manifest.get("spot_added") or {})
        for entry in added:
            kind, _, item_id = entry.partition(" ")
            section = {v: k for k, v in SINGULAR.items()}[kind]
            spot_added[section] = [*spot_added.get(section, []), item_id]
        changes["spot_added"] = spot_added
        run = ProbeSet.model_validate(store.read_json(PROBESET))
        changes["probeset"] = {**manifest.get("probeset", {}), "sha256": run.content_sha256()}
    if not created:
        changes["ended"] = manifest.get("ended") or now_iso()
    manifest.update(changes)
    store.write_manifest(manifest)
