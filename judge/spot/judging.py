"""``:judge [RUBRIC ...]``: the LLM judge (judge.grading) on the last finished answer.

The judge model is ``--judge SPEC`` when given, else the model under test (said on
screen: a model judging itself is a weak judge). Without rubric names the intention
rubric is asked, plus reflection when the parser found a self-check or correction;
``all`` asks every rubric that applies. Verdicts stay on the sample and ``:save`` writes
them to judgments.jsonl next to the response.
"""

from __future__ import annotations

from judge.errors import ConfigError
from judge.grading.grader import Grader, GraderSettings
from judge.grading.rubrics import RUBRICS, Rubric, get_rubrics
from judge.grading.subject import Subject, TraceEvent, subject_for
from judge.providers.base import Provider
from judge.providers.registry import build_provider, parse_spec
from judge.records import JudgmentRecord
from judge.spot.save import record_for
from judge.spot.session import Sample, SpotSession
from judge.spot.tables import verdict_table
from judge.spot.ui import Ui
from judge.traces.models import REFLECTION_KINDS

SPOT_RUN_ID = "spot"


def pick_rubrics(names: list[str], sample: Sample) -> list[Rubric]:
    """Rubrics for ``:judge`` arguments (pairwise is for runs, not one answer)."""
    if names == ["all"]:
        return [r for r in RUBRICS.values() if r.name != "pairwise"]
    if not names:
        reflects = any(e.kind in REFLECTION_KINDS for e in sample.events)
        return [RUBRICS["intention"]] + ([RUBRICS["reflection"]] if reflects else [])
    if "pairwise" in names:
        raise ConfigError("pairwise compares two answers; use :diff here, or judge a saved run")
    return get_rubrics(names)


def subject_of(session: SpotSession, sample: Sample) -> Subject:
    """What the judge sees: the sample as a response record, with the parser's events."""
    record = record_for(sample, SPOT_RUN_ID, sample.number)
    events = [TraceEvent(kind=e.kind, quote=e.quote) for e in sample.events
              if e.kind in REFLECTION_KINDS]
    return subject_for(session.probes, record, events=events)


class JudgeBench:
    """Keeps the judge provider across ``:judge`` calls (built on first use)."""

    def __init__(self) -> None:
        self._provider: Provider | None = None

    def provider(self, session: SpotSession) -> Provider:
        spec = session.settings.judge
        if spec is None:
            return session.provider
        if self._provider is None or self._provider.spec != spec:
            self._provider = build_provider(parse_spec(spec))
        return self._provider

    async def aclose(self) -> None:
        if self._provider is not None:
            await self._provider.aclose()
            self._provider = None


async def judge_last(session: SpotSession, bench: JudgeBench, ui: Ui,
                     names: list[str]) -> list[JudgmentRecord]:
    """Judge the last finished answer under the chosen rubrics; show and keep the verdicts."""
    done = session.last_finished()
    if not done:
        raise ConfigError("nothing to judge yet: generate an answer first (Enter or a query)")
    sample = done[0]
    rubrics = pick_rubrics(names, sample)
    provider = bench.provider(session)
    if session.settings.judge is None:
        ui.note(f"judge: {provider.spec} (the model under test; pass --judge SPEC for another)")
    grader = Grader(provider, session.templates, GraderSettings(attempts=2), SPOT_RUN_ID)
    subject = subject_of(session, sample)
    records: list[JudgmentRecord] = []
    for rubric in rubrics:
        if not rubric.applies(subject):
            ui.note(f"{rubric.name}: does not apply here (e.g. no key points or no reasoning)")
            continue
        ui.note(f"asking the judge: {rubric.name} on {sample.label} …")
        k = sum(1 for j in sample.judgments if j.rubric == rubric.name and j.judge == provider.spec)
        record = await grader.judge(rubric, subject, k)
        sample.judgments.append(record)
        records.append(record)
    if records:
        ui.show(verdict_table(records, provider.spec))
    return records
