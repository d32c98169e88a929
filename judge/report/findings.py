"""The report's summary: a short list of findings, each one sentence with its numbers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from judge.analysis.analyze import Analysis, ArmAnalysis
from judge.analysis.compare import Comparison
from judge.report.terminal import LABELS
from judge.stats import show, show_diff


@dataclass(frozen=True)
class Finding:
    level: str
    text: str
    tone: str = "info"  # good | bad | info


def _l1(c: Comparison) -> Finding:
    """One line per comparison: what got better, what got worse, the flips."""
    better = [f"{LABELS[d.dim]} {show_diff(d.diff, 'rate' if d.kind == 'rate' else 'mean')}"
              for d in c.dims if d.direction == "B better"]
    worse = [f"{LABELS[d.dim]} {show_diff(d.diff, 'rate' if d.kind == 'rate' else 'mean')}"
             for d in c.dims if d.direction == "B worse"]
    small = [d for d in c.dims if d.direction == "n too small"]
    parts = ([f"better on {', '.join(better)}"] if better else []) + \
        ([f"worse on {', '.join(worse)}"] if worse else [])
    none = (f"n too small to test ({small[0].diff.n} shared tasks)" if small and not parts
            else "no dimension differs significantly")
    text = f"{c.b_label} vs {c.a_label}: " + ("; ".join(parts) if parts else none)
    if c.mcnemar:
        text += (f" — {len(c.to_fail)} tasks pass→fail, {len(c.to_pass)} fail→pass "
                 f"(McNemar p = {c.mcnemar.p_value:.3g}, {c.common_tasks} tasks)")
    tone = "bad" if worse else ("good" if better else "info")
    return Finding("L1", text + ".", tone)


def _across(level: str, what: str, arms: list[ArmAnalysis], value: Callable[[ArmAnalysis], str],
            tone: str = "info") -> Finding:
    """One line comparing a measure across arms."""
    return Finding(level, f"{what}: " + " · ".join(f"{a.arm.label} {value(a)}" for a in arms)
                   + ".", tone)


def _levels(arms: list[ArmAnalysis]) -> list[Finding]:
    out = []
    combo_arms = [a for a in arms if a.combos.combos]
    for a in combo_arms:
        worse = [c.combo for c in a.combos.combos if c.verdict == "worse than predicted"]
        weak = {(s.page, s.query) for c in a.combos.combos for s in c.steps if not s.ready}
        gate = "start composite evaluation now" if a.combos.ready else \
            f"not yet ({len(weak)} single steps below the gate)"
        out.append(Finding("L2", f"{a.arm.label}: {gate}"
                           + (f"; compounding failure in {', '.join(worse)}" if worse else "")
                           + ".", "bad" if worse else ("good" if a.combos.ready else "info")))
    disc = [a for a in arms if a.intention.pairs]
    if disc:
        low = any((a.intention.discrimination.hi or 1) < 0.75 for a in disc)
        out.append(_across("L4", "Answers fit their own query better than another query",
                           disc, lambda a: show(a.intention.discrimination),
                           "bad" if low else "info"))
    for a in arms:
        if a.intention.flagged:
            out.append(Finding("L4", f"{a.arm.label}: {len(a.intention.flagged)} page × query "
                                     "pairs barely change with the query.", "bad"))
    traced = [a for a in arms if a.reflection.traced]
    if traced:
        out.append(_across("L5", "Self-check rate", traced,
                           lambda a: show(a.reflection.self_check)))
        out.append(_across("L5", "Reflection unstable across samples (share of tasks)",
                           traced, lambda a: show(a.reflection.instability)))
    return out + _functional(arms)


def _functional(arms: list[ArmAnalysis]) -> list[Finding]:
    """Functional reflection, for arms with traced planted-error tasks."""
    reports = {a.arm.label: a.functional for a in arms
               if a.functional is not None and a.functional.traced}
    planted = [a for a in arms if a.arm.label in reports]
    if not planted:
        return []
    return [_across("L5", "Self-checks caught planted errors", planted,
                    lambda a: show(reports[a.arm.label].detection)),
            _across("L5", "Answers free of the planted error, planted vs control", planted,
                    lambda a: f"{show(reports[a.arm.label].repair)} vs "
                              f"{show(reports[a.arm.label].control_error_free)}")]


def findings(analysis: Analysis) -> list[Finding]:
    """Findings in reading order: comparisons, levels 2–5, the mirage, data gaps."""
    out = [_l1(c) for c in analysis.comparisons]
    out += _levels(analysis.arms)
    for m in analysis.mirage:
        out.append(Finding("Mirage", f"{m.dim}: {m.label} — {m.reason}.",
                           "bad" if m.label == "metric artifact" else "info"))
    if not any(a.arm.run.judgments for a in analysis.arms):
        out.append(Finding("Data", "No judgments in these runs: only length and reflection "
                                   "can be analysed. Run the judge first.", "bad"))
    if not any(a.reflection.traced for a in analysis.arms):
        out.append(Finding("Data", "No trace records (traces.jsonl): reflection (L5) is not "
                                   "analysed. Run the trace parser first."))
    return out
