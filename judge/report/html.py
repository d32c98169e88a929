"""The self-contained HTML report: jinja2 (autoescape on: model text is untrusted) with
inline SVG plots, inline CSS, no scripts and nothing fetched from the network.

Numbers are formatted by judge.stats.format, the same functions the terminal uses, so a
number carries the same interval in both; every table has the success rule above it."""

from __future__ import annotations

from collections import Counter

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from judge.analysis.analyze import Analysis, Arm, ArmAnalysis, bad_cases, review_queue
from judge.analysis.load import RunData
from judge.analysis.metrics import DIMENSIONS, GroupStats
from judge.analysis.rows import ResponseRow
from judge.analysis.compare import Comparison
from judge.records import now_iso
from judge.analysis.functional import compare_statement
from judge.report import functional as fcells
from judge.report import plots
from judge.report.findings import findings
from judge.report.highlight import segments, traced_text
from judge.report.trust import JudgeTrust
from judge.report.terminal import INTERVALS, LABELS, cell, mcnemar_text, p_head, p_text
from judge.stats import show, show_diff

TEMPLATES = Path(__file__).parent / "templates"
ANSWER_CHARS = 6000


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES),
                      autoescape=select_autoescape(["html", "j2"], default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["show"] = show
    return env


def group_table(groups: list[GroupStats]) -> dict[str, Any]:
    """Header + rows of strings for a GroupStats table (empty dimensions dropped); a cell
    shows its own n when it differs from the group's."""
    dims = [d for d, _, _ in DIMENSIONS if any(g.dims.get(d) and g.dims[d].ok for g in groups)]
    return {"head": ["group", "n", *[LABELS[d] for d in dims]],
            "rows": [[g.key, str(g.n), *[cell(g, d) for d in dims]] for g in groups]}



def l1_table(c: Comparison) -> dict[str, Any]:
    """The L1 table of one comparison, cell by cell as the terminal prints it."""
    rows = []
    for d in c.dims:
        shape = "rate" if d.kind == "rate" else "mean"
        css = {"B better": "good", "B worse": "bad"}.get(d.direction, "muted")
        arrow = {"B better": "▲ ", "B worse": "▼ "}.get(d.direction, "")
        rows.append({"cells": [LABELS[d.dim], show(d.a, shape), show(d.b, shape),
                               show_diff(d.diff, shape), p_text(d)],
                     "direction": arrow + d.direction, "css": css})
    return {"head": ["dimension", "A", "B", "B − A [95% CI]", p_head(c)], "rows": rows,
            "not_compared": [f"{LABELS[k]}: not compared — {v}" for k, v in c.unscored.items()],
            "mcnemar": mcnemar_text(c.mcnemar, c.correction == "holm") if c.mcnemar else None,
            "corrected": c.correction == "holm"}


def intent_table(arms: list[ArmAnalysis]) -> dict[str, Any]:
    """Mean intention per query intent (rows) for each arm (columns)."""
    cells = {(a.arm.label, g.key): g.dims.get("intention") for a in arms
             for g in a.intention.by_intent}
    intents = sorted({k for _, k in cells})
    rows = [[i, *[show(cells.get((a.arm.label, i)), "mean", n=True) for a in arms]]
            for i in intents]
    if not any(c and c.ok for c in cells.values()):
        rows = []
    return {"head": ["query intent", *[a.arm.label for a in arms]], "rows": rows}


def l4_table(arms: list[ArmAnalysis]) -> dict[str, Any]:
    """Discrimination and answer similarity, one row per arm."""
    rows = []
    for a in arms:
        i = a.intention
        rows.append([a.arm.label, show(i.discrimination) if i.pairs else "–", str(i.pairs),
                     show(i.cross_similarity, "mean"), show(i.within_similarity, "mean"),
                     show(i.flagged_rate, n=True)])
    return {"head": ["arm", "discrimination", "pairs", "similarity across queries",
                     "between samples (baseline)", "flagged page × query pairs"], "rows": rows}


def l5_table(arms: list[ArmAnalysis]) -> dict[str, Any]:
    """Reflection rates with intervals, one row per traced arm."""
    rows = [[a.arm.label, str(r.traced), *[show(e, n=True) for e in (
        r.self_check, r.correction, r.pivot, r.episode, r.follow_through, r.instability)],
        *[show(r.per_1k.get(k), "mean") for k in ("self_check", "correction", "pivot")]]
        for a in arms if (r := a.reflection).traced]
    return {"head": ["arm", "traced", "self-check", "correction", "pivot (not reflection)",
                     "episode", "follow-through (of corrections)", "instability (tasks)",
                     "self-checks / 1k tokens", "corrections / 1k tokens",
                     "pivots / 1k tokens"], "rows": rows}


def functional_sections(analysis: Analysis) -> dict[str, Any]:
    """The functional-reflection section: per arm with planted tasks, the answer in words
    and its tables; per comparison with planted pairs, A vs B side by side."""
    arms = [{"label": a.arm.label, "statement": f.statement, "traced": bool(f.traced),
             "measures": fcells.measures(f), "contrasts": fcells.contrasts(f),
             "breakdown": fcells.breakdown(f)}
            for a in analysis.arms if (f := a.functional) is not None]
    comps = [{"a": c.a_label, "b": c.b_label, "table": fcells.comparison(c.functional),
              "words": compare_statement(c.functional)}
             for c in analysis.comparisons if c.functional]
    return {"arms": arms, "comparisons": comps, "note": fcells.NOTE,
            "compare_note": fcells.COMPARE_NOTE}


def _run_info(run: RunData) -> dict[str, Any]:
    ps = run.manifest.get("probeset") or {}
    return {"id": run.run_id, "models": ", ".join(run.models) or "–",
            "judges": ", ".join(sorted({str(j.get("judge")) for j in run.judgments})) or "–",
            "probeset": f"{ps.get('name', '?')} v{ps.get('version', '?')}",
            "responses": len(run.responses), "judgments": len(run.judgments),
            "traces": len(run.traces), "status": run.manifest.get("status", "?"),
            "settings": ", ".join(f"{k}={v}" for k, v in sorted(
                (run.manifest.get("settings") or {}).items()) if v is not None)}


def _case(why: str, row: ResponseRow, runs: dict[str, RunData]) -> dict[str, Any]:
    probes = runs[row.run_id].probeset
    title, query = "", ""
    if probes is not None:
        titles = [p.title for p in probes.pages if p.id in row.page_ids]
        title = " / ".join(titles)
        if row.kind == "combo":
            query = next((c.query for c in probes.combos if c.id == row.combo_id), "")
        elif row.query_id:
            query = next((q.text for q in probes.queries if q.id == row.query_id), "")
    which, text = traced_text(row)
    reasoning = segments(text, row.events) if which == "reasoning" else \
        segments(row.reasoning, [])
    answer = segments(row.text, row.events if which == "answer" else [], ANSWER_CHARS)
    return {"why": why, "where": row.where, "title": title, "query": query,
            "answer": answer, "reasoning": reasoning, "model": row.model,
            "scores": ", ".join(f"{k} {v:g}" for k, v in sorted(row.scores.items())),
            "label": row.label, "rationale": sorted(row.rationale.items()),
            "points": _points(probes, row), "trace": _trace_line(row, which)}


def _points(probes: Any, row: ResponseRow) -> list[dict[str, str]]:
    """The judged key points of a case: id, role, the judge's status, the point's text."""
    if probes is None or not row.points:
        return []
    out = []
    for page in probes.pages:
        if page.id not in row.page_ids:
            continue
        for k in page.key_points:
            pid = f"{page.id}/{k.id}" if row.kind == "combo" else k.id
            if pid in row.points:
                out.append({"id": pid, "role": k.role, "status": row.points[pid],
                            "text": k.text, "draft": "draft" if k.draft else ""})
    return out


def _trace_line(row: ResponseRow, which: str) -> str:
    """What the trace parser found, in words (also when it found nothing)."""
    if not row.traced:
        return "not traced"
    kinds = Counter(str(e.get("kind")) for e in row.events)
    found = ", ".join(f"{n} {k.replace('_', '-')}" for k, n in sorted(kinds.items()))
    return f"trace parser ({which}): {found or 'no self-check or correction found'}" + \
        (f", {row.episodes} episode(s)" if row.episodes else "")


def context(analysis: Analysis, runs: list[RunData], title: str | None = None,
            trust: list[JudgeTrust] | None = None) -> dict[str, Any]:
    """Everything the template shows, already formatted; ``trust``: each judge's
    calibration and human agreement (judge.report.trust)."""
    arms: list[Arm] = [a.arm for a in analysis.arms]
    by_id = {r.run_id: r for r in runs}
    per_arm = [{"a": a, "by_type": group_table(a.metrics.by_page_type),
                "by_intent": group_table(a.metrics.by_intent)} for a in analysis.arms]
    return {
        "title": title or "judge report — " + ", ".join(r.run_id for r in runs),
        "generated": now_iso(), "runs": [_run_info(r) for r in runs],
        "rule": analysis.rule.short(), "rule_banner": analysis.rule.banner(),
        "intervals": INTERVALS, "findings": findings(analysis),
        "l1": [l1_table(c) for c in analysis.comparisons],
        "summary": group_table([a.metrics.overall for a in analysis.arms]),
        "arms": per_arm, "analysis": analysis,
        "comparisons": analysis.comparisons,
        "forest_svg": plots.diff_forest(analysis.comparisons),
        "strategy_svg": plots.strategy_distribution(analysis.arms),
        "heatmap_svg": plots.cross_query_heatmap(analysis.arms),
        "intents": intent_table(analysis.arms), "l4": l4_table(analysis.arms),
        "l5": l5_table(analysis.arms), "functional": functional_sections(analysis),
        "has_judgments": any(r.judgments for r in runs),
        "scores_svg": plots.score_distributions(analysis.arms),
        "combo_svg": plots.combo_success(analysis.arms),
        "reflection_svg": plots.reflection_rates(analysis.arms),
        "mirage_svg": plots.mirage_plot(analysis.mirage),
        "cases": [_case(why, row, by_id) for why, row in bad_cases(analysis, arms)],
        "queue": review_queue(arms),
        "trust": trust or [],
    }


def render(analysis: Analysis, runs: list[RunData], title: str | None = None,
           trust: list[JudgeTrust] | None = None) -> str:
    return _env().get_template("report.html.j2").render(**context(analysis, runs, title, trust))


def write_report(analysis: Analysis, runs: list[RunData], path: Path,
                 title: str | None = None, trust: list[JudgeTrust] | None = None) -> int:
    """Render and write the report; returns its size in bytes."""
    html = render(analysis, runs, title, trust)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return len(html.encode("utf-8"))
