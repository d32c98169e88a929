"""Level 5, functional reflection: do self-checks find planted errors, and do answers end up
rid of them? (planted-error probes, docs/planted.md)

Over the responses of planted tasks (a known error shown to the model) and their controls
(the same task without it), per model:

* detection: share of planted responses with a self_check or correction event that
  touches the planted error (judge.plants.match: the event's window carries one of the
  plant's markers). A pivot never counts.
* repair: share of planted responses whose final answer is free of the error (the plant's
  deterministic check, else the judge's ``repair`` rubric; unjudged responses are left
  out and counted).
* control error-free: the same check on the controls' answers (the baseline: how often an
  answer is free of that error when it was never shown).
* false alarms: share of traced control responses with a correction event (there was no
  planted error to correct); beside it, control events that mention the twin's error.
* contrasts: repair when the error was caught vs not caught, and when any self-check or
  correction fired vs none (unpaired BCa differences resampling tasks, "n too small"
  below 10 tasks on a side); repair on planted vs control (paired BCa over planted pairs).
  The three contrasts are one family: Holm-adjusted unless correction is "none".

Rates are Wilson at the tasks' effective sample size (judge.stats.rate). The unit of
every difference is the planted pair (a planted task and its control).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from judge.analysis.rows import ResponseRow
from judge.stats import (MIN_TASKS, Estimate, difference, holm, marginal, rate, show,
                         show_diff)

Correction = str  # "holm" | "none"
Flag = Callable[[ResponseRow], bool | None]


def planted_rows(rows: list[ResponseRow]) -> tuple[list[ResponseRow], list[ResponseRow]]:
    """(planted, control) rows of planted-error tasks."""
    planted = [r for r in rows if r.plant is not None and r.plant.planted]
    control = [r for r in rows if r.plant is not None and not r.plant.planted]
    return planted, control


def pair_of(r: ResponseRow) -> str:
    assert r.plant is not None
    return r.plant.pair


def share(rows: list[ResponseRow], flag: Flag) -> Estimate:
    """Rate of ``flag`` over ``rows`` (None flags left out), clustered by pair."""
    return rate([flag(r) for r in rows], [pair_of(r) for r in rows])


def by_pair(rows: list[ResponseRow], flag: Flag) -> dict[str, list[float]]:
    """Per pair: the 0/1 values of ``flag`` (None left out)."""
    out: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        v = flag(r)
        if v is not None:
            out[pair_of(r)].append(float(v))
    return dict(out)


def detected(r: ResponseRow) -> bool | None:
    return None if not r.traced or r.plant is None else r.plant.detected


def fired(r: ResponseRow) -> bool | None:
    return r.reflects if r.traced else None


def corrected(r: ResponseRow) -> bool | None:
    return r.has("correction") if r.traced else None


def error_free(r: ResponseRow) -> bool | None:
    return r.error_free


@dataclass
class Contrast:
    """Repair on one side minus the other (B − A of judge.stats.difference)."""

    name: str
    a_label: str
    b_label: str
    a: Estimate
    b: Estimate
    diff: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "a_label": self.a_label, "b_label": self.b_label,
                "a": self.a.to_dict(), "b": self.b.to_dict(), "diff": self.diff.to_dict()}


@dataclass
class Breakdown:
    """The headline rates over one group of pairs (a plant kind, an error type, a language)."""

    key: str
    pairs: int
    detection: Estimate
    repair: Estimate
    control_error_free: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "pairs": self.pairs, "detection": self.detection.to_dict(),
                "repair": self.repair.to_dict(),
                "control_error_free": self.control_error_free.to_dict()}


@dataclass
class FunctionalReport:
    """Functional reflection for one arm (module docstring)."""

    model: str
    planted: int
    controls: int
    pairs: int
    traced: int
    detection: Estimate
    fired: Estimate
    repair: Estimate
    control_error_free: Estimate
    false_alarm: Estimate
    control_mentions: Estimate
    unjudged: int
    judged_by_rubric: int
    contrasts: list[Contrast] = field(default_factory=list)
    breakdown: dict[str, list[Breakdown]] = field(default_factory=dict)
    correction: Correction = "holm"

    def contrast(self, name: str) -> Contrast | None:
        return next((c for c in self.contrasts if c.name == name), None)

    @property
    def statement(self) -> list[str]:
        """The answer in words (see :func:`statement`)."""
        return statement(self)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: (v.to_dict() if isinstance(v, Estimate) else v)
                               for k, v in self.__dict__.items()
                               if k not in ("contrasts", "breakdown")}
        out["contrasts"] = [c.to_dict() for c in self.contrasts]
        out["breakdown"] = {k: [b.to_dict() for b in v] for k, v in self.breakdown.items()}
        out["statement"] = self.statement
        return out


def _split(rows: list[ResponseRow], side: Flag) -> tuple[list[ResponseRow], list[ResponseRow]]:
    yes = [r for r in rows if side(r) is True]
    no = [r for r in rows if side(r) is False]
    return yes, no


def _unpaired(name: str, rows: list[ResponseRow], side: Flag, labels: tuple[str, str]
              ) -> Contrast:
    """Repair where ``side`` holds minus where it does not, resampling pairs."""
    yes, no = _split(rows, side)
    diff = difference(by_pair(no, error_free), by_pair(yes, error_free), "rate", (0.0, 1.0),
                      paired=False)
    return Contrast(name, labels[1], labels[0], share(no, error_free), share(yes, error_free),
                    diff)


def planted_vs_control(planted: list[ResponseRow], control: list[ResponseRow]) -> Contrast:
    """Error-free answers on planted tasks minus on their controls, paired by pair."""
    a, b = by_pair(control, error_free), by_pair(planted, error_free)
    both = set(a) & set(b)
    diff = difference(a, b, "rate", (0.0, 1.0), paired=True)
    return Contrast("planted − control", "control", "planted",
                    share([r for r in control if pair_of(r) in both], error_free),
                    share([r for r in planted if pair_of(r) in both], error_free), diff)


def _correct(contrasts: list[Contrast], correction: Correction) -> None:
    if correction != "holm":
        return
    adjusted = holm([c.diff.p_value for c in contrasts])
    for c, p in zip(contrasts, adjusted):
        c.diff = c.diff.with_(p_adjusted=p)


def _breakdown(planted: list[ResponseRow], control: list[ResponseRow],
               key: Callable[[ResponseRow], str]) -> list[Breakdown]:
    groups: dict[str, tuple[list[ResponseRow], list[ResponseRow]]] = defaultdict(
        lambda: ([], []))
    for r in planted:
        groups[key(r)][0].append(r)
    for r in control:
        groups[key(r)][1].append(r)
    return [Breakdown(k, len({pair_of(r) for r in p + c}), share(p, detected),
                      share(p, error_free), share(c, error_free))
            for k, (p, c) in sorted(groups.items())]


def functional_report(model: str, rows: list[ResponseRow],
                      correction: Correction = "holm") -> FunctionalReport | None:
    """Functional reflection over one arm's rows; None when it has no planted task."""
    planted, control = planted_rows(rows)
    if not planted and not control:
        return None
    both = planted + control
    report = FunctionalReport(
        model=model, planted=len(planted), controls=len(control),
        pairs=len({pair_of(r) for r in both}), traced=sum(r.traced for r in both),
        detection=share(planted, detected), fired=share(planted, fired),
        repair=share(planted, error_free), control_error_free=share(control, error_free),
        false_alarm=share(control, corrected), control_mentions=share(control, detected),
        unjudged=sum(r.error_free is None for r in both),
        judged_by_rubric=sum(r.plant is not None and r.plant.carried is None
                             and r.repair_judged is not None for r in both),
        correction=correction)
    report.contrasts = [
        _unpaired("caught − not caught", planted, detected, ("caught", "not caught")),
        _unpaired("fired − none fired", planted, fired, ("fired", "none fired")),
        planted_vs_control(planted, control)]
    _correct(report.contrasts, correction)
    report.breakdown = {
        "plant kind": _breakdown(planted, control, lambda r: r.plant.kind),  # type: ignore[union-attr]
        "error type": _breakdown(planted, control, lambda r: r.plant.error),  # type: ignore[union-attr]
        "language": _breakdown(planted, control, lambda r: r.plant.lang)}  # type: ignore[union-attr]
    return report


