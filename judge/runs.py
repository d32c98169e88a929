"""Starting and resuming runs: probe set → tasks → run directory → Runner."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from judge.errors import ConfigError, JudgeError
from judge.manifest import build_manifest
from judge.probeset import ProbeSet, Task, iter_tasks, load_probeset
from judge.providers.base import Provider
from judge.providers.registry import build_provider, parse_spec
from judge.records import ResponseRecord, now_iso
from judge.runner import Observer, Runner, RunResult, RunSettings, check_settings, provider_spec
from judge.store import PROBESET, TRACES, RunStore
from judge.templates import Templates


def new_run_id(probes: ProbeSet) -> str:
    """e.g. 20261123-161502-web-summaries-3fa2."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{probes.name}-{secrets.token_hex(2)}"


class TaskSet:
    """The tasks of a run, generated again on each pass instead of held in memory
    (a Task is ~1 KB; a run of 100,000 tasks would hold 100 MB for nothing)."""

    def __init__(self, probes: ProbeSet, limit: int | None = None) -> None:
        self.probes, self.limit = probes, limit
        self._len: int | None = None
        self._by_template: dict[str, Task] = {}

    def __iter__(self) -> Iterator[Task]:
        return islice(iter_tasks(self.probes), self.limit)

    def _scan(self) -> None:
        """One pass for the count and the first task of each template."""
        n = 0
        for n, task in enumerate(self, 1):  # noqa: B007 - n is the count
            self._by_template.setdefault(task.template, task)
        self._len = n

    def __len__(self) -> int:
        if self._len is None:
            self._scan()
        return self._len  # type: ignore[return-value]

    @property
    def by_template(self) -> dict[str, Task]:
        """The first task of each template the tasks use."""
        if self._len is None:
            self._scan()
        return self._by_template

    @property
    def templates(self) -> set[str]:
        return set(self.by_template)


def select_tasks(probes: ProbeSet, limit: int | None) -> TaskSet:
    """The first ``limit`` tasks of a probe set (all when None), as a re-iterable."""
    return TaskSet(probes, limit)


def templates_for(probes: ProbeSet) -> Templates:
    """Templates next to the probe set first, then the bundled prompts/."""
    base = Path(probes.base_dir) if probes.base_dir else None
    extra = [d for d in (base, base / "prompts" if base else None) if d and d.is_dir()]
    return Templates(extra)


def build_providers(models: list[str]) -> dict[str, Provider]:
    """Build every provider up front: a missing key, extra or model fails before any work.
    The runner's scheduling options (concurrency, rpm, tpm, attempts) are not the provider's."""
    return {m: build_provider(provider_spec(parse_spec(m))) for m in models}


def prepare_run(probeset: str | Path | ProbeSet, models: list[str], settings: RunSettings,
                out_dir: Path, run_id: str | None = None,
                observers: list[Observer] | None = None) -> tuple[Runner, int]:
    """Validate everything, create the run directory, return the runner and pending count.
    ``probeset`` is a path, or a probe set the caller has loaded already."""
    if not models:
        raise ConfigError("give at least one --model (e.g. --model local)")
    if len(set(models)) != len(models):
        raise ConfigError("the same --model is given twice")
    probes = probeset if isinstance(probeset, ProbeSet) else load_probeset(probeset)
    check_settings(models, settings)
    providers = build_providers(models)
    tasks = select_tasks(probes, settings.limit)
    templates = templates_for(probes)
    for task in tasks.by_template.values():  # fail early on a bad template
        from judge.render import task_messages
        task_messages(probes, task, templates)
    store = RunStore.create(out_dir, run_id or new_run_id(probes))
    store.lock()
    store.write_json(PROBESET, probes.model_dump(mode="json"))
    settings_d = settings.model_dump(mode="json")
    store.write_manifest(build_manifest(store.run_id, probes, tasks, templates, models, settings_d))
    runner = Runner(store, probes, tasks, templates, models, settings, observers,
                    providers=providers)
    return runner, runner.pending_count(set())


