"""Rich terminal tables for `judge analyze` and `judge compare`.

Every cell, title and caption built from run data (run labels, model specs, page types,
task ids, judge labels) is a ``Text``, never markup: a label such as "[x]" is shown as
it is."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from judge.analysis.analyze import Analysis, ArmAnalysis
from judge.analysis.compare import Comparison, Flip
from judge.analysis.metrics import DIM_KIND, DIMENSIONS, GroupStats
from judge.analysis.stats import Estimate, fmt_diff

LABELS = {"pass": "pass", "intention": "intention", "coverage": "coverage",
          "all_core": "all core", "faithfulness": "faithful", "strategy_match": "strategy ok",
          "length_ok": "length ok"}


def show(est: Estimate | None, kind: str = "rate", n: bool = False) -> str:
    """'62% [55–68]' for rates, '3.91 [3.80–4.02]' for means; '–' when empty."""
    if est is None or est.value is None or est.lo is None or est.hi is None:
        return "–"
    if kind == "rate":
        out = f"{est.value:.0%} [{est.lo * 100:.0f}–{est.hi * 100:.0f}]"
    else:
        out = f"{est.value:.2f} [{est.lo:.2f}–{est.hi:.2f}]"
    return f"{out} n={est.n}" if n else out


def cell(g: GroupStats, dim: str) -> str:
    """An estimate, with its own n when fewer responses than the group's have a value."""
    est = g.dims.get(dim)
    return show(est, DIM_KIND[dim], n=est is not None and est.ok and est.n != g.n)


def _table(title: str | Text, *cols: str) -> Table:
    t = Table(title=Text(title) if isinstance(title, str) else title, title_justify="left",
              title_style="bold", show_lines=False)
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
    notes = Text(f"success = {analysis.rule.describe()}; 95% intervals (Wilson for rates, "
                 "bootstrap over tasks for means)")
    if not any(a.arm.run.judgments for a in analysis.arms):
        notes.append("\nNo judgments in this run: only length (and reflection, if traced) "
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
        t = _table(f"{a.arm.label} — judgments", "rubric", "scored", "unparseable/error")
        for rubric, c in m.failures.items():
            _add(t, rubric, str(c["ok"]), _count(c["failed"], "red"))
        out.append(t)
    out += [_combos(a), _strategy(a), _intention(a), _reflection(a)]
    return out


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
                      ("episode (check → correction)", r.episode),
                      ("follow-through (of corrections)", r.follow_through),
                      ("instability across samples (tasks)", r.instability)):
        _add(t, name, show(est), str(est.n))
    for kind, est in r.per_1k.items():
        _add(t, f"{kind.replace('_', '-')}s per 1k tokens", show(est, "mean"), str(est.n))
    return Group(t, Text("\n".join(r.tendency)))


def flips_table(title: str, flips: list[Flip], limit: int = 20) -> Table:
    t = _table(title, "task", "pass rate A", "pass rate B", "task id")
    for f in flips[:limit]:
        _add(t, f.where, f"{f.a_rate:.0%}", f"{f.b_rate:.0%}", f.task_id)
    if len(flips) > limit:
        t.caption = Text(f"… and {len(flips) - limit} more (see --json)")
    return t


def comparison_tables(c: Comparison) -> list[RenderableType]:
    """L1: differences with CIs and significance, McNemar, flipped tasks."""
    t = _table(f"L1  A = {c.a_label}   vs   B = {c.b_label}   ({c.common_tasks} shared tasks)",
               "dimension", "A", "B", "B − A [95% CI]", "")
    for d in c.dims:
        mark = (Text("▲ B better", style="green") if d.direction == "B better" else
                Text("▼ B worse", style="red") if d.direction == "B worse" else
                Text("· n.s.", style="dim"))
        _add(t, LABELS[d.dim], show(d.a, d.kind), show(d.b, d.kind),
                  fmt_diff(d.diff, d.kind == "rate"), mark)
    out: list[RenderableType] = [t]
    if c.pairwise is not None:
        p = c.pairwise
        verdict = ("B preferred" if p.lo is not None and p.lo > 0.5 else
                   "A preferred" if p.hi is not None and p.hi < 0.5 else "no clear preference")
        out.append(Text(f"pairwise judge (position-swapped): B wins {show(p)} of {p.n} "
                        f"verdicts (ties ½) — {verdict}"))
    if c.only_a or c.only_b:
        out.append(Text(f"tasks only in A: {c.only_a}, only in B: {c.only_b} (not compared)"))
    if c.mcnemar:
        m = c.mcnemar
        sig = (Text("significant", style="red") if m.p_value < 0.05
               else Text("not significant"))
        out.append(Text.assemble(
            f"McNemar (exact) on task pass/fail: pass→fail {m.pass_to_fail}, fail→pass "
            f"{m.fail_to_pass}, p = {m.p_value:.3g} (", sig, f" at 0.05; {m.n} tasks)"))
        if c.to_fail:
            out.append(flips_table("bad cases: pass → fail", c.to_fail))
        if c.to_pass:
            out.append(flips_table("fixed: fail → pass", c.to_pass))
    return out


def analysis_renderables(analysis: Analysis, width: int = 200) -> list[RenderableType]:
    """Everything `judge analyze` prints, in reading order (``width``: the terminal's)."""
    out: list[RenderableType] = [summary_table(analysis, width)]
    for a in analysis.arms:
        out += _arm_levels(a, width)
    for c in analysis.comparisons:
        out += comparison_tables(c)
    if analysis.mirage:
        out.append(mirage_table(analysis))
    return out


def mirage_table(analysis: Analysis) -> RenderableType:
    """The mirage check: binary vs partial credit per ordered arm, with the label."""
    parts: list[RenderableType] = []
    for m in analysis.mirage:
        t = _table(Text.assemble(f"Mirage check — {m.dim}: ", (m.label, "bold")), "in order",
                   m.binary_name,
                   m.partial_name, "predicted p^k")
        for p in m.points:
            _add(t, p.label, show(p.binary), show(p.partial, "mean"),
                      "–" if p.predicted is None else f"{p.predicted:.0%}")
        t.caption = Text(m.reason)
        parts.append(t)
    return Group(*parts)
