"""What a judge looks at: one response with its pages, query, key points and hints.

A ``Subject`` is built from the run's probe set and a ResponseRecord. Combos are judged
against the combo query and the key points of all their pages (ids ``page/kp``). For the
cross-query matrix the same response is judged against another query of its page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from judge.plants.index import PlantedTask, plant_index
from judge.probeset import Combo, Page, ProbeSet, Query
from judge.records import ResponseRecord

# Expected strategy label per page type (analysis computes label == expected).
EXPECTED_STRATEGY = {"news": "event", "review": "pros-cons", "paper": "method-conclusion",
                     "short": "one-sentence", "product": "generic", "long": "generic",
                     "other": "generic"}


@dataclass(frozen=True)
class KeyPointRef:
    """An annotated key point as the judge sees it."""

    id: str
    role: str
    text: str
    draft: bool = False


@dataclass(frozen=True)
class TraceEvent:
    """A self-check / correction the trace parser found (a hint for the reflection judge)."""

    kind: str
    quote: str


@dataclass
class Subject:
    """One thing to judge."""

    response: ResponseRecord
    pages: list[Page]
    query_id: str | None
    query_text: str
    intent: str | None
    key_points: list[KeyPointRef]
    against_query_id: str | None = None
    other: ResponseRecord | None = None  # pairwise: the B side
    events: list[TraceEvent] = field(default_factory=list)
    plant: PlantedTask | None = None  # planted-error task (or its control): the error

    @property
    def is_combo(self) -> bool:
        return self.response.task_kind == "combo"

    @property
    def page_type(self) -> str | None:
        return None if self.is_combo else self.pages[0].type

    @property
    def expected_strategy(self) -> str | None:
        return None if self.is_combo else EXPECTED_STRATEGY.get(self.pages[0].type)

    @property
    def reasoning(self) -> str:
        return self.response.reasoning.text


def _combo(probes: ProbeSet, combo_id: str | None) -> Combo | None:
    return next((c for c in probes.combos if c.id == combo_id), None)


def subject_for(probes: ProbeSet, response: ResponseRecord, against: Query | None = None,
                other: ResponseRecord | None = None,
                events: list[TraceEvent] | None = None) -> Subject:
    """Build the subject of a response (optionally against another query, or vs ``other``)."""
    pages = [probes.page(pid) for pid in response.page_ids]
    if response.task_kind == "combo":
        combo = _combo(probes, response.combo_id)
        query_id, text, intent = response.combo_id, combo.query if combo else "", "combo"
        kps = [KeyPointRef(f"{p.id}/{k.id}", k.role, k.text, k.draft)
               for p in pages for k in p.key_points]
    else:
        q = against or probes.query_by_id(str(response.query_id))
        query_id, text, intent = q.id, q.text, q.intent
        kps = [KeyPointRef(k.id, k.role, k.text, k.draft) for k in pages[0].key_points]
    return Subject(response=response, pages=pages, query_id=query_id, query_text=text,
                   intent=intent, key_points=kps,
                   against_query_id=against.id if against else None, other=other,
                   events=list(events or []),
                   plant=plant_index(probes).get(response.task_id) if against is None else None)


def other_queries(probes: ProbeSet, response: ResponseRecord) -> list[Query]:
    """Queries of the response's page other than its own (single-page tasks only)."""
    if response.task_kind != "single" or len(response.page_ids) != 1:
        return []
    page = probes.page(response.page_ids[0])
    return [q for q in probes.queries if q.applies(page) and q.id != response.query_id]
