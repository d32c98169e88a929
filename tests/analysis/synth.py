"""Synthetic runs with planted ground truth, written as real run directories.

A *model* here is a function ``(task, sample, rng) -> Outcome``; ``write_run`` turns the
outcomes into the same files a real run + judge + trace parser write (records built with
the real pydantic record classes), so the analysis reads them exactly as it reads real runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from judge.probeset import Combo, KeyPoint, Length, Page, ProbeSet, Query, Step, Task, expand
from judge.records import JudgmentRecord, ResponseRecord, judgment_id, response_id
from judge.store import JUDGMENTS, PROBESET, RESPONSES, TRACES, RunStore

EXPECTED = {"news": "event", "review": "pros-cons", "paper": "method-conclusion",
            "short": "one-sentence", "product": "generic", "long": "generic", "other": "generic"}
WEIGHTS = {"core": 2.0, "supporting": 1.0, "background": 0.5}
CREDIT = {"covered": 1.0, "partial": 0.5, "missing": 0.0}
SELF_CHECK = "Wait, let me re-check the numbers."
CORRECTION = "Actually, that's wrong: it is 14 months."
PIVOT = "Wait, maybe a table would make this <easier>."
PIVOT_WHY = 'opens a new idea: "maybe" <svg onload=alert(2)>'  # untrusted text, shown escaped


@dataclass
class Outcome:
    """What one response looks like and how the judge and trace parser saw it.

    None means "not judged / not traced" for that rubric.
    """

    text: str = "A summary."
    intention: float | list[float] | None = 4.0  # a list: one score per judge repeat
    statuses: dict[str, str] | None = None  # key point id -> covered/partial/missing
    label: str | None = None
    faithfulness: float | None = None  # NaN: a verdict that found no claims
    follow: bool | None = None  # reflection follow-through (only with a correction)
    self_check: bool = False
    correction: bool = False
    traced: bool = True
    pivot: bool | None = None  # None: a schema-1 trace record (before pivots existed)
    cross: dict[str, float] = field(default_factory=dict)  # other query id -> intention
    unparseable: tuple[str, ...] = ()
    pairwise: dict[str, float] = field(default_factory=dict)  # other model -> own share


Model = Callable[[Task, int, np.random.Generator], Outcome]


def make_probes(n_pages: int = 6, queries: tuple[str, ...] = ("overview", "tldr", "facts"),
                types: tuple[str, ...] = ("news", "review", "paper", "short", "product"),
                core: int = 3, supporting: int = 2,
                combos: list[tuple[str, list[tuple[str, str]]]] | None = None) -> ProbeSet:
    """A probe set of ``n_pages`` pages cycling through ``types``; combos as
    (id, [(page, query), ...]) steps over their own pages."""
    pages = []
    for i in range(n_pages):
        ptype = types[i % len(types)]
        kps = [KeyPoint(id=f"kp{j + 1}", role="core", text=f"core point {j + 1}")
               for j in range(core)]
        kps += [KeyPoint(id=f"kp{core + j + 1}", role="supporting", text=f"detail {j + 1}")
                for j in range(supporting)]
        pages.append(Page(id=f"p{i:03d}-{ptype}", type=ptype, title=f"Page {i}",
                          text=f"Body of page {i}.", key_points=kps,
                          length=Length(min_words=3, max_words=40)))
    qs = [Query(id=q, intent=q, text=f"Query {q}?") for q in queries]
    cs = [Combo(id=cid, pages=list(dict.fromkeys(p for p, _ in steps)), query="Compare them.",
                steps=[Step(page=p, query=q) for p, q in steps])
          for cid, steps in (combos or [])]
    return ProbeSet(name="synthetic", version=1, samples=1, pages=pages, queries=qs, combos=cs)


def _coverage_record(out: Outcome, task: Task, probes: ProbeSet) -> dict[str, Any] | None:
    if out.statuses is None:
        return None
    roles = {}
    for pid in task.page_ids:
        prefix = f"{pid}/" if task.kind == "combo" else ""
        roles.update({prefix + k.id: k.role for k in probes.page(pid).key_points})
    statuses = {k: out.statuses.get(k, out.statuses.get(k.split("/")[-1], "missing"))
                for k in roles}
    total = sum(WEIGHTS[r] for r in roles.values())
    score = sum(WEIGHTS[roles[k]] * CREDIT[s] for k, s in statuses.items()) / total
    all_core = all(statuses[k] == "covered" for k, r in roles.items() if r == "core")
    verdict = {"points": [{"id": k, "evidence": "", "status": s} for k, s in statuses.items()],
               "rationale": "coverage", "all_core": all_core, "roles": roles}
    return {"score": round(score, 4), "passed": all_core, "verdict": verdict}


def _rubric_values(out: Outcome, task: Task, probes: ProbeSet) -> dict[str, dict[str, Any]]:
    vals: dict[str, dict[str, Any]] = {}
    cov = _coverage_record(out, task, probes)
    if cov:
        vals["coverage"] = cov
    if out.label is not None and task.kind == "single":
        exp = EXPECTED[probes.page(task.page_ids[0]).type]
        vals["strategy"] = {"label": out.label, "passed": out.label == exp, "verdict": {
            "label": out.label, "expected_label": exp, "match": out.label == exp,
            "rationale": "strategy", "evidence": []}}
    if out.faithfulness is not None and out.faithfulness != out.faithfulness:  # NaN
        vals["faithfulness"] = {"label": "no-claims", "verdict": _claims(out.faithfulness)}
    elif out.faithfulness is not None:
        vals["faithfulness"] = {"score": out.faithfulness, "passed": out.faithfulness >= 1.0,
                                "verdict": _claims(out.faithfulness)}
    if out.correction and out.follow is not None:
        vals["reflection"] = {"score": float(out.follow), "passed": out.follow,
                              "label": "corrected-reflected" if out.follow
                              else "corrected-not-reflected", "verdict": {"rationale": "r"}}
    return vals


def _claims(score: float, n: int = 10) -> dict[str, Any]:
    """A faithfulness verdict whose share of supported claims is ``score`` (n claims; 0
    claims when ``score`` is NaN: judged, nothing to score)."""
    if score != score:
        return {"claims": [], "rationale": "no claims", "n_claims": 0, "unsupported": []}
    good = round(score * n)
    claims = [{"claim": f"claim {i}", "evidence": "", "status": "supported" if i < good
               else "unsupported"} for i in range(n)]
    return {"claims": claims, "rationale": "faithfulness", "n_claims": n,
            "unsupported": [c["claim"] for c in claims if c["status"] != "supported"]}


def _judgments(rec: ResponseRecord, out: Outcome, task: Task, probes: ProbeSet,
               judge: str) -> list[JudgmentRecord]:
    base = dict(run_id=rec.run_id, response_id=rec.id, task_id=rec.task_id, model=rec.model,
                sample=rec.sample, judge=judge, template_hash="t" * 64)
    recs = []

    def add(rubric: str, js: int = 0, against: str | None = None, **kw: Any) -> None:
        status = "unparseable" if rubric in out.unparseable and against is None else "ok"
        if status != "ok":
            kw = {"reason": "no JSON object in the reply", "raw": "I think it is good"}
        recs.append(JudgmentRecord(id=judgment_id(rec.id, judge, rubric, js, against),
                                   rubric=rubric, judge_sample=js, against_query_id=against,
                                   status=status, rationale=f"{rubric} rationale", **base, **kw))

    if out.intention is not None:
        scores = out.intention if isinstance(out.intention, list) else [out.intention]
        for js, s in enumerate(scores):
            add("intention", js, score=float(s), passed=s >= 4,
                verdict={"rationale": "fits", "score": s})
    for rubric, kw in _rubric_values(out, task, probes).items():
        add(rubric, **kw)
    for q, s in out.cross.items():
        add("intention", 0, against=q, score=float(s), verdict={"score": s})
    for other_model, share in out.pairwise.items():
        other = response_id(task.id, other_model, rec.sample)
        label = {1.0: "A", 0.0: "B"}.get(share, "tie")
        recs.append(JudgmentRecord(id=judgment_id(rec.id, judge, "pairwise", 0, None, other),
                                   rubric="pairwise", other_response_id=other, score=share,
                                   label=label, rationale="pairwise", **base))
    return recs


def _trace(rec: ResponseRecord, out: Outcome) -> dict[str, Any]:
    events = []
    text = rec.reasoning.text
    for kind, phrase in (("pivot", PIVOT), ("self_check", SELF_CHECK),
                         ("correction", CORRECTION)):
        if getattr(out, kind) and phrase in text:
            start = text.index(phrase)
            events.append({"kind": kind, "start": start, "end": start + len(phrase),
                           "quote": phrase, "pattern": f"en.{kind}", "lang": "en"})
    at = {e["kind"]: i for i, e in enumerate(events)}
    episodes = ([{"self_check": at["self_check"], "correction": at["correction"]}]
                if out.self_check and out.correction else [])
    counts = {"self_check": int(out.self_check), "correction": int(out.correction)}
    rec_out: dict[str, Any] = {
        "kind": "trace", "response_id": rec.id, "task_id": rec.task_id, "model": rec.model,
        "sample": rec.sample, "source": "reasoning", "events": events, "episodes": episodes,
        "counts": counts}
    if out.pivot is not None:  # schema 2: pivot counts and rates, every event's why
        tokens = max(1, len(text) // 4)
        counts["pivot"] = int(out.pivot)
        for e in events:
            e["why"] = PIVOT_WHY if e["kind"] == "pivot" else f"pattern en.{e['kind']}"
        rec_out.update(schema_version=2, tokens_est=tokens,
                       rates_per_1k={k: round(1000.0 * n / tokens, 3) for k, n in counts.items()})
    return rec_out


def _reasoning(out: Outcome) -> str:
    parts = ["Let me read the page."]
    if out.pivot:
        parts.append(PIVOT)
    if out.self_check:
        parts.append(SELF_CHECK)
    if out.correction:
        parts.append(CORRECTION)
    return " ".join(parts + ["Now I write the answer."])


def write_run(root: Path, run_id: str, probes: ProbeSet, models: dict[str, Model],
              samples: int = 1, seed: int = 0, judge: str = "replay:judge.jsonl") -> Path:
    """Write runs/<run_id>/ with manifest, probeset, responses, judgments and traces."""
    store = RunStore.create(root, run_id)
    tasks = expand(probes)
    store.write_json(PROBESET, probes.model_dump(mode="json"))
    store.write_manifest({"run_id": run_id, "status": "complete", "models": list(models),
                          "judges": [judge], "settings": {"samples": samples},
                          "probeset": {"name": probes.name, "version": probes.version},
                          "tasks": len(tasks)})
    rng = np.random.default_rng(seed)
    with store.writer(RESPONSES) as rw, store.writer(JUDGMENTS) as jw, \
            store.writer(TRACES) as tw:
        for model, fn in models.items():
            for task in tasks:
                for k in range(samples):
                    out = fn(task, k, rng)
                    rec = ResponseRecord(
                        id=response_id(task.id, model, k), run_id=run_id, task_id=task.id,
                        sample=k, model=model, task_kind=task.kind, page_ids=task.page_ids,
                        query_id=task.query_id, combo_id=task.combo_id, prompt_hash="h",
                        text=out.text, reasoning={"text": _reasoning(out), "source": "think_tags"})
                    rw.write(rec)
                    for j in _judgments(rec, out, task, probes, judge):
                        jw.write(j)
                    if out.traced:
                        tw.write(_trace(rec, out))
    return store.path


def covered(p: float, rng: np.random.Generator, n: int = 5) -> dict[str, str]:
    """Each of kp1..kpn covered with probability p, else missing."""
    return {f"kp{i + 1}": "covered" if rng.random() < p else "missing" for i in range(n)}
