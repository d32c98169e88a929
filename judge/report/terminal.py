"""Rich terminal tables for `judge analyze` and `judge compare`.

Every number is printed by judge.stats.format (the HTML report uses the same functions),
and the success rule in force is printed on the line above every table. Every cell, title
and caption built from run data (run labels, model specs, page types, task ids, judge
labels) is a ``Text``, never markup: a label such as "[x]" is shown as it is.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from judge.analysis.analyze import Analysis, ArmAnalysis
from judge.analysis.compare import Comparison, DimDiff, Flip
from judge.analysis.functional import compare_statement
from judge.analysis.metrics import DIM_KIND, DIMENSIONS, GroupStats
from judge.analysis.reflection import ReflectionReport
from judge.report import functional as fcells
from judge.stats import MIN_TASKS, McNemar, show, show_diff, show_p

INTERVALS = ("95% intervals: Wilson for rates (effective n over tasks), BCa bootstrap over "
             "tasks for means and differences; a difference on fewer than 10 shared tasks is "
             "'n too small'")
LABELS = {"pass": "pass", "intention": "intention", "coverage": "coverage",
          "all_core": "all core", "faithfulness": "faithful", "strategy_match": "strategy ok",
          "length_ok": "length ok"}


def cell(g: GroupStats, dim: str) -> str:
    """An estimate, with its own n when fewer responses than the group's have a value."""
    est = g.dims.get(dim)
    return show(est, "rate" if DIM_KIND[dim] == "rate" else "mean",
                n=est is not None and est.ok and est.n != g.n)


def _table(title: str, *cols: str) -> Table:
    t = Table(title=Text(title, style="bold"), title_justify="left", show_lines=False)
    for i, c in enumerate(cols):
        t.add_column(Text(c), justify="left" if i == 0 else "right", overflow="fold")
    return t


def _add(t: Table, *cells: str | Text) -> None:
    """A row whose plain-string cells are literal text (never parsed as markup)."""
    t.add_row(*(Text(c) if isinstance(c, str) else c for c in cells))


def _count(n: int, style: str) -> Text:
    return Text(f"{n:,}", style=style) if n else Text("0")


