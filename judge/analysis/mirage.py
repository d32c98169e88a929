"""Mirage check (Schaeffer et al. 2023): is a jump across ordered versions real?

For runs ordered by version or size, each dimension has an all-or-nothing (binary) metric
and its partial-credit twin, both on 0–1:

    coverage      all core key points covered  vs  key-point partial credit
    intention     intention ≥ the pass threshold  vs  (mean intention − 1) / 4
    faithfulness  no unsupported claim (= 1)   vs  share of supported claims

For coverage the binary rate is also predicted from per-point success: for a page with k
core points and per-core-point hit rate p (share judged fully covered; partial credit when
the verdicts carry no per-point detail) the prediction is p^k, averaged over responses.

Label. b = the binary series, c = its twin, over m ≥ 3 runs. The *sharpness* of a series
x is S(x) = its largest single step / its total rise x_m − x_1 (0 when the rise is below
MIN_RISE = 0.05); a straight line has S = 1/(m−1). With SHARP(m) = max(0.6, 1.5/(m−1)):
  * "no growth"       — b and c each rise by less than MIN_RISE from first to last run;
  * "threshold"       — S(c) ≥ SHARP(m) and c's largest step ≥ MIN_JUMP = 0.10: the
                        partial-credit twin itself jumps, so the change is real;
  * "metric artifact" — otherwise, when S(b) − S(c) ≥ MARGIN = 0.15: the twin grows
                        smoothly and the all-or-nothing metric concentrates that growth
                        into a jump (the mirage);
  * "smooth growth"   — otherwise: the binary metric rises about as evenly as its twin.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from judge.analysis.rows import ResponseRow
from judge.stats import Estimate, mean, rate

MIN_RISE, MIN_JUMP, MARGIN = 0.05, 0.10, 0.15


@dataclass
class MiragePoint:
    label: str
    binary: Estimate
    partial: Estimate
    predicted: float | None = None


@dataclass
class MirageDim:
    dim: str
    binary_name: str
    partial_name: str
    points: list[MiragePoint] = field(default_factory=list)
    label: str = ""
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"dim": self.dim, "binary_name": self.binary_name,
                "partial_name": self.partial_name, "label": self.label, "reason": self.reason,
                "points": [{"label": p.label, "binary": p.binary.to_dict(),
                            "partial": p.partial.to_dict(), "predicted": p.predicted}
                           for p in self.points]}


def predicted_binary(rows: list[ResponseRow]) -> float | None:
    """Mean over responses of p_page ** k_page (see module docstring)."""
    hits: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        p = r.core_hit if r.core_hit is not None else r.scores.get("coverage")
        if r.page_id and r.k_core > 0 and p is not None and r.all_core is not None:
            hits[r.page_id].append(p)
    preds = []
    k_of = {r.page_id: r.k_core for r in rows if r.page_id}
    for page, ps in hits.items():
        p = sum(ps) / len(ps)
        preds.extend([p ** k_of[page]] * len(ps))
    return sum(preds) / len(preds) if preds else None


def _twins(rows: list[ResponseRow], min_intention: float) -> dict[str, tuple[Estimate, Estimate]]:
    tasks = [r.task_id for r in rows]
    intent = [r.scores.get("intention") for r in rows]
    faith = [r.scores.get("faithfulness") for r in rows]
    unit = (0.0, 1.0)
    return {
        "coverage": (rate([r.all_core for r in rows], tasks),
                     mean([r.scores.get("coverage") for r in rows], tasks, unit)),
        "intention": (rate([None if s is None else s >= min_intention for s in intent], tasks),
                      mean([None if s is None else (s - 1) / 4 for s in intent], tasks, unit)),
        "faithfulness": (rate([None if s is None else s >= 1.0 for s in faith], tasks),
                         mean(faith, tasks, unit)),
    }


NAMES = {"coverage": ("all core covered", "partial credit"),
         "intention": ("intention pass rate", "mean intention (0–1)"),
         "faithfulness": ("fully faithful", "supported share")}


def sharpness(x: list[float]) -> float:
    """Largest single step / total rise (0 when the rise is below MIN_RISE)."""
    rise = x[-1] - x[0]
    if rise < MIN_RISE:
        return 0.0
    return max(b - a for a, b in zip(x, x[1:])) / rise


def sharp_at(m: int) -> float:
    """The sharpness that counts as a jump for m runs."""
    return max(0.6, 1.5 / (m - 1))


def classify(binary: list[float], partial: list[float]) -> tuple[str, str]:
    """The label and a one-line reason (the rule is in the module docstring)."""
    rise_b, rise_c = binary[-1] - binary[0], partial[-1] - partial[0]
    s_b, s_c = sharpness(binary), sharpness(partial)
    facts = (f"binary {binary[0]:.2f}→{binary[-1]:.2f} (sharpness {s_b:.2f}), "
             f"partial {partial[0]:.2f}→{partial[-1]:.2f} (sharpness {s_c:.2f})")
    if rise_b < MIN_RISE and rise_c < MIN_RISE:
        return "no growth", facts
    step_c = max(b - a for a, b in zip(partial, partial[1:]))
    if s_c >= sharp_at(len(partial)) and step_c >= MIN_JUMP:
        return "threshold", facts + "; the partial-credit twin jumps too"
    if s_b - s_c >= MARGIN:
        return "metric artifact", facts + "; the jump comes from all-or-nothing scoring"
    return "smooth growth", facts


def mirage(ordered: list[tuple[str, list[ResponseRow]]], min_intention: float = 4.0
           ) -> list[MirageDim]:
    """The mirage check over runs in the given order (needs ≥ 3; else an empty list)."""
    if len(ordered) < 3:
        return []
    out = []
    for dim, (bname, pname) in NAMES.items():
        md = MirageDim(dim, bname, pname)
        for label, rows in ordered:
            binary, partial = _twins(rows, min_intention)[dim]
            pred = predicted_binary(rows) if dim == "coverage" else None
            md.points.append(MiragePoint(label, binary, partial, pred))
        if all(p.binary.value is not None and p.partial.value is not None for p in md.points):
            md.label, md.reason = classify([p.binary.value for p in md.points],  # type: ignore[misc]
                                           [p.partial.value for p in md.points])  # type: ignore[misc]
            out.append(md)
    return out
