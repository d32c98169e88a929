"""What batch commands need of a run: its store, a Runner (tasks, requests, prices,
settings — no providers built), the judging plan and the batch settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from judge.probeset import ProbeSet
from judge.runner import Runner, RunSettings
from judge.runs import select_tasks, templates_for
from judge.store import PROBESET, RunStore

if TYPE_CHECKING:  # judge.grading is imported only by runs that judge
    from judge.grading.session import JudgePlan


class BatchSettings(BaseModel):
    """How a run uses batch APIs (``manifest["batch_mode"]``)."""

    model_config = ConfigDict(extra="forbid")
    models: list[str] = Field(default_factory=list)  # generation through batch APIs
    judging: bool = False  # judging as a second phase (batch for openai/anthropic judges)
    batch_size: int | None = Field(default=None, ge=1)  # requests per batch (vendor max)


@dataclass
class RunContext:
    """One run opened for batch work."""

    store: RunStore
    runner: Runner
    plan: JudgePlan | None
    settings: BatchSettings

    @property
    def run_id(self) -> str:
        return self.store.run_id


def open_context(ref: str | Path, out_dir: Path) -> RunContext:
    """Open a run (by id under ``out_dir`` or by path) from its own files."""
    store = RunStore.open(ref, out_dir)
    manifest = store.read_manifest()
    probes = ProbeSet.model_validate(store.read_json(PROBESET))
    settings = RunSettings(**manifest["settings"])
    runner = Runner(store, probes, select_tasks(probes, settings.limit), templates_for(probes),
                    list(manifest["models"]), settings, providers={})
    return RunContext(store, runner, plan_of(manifest), batch_settings(manifest))


def plan_of(manifest: dict[str, Any]) -> JudgePlan | None:
    """The run's judging plan, if it has judges."""
    raw = manifest.get("judging")
    if not raw:
        return None
    from judge.grading.session import JudgePlan

    return JudgePlan.model_validate(raw)


def batch_settings(manifest: dict[str, Any]) -> BatchSettings:
    return BatchSettings.model_validate(manifest.get("batch_mode") or {})
