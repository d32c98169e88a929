"""Reading a run directory for analysis: manifest, probe set, responses, judgments, traces.

Responses are streamed without their raw vendor payloads (analysis never reads them, and
they are most of a responses.jsonl's size). A response id that appears more than once (a
resumed run may repeat one) counts once: its last copy, in its first position — the rule
judge.traces applies when it writes traces.jsonl.

Missing files are tolerated (a run may not be judged or traced yet): the corresponding
lists are empty and every analysis section says so instead of failing. When judgments.jsonl
holds several records with one judgment id (re-judged after a template change), the last
one counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judge.errors import StoreError
from judge.probeset import ProbeSet
from judge.store import JUDGMENTS, PROBESET, RESPONSES, TRACES, RunStore


def latest_judgments(judgments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last record of each judgment id (a rejudge with a changed template appends a
    new record under the same id; the newest one counts)."""
    latest: dict[str, dict[str, Any]] = {}
    for j in judgments:
        latest.pop(str(j.get("id")), None)  # keep file order of the newest records
        latest[str(j.get("id"))] = j
    return list(latest.values())


def read_responses(store: RunStore) -> list[dict[str, Any]]:
    """A run's responses without ``raw``: each id once (last copy, first position)."""
    by_id: dict[str, dict[str, Any]] = {}
    for r in store.records(RESPONSES):
        r.pop("raw", None)
        by_id[str(r.get("id"))] = r  # a repeated id keeps its first position
    return list(by_id.values())


@dataclass
class RunData:
    """Everything analysis reads from one run, indexed for lookups."""

    run_id: str
    path: Path
    manifest: dict[str, Any]
    probeset: ProbeSet | None
    responses: list[dict[str, Any]]
    judgments: list[dict[str, Any]]
    traces: list[dict[str, Any]]
    by_response: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    trace_by_response: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.judgments = latest_judgments(self.judgments)
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for j in self.judgments:
            grouped[str(j.get("response_id"))].append(j)
        self.by_response = dict(grouped)
        for t in self.traces:
            rid = t.get("response_id") or t.get("id")
            if rid:
                self.trace_by_response[str(rid)] = t

    @property
    def models(self) -> list[str]:
        """Models in manifest order, then any others found in responses."""
        seen = list(self.manifest.get("models") or [])
        for r in self.responses:
            if r["model"] not in seen:
                seen.append(r["model"])
        return seen

    @property
    def label(self) -> str:
        """Short human label: the run id, plus the model when there is exactly one."""
        models = self.models
        return f"{self.run_id} ({models[0]})" if len(models) == 1 else self.run_id


def _read_probeset(store: RunStore) -> ProbeSet | None:
    if not (store.path / PROBESET).exists():
        return None
    try:
        return ProbeSet.model_validate(store.read_json(PROBESET))
    except Exception as exc:  # a probe set written by an older version
        raise StoreError(f"{store.path / PROBESET}: unreadable probe set ({exc})") from None


def load_run(ref: str | Path, out_dir: Path | None = None) -> RunData:
    """Open a run by id (under ``out_dir``) or path and read all of its records."""
    store = RunStore.open(ref, out_dir)
    return RunData(
        run_id=store.run_id,
        path=store.path,
        manifest=store.read_manifest(),
        probeset=_read_probeset(store),
        responses=read_responses(store),
        judgments=list(store.records(JUDGMENTS)),
        traces=list(store.records(TRACES)),
    )