# Settings a resumed run may change: how calls are scheduled and paid for, never what is
# asked (samples, seed, temperature, max tokens and limit stay the run's own).
RESUME_OVERRIDABLE = frozenset({"use_cache", "concurrency", "attempts", "rpm", "tpm",
                                "max_cost", "prices"})


def changed_inputs(manifest: dict[str, Any], probes: ProbeSet, templates: Templates) -> list[str]:
    """What differs from what the run started with: its probe set (probeset.json) and
    every task template, by sha256; one line per change."""
    out = []
    recorded = (manifest.get("probeset") or {}).get("sha256")
    if recorded and recorded != probes.content_sha256():
        out.append(f"probe set {PROBESET} (sha256 {recorded[:12]}… → "
                   f"{probes.content_sha256()[:12]}…)")
    for name, digest in sorted((manifest.get("templates") or {}).items()):
        try:
            now = templates.sha256(name)
        except JudgeError:
            now = "missing"
        if now != digest:
            out.append(f"template {name} ({templates_where(templates, name)}; sha256 "
                       f"{digest[:12]}… → {now[:12]}{'…' if now != 'missing' else ''})")
    return out


def templates_where(templates: Templates, name: str) -> str:
    try:
        return str(templates.source_path(name))
    except JudgeError:
        return "not found"


def without_spot_additions(probes: ProbeSet, manifest: dict[str, Any]) -> ProbeSet:
    """The run's own probe set: pages, queries and combos that `judge spot` :save added
    (manifest ``spot_added``) are not the run's work."""
    added = manifest.get("spot_added") or {}
    if not added:
        return probes
    return probes.model_copy(update={
        section: [x for x in getattr(probes, section) if x.id not in set(added.get(section, []))]
        for section in ("pages", "queries", "combos")})


def prepare_resume(ref: str, out_dir: Path, observers: list[Observer] | None = None,
                   overrides: dict[str, Any] | None = None,
                   allow_changed: bool = False) -> tuple[Runner, int, int]:
    """Reopen a run; returns the runner, the pending count and how many are already done.

    ``overrides`` may only change RESUME_OVERRIDABLE settings (anything else is a
    ConfigError); a probe set or task template that changed since the run started is a
    ConfigError naming it, unless ``allow_changed``."""
    bad = sorted(set(overrides or {}) - RESUME_OVERRIDABLE)
    if bad:
        raise ConfigError(f"--resume keeps the run's {', '.join(bad)}")
    store = RunStore.open(ref, out_dir)
    manifest = store.read_manifest()
    probes = ProbeSet.model_validate(store.read_json(PROBESET))
    templates = templates_for(probes)
    changed = changed_inputs(manifest, probes, templates)
    if changed and not allow_changed:
        raise ConfigError(f"run {store.run_id} started with other inputs: "
                          f"{'; '.join(changed)}. Resuming would mix prompts in one run: "
                          "restore them, or pass --allow-changed to resume anyway")
    settings = RunSettings(**{**manifest["settings"], **(overrides or {})})
    check_settings(manifest["models"], settings)
    providers = build_providers(manifest["models"])
    store.lock()
    tasks = select_tasks(without_spot_additions(probes, manifest), settings.limit)
    history = manifest.get("history", [])
    history.append({"resumed": now_iso(), "previous_status": manifest.get("status"),
                    **({"changed_inputs": changed} if changed else {}),
                    **({"overrides": overrides} if overrides else {})})
    store.update_manifest(status="running", history=history, ended=None)
    runner = Runner(store, probes, tasks, templates, manifest["models"], settings, observers,
                    providers=providers)
    runner.spent_before = float(manifest.get("cost_usd") or 0.0)
    done = store.done_keys()
    return runner, runner.pending_count(done), len(done)


def finish(runner: Runner, result: RunResult, status: str) -> None:
    """Record the outcome in the manifest (cost adds up over --resume sessions); unlock."""
    store = runner.store
    totals = {m: vars(t) for m, t in result.tallies.items()}
    manifest = store.read_manifest()
    prices = {s.spec: _price_entry(runner, s.spec) for s in runner.specs}
    manifest.update(status=status, ended=now_iso(), wall_s=round(result.wall_s, 3),
                    tallies=totals, prices={"sources": runner.prices.sources, "models": prices},
                    cost_usd=round(runner.spent_before + result.cost_usd, 6),
                    stop_reason=result.budget_stop)
    store.write_manifest(manifest)
    store.unlock()


