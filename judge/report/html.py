"""The self-contained HTML report: jinja2 (autoescape on: model text is untrusted) with
inline SVG plots, inline CSS, no scripts and nothing fetched from the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from judge.analysis.analyze import Analysis, Arm, bad_cases, review_queue
from judge.analysis.load import RunData
from judge.analysis.metrics import DIM_KIND, DIMENSIONS, GroupStats
from judge.analysis.rows import ResponseRow
from judge.analysis.stats import fmt_diff
from judge.records import now_iso
from judge.report import plots
from judge.report.findings import findings
from judge.report.highlight import segments, traced_text
from judge.report.terminal import LABELS, show

TEMPLATES = Path(__file__).parent / "templates"
ANSWER_CHARS = 6000


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES),
                      autoescape=select_autoescape(["html", "j2"], default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["show"] = show
    env.globals["diff"] = lambda d: fmt_diff(d.diff, d.kind == "rate")
    return env


def group_table(groups: list[GroupStats]) -> dict[str, Any]:
    """Header + rows of strings for a GroupStats table (empty dimensions dropped)."""
    dims = [d for d, _, _ in DIMENSIONS if any(g.dims.get(d) and g.dims[d].ok for g in groups)]
    return {"head": ["group", "n", *[LABELS[d] for d in dims]],
            "rows": [[g.key, str(g.n), *[show(g.dims.get(d), DIM_KIND[d]) for d in dims]]
                     for g in groups]}


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
            "label": row.label, "rationale": sorted(row.rationale.items())}


def context(analysis: Analysis, runs: list[RunData], title: str | None = None) -> dict[str, Any]:
    """Everything the template shows, already formatted."""
    arms: list[Arm] = [a.arm for a in analysis.arms]
    by_id = {r.run_id: r for r in runs}
    per_arm = [{"a": a, "by_type": group_table(a.metrics.by_page_type),
                "by_intent": group_table(a.metrics.by_intent),
                "strategy_svg": plots.strategy_distribution(a),
                "heatmap_svg": plots.cross_query_heatmap(a)} for a in analysis.arms]
    return {
        "title": title or "judge report — " + ", ".join(r.run_id for r in runs),
        "generated": now_iso(), "runs": [_run_info(r) for r in runs],
        "rule": analysis.rule.describe(), "findings": findings(analysis),
        "summary": group_table([a.metrics.overall for a in analysis.arms]),
        "arms": per_arm, "analysis": analysis,
        "comparisons": [{"c": c, "svg": plots.diff_forest(c)} for c in analysis.comparisons],
        "has_judgments": any(r.judgments for r in runs),
        "scores_svg": plots.score_distributions(analysis.arms),
        "combo_svg": plots.combo_success(analysis.arms),
        "reflection_svg": plots.reflection_rates(analysis.arms),
        "mirage_svg": plots.mirage_plot(analysis.mirage),
        "cases": [_case(why, row, by_id) for why, row in bad_cases(analysis, arms)],
        "queue": review_queue(arms),
    }


def render(analysis: Analysis, runs: list[RunData], title: str | None = None) -> str:
    return _env().get_template("report.html.j2").render(**context(analysis, runs, title))


def write_report(analysis: Analysis, runs: list[RunData], path: Path,
                 title: str | None = None) -> int:
    """Render and write the report; returns its size in bytes."""
    html = render(analysis, runs, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return len(html.encode("utf-8"))
