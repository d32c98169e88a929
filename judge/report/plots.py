"""Plots for the report, rendered by matplotlib (Agg) to inline SVG strings.

Each function returns an SVG string, or None when there is nothing to plot. Text stays
text in the SVG (``svg.fonttype = none``), which keeps files small and readable offline.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from judge.analysis.analyze import ArmAnalysis  # noqa: E402
from judge.analysis.compare import Comparison  # noqa: E402
from judge.analysis.mirage import MirageDim  # noqa: E402
from judge.stats import Estimate  # noqa: E402

STYLE: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": "judge-report", "font.size": 9,
         "font.family": "sans-serif", "axes.spines.top": False, "axes.spines.right": False,
         "axes.titlesize": 10, "axes.titleweight": "bold", "figure.dpi": 96}
MAX_PANELS = 4
COLORS = ["#3b6ea8", "#d9822b", "#4d9a5b", "#b4445c", "#7d62a8", "#8c7a5b", "#3aa0a8"]


@contextmanager
def _figure(w: float, h: float, ncols: int = 1) -> Iterator[tuple[Figure, list]]:
    with plt.rc_context(STYLE):  # type: ignore[arg-type]
        fig, axes = plt.subplots(1, ncols, figsize=(w, h), squeeze=False, layout="constrained")
        try:
            yield fig, list(axes[0])
        finally:
            plt.close(fig)


def to_svg(fig: Figure) -> str:
    """The figure as an inline <svg> element (no XML prolog, scalable)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def _err(est: Estimate) -> tuple[float, float]:
    v = est.value or 0.0
    lo = est.lo if est.lo is not None else v
    hi = est.hi if est.hi is not None else v
    return (max(0.0, v - lo), max(0.0, hi - v))


def _intention_bars(ax: Any, arms: list[ArmAnalysis], data: list[list[float]]) -> None:
    width = 0.8 / max(1, len(arms))
    for i, (a, xs) in enumerate(zip(arms, data)):
        if xs:
            counts = np.histogram(np.round(xs), bins=np.arange(0.5, 6.5))[0] / len(xs)
            ax.bar(np.arange(1, 6) + (i - (len(arms) - 1) / 2) * width, counts, width,
                   color=COLORS[i % 7], label=a.arm.label)
    ax.set(title="Intention score (share of responses)", xticks=range(1, 6), xlabel="score")


def _coverage_steps(ax: Any, arms: list[ArmAnalysis], data: list[list[float]]) -> None:
    bins = np.linspace(0, 1, 11)
    for i, (a, xs) in enumerate(zip(arms, data)):
        if xs:
            ax.hist(xs, bins=bins, weights=np.full(len(xs), 1 / len(xs)), histtype="step",
                    lw=2, color=COLORS[i % 7], label=a.arm.label)
    ax.set(title="Coverage partial credit (share of responses)", xlabel="partial credit")


def score_distributions(arms: list[ArmAnalysis]) -> str | None:
    """Intention scores (1–5) and coverage partial credit, per arm (panels with data)."""
    panels = [(draw, data) for draw, rubric in ((_intention_bars, "intention"),
                                                (_coverage_steps, "coverage"))
              if any(data := [[r.scores[rubric] for r in a.arm.rows if rubric in r.scores]
                              for a in arms])]
    if not panels:
        return None
    with _figure(5 * len(panels), 3.2, len(panels)) as (fig, axes):
        for ax, (draw, data) in zip(axes, panels):
            draw(ax, arms, data)
        axes[0].legend(fontsize=8, frameon=False)
        return to_svg(fig)


