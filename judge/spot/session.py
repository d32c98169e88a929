"""Spot-check session state: the workspace, the current task and model, what was generated.

A ``Sample`` is one generation in the session (streamed, resampled, cancelled or failed);
only finished ones (status ``ok``) can be saved, judged or diffed. Samples of one
``:resample`` share a batch number.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from judge.probeset import PageType, ProbeSet, Task
from judge.providers.base import Message, Provider, Request, Response
from judge.providers.registry import build_provider, parse_spec
from judge.records import JudgmentRecord, content_hash
from judge.render import task_messages
from judge.runs import templates_for
from judge.spot import inputs
from judge.spot.reflect import Event, Trace, TracedOn
from judge.templates import Templates

Status = Literal["running", "ok", "cancelled", "error"]


def short_model(spec: str) -> str:
    """A model spec without its URL and options: ``compat:qwen3@http://…`` → ``compat:qwen3``."""
    return spec.split("?", 1)[0].split("@", 1)[0]


@dataclass
class Sample:
    """One generation made in the session."""

    number: int  # 1-based, in session order
    task: Task
    model: str
    seed: int | None
    batch: int | None = None
    text: str = ""
    reasoning: str = ""
    response: Response | None = None
    status: Status = "running"
    error: str | None = None
    prompt_hash: str = ""  # as judge.runner computes it: hash of the rendered messages
    events: list[Event] = field(default_factory=list)
    episodes: int = 0
    traced_on: TracedOn = "reasoning"
    judgments: list[JudgmentRecord] = field(default_factory=list)
    saved_to: set[str] = field(default_factory=set)

    def complete(self, response: Response, trace: Trace) -> None:
        """Record a finished generation and what the trace parser found in it."""
        self.response, self.text, self.reasoning = response, response.text, response.reasoning.text
        self.events, self.episodes, self.traced_on = trace.events, trace.episodes, trace.traced_on
        self.status = "ok"

    @property
    def self_checked(self) -> bool:
        return any(e.kind == "self_check" for e in self.events)

    @property
    def corrected(self) -> bool:
        return any(e.kind == "correction" for e in self.events)

    @property
    def label(self) -> str:
        return f"#{self.number} {short_model(self.model)}"


@dataclass
class SpotSettings:
    """Generation settings of a session."""

    max_tokens: int = 1024
    temperature: float | None = None
    concurrency: int = 4
    judge: str | None = None  # judge model spec (None: the current model)
    runs_dir: Path = Path("runs")
    page_type: PageType = "other"


class SpotSession:
    """Everything the REPL commands read and change."""

    def __init__(self, probes: ProbeSet, task: Task, provider: Provider,
                 settings: SpotSettings | None = None) -> None:
        self.probes, self.task, self.provider = probes, task, provider
        self.settings = settings or SpotSettings()
        self.templates: Templates = templates_for(probes)
        self.samples: list[Sample] = []
        self.batches = 0
        self.save_dir: Path | None = None
        self._seed_base = secrets.randbelow(1_000_000) * 1000

    # --- the current input --------------------------------------------------------------

    @property
    def model(self) -> str:
        return self.provider.spec

    def messages_for(self, task: Task) -> list[Message]:
        """The chat messages of a task (rendered from its template)."""
        return task_messages(self.probes, task, self.templates)

    def request_for(self, sample: Sample) -> Request:
        """The request of a sample (its task rendered from its template, its seed)."""
        task = sample.task
        messages = self.messages_for(task)
        sample.prompt_hash = content_hash([m.model_dump() for m in messages], length=16)
        return Request(messages=messages, max_tokens=self.settings.max_tokens,
                       temperature=self.settings.temperature, seed=sample.seed,
                       meta={"task_id": task.id, "sample": sample.number,
                             "page_ids": task.page_ids, "query_id": task.query_id,
                             "query_text": task.query_text, "combo_id": task.combo_id})

    def new_sample(self, batch: int | None = None) -> Sample:
        """Register a sample of the current task and model (its seed is fresh)."""
        number = len(self.samples) + 1
        sample = Sample(number=number, task=self.task, model=self.model,
                        seed=self._seed_base + number, batch=batch)
        self.samples.append(sample)
        return sample

    def new_batch(self) -> int:
        self.batches += 1
        return self.batches

    def set_task(self, ref: str) -> Task:
        self.task = inputs.resolve_task(self.probes, ref)
        return self.task

    def set_query(self, text: str) -> Task:
        self.probes, self.task = inputs.with_query(self.probes, self.task, text)
        return self.task

    def set_page(self, ref: str) -> Task:
        self.probes, self.task = inputs.with_page(self.probes, self.task, ref,
                                                  self.settings.page_type)
        return self.task

    async def set_model(self, spec: str) -> str:
        """Build the new provider first (a bad spec keeps the old one), then switch."""
        provider = build_provider(parse_spec(spec))
        old, self.provider = self.provider, provider
        if old is not provider:
            await old.aclose()
        return self.model

    # --- what was generated -------------------------------------------------------------

    def finished(self) -> list[Sample]:
        """Samples that completed (status ok), in order."""
        return [s for s in self.samples if s.status == "ok"]

    def last_finished(self, n: int = 1) -> list[Sample]:
        return self.finished()[-n:]

    def describe(self) -> str:
        return inputs.describe(self.probes, self.task)

    async def aclose(self) -> None:
        await self.provider.aclose()
