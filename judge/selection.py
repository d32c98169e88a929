"""A slice of a probe set: ``judge run --task PAGE:QUERY --task COMBO`` keeps only those tasks.

The slice is a probe set itself (the pages, queries and combos named, each query limited to
the pages it was named with), so the run's probeset.json, --resume and the analysis all see
exactly what ran.
"""

from __future__ import annotations

from judge.errors import ConfigError
from judge.probeset import ProbeSet, Query


def _parse(ref: str, probes: ProbeSet) -> tuple[str, str | None]:
    """'page:query' → (page, query); 'combo' → (combo, None)."""
    page_ids = {p.id for p in probes.pages}
    combo_ids = {c.id for c in probes.combos}
    if ":" not in ref:
        if ref in combo_ids:
            return ref, None
        hint = " (a page needs a query: PAGE:QUERY)" if ref in page_ids else ""
        raise ConfigError(f"--task {ref!r}: not a combo id in {probes.source}{hint}")
    page, query = ref.split(":", 1)
    if page not in page_ids:
        raise ConfigError(f"--task {ref!r}: no page {page!r} in {probes.source}")
    q = next((x for x in probes.queries if x.id == query), None)
    if q is None:
        raise ConfigError(f"--task {ref!r}: no query {query!r} in {probes.source}")
    if not q.applies(probes.page(page)):
        raise ConfigError(f"--task {ref!r}: query {query!r} does not apply to page {page!r}")
    return page, query


def select(probes: ProbeSet, refs: list[str]) -> ProbeSet:
    """The probe set cut down to the tasks ``refs`` name (PAGE:QUERY or COMBO_ID)."""
    if not refs:
        return probes
    pairs: dict[str, list[str]] = {}  # query id -> page ids, in the order given
    combos: list[str] = []
    for ref in refs:
        head, query = _parse(ref, probes)
        if query is None:
            combos.append(head)
        elif head not in pairs.setdefault(query, []):
            pairs[query].append(head)
    keep_combos = [c for c in probes.combos if c.id in combos]
    needed = {p for ps in pairs.values() for p in ps} | {p for c in keep_combos for p in c.pages}
    pages = [p for p in probes.pages if p.id in needed]
    queries = [_limited(q, pairs[q.id]) for q in probes.queries if q.id in pairs]
    if not queries:  # combos only: a probe set needs a query; one that applies to no page
        queries = [probes.queries[0].model_copy(update={"pages": []})]
    steps_ok = [c.model_copy(update={"steps": [s for s in c.steps if s.query in pairs
                                               and s.page in pairs[s.query]]})
                for c in keep_combos]
    return probes.model_copy(update={"pages": pages, "queries": queries, "combos": steps_ok})


def _limited(q: Query, page_ids: list[str]) -> Query:
    allowed = [p for p in page_ids if q.pages is None or p in q.pages]
    return q.model_copy(update={"pages": allowed})
