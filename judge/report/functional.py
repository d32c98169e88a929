"""The functional-reflection section as table cells, shared by the terminal and the HTML
report (judge.stats.format prints every number, so both show the same intervals)."""

from __future__ import annotations

from judge.analysis.functional import FunctionalDiff, FunctionalReport, diff_text
from judge.stats import MIN_TASKS, show, show_diff, show_p

Table = dict[str, list]  # {"head": [...], "rows": [[...], ...]}
MARKS = {"B higher": "▲ B higher", "B lower": "▼ B lower", "n too small": "· n too small"}
NOTE = ("Rates: Wilson 95% intervals clustered by planted pair (a planted task and its "
        "control). Differences: BCa bootstrap over pairs, first side − second side; fewer "
        f"than {MIN_TASKS} pairs on a side: 'n too small', never significant. Detection: a "
        "self-check or correction whose window carries the planted error's markers (a "
        "pivot never counts). Repair: the plant's deterministic check, else the judge's "
        "repair rubric.")
COMPARE_NOTE = ("B − A per measure over the planted pairs both runs answered, paired BCa "
                "bootstrap 95% interval over pairs; ▲/▼ only when the (Holm-adjusted) "
                "p < 0.05 and the interval excludes 0; fewer than "
                f"{MIN_TASKS} shared pairs: 'n too small'.")


def measures(f: FunctionalReport) -> Table:
    """The headline rates: what each measures, the rate with its interval, n."""
    rows = [
        ("detection: a self-check/correction touches the planted error", f.detection),
        ("any self-check or correction fired (planted)", f.fired),
        ("repair: answer free of the error (planted)", f.repair),
        ("answer free of the error (controls)", f.control_error_free),
        ("false alarm: a correction on a control", f.false_alarm),
        ("control self-check/correction touching the twin's error", f.control_mentions),
    ]
    return {"head": ["measure", "rate [95% CI]", "n", "pairs"],
            "rows": [[name, show(est), str(est.n), str(est.clusters or est.n)]
                     for name, est in rows]}


def contrasts(f: FunctionalReport) -> Table:
    """Repair by side of each contrast, and the difference with its p-value."""
    corrected = f.correction == "holm"
    rows = []
    for c in f.contrasts:
        p = show_p(c.diff.p_adjusted if corrected and c.diff.p_adjusted is not None
                   else c.diff.p_value)
        rows.append([c.name, f"{c.b_label}: {show(c.b)} n={c.b.n}",
                     f"{c.a_label}: {show(c.a)} n={c.a.n}",
                     diff_text(c), p])
    return {"head": ["contrast (repair)", "first side", "second side", "difference [95% CI]",
                     "p Holm" if corrected else "p (uncorrected)"], "rows": rows}


def breakdown(f: FunctionalReport) -> Table:
    """Detection, repair and the control baseline per plant kind, error type, language."""
    rows = [[f"{group}: {b.key}", str(b.pairs), show(b.detection, n=True),
             show(b.repair, n=True), show(b.control_error_free, n=True)]
            for group, items in f.breakdown.items() for b in items]
    return {"head": ["group", "pairs", "detection", "repair (planted)",
                     "error-free (controls)"], "rows": rows}


def comparison(diffs: list[FunctionalDiff]) -> Table:
    """A vs B per measure over shared planted pairs."""
    rows = []
    for d in diffs:
        shape = "rate" if d.kind == "rate" else "mean"
        p = show_p(d.diff.p_adjusted if d.corrected and d.diff.p_adjusted is not None
                   else d.diff.p_value)
        rows.append([d.measure, show(d.a, shape), show(d.b, shape), show_diff(d.diff, shape),
                     p, MARKS.get(d.direction, "· n.s."), str(d.diff.n)])
    corrected = bool(diffs) and diffs[0].corrected
    return {"head": ["measure", "A", "B", "B − A [95% CI]",
                     "p Holm" if corrected else "p (uncorrected)", "", "pairs"],
            "rows": rows}
