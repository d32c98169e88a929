"""One analysis row per response: judgments aggregated, trace summarised, pass decided.

Aggregation over judge repeats and panels: for each rubric, the ok judgments of a response
(against its own query) are pooled — scores averaged, labels by majority, flags by
majority (ties count as False). Unparseable and errored judgments are counted as parse
failures and never scored; a faithfulness verdict that found no claims is judged but
unscored (counted in ``unscored``). Cross-query judgments (``against_query_id`` set) are kept
apart in ``cross``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from judge.analysis import verdicts as V
from judge.analysis.load import RunData
from judge.grading.length import length_check, word_count
from judge.grading.panel import aggregate
from judge.grading.rubrics import coverage_score
from judge.plants.index import PlantOutcome, assess, plant_index
from judge.probeset import Page, ProbeSet
from judge.traces.models import REFLECTION_KINDS
from judge.traces.runs import knows_pivots

SCORE_RUBRICS = ("intention", "coverage", "faithfulness", "reflection", "repair")


RULE_RUBRICS = ("intention", "coverage", "faithfulness")  # the rubrics a rule can require


@dataclass(frozen=True)
class SuccessRule:
    """When a response counts as a success ("pass").

    The rule is decided once for everything analysed together (:meth:`decided`): a
    criterion is in force when its rubric was judged (any record, parsed or not) in at
    least one of the runs, so two arms are always held to the same rule. A criterion's
    rubric with no scored judgment for a response (missing, unparseable, or a
    faithfulness verdict with no claims) makes that response *unscored* (pass = None),
    never judged on fewer criteria. ``judged`` is None until the rule is decided.
    """

    min_intention: float | None = 4.0
    all_core: bool = True
    min_coverage: float | None = None
    min_faithfulness: float | None = None
    use_drafts: bool = False  # count unconfirmed (draft) key points; else they are absent
    judged: frozenset[str] | None = None

    def _criteria(self) -> list[tuple[str, str]]:
        """(rubric, wording) of every criterion the options ask for."""
        out = []
        if self.min_intention is not None:
            out.append(("intention", f"intention ≥ {self.min_intention:g}"))
        if self.all_core:
            out.append(("coverage", "all core key points covered"))
        if self.min_coverage is not None:
            out.append(("coverage", f"coverage ≥ {self.min_coverage:g}"))
        if self.min_faithfulness is not None:
            out.append(("faithfulness", f"faithfulness ≥ {self.min_faithfulness:g}"))
        return out

    def in_force(self, rubric: str) -> bool:
        """Is a criterion on ``rubric`` applied (always, before the rule is decided)?"""
        return self.judged is None or rubric in self.judged

    def decided(self, runs: list[RunData]) -> SuccessRule:
        """This rule with ``judged`` = the rubrics judged in any of ``runs``."""
        return replace(self, judged=frozenset(judged_rubrics(runs)))

    def describe(self) -> str:
        """The criteria in force, e.g. 'intention ≥ 4 and all core key points covered'."""
        parts = [text for rubric, text in self._criteria() if self.in_force(rubric)]
        return " and ".join(parts) or "no criterion (nothing the rule needs was judged)"

    def short(self) -> str:
        """The rule in a few words, for above every table."""
        return f"success = {self.describe()}; unscored if a required judgment is missing " \
               "or unparseable"

    def banner(self) -> str:
        """The rule in full, for the top of the output: criteria, sharing, skipped ones."""
        skipped = [text for rubric, text in self._criteria() if not self.in_force(rubric)]
        out = (f"success = {self.describe()} (one rule for every arm; a response missing a "
               "required judgment, or whose judgment was unparseable, is unscored)")
        if skipped:
            out += f"; not judged in any run, so not applied: {', '.join(skipped)}"
        return out


def judged_rubrics(runs: list[RunData]) -> set[str]:
    """Rubrics with at least one own-query judgment record (any status) in ``runs``."""
    return {str(j.get("rubric")) for run in runs for j in run.judgments
            if not j.get("against_query_id") and not j.get("other_response_id")}


@dataclass
class ResponseRow:
    """A response with everything analysis needs about it."""

    response_id: str
    run_id: str
    task_id: str
    model: str
    sample: int
    kind: str
    page_ids: list[str]
    query_id: str | None
    combo_id: str | None
    page_type: str | None
    intent: str | None
    text: str
    reasoning: str
    words: int
    length_ok: bool | None = None
    scores: dict[str, float] = field(default_factory=dict)
    spread: dict[str, float] = field(default_factory=dict)
    n_judged: dict[str, int] = field(default_factory=dict)
    judge_values: dict[str, list[str]] = field(default_factory=dict)  # per judgment, shown
    failures: dict[str, int] = field(default_factory=dict)
    unscored: dict[str, int] = field(default_factory=dict)  # judged, nothing to score
    rationale: dict[str, str] = field(default_factory=dict)
    label: str | None = None
    label_agreement: float | None = None
    expected_label: str | None = None
    strategy_match: bool | None = None
    all_core: bool | None = None
    core_hit: float | None = None
    points: dict[str, str] = field(default_factory=dict)  # counted key point -> status
    k_core: int = 0
    cross: dict[str, float] = field(default_factory=dict)
    pairwise: dict[str, float] = field(default_factory=dict)  # other response id -> own share
    events: list[dict[str, Any]] = field(default_factory=list)
    trace_source: str | None = None
    traced: bool = False
    pivots_known: bool = False  # the trace record reports pivots (traces.jsonl schema ≥ 2)
    episodes: int = 0
    per_1k: dict[str, float] = field(default_factory=dict)  # trace events per 1k tokens
    follow_through: bool | None = None
    plant: PlantOutcome | None = None  # planted-error tasks: detection, deterministic repair
    repair_judged: bool | None = None  # the judge's repair rubric: answer free of the error
    passed: bool | None = None

    @property
    def error_free(self) -> bool | None:
        """A planted (or control) task's answer does not carry the planted error: the
        deterministic check where the plant has one, else the judge's repair verdict."""
        if self.plant is None:
            return None
        if self.plant.carried is not None:
            return not self.plant.carried
        return self.repair_judged

    @property
    def trace_text(self) -> str:
        """The text the trace events' offsets point into."""
        return self.reasoning if self.trace_source == "reasoning" else self.text

    @property
    def page_id(self) -> str | None:
        return self.page_ids[0] if self.kind == "single" and self.page_ids else None

    @property
    def where(self) -> str:
        """'page × query' or 'combo ID'."""
        return f"combo {self.combo_id}" if self.kind == "combo" else \
            f"{self.page_id} × {self.query_id}"

    def has(self, kind: str) -> bool:
        return any(e.get("kind") == kind for e in self.events)

    @property
    def reflects(self) -> bool:
        """A self-check or a correction (REFLECTION_KINDS); a pivot is not reflection."""
        return any(self.has(k) for k in REFLECTION_KINDS)

    def value(self, dim: str) -> float | None:
        """A dimension's value for this response (rates as 0/1), None when unknown."""
        flags = {"pass": self.passed, "all_core": self.all_core, "length_ok": self.length_ok,
                 "strategy_match": self.strategy_match}
        if dim in flags:
            flag = flags[dim]
            return None if flag is None else float(flag)
        return self.scores.get(dim)