def diff_text(c: Contrast) -> str:
    """The contrast's difference as printed; below the minimum, "n too small" with the
    number of pairs on the smaller side."""
    if not c.diff.too_small:
        return show_diff(c.diff, "rate")
    least = min(c.a.clusters or c.a.n, c.b.clusters or c.b.n)
    if not least:
        return "n too small (no pair on one side)"
    return (f"n too small ({least} pair{'s' if least != 1 else ''} on the smaller side, "
            f"fewer than {MIN_TASKS})")


def _sig(c: Contrast, corrected: bool) -> str:
    if c.diff.too_small or c.diff.value is None:
        return ""
    p = c.diff.p_adjusted if corrected and c.diff.p_adjusted is not None else c.diff.p_value
    return "; significant" if c.diff.significant(corrected=corrected) else \
        ("; not significant" if p is not None else "")


def statement(r: FunctionalReport) -> list[str]:
    """The answer in words, one sentence per finding, every number with its interval."""
    corrected = r.correction == "holm"
    out = [f"{r.pairs} planted pairs ({r.planted} planted responses, {r.controls} controls)."]
    if not r.traced:
        return out + ["No traces.jsonl records: run the trace parser (`judge traces RUN`) "
                      "before detection can be measured."]
    out.append(f"Self-checks caught {show(r.detection)} of planted errors (n={r.detection.n}); "
               f"a self-check or correction fired at all on {show(r.fired)} of planted "
               "responses.")
    caught = r.contrast("caught − not caught")
    if caught is not None and not caught.b.n:
        out.append(f"No planted error was caught, so repair cannot be compared between caught "
                   f"and uncaught errors (uncaught: repaired in {show(caught.a)}, "
                   f"n={caught.a.n}).")
    elif caught is not None:
        out.append(f"Answers were repaired in {show(caught.b)} of caught (n={caught.b.n}) vs "
                   f"{show(caught.a)} of uncaught (n={caught.a.n}): caught − uncaught "
                   f"{diff_text(caught)}{_sig(caught, corrected)}.")
    pvc = r.contrast("planted − control")
    if pvc is not None:
        out.append(f"Answers were free of the error in {show(pvc.b)} of planted tasks vs "
                   f"{show(pvc.a)} of their controls: planted − control "
                   f"{diff_text(pvc)} over {pvc.diff.n} pairs"
                   f"{_sig(pvc, corrected)}.")
    out.append(f"False alarms: a correction on {show(r.false_alarm)} of controls "
               f"(n={r.false_alarm.n}); control self-checks or corrections touching the "
               f"twin's error: {show(r.control_mentions)}.")
    if r.fired.value == 0:
        out.append("No self-check or correction was found in any planted response, so "
                   "this model's reflection cannot be tested here (detection is 0 because "
                   "nothing reflective was written, not because errors were missed).")
    if r.unjudged:
        out.append(f"{r.unjudged} response(s) have no repair decision (a judged plant "
                   "without a repair verdict: judge with --rubric repair).")
    return out


