"""``--fail-below KEY=VALUE``: CI gates on calibration figures.

KEY is ``[RUBRIC.]METRIC[.low]``: the metric's point estimate, or with ``.low`` the lower
end of its 95% interval, must be at least VALUE for every judge (not the panel), on the
named rubric or on every rubric measured. Metrics: accuracy, kappa, parse_ok (1 − the
parse-failure rate), self_consistency (needs --samples ≥ 2), position_consistency
(pairwise). A figure that could not be computed fails its gate. When every bootstrap
resample gives the same value (a judge that agrees with every planted verdict has κ 1 on
each resample) the interval has collapsed to that value, and ``.low`` gates the value.
"""

from __future__ import annotations

from dataclasses import dataclass

from judge.stats import ALL_EQUAL, Estimate
from judge.calibration.metrics import PANEL, Figures
from judge.errors import ConfigError
from judge.grading.rubrics import RUBRICS

METRICS = ("accuracy", "kappa", "parse_ok", "self_consistency", "position_consistency")


@dataclass(frozen=True)
class Gate:
    rubric: str | None
    metric: str
    low: bool
    threshold: float

    @property
    def key(self) -> str:
        return ".".join(p for p in (self.rubric, self.metric, "low" if self.low else None) if p)


def parse_gate(text: str) -> Gate:
    """``intention.kappa=0.6`` → Gate; a bad key or value is a ConfigError."""
    key, sep, raw = text.partition("=")
    parts = key.strip().split(".")
    low = parts[-1] == "low"
    parts = parts[:-1] if low else parts
    rubric = parts[0] if len(parts) == 2 else None
    metric = parts[-1]
    if not sep or len(parts) > 2 or metric not in METRICS or (rubric and rubric not in RUBRICS):
        raise ConfigError(f"--fail-below {text!r}: expected [RUBRIC.]METRIC[.low]=VALUE with "
                          f"METRIC one of {', '.join(METRICS)} (e.g. intention.kappa=0.6)")
    try:
        threshold = float(raw)
    except ValueError:
        raise ConfigError(f"--fail-below {text!r}: {raw!r} is not a number") from None
    return Gate(rubric, metric, low, threshold)


def check_possible(gates: list[Gate], rubrics: list[str], samples: int) -> None:
    """Refuse, before any judge call, gates that this calibration cannot measure."""
    for g in gates:
        if g.rubric and g.rubric not in rubrics:
            raise ConfigError(f"--fail-below {g.key}: rubric {g.rubric} is not calibrated here")
        if g.metric == "self_consistency" and samples < 2:
            raise ConfigError(f"--fail-below {g.key}: self-consistency needs --samples 2 or more")
        if g.metric == "position_consistency" and "pairwise" not in (
                [g.rubric] if g.rubric else rubrics):
            raise ConfigError(f"--fail-below {g.key}: position consistency is a pairwise figure")


def _figure(f: Figures, metric: str) -> Estimate | None:
    return f.parse_ok if metric == "parse_ok" else getattr(f, metric)


def _gated(est: Estimate | None, low: bool) -> float | None:
    """The number a gate compares: the point estimate, or the lower 95% bound."""
    if est is None or not low:
        return None if est is None else est.value
    if est.lo is None and est.note == ALL_EQUAL:
        return est.value  # every resample gave this value: the interval is that point
    return est.lo


def failures(gates: list[Gate], figs: list[Figures]) -> list[str]:
    """One line per judge × rubric × gate that is not met."""
    out = []
    for g in gates:
        for f in figs:
            if f.judge == PANEL or (g.rubric and f.rubric != g.rubric):
                continue
            if g.metric == "position_consistency" and f.rubric != "pairwise":
                continue
            got = _gated(_figure(f, g.metric), g.low)
            if got is None or got < g.threshold:
                shown = "no value" if got is None else f"{got:.3f}"
                out.append(f"{f.judge} {f.rubric} {g.metric}{' (lower bound)' if g.low else ''}: "
                           f"{shown} < {g.threshold:g}")
    return out