def _shown(j: dict[str, Any]) -> str:
    """A judgment's headline as text: its score, else its label."""
    score = j.get("score")
    return f"{score:g}" if isinstance(score, (int, float)) else str(V.strategy_label(j) or "–")


def _majority(flags: list[bool]) -> bool | None:
    return None if not flags else sum(flags) * 2 > len(flags)


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _point_roles(probes: ProbeSet | None, row: ResponseRow,
                 use_drafts: bool = False) -> dict[str, str]:
    """Key points that count (drafts only with ``use_drafts``) → role, as the judge names
    them (``page/kp`` inside a combo)."""
    pages = _pages(probes, row.page_ids)
    if row.kind == "combo":
        return {f"{p.id}/{k.id}": k.role for p in pages for k in p.counted_points(use_drafts)}
    return {k.id: k.role for k in pages[0].counted_points(use_drafts)} if pages else {}


def _counted(j: dict[str, Any], roles: dict[str, str]) -> dict[str, str] | None:
    """The judgment's point statuses when it judged every counted point, else None."""
    statuses = V.point_statuses(j.get("verdict"))
    return statuses if roles and statuses and all(k in statuses for k in roles) else None


def _coverage_score(j: dict[str, Any], roles: dict[str, str]) -> float | None:
    """Partial credit over the counted key points (a judged draft that does not count is
    left out); the judge's own score when it did not judge them all."""
    statuses = _counted(j, roles)
    if statuses is not None:
        return coverage_score(statuses, roles)
    return float(j["score"]) if j.get("score") is not None else None


def _all_core(j: dict[str, Any], core: list[str], roles: dict[str, str]) -> bool | None:
    statuses = _counted(j, roles)
    if statuses is not None:
        return all(statuses[c] == V.COVERED for c in core)
    return V.all_core(j, core)