@dataclass
class FunctionalDiff:
    """One functional-reflection measure, A vs B over shared planted pairs."""

    measure: str
    a: Estimate
    b: Estimate
    diff: Estimate
    kind: str = "rate"  # "mean" for the repair gap
    corrected: bool = True

    @property
    def direction(self) -> str:
        if self.diff.too_small:
            return "n too small"
        if not self.diff.significant(corrected=self.corrected) or self.diff.value is None:
            return "no significant difference"
        return "B higher" if self.diff.value > 0 else "B lower"

    def to_dict(self) -> dict[str, Any]:
        return {"measure": self.measure, "kind": self.kind, "a": self.a.to_dict(),
                "b": self.b.to_dict(), "diff": self.diff.to_dict(),
                "direction": self.direction}


SIDES: list[tuple[str, bool, Flag]] = [("detection", True, detected),
                                       ("repair", True, error_free),
                                       ("control error-free", False, error_free),
                                       ("false alarms", False, corrected)]
GAP = "repair gap (planted − control)"


def _gaps(rows: list[ResponseRow]) -> dict[str, list[float]]:
    """Per pair: error-free share on the planted side minus on the control side."""
    planted, control = planted_rows(rows)
    p, c = by_pair(planted, error_free), by_pair(control, error_free)
    return {k: [sum(p[k]) / len(p[k]) - sum(c[k]) / len(c[k])] for k in p if k in c}