def strategy_distribution(arms: list[ArmAnalysis]) -> str | None:
    """Stacked shares of strategy labels per page type, one panel per arm (first four)."""
    arms = [a for a in arms if any(s.labels for s in a.strategy)][:MAX_PANELS]
    if not arms:
        return None
    types = sorted({s.page_type for a in arms for s in a.strategy if s.labels})
    labels = sorted({k for a in arms for s in a.strategy for k in s.labels})
    expected = {s.page_type: ", ".join(s.expected) or "–" for a in arms for s in a.strategy}
    with _figure(2.2 + 3.2 * len(arms), 0.42 * len(types) + 1.6, len(arms)) as (fig, axes):
        for ax, a in zip(axes, arms):
            stats = {s.page_type: s for s in a.strategy}
            left = np.zeros(len(types))
            for i, lab in enumerate(labels):
                share = np.array([_share(stats[t].labels, lab) if t in stats else 0.0
                                  for t in types])
                ax.barh(range(len(types)), share, left=left, color=COLORS[i % 7], label=lab)
                left += share
            ax.set_yticks(range(len(types)), [f"{t} (expect {expected[t]})" for t in types]
                          if ax is axes[0] else [""] * len(types))
            ax.invert_yaxis()
            ax.set(xlim=(0, 1), xticks=[0, 0.5, 1], xlabel="share of responses",
                   title=_short(a.arm.label, 40))
        handles, names = axes[0].get_legend_handles_labels()
        fig.legend(handles, names, ncol=min(7, len(labels)), fontsize=8, frameon=False,
                   loc="outside upper center")
        return to_svg(fig)


def cross_query_heatmap(arms: list[ArmAnalysis]) -> str | None:
    """Mean intention of answers to query i (rows) judged against query j (columns)."""
    arms = [a for a in arms if a.intention.matrix_queries][:MAX_PANELS]
    if not arms:
        return None
    n = max(len(a.intention.matrix_queries) for a in arms)
    size = 1.6 + 0.5 * n
    with _figure(1.2 + (size + 0.6) * len(arms), size + 0.4, len(arms)) as (fig, axes):
        for ax, a in zip(axes, arms):
            qs = a.intention.matrix_queries
            data = np.array([[np.nan if v is None else v for v in row]
                             for row in a.intention.matrix], dtype=float)
            im = ax.imshow(data, cmap="RdYlGn", vmin=1, vmax=5)
            for (i, j), v in np.ndenumerate(data):
                if not np.isnan(v):
                    ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=8,
                            color="white" if v < 1.8 or v > 4.4 else "black",
                            fontweight="bold" if i == j else "normal")
            ax.set_xticks(range(len(qs)), qs, rotation=35, ha="right")
            ax.set_yticks(range(len(qs)), qs if ax is axes[0] else [""] * len(qs))
            ax.set(xlabel="judged against query", title=_short(a.arm.label, 32))
        axes[0].set_ylabel("answer written for query")
        fig.colorbar(im, ax=axes, shrink=0.8, label="mean intention (1–5)")
        return to_svg(fig)


def reflection_rates(arms: list[ArmAnalysis]) -> str | None:
    """Reflection rates with 95% Wilson intervals, per arm."""
    traced = [a for a in arms if a.reflection.traced]
    if not traced:
        return None
    names = ["self-check", "correction", "episode", "follow-through", "instability"]
    with _figure(10, 3.2) as (fig, (ax,)):
        width = 0.8 / len(traced)
        for i, a in enumerate(traced):
            r = a.reflection
            ests = [r.self_check, r.correction, r.episode, r.follow_through, r.instability]
            x = np.arange(len(names)) + (i - (len(traced) - 1) / 2) * width
            ax.bar(x, [e.value or 0 for e in ests], width, color=COLORS[i % 7],
                   label=a.arm.label, yerr=np.array([_err(e) for e in ests]).T, capsize=3,
                   error_kw={"lw": 1})
        ax.set_xticks(range(len(names)), names)
        ax.set(ylim=(0, 1.05), ylabel="rate (95% CI)", title="Reflection rates")
        ax.legend(fontsize=8, frameon=False)
        return to_svg(fig)