def _apply_coverage(row: ResponseRow, oks: list[dict[str, Any]], core: list[str],
                    roles: dict[str, str]) -> None:
    row.all_core = _majority([f for j in oks if (f := _all_core(j, core, roles)) is not None])
    row.core_hit = _mean([h for j in oks if (h := V.core_hit_rate(j, core)) is not None])
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for j in oks:
        for pid, status in V.point_statuses(j.get("verdict")).items():
            if pid in roles:
                votes[pid][status] += 1
    row.points = {pid: votes[pid].most_common(1)[0][0] for pid in roles if votes.get(pid)}
    scores = [x for j in oks if (x := _coverage_score(j, roles)) is not None]
    if scores:
        row.scores["coverage"] = sum(scores) / len(scores)
        row.spread["coverage"] = max(scores) - min(scores)


def _apply_strategy(row: ResponseRow, oks: list[dict[str, Any]]) -> None:
    votes = [lab for j in oks if (lab := V.strategy_label(j))]
    if votes:
        # the panel's rule (judge.grading.panel.aggregate): a tie for the most votes has
        # no majority, so no label; agreement is still the top share
        label = aggregate(votes, "majority")
        row.label = str(label) if label is not None else None
        row.label_agreement = Counter(votes).most_common(1)[0][1] / len(votes)
        row.spread["strategy"] = 1 - row.label_agreement
    row.expected_label = next((e for j in oks if (e := V.expected_strategy(j))), None)
    row.strategy_match = _majority([m for j in oks if (m := V.strategy_match(j)) is not None])


def _apply_reflection(row: ResponseRow, oks: list[dict[str, Any]]) -> None:
    flags = [j["passed"] if isinstance(j.get("passed"), bool) else float(j["score"]) >= 0.5
             for j in oks if isinstance(j.get("passed"), bool) or j.get("score") is not None]
    row.follow_through = _majority(flags)


def _apply_repair(row: ResponseRow, oks: list[dict[str, Any]]) -> None:
    """The repair rubric's majority: True when the answer is free of the planted error
    (an "unclear" verdict has no ``passed`` and does not vote)."""
    row.repair_judged = _majority([j["passed"] for j in oks if isinstance(j.get("passed"), bool)])


def _apply_own(row: ResponseRow, rubric: str, oks: list[dict[str, Any]],
               core: list[str], roles: dict[str, str]) -> None:
    """Pool the ok judgments of one rubric against the response's own query."""
    if rubric == "faithfulness":  # no claims to check: judged, but nothing to score
        empty = [j for j in oks if V.claims_count(j) == 0]
        if empty:
            row.unscored[rubric] = row.unscored.get(rubric, 0) + len(empty)
            oks = [j for j in oks if V.claims_count(j) != 0]
    scores = [float(j["score"]) for j in oks if j.get("score") is not None]
    if scores:
        row.scores[rubric] = sum(scores) / len(scores)
        row.spread[rubric] = max(scores) - min(scores)
    row.n_judged[rubric] = len(oks)
    row.judge_values[rubric] = [_shown(j) for j in oks]
    row.rationale[rubric] = next((j.get("rationale") or "" for j in oks if j.get("rationale")), "")
    if rubric == "coverage":
        _apply_coverage(row, oks, core, roles)
    elif rubric == "strategy":
        _apply_strategy(row, oks)
    elif rubric == "reflection":
        _apply_reflection(row, oks)
    elif rubric == "repair":
        _apply_repair(row, oks)


def apply_judgments(row: ResponseRow, judgments: list[dict[str, Any]], core: list[str],
                    roles: dict[str, str] | None = None) -> None:
    """Pool a response's judgments into ``row`` (see module docstring); ``roles`` are the
    key points that count (coverage is recomputed over them), default: the core ones."""
    own: dict[str, list[dict[str, Any]]] = defaultdict(list)
    cross: dict[str, list[float]] = defaultdict(list)
    pairs: dict[str, list[float]] = defaultdict(list)
    for j in judgments:
        rubric = str(j.get("rubric"))
        if j.get("status", "ok") != "ok":
            row.failures[rubric] = row.failures.get(rubric, 0) + 1
        elif j.get("other_response_id") or rubric == "pairwise":
            if j.get("other_response_id") and j.get("score") is not None:
                pairs[str(j["other_response_id"])].append(float(j["score"]))
        elif j.get("against_query_id"):
            if rubric == "intention" and j.get("score") is not None:
                cross[str(j["against_query_id"])].append(float(j["score"]))
        else:
            own[rubric].append(j)
    for rubric, oks in own.items():
        _apply_own(row, rubric, oks, core, roles if roles is not None else {})
    row.cross = {q: sum(v) / len(v) for q, v in cross.items()}
    row.pairwise = {o: sum(v) / len(v) for o, v in pairs.items()}