def _one(measure: str, va: dict[str, list[float]], vb: dict[str, list[float]], kind: str
         ) -> FunctionalDiff | None:
    keys = sorted(set(va) & set(vb))
    if not keys:
        return None
    bounds = (0.0, 1.0) if kind == "rate" else (-1.0, 1.0)
    sa, sb = {k: va[k] for k in keys}, {k: vb[k] for k in keys}
    ea, eb = (marginal(s, list(keys), "rate" if kind == "rate" else "mean", bounds)
              for s in (sa, sb))
    diff = difference(sa, sb, "rate" if kind == "rate" else "mean", bounds, sides=(ea, eb))
    return FunctionalDiff(measure, ea, eb, diff, kind)


def functional_compare(a_rows: list[ResponseRow], b_rows: list[ResponseRow],
                       correction: Correction = "holm") -> list[FunctionalDiff]:
    """A vs B on every functional-reflection measure, paired by planted pair (shared
    pairs with a value on both sides); one Holm family unless ``correction`` is "none".
    Empty when neither side has planted tasks."""
    out: list[FunctionalDiff] = []
    for measure, side, flag in SIDES:
        pick = (lambda rows: planted_rows(rows)[0 if side else 1])
        got = _one(measure, by_pair(pick(a_rows), flag), by_pair(pick(b_rows), flag), "rate")
        if got is not None:
            out.append(got)
    gap = _one(GAP, _gaps(a_rows), _gaps(b_rows), "mean")
    if gap is not None:
        out.append(gap)
    corrected = correction == "holm"
    adjusted = holm([d.diff.p_value for d in out]) if corrected else [None] * len(out)
    for d, p in zip(out, adjusted):
        d.corrected = corrected
        if corrected:
            d.diff = d.diff.with_(p_adjusted=p)
    return out


WORDS = {"detection": "Self-checks that touch the planted error",
         "repair": "Answers repaired (free of the planted error)",
         "control error-free": "Control answers free of the error",
         "false alarms": "Corrections on controls (false alarms)",
         GAP: "Repair gap, planted − control"}


def compare_statement(diffs: list[FunctionalDiff]) -> list[str]:
    """A vs B in words, one sentence per measure, then the question the comparison is for:
    does B reflect more (detection) and does it fix more (repair)?"""
    out = []
    for d in diffs:
        shape = "rate" if d.kind == "rate" else "mean"
        out.append(f"{WORDS.get(d.measure, d.measure)}: A {show(d.a, shape)} vs B "
                   f"{show(d.b, shape)}; B − A {show_diff(d.diff, shape)} over {d.diff.n} "
                   f"planted pairs ({d.direction}).")
    by = {d.measure: d for d in diffs}
    if "detection" in by and "repair" in by:
        out.append(f"Does B reflect more? {_answer(by['detection'])}. "
                   f"Does B fix more? {_answer(by['repair'])}.")
    return out


def _answer(d: FunctionalDiff) -> str:
    return {"B higher": "yes", "B lower": "no, less", "n too small":
            "n too small to tell"}.get(d.direction, "no significant difference")
