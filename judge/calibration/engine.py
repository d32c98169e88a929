"""Running the calibration suite through the normal judging path.

A calibration is a run directory like any other (``runs/<id>/``): its probe set is the
bundled one plus the suite's extra queries, ``responses.jsonl`` holds the suite's answers
(model ``calibration-suite``; the B side of a pairwise case is ``calibration-suite/B``),
``traces.jsonl`` the trace parser's events on the reflection cases' reasoning, and the
judging is ``judge rejudge``'s: a ``JudgingSession`` whose only change is which work items a
response needs (the one rubric of its case), so the judge calls go through the same grader
— response cache, transport retries and limits, the vendor's JSON-schema mode, re-asks,
unparseable-never-scored, pairwise in both orders — and land in ``judgments.jsonl``.
Re-running an interrupted calibration costs nothing for the verdicts already made (they
come from the response cache). The answers are stored, and so judged, in ``judging_order``
(grouped by page), not rubric by rubric as the suite lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from judge.calibration.suite import Case, Suite
from judge.grading.hints import events_for
from judge.grading.io import latest_judgments
from judge.grading.live import rejudge
from judge.grading.rubrics import RUBRICS, Rubric
from judge.grading.session import JudgePlan, JudgingSession, WorkItem, record_plan
from judge.grading.subject import KeyPointRef, Subject
from judge.manifest import build_manifest
from judge.probeset import ProbeSet
from judge.providers.base import Provider
from judge.records import JudgmentRecord, Reasoning, ResponseRecord, now_iso, response_id
from judge.runs import templates_for
from judge.store import PROBESET, RESPONSES, TRACES, RunStore
from judge.templates import Templates
from judge.traces import trace_record

SUITE_MODEL = "calibration-suite"
SUITE_MODEL_B = "calibration-suite/B"


@dataclass(frozen=True)
class Prepared:
    """A case as the run stores it: its response (and the B side of a pair)."""

    case: Case
    response: ResponseRecord
    other: ResponseRecord | None = None


def _record(case: Case, run_id: str, model: str, text: str) -> ResponseRecord:
    reasoning = getattr(case.spec, "reasoning", None)
    return ResponseRecord(
        id=response_id(case.task_key, model, 0), run_id=run_id, task_id=case.task_key,
        sample=0, model=model, page_ids=[case.spec.page], query_id=case.spec.query,
        prompt_hash="planted", text=text,
        reasoning=Reasoning(text=reasoning, source="reasoning_content") if reasoning
        else Reasoning(), raw={"calibration_case": case.id, "rubric": case.rubric})


def prepare(cases: list[Case], run_id: str) -> list[Prepared]:
    """The response records of the cases (pairwise cases get a B-side record too)."""
    out = []
    for case in cases:
        other = None if case.other is None else _record(case, run_id, SUITE_MODEL_B, case.other)
        out.append(Prepared(case, _record(case, run_id, SUITE_MODEL, case.text), other))
    return out


def judging_order(prepared: list[Prepared]) -> list[Prepared]:
    """The order the cases are judged in: by page, query and answer, so adjacent judge
    prompts share the longest prefix (system prompt, page, request, answer), which llama.cpp
    evaluates once from its KV cache and vendors' prompt caches bill at the cached rate.
    The suite's files go rubric by rubric; no figure depends on this order."""
    return sorted(prepared, key=lambda p: (p.case.spec.page, p.case.spec.query, p.case.text,
                                           p.case.rubric, p.case.id))


def subject_of(p: Prepared, suite: Suite, probes: ProbeSet,
               trace: dict[str, Any] | None = None) -> Subject:
    """What the judge is shown for one case (the normal Subject, built from the suite)."""
    page = probes.page(p.case.spec.page)
    query = suite.query(probes, p.case.spec.query)
    return Subject(response=p.response, pages=[page], query_id=query.id, query_text=query.text,
                   intent=query.intent,
                   key_points=[KeyPointRef(k.id, k.role, k.text) for k in page.key_points],
                   other=p.other,
                   events=events_for(p.response, trace) if p.case.rubric == "reflection" else [])


class CalibrationSession(JudgingSession):
    """A judging session in which each response needs exactly its case's rubric."""

    def __init__(self, store: RunStore, probes: ProbeSet, templates: Templates, plan: JudgePlan,
                 subjects: dict[str, tuple[Rubric, Subject]]) -> None:
        super().__init__(store, probes, templates, plan, [SUITE_MODEL, SUITE_MODEL_B])
        self.subjects = subjects

    def items_for(self, record: ResponseRecord) -> list[WorkItem]:
        entry = self.subjects.get(record.id)
        if entry is None or entry[0] not in self.rubrics:
            return []
        rubric, subject = entry
        return [WorkItem(rubric, subject, k) for k in range(self.plan.samples)]


@dataclass
class Calibration:
    """A prepared calibration run: its store, session and cases."""

    store: RunStore
    session: CalibrationSession
    prepared: list[Prepared]
    started: float = field(default_factory=lambda: datetime.now(UTC).timestamp())

    def judgments(self) -> list[JudgmentRecord]:
        return latest_judgments(self.store)


def new_calibration_id() -> str:
    """e.g. calibrate-20261123-161502."""
    return "calibrate-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def _probes_with_queries(suite: Suite, probes: ProbeSet) -> ProbeSet:
    known = {q.id for q in probes.queries}
    extra = [q for q in suite.meta.queries if q.id not in known]
    return probes.model_copy(update={"queries": [*probes.queries, *extra]})


def open_calibration(suite: Suite, cases: list[Case], probes: ProbeSet, plan: JudgePlan,
                     out_dir: Path, run_id: str, extra: dict[str, Any]) -> Calibration:
    """Create the run directory with the cases' responses and traces, lock it, and make
    the session that will judge them."""
    plan.check()
    store = RunStore.create(out_dir, run_id)
    run_probes = _probes_with_queries(suite, probes)
    templates = templates_for(probes)
    prepared = prepare(cases, run_id)
    store.write_json(PROBESET, run_probes.model_dump(mode="json"))
    manifest = build_manifest(run_id, run_probes, [], templates, [SUITE_MODEL, SUITE_MODEL_B],
                              {})
    manifest.update(source="judge calibrate", tasks=len(prepared), calibration=extra)
    store.write_manifest(manifest)
    traces: dict[str, dict[str, Any]] = {}
    with store.writer(RESPONSES) as responses, store.writer(TRACES) as trace_out:
        for p in judging_order(prepared):
            responses.write(p.response)
            if p.other is not None:
                responses.write(p.other)
            if p.case.rubric == "reflection":
                row = traces[p.response.id] = trace_record(p.response)
                trace_out.write(row)
    subjects = {p.response.id: (RUBRICS[p.case.rubric],
                                subject_of(p, suite, probes, traces.get(p.response.id)))
                for p in prepared}
    store.lock()
    try:
        session = CalibrationSession(store, run_probes, templates, plan, subjects)
        record_plan(store, plan, templates)
    except BaseException:
        store.unlock()
        raise
    return Calibration(store, session, prepared)


async def judge_all(cal: Calibration, providers: dict[str, Provider],
                    watch: Callable[[JudgingSession], None] | None = None) -> None:
    """Judge every case (the store is unlocked at the end, as after ``judge rejudge``)."""
    if watch is not None:
        watch(cal.session)
    status = "interrupted"
    try:
        await rejudge(cal.session, providers)
        status = "complete"
    finally:
        cal.store.update_manifest(status=status, ended=now_iso())
