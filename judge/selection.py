"""A slice of a probe set: ``judge run --task PAGE:QUERY --task COMBO --task TASK_ID`` keeps
only those tasks.

The slice is a probe set itself (the pages, queries, explicit tasks and combos named, each
query limited to the pages it was named with), so the run's probeset.json, --resume and the
analysis all see exactly what ran. A planted-error pair is the unit of its measures, so
naming a planted task (or page × query) or its control keeps both.
"""

from __future__ import annotations

from judge.errors import ConfigError
from judge.probeset import ProbeSet, Query


def _parse(ref: str, probes: ProbeSet) -> tuple[str, str | None]:
    """'page:query' → (page, query); 'combo' or 'task id' → (id, None)."""
    page_ids = {p.id for p in probes.pages}
    combo_ids = {c.id for c in probes.combos} | {t.id for t in probes.tasks}
    if ":" not in ref:
        if ref in combo_ids:
            return ref, None
        hint = " (a page needs a query: PAGE:QUERY)" if ref in page_ids else ""
        raise ConfigError(f"--task {ref!r}: not a combo or task id in {probes.source}{hint}")
    page, query = ref.split(":", 1)
    if page not in page_ids:
        raise ConfigError(f"--task {ref!r}: no page {page!r} in {probes.source}")
    q = next((x for x in probes.queries if x.id == query), None)
    if q is None:
        raise ConfigError(f"--task {ref!r}: no query {query!r} in {probes.source}")
    if probes.expand and not q.applies(probes.page(page)):
        raise ConfigError(f"--task {ref!r}: query {query!r} does not apply to page {page!r}")
    return page, query


def _twins(probes: ProbeSet) -> dict[str, str]:
    """Planted task / page id ↔ its control's id, both ways."""
    out: dict[str, str] = {}
    owners = [(t.id, t.plant) for t in probes.tasks] + [(p.id, p.plant) for p in probes.pages]
    for owner, plant in owners:
        if plant is not None and plant.kind == "control" and plant.twin:
            out[owner], out[plant.twin] = plant.twin, owner
    return out


def _with_twins(refs: list[str], probes: ProbeSet) -> list[str]:
    """``refs`` plus the other half of every planted pair they name."""
    twins, out = _twins(probes), list(refs)
    for ref in refs:
        head, _, query = ref.partition(":")
        other = twins.get(head)
        if other is not None:
            out.append(f"{other}:{query}" if query else other)
    return list(dict.fromkeys(out))


def select(probes: ProbeSet, refs: list[str]) -> ProbeSet:
    """The probe set cut down to the tasks ``refs`` name (PAGE:QUERY, COMBO_ID or TASK_ID,
    each with its planted twin or control)."""
    if not refs:
        return probes
    pairs: dict[str, list[str]] = {}  # query id -> page ids, in the order given
    combos: list[str] = []
    for ref in _with_twins(refs, probes):
        head, query = _parse(ref, probes)
        if query is None:
            combos.append(head)
        elif head not in pairs.setdefault(query, []):
            pairs[query].append(head)
    keep_combos = [c for c in probes.combos if c.id in combos]
    keep_tasks = [t for t in probes.tasks if t.id in combos]
    needed = {p for ps in pairs.values() for p in ps} | {p for c in keep_combos for p in c.pages} \
        | {t.page for t in keep_tasks}
    used = set(pairs) | {t.query for t in keep_tasks}
    pages = [p for p in probes.pages if p.id in needed]
    queries = [_limited(q, pairs.get(q.id, []), probes.expand) for q in probes.queries
               if q.id in used]
    if not queries:  # combos only: a probe set needs a query; one that applies to no page
        queries = [probes.queries[0].model_copy(update={"pages": []})]
    steps_ok = [c.model_copy(update={"steps": [s for s in c.steps if s.query in pairs
                                               and s.page in pairs[s.query]]})
                for c in keep_combos]
    return probes.model_copy(update={"pages": pages, "queries": queries, "combos": steps_ok,
                                     "tasks": keep_tasks, "expand": True})


def _limited(q: Query, page_ids: list[str], expanded: bool = True) -> Query:
    """``q`` applying only to ``page_ids`` (and, when the set expanded, to its pages)."""
    allowed = [p for p in page_ids if not expanded or q.pages is None or p in q.pages]
    return q.model_copy(update={"pages": allowed, "applies_to": q.applies_to if expanded
                                else None})
