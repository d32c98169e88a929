"""The report's summary: a short list of findings, each one sentence with its numbers."""

from __future__ import annotations

from dataclasses import dataclass

from judge.analysis.analyze import Analysis, ArmAnalysis
from judge.analysis.compare import Comparison
from judge.analysis.stats import fmt_diff
from judge.report.terminal import LABELS, show


@dataclass(frozen=True)
class Finding:
    level: str
    text: str
    tone: str = "info"  # good | bad | info


def _l1(c: Comparison) -> list[Finding]:
    out = []
    for d in c.dims:
        if d.significant:
            tone = "good" if d.direction == "B better" else "bad"
            out.append(Finding("L1", f"{c.b_label} vs {c.a_label}: {LABELS[d.dim]} "
                                     f"{fmt_diff(d.diff, d.kind == 'rate')} ({d.direction}).",
                               tone))
    if not out and c.dims:
        out.append(Finding("L1", f"{c.b_label} vs {c.a_label}: no dimension differs "
                                 f"significantly over {c.common_tasks} shared tasks."))
    if c.mcnemar and (c.to_fail or c.to_pass):
        m = c.mcnemar
        out.append(Finding("L1", f"{len(c.to_fail)} tasks flipped pass→fail and "
                                 f"{len(c.to_pass)} fail→pass (exact McNemar p = "
                                 f"{m.p_value:.3g}).", "bad" if m.p_value < 0.05
                           and m.pass_to_fail > m.fail_to_pass else "info"))
    return out


def _arm(a: ArmAnalysis) -> list[Finding]:
    name = a.arm.label
    out = []
    o = a.metrics.overall.dims
    if o.get("pass") and o["pass"].ok:
        out.append(Finding("Metrics", f"{name}: success {show(o['pass'], n=True)}"
                           + (f", intention {show(o['intention'], 'mean')}"
                              if o.get("intention") and o["intention"].ok else "") + "."))
    if a.combos.combos:
        worse = [c.combo for c in a.combos.combos if c.verdict == "worse than predicted"]
        out.append(Finding("L2", f"{name}: {a.combos.decision}"
                           + (f"; compounding failure in {', '.join(worse)}" if worse else "")
                           + ".", "bad" if worse else ("good" if a.combos.ready else "info")))
    i = a.intention
    if i.pairs:
        out.append(Finding("L4", f"{name}: answers fit their own query better than another "
                                 f"query in {show(i.discrimination)} of {i.pairs} pairs.",
                           "bad" if (i.discrimination.hi or 1) < 0.75 else "info"))
    if i.flagged:
        out.append(Finding("L4", f"{name}: {len(i.flagged)} page × query pairs barely change "
                                 "with the query (see L4).", "bad"))
    r = a.reflection
    if r.traced:
        out.append(Finding("L5", f"{name}: self-check in {show(r.self_check)}, correction in "
                                 f"{show(r.correction)} of responses; unstable across samples "
                                 f"in {show(r.instability)} of tasks."))
    return out


def findings(analysis: Analysis) -> list[Finding]:
    """Findings in reading order: comparisons first, then per arm, then the mirage."""
    out: list[Finding] = []
    for c in analysis.comparisons:
        out += _l1(c)
    for a in analysis.arms:
        out += _arm(a)
    for m in analysis.mirage:
        out.append(Finding("Mirage", f"{m.dim}: {m.label} — {m.reason}.",
                           "bad" if m.label == "metric artifact" else "info"))
    if not any(a.arm.run.judgments for a in analysis.arms):
        out.append(Finding("Data", "No judgments in these runs: only length and reflection "
                                   "can be analysed. Run the judge first.", "bad"))
    return out