def apply_trace(row: ResponseRow, trace: dict[str, Any] | None) -> None:
    """Copy the trace parser's events, episodes and follow-through onto ``row``."""
    if not trace:
        return
    inner = trace.get("result")
    result: dict[str, Any] = inner if isinstance(inner, dict) else trace
    row.traced = True
    row.pivots_known = knows_pivots(trace)
    row.events = [e for e in result.get("events") or [] if isinstance(e, dict)]
    episodes = result.get("episodes")
    row.episodes = len(episodes) if isinstance(episodes, list) else int(episodes or 0)
    row.trace_source = result.get("source") or result.get("text_source")
    rates = result.get("rates_per_1k")
    if isinstance(rates, dict):
        row.per_1k = {k: float(v) for k, v in rates.items() if isinstance(v, (int, float))}
    ft = result.get("follow_through")
    if isinstance(ft, dict):
        ft = ft.get("followed", ft.get("value"))
    if row.follow_through is None and isinstance(ft, bool):
        row.follow_through = ft


def decide_pass(row: ResponseRow, rule: SuccessRule) -> bool | None:
    """Apply a decided ``rule`` to one row; None (unscored) when a criterion in force has
    no scored judgment for it. "All core covered" is vacuous on pages without core
    points."""
    checks: list[bool | None] = []
    if rule.min_intention is not None and rule.in_force("intention"):
        s = row.scores.get("intention")
        checks.append(None if s is None else s >= rule.min_intention)
    if rule.all_core and rule.in_force("coverage") and row.k_core > 0:
        checks.append(row.all_core)
    if rule.min_coverage is not None and rule.in_force("coverage"):
        s = row.scores.get("coverage")
        checks.append(None if s is None else s >= rule.min_coverage)
    if rule.min_faithfulness is not None and rule.in_force("faithfulness"):
        s = row.scores.get("faithfulness")
        checks.append(None if s is None else s >= rule.min_faithfulness)
    if not checks or any(c is None for c in checks):
        return None
    return all(checks)


def _pages(probes: ProbeSet | None, ids: list[str]) -> list[Page]:
    """The probe set's pages of a response (empty when any is unknown)."""
    if probes is None:
        return []
    known = {p.id: p for p in probes.pages}
    return [known[i] for i in ids] if all(i in known for i in ids) else []


def _intent(probes: ProbeSet | None, kind: str, qid: str | None) -> str | None:
    if kind == "combo":
        return "combo"
    if probes is None or qid is None:
        return None
    return next((q.intent for q in probes.queries if q.id == qid), None)


def _base_row(run: RunData, r: dict[str, Any]) -> ResponseRow:
    kind = r.get("task_kind", "single")
    ids = list(r.get("page_ids") or [])
    pages = _pages(run.probeset, ids)
    raw = r.get("reasoning")
    reasoning = raw.get("text", "") if isinstance(raw, dict) else str(raw or "")
    text = r.get("text") or ""
    check = length_check(text, pages) if pages else None
    return ResponseRow(
        response_id=r["id"], run_id=run.run_id, task_id=r["task_id"], model=r["model"],
        sample=int(r.get("sample", 0)), kind=kind, page_ids=ids, query_id=r.get("query_id"),
        combo_id=r.get("combo_id"),
        page_type=pages[0].type if pages and kind == "single" else None,
        intent=_intent(run.probeset, kind, r.get("query_id")), text=text, reasoning=reasoning,
        words=check.words if check else word_count(text),
        length_ok=check.ok if check else None)


def build_rows(run: RunData, rule: SuccessRule | None = None) -> list[ResponseRow]:
    """Rows for every response of ``run`` (in file order). A rule not yet decided is
    decided on this run alone; decide it on every run analysed together first
    (:meth:`SuccessRule.decided`) so that all arms share it."""
    rule = rule or SuccessRule()
    if rule.judged is None:
        rule = rule.decided([run])
    rows = []
    plants = plant_index(run.probeset)
    for r in run.responses:
        row = _base_row(run, r)
        roles = _point_roles(run.probeset, row, rule.use_drafts)
        core = [k for k, role in roles.items() if role == "core"]
        row.k_core = len(core)
        apply_judgments(row, run.by_response.get(row.response_id, []), core, roles)
        apply_trace(row, run.trace_by_response.get(row.response_id))
        info = plants.get(row.task_id)
        if info is not None:
            row.plant = assess(info, row.text, row.trace_text, row.events)
        row.passed = decide_pass(row, rule)
        rows.append(row)
    return rows