def groups_table(title: str, groups: list[GroupStats], dims: list[str],
                 width: int = 200) -> RenderableType:
    """One row per group; on a narrow terminal the dimensions are split over tables."""
    per = max(1, (width - 20) // 17)
    chunks = [dims[i:i + per] for i in range(0, len(dims), per)] or [[]]
    tables = []
    for k, chunk in enumerate(chunks):
        part = f" ({k + 1}/{len(chunks)})" if len(chunks) > 1 else ""
        t = _table(title + part, "group", "n", *[LABELS[d] for d in chunk])
        for g in groups:
            _add(t, g.key, str(g.n), *[cell(g, d) for d in chunk])
        tables.append(t)
    return tables[0] if len(tables) == 1 else Group(*tables)


def _present(groups: list[GroupStats]) -> list[str]:
    return [d for d, _, _ in DIMENSIONS if any(g.dims.get(d) and g.dims[d].ok for g in groups)]


def summary_table(analysis: Analysis, width: int = 200) -> RenderableType:
    overall = [a.metrics.overall for a in analysis.arms]
    notes = Text()
    if not any(a.arm.run.judgments for a in analysis.arms):
        notes.append("No judgments in this run: only length (and reflection, if traced) "
                     "can be analysed — run the judge first.", style="yellow")
    return Group(groups_table("Summary", overall, _present(overall), width), notes)


def _arm_levels(a: ArmAnalysis, width: int) -> list[RenderableType]:
    out: list[RenderableType] = []
    m = a.metrics
    for title, groups in (("by page type", m.by_page_type), ("by query intent", m.by_intent)):
        if groups:
            out.append(groups_table(f"{a.arm.label} — {title}", groups, _present(groups),
                                    width))
    if m.failures:
        t = _table(f"{a.arm.label} — judgments", "rubric", "scored", "judged, unscored",
                   "unparseable/error")
        for rubric, c in m.failures.items():
            _add(t, rubric, str(c["ok"]), str(c.get("unscored", 0)), _count(c["failed"], "red"))
        out.append(t)
    out += [_combos(a), _strategy(a), _intention(a), _reflection(a)]
    if a.functional is not None:
        out.append(_functional(a))
    return out


def _cells(title: str, cells: fcells.Table) -> Table:
    t = _table(title, *cells["head"])
    for row in cells["rows"]:
        _add(t, *row)
    return t


def _functional(a: ArmAnalysis) -> RenderableType:
    """L5 functional reflection: the answer in words, then the measures, contrasts and
    breakdown tables (judge.report.functional cells)."""
    f = a.functional
    assert f is not None
    head = Text(f"L5 functional reflection — {a.arm.label} (planted errors)", style="bold")
    words = Text("\n".join(f.statement))
    if not f.traced:
        return Group(head, words)
    return Group(head, words, _cells("detection, repair, false alarms", fcells.measures(f)),
                 _cells("repair by side (difference: first − second side)",
                        fcells.contrasts(f)),
                 _cells("by plant kind, error type and language", fcells.breakdown(f)),
                 Text(fcells.NOTE, style="dim"))


def _combos(a: ArmAnalysis) -> RenderableType:
    c = a.combos
    if not c.combos:
        return Text(f"L2 combinatorial ({a.arm.label}): {c.decision}.")
    t = _table(f"L2 combinatorial — {a.arm.label}", "combo", "steps (success)", "predicted",
               "observed", "verdict")
    for cs in c.combos:
        steps = "; ".join(f"{s.page}×{s.query} {show(s.success)}" for s in cs.steps)
        pred = "–" if cs.predicted is None else \
            f"{cs.predicted:.0%} [{cs.predicted_lo:.0%}–{cs.predicted_hi:.0%}]"
        style = "red" if cs.verdict.startswith("worse") else ""
        _add(t, cs.combo, steps, pred, show(cs.observed, n=True), Text(cs.verdict, style=style))
    color = "green" if c.ready else "yellow"
    return Group(t, Text.assemble(f"readiness gate (every step's lower bound ≥ "
                                  f"{c.threshold:.0%}): ", (c.decision, f"bold {color}")))


def _strategy(a: ArmAnalysis) -> RenderableType:
    if not any(s.labels for s in a.strategy):
        t = _table(f"L3 length — {a.arm.label} (no strategy judgments)", "page type",
                   "length ok")
        for s in a.strategy:
            _add(t, s.page_type, show(s.length_ok, n=True))
        return t
    t = _table(f"L3 strategy — {a.arm.label}", "page type", "labels", "expected", "match",
               "stable across samples", "length ok")
    for s in a.strategy:
        labels = ", ".join(f"{k} {v}" for k, v in s.labels.items())
        _add(t, s.page_type, labels, ", ".join(s.expected) or "–", show(s.match, n=True),
                  show(s.stable, n=True), show(s.length_ok))
    return t


def _intention(a: ArmAnalysis) -> RenderableType:
    i = a.intention
    means = [(g.key, g.dims.get("intention")) for g in i.by_intent]
    head: RenderableType = Text(f"L4 intention — {a.arm.label}: no intention judgments.")
    if any(e is not None and e.ok for _, e in means):
        table = _table(f"L4 intention — {a.arm.label}", "query intent", "mean intention (1–5)")
        for key, est in means:
            _add(table, key, show(est, "mean", n=True))
        head = table
    lines = [f"discrimination (own query scores higher than another query's; ties ½): "
             f"{show(i.discrimination, n=False)} over {i.pairs} pairs" if i.pairs else
             "discrimination: no cross-query judgments in this run"]
    if i.cross_similarity is not None:
        lines.append(f"answer similarity across queries on a page (Jaccard): "
                     f"{show(i.cross_similarity, 'mean')}; between samples of one task: "
                     f"{show(i.within_similarity, 'mean')}")
        lines.append(f"page × query pairs that barely change with the query: "
                     f"{show(i.flagged_rate, n=True)}"
                     + "".join(f"\n  {p.page}: {p.query_a} vs {p.query_b} "
                               f"(similarity {p.similarity:.2f})" for p in i.flagged[:8]))
    return Group(head, Text("\n".join(lines)))


def _reflection(a: ArmAnalysis) -> RenderableType:
    r = a.reflection
    if not r.traced:
        return Text(f"L5 reflection ({a.arm.label}): no traces.jsonl records — "
                    "run the trace parser first.")
    t = _table(f"L5 reflection — {a.arm.label} ({r.traced} traced responses)", "measure",
               "rate [95% CI]", "n")
    for name, est in (("self-check", r.self_check), ("correction", r.correction),
                      ("pivot (not reflection)", r.pivot),
                      ("episode (check → correction)", r.episode),
                      ("follow-through (of corrections)", r.follow_through),
                      ("instability across samples (tasks)", r.instability)):
        _add(t, name, show(est), str(est.n))
    for kind, est in r.per_1k.items():
        _add(t, f"{kind.replace('_', '-')}s per 1k tokens", show(est, "mean"), str(est.n))
    notes = list(r.tendency)
    if r.pivot_known < r.traced:
        notes.append(f"pivots: {r.traced - r.pivot_known} of {r.traced} trace records predate "
                     "pivot detection (traces.jsonl schema 1); `judge traces RUN` re-traces them.")
    return Group(t, Text("\n".join(notes)))


def flips_table(title: str, flips: list[Flip], limit: int = 20) -> Table:
    t = _table(title, "task", "pass rate A", "pass rate B", "task id")
    for f in flips[:limit]:
        _add(t, f.where, f"{f.a_rate:.0%}", f"{f.b_rate:.0%}", f.task_id)
    if len(flips) > limit:
        t.caption = Text(f"… and {len(flips) - limit} more (see --json)")
    return t


def mark(d: DimDiff) -> Text:
    """The significance column: ▲ B better, ▼ B worse, · n.s. or · n too small."""
    text, style = {"B better": ("▲ B better", "green"), "B worse": ("▼ B worse", "red"),
                   "n too small": ("· n too small", "yellow")}.get(d.direction, ("· n.s.", "dim"))
    return Text(text, style=style)


def p_text(d: DimDiff) -> str:
    """The p-value cell: Holm-adjusted when corrected (raw in brackets), else raw."""
    if d.corrected and d.diff.p_adjusted is not None:
        return f"{show_p(d.diff.p_adjusted)} ({show_p(d.diff.p_value)})"
    return show_p(d.diff.p_value)


def p_head(c: Comparison) -> str:
    return "p Holm (raw)" if c.correction == "holm" else "p (uncorrected)"


def mcnemar_text(m: McNemar, corrected: bool) -> str:
    """One line: the discordant counts, the p-value(s) and the verdict at 0.05."""
    p = m.p_adjusted if corrected and m.p_adjusted is not None else m.p_value
    shown = f"p = {show_p(m.p_value)}" + (f", Holm {show_p(m.p_adjusted)}"
                                           if corrected and m.p_adjusted is not None else "")
    sig = "significant" if p < 0.05 else "not significant"
    return (f"McNemar (exact) on task pass/fail: pass→fail {m.pass_to_fail}, fail→pass "
            f"{m.fail_to_pass}, {shown} ({sig} at 0.05; {m.n} task{'s' if m.n != 1 else ''})")


def ruled(parts: list[RenderableType], rule: str) -> list[RenderableType]:
    """``parts`` with the success rule printed (dim) on the line above every table."""
    def one(part: RenderableType) -> RenderableType:
        if isinstance(part, Table):
            return Group(Text(rule, style="dim"), part)
        if isinstance(part, Group):
            return Group(*[one(p) for p in part.renderables])
        return part
    return [one(p) for p in parts] if rule else parts


def comparison_tables(c: Comparison, rule: str = "") -> list[RenderableType]:
    """L1: differences with CIs and significance, McNemar, flipped tasks; ``rule`` (the
    success rule) is printed above every table."""
    shared = f"{c.common_tasks} shared task{'s' if c.common_tasks != 1 else ''}"
    t = _table(f"L1  A = {c.a_label}   vs   B = {c.b_label}   ({shared})",
               "dimension", "A", "B", "B − A [95% CI]", p_head(c), "")
    for d in c.dims:
        shape = "rate" if d.kind == "rate" else "mean"
        _add(t, LABELS[d.dim], show(d.a, shape), show(d.b, shape), show_diff(d.diff, shape),
                  p_text(d), mark(d))
    t.caption = INTERVALS + ("; Holm-corrected across the dimensions and McNemar"
                             if c.correction == "holm" else "; p-values not corrected")
    t.caption_justify = "left"
    out: list[RenderableType] = [t]
    for dim, why in c.unscored.items():
        out.append(Text(f"{LABELS[dim]}: not compared — {why}"))
    if any(d.direction == "n too small" for d in c.dims):
        out.append(Text(f"n too small: fewer than {MIN_TASKS} shared tasks have a value on "
                        "both sides, so no difference is tested (or reported as significant)."))
    if c.pairwise is not None:
        p = c.pairwise
        verdict = ("B preferred" if p.lo is not None and p.lo > 0.5 else
                   "A preferred" if p.hi is not None and p.hi < 0.5 else "no clear preference")
        out.append(Text(f"pairwise judge (position-swapped): B wins {show(p)} of {p.n} "
                        f"verdicts (ties ½) — {verdict}"))
    if c.only_a or c.only_b:
        out.append(Text(f"tasks only in A: {c.only_a}, only in B: {c.only_b} (not compared)"))
    if c.functional:
        out += _functional_compare(c)
    if c.mcnemar:
        out.append(Text(mcnemar_text(c.mcnemar, c.correction == "holm")))
        if c.to_fail:
            out.append(flips_table("bad cases: pass → fail", c.to_fail))
        if c.to_pass:
            out.append(flips_table("fixed: fail → pass", c.to_pass))
    return ruled(out, rule)


def _functional_compare(c: Comparison) -> list[RenderableType]:
    """Functional reflection A vs B, paired by planted pair, and the same in words."""
    t = _cells(f"L5 functional reflection  A = {c.a_label}   vs   B = {c.b_label}   "
               "(paired by planted pair)", fcells.comparison(c.functional))
    t.caption = Text(fcells.COMPARE_NOTE)
    t.caption_justify = "left"
    return [t, Text("\n".join(compare_statement(c.functional)))]


def analysis_renderables(analysis: Analysis, width: int = 200) -> list[RenderableType]:
    """Everything `judge analyze` prints, in reading order (``width``: the terminal's)."""
    rule = analysis.rule.short()
    out: list[RenderableType] = [Text(analysis.rule.banner()), summary_table(analysis, width)]
    for a in analysis.arms:
        out += _arm_levels(a, width)
    for c in analysis.comparisons:
        out += comparison_tables(c)
    if analysis.comparisons and sum(a.reflection.traced > 0 for a in analysis.arms) >= 2:
        out.append(reflection_side_by_side(
            [(a.arm.label, a.reflection) for a in analysis.arms]))
    if analysis.mirage:
        out.append(mirage_table(analysis))
    return ruled(out, rule)


def reflection_side_by_side(reports: list[tuple[str, ReflectionReport]]) -> Table:
    """L5 of the traced arms (label, report) side by side: self-check, correction and pivot
    (never counted as reflection) rates and events per 1k tokens, with 95% intervals."""
    traced = [(label, r) for label, r in reports if r.traced]
    t = _table("L5 reflection side by side (pivots are reported, not reflection)", "measure",
               *[label for label, _ in traced])
    for name, get in (("self-check", lambda r: show(r.self_check)),
                      ("correction", lambda r: show(r.correction)),
                      ("pivot", lambda r: show(r.pivot)),
                      ("episode (check → correction)", lambda r: show(r.episode)),
                      ("self-checks per 1k tokens",
                       lambda r: show(r.per_1k.get("self_check"), "mean")),
                      ("corrections per 1k tokens",
                       lambda r: show(r.per_1k.get("correction"), "mean")),
                      ("pivots per 1k tokens", lambda r: show(r.per_1k.get("pivot"), "mean"))):
        _add(t, name, *[get(r) for _, r in traced])
    return t


def mirage_table(analysis: Analysis) -> RenderableType:
    """The mirage check: binary vs partial credit per ordered arm, with the label."""
    parts: list[RenderableType] = []
    for m in analysis.mirage:
        t = _table(f"Mirage check — {m.dim}: {m.label}", "in order", m.binary_name,
                   m.partial_name, "predicted p^k")
        for p in m.points:
            _add(t, p.label, show(p.binary), show(p.partial, "mean"),
                      "–" if p.predicted is None else f"{p.predicted:.0%}")
        t.caption = Text(m.reason)
        parts.append(t)
    return Group(*parts)