def _price_entry(runner: Runner, spec: str) -> dict[str, Any] | None:
    price = runner.prices.lookup(spec)
    return price.model_dump() if price else None


def write_traces(store: RunStore) -> tuple[int, int, int]:
    """Parse every response's trace into traces.jsonl (streaming, constant memory).

    Returns (responses parsed, with a self-check, with a correction)."""
    from judge.traces import write_run_traces

    tally = [0, 0, 0]

    def count(rec: dict[str, Any]) -> None:
        counts = rec.get("counts") or {}
        tally[0] += 1
        tally[1] += bool(counts.get("self_check"))
        tally[2] += bool(counts.get("correction"))

    write_run_traces(store.path, on_record=count)
    return tally[0], tally[1], tally[2]


class TraceLoader:
    """judge.traces imported and its pattern library loaded in a background thread (~0.1 s
    of CPU) while a run's first calls are in flight."""

    def __init__(self) -> None:
        self._trace: Callable[[ResponseRecord], dict[str, Any]] | None = None
        self.ready = threading.Event()
        threading.Thread(target=self._load, name="judge-traces-load", daemon=True).start()

    def _load(self) -> None:
        try:
            from judge.traces import load_library, trace_record

            load_library()
            self._trace = trace_record
        except BaseException:  # noqa: BLE001 - LiveTraces falls back to the full pass
            pass
        finally:
            self.ready.set()

    def get(self) -> Callable[[ResponseRecord], dict[str, Any]] | None:
        """``trace_record`` once loaded (None if loading failed); waits for it."""
        self.ready.wait()
        return self._trace


class LiveTraces:
    """traces.jsonl written while a fresh run goes, instead of a pass over responses.jsonl
    after it: the runner calls ``observe`` right after storing each response, so the
    records come in responses.jsonl order (the same file ``write_run_traces`` writes for a
    run without repeated ids). Responses that arrive before the TraceLoader is done wait in
    a short backlog. ``commit`` renames the file into place (False if parsing failed:
    ``write_traces`` then does the whole pass and reports the error)."""

    BACKLOG = 512  # responses held before waiting for the library

    def __init__(self, store: RunStore, loader: TraceLoader | None = None) -> None:
        self.path = store.path / TRACES
        self.tmp = store.path / f".{TRACES}.{os.getpid()}.live.tmp"
        self.tally = [0, 0, 0]  # responses, with a self-check, with a correction
        self.failed = False
        self._loader = loader or TraceLoader()
        self._fh = open(self.tmp, "wb")  # noqa: SIM115 - closed in commit()/discard()
        self._backlog: list[ResponseRecord] = []

    def observe(self, record: ResponseRecord) -> None:
        """Runner observer: trace one stored response (or hold it until the library is in)."""
        if self.failed:
            return
        self._backlog.append(record)
        if self._loader.ready.is_set() or len(self._backlog) >= self.BACKLOG:
            self._drain()

    def _drain(self) -> None:
        trace = self._loader.get()
        if trace is None:
            self.failed = True
        if self.failed:
            self._backlog.clear()
            return
        try:
            for resp in self._backlog:
                rec = trace(resp)
                self._fh.write(orjson.dumps(rec) + b"\n")
                counts = rec.get("counts") or {}
                self.tally[0] += 1
                self.tally[1] += bool(counts.get("self_check"))
                self.tally[2] += bool(counts.get("correction"))
        except Exception:  # noqa: BLE001 - the full pass after the run raises it properly
            self.failed = True
        self._backlog.clear()

    def commit(self) -> bool:
        """Trace what is left, then fsync and rename into traces.jsonl."""
        self._drain()
        if self.failed:
            self.discard()
            return False
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self.tmp, self.path)
        return True

    def discard(self) -> None:
        """Drop the partial file (an interrupted run: ``--resume`` traces it all)."""
        self.failed = True
        self._backlog.clear()
        if not self._fh.closed:
            self._fh.close()
        self.tmp.unlink(missing_ok=True)