def combo_success(arms: list[ArmAnalysis]) -> str | None:
    """Predicted (product of steps) vs observed combo success, with intervals."""
    points = [(a, c) for a in arms for c in a.combos.combos
              if c.predicted is not None and c.observed.value is not None]
    if not points:
        return None
    with _figure(5.5, 4.4) as (fig, (ax,)):
        ax.plot([0, 1], [0, 1], ls="--", color="#999", lw=1, label="observed = predicted")
        for i, a in enumerate(arms):
            mine = [c for b, c in points if b is a]
            if not mine:
                continue
            x = [c.predicted or 0.0 for c in mine]
            xerr = np.array([(max(0.0, p - (c.predicted_lo or p)),
                              max(0.0, (c.predicted_hi or p) - p)) for p, c in zip(x, mine)]).T
            ax.errorbar(x, [c.observed.value for c in mine], xerr=xerr,
                        yerr=np.array([_err(c.observed) for c in mine]).T, fmt="o",
                        color=COLORS[i % 7], capsize=3, label=a.arm.label)
            for c in mine:
                ax.annotate(c.combo, (c.predicted, c.observed.value), fontsize=7,
                            xytext=(4, 4), textcoords="offset points")
        ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xlabel="predicted (product of steps)",
               ylabel="observed combo success", title="Combos: predicted vs observed")
        ax.legend(fontsize=7, frameon=False, loc="upper left")
        return to_svg(fig)


def mirage_plot(dims: list[MirageDim]) -> str | None:
    """Binary vs partial credit (and p^k for coverage) across the ordered arms."""
    if not dims:
        return None
    with _figure(3.6 * len(dims), 3.4, len(dims)) as (fig, axes):
        for ax, m in zip(axes, dims):
            x = np.arange(len(m.points))
            for est_of, name, color in ((lambda p: p.binary, m.binary_name, COLORS[3]),
                                        (lambda p: p.partial, m.partial_name, COLORS[0])):
                ests = [est_of(p) for p in m.points]
                ax.errorbar(x, [e.value for e in ests], yerr=np.array([_err(e) for e in ests]).T,
                            marker="o", capsize=3, color=color, label=name)
            if any(p.predicted is not None for p in m.points):
                ax.plot(x, [p.predicted for p in m.points], ls=":", marker="x", color="#444",
                        label="predicted p^k")
            ax.set_xticks(x, [_short(p.label) for p in m.points], rotation=20, ha="right")
            ax.set(ylim=(-0.02, 1.02), title=f"{m.dim}: {m.label}")
            ax.legend(fontsize=7, frameon=False, loc="upper left")
        return to_svg(fig)


def diff_forest(comps: list[Comparison]) -> str | None:
    """B − A per dimension with paired 95% intervals, one panel per comparison."""
    comps = [c for c in comps if any(d.diff.value is not None for d in c.dims)][:MAX_PANELS]
    if not comps:
        return None
    n = max(len(c.dims) for c in comps)
    with _figure(2.4 + 3.4 * len(comps), 0.4 * n + 1.3, len(comps)) as (fig, axes):
        for ax, comp in zip(axes, comps):
            dims = [d for d in comp.dims if d.diff.value is not None]
            for i, d in enumerate(dims):
                color = COLORS[2] if d.direction == "B better" else (
                    COLORS[3] if d.direction == "B worse" else "#777")
                if d.diff.has_interval:
                    ax.plot([d.diff.lo, d.diff.hi], [i, i], color=color, lw=2)
                ax.plot([d.diff.value], [i], "o", color=color,  # hollow: no interval
                        mfc=color if d.diff.has_interval else "none")
            ax.axvline(0, color="#999", lw=1, ls="--")
            ax.set_yticks(range(len(dims)), [f"{d.dim} ({'rate' if d.kind == 'rate' else 'mean'})"
                                             for d in dims] if ax is axes[0] else [""] * len(dims))
            ax.set_ylim(len(dims) - 0.5, -0.5)
            ax.set(xlabel="B − A (95% CI)", title=_short(f"{comp.b_label} − {comp.a_label}", 44))
        return to_svg(fig)


def _share(counts: dict[str, int], key: str) -> float:
    return counts.get(key, 0) / max(1, sum(counts.values()))


def _short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
