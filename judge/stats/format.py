"""How an Estimate reads, in the terminal and in the HTML report alike (one function per
shape, so the same number always prints the same way).

Interval ends are rounded *outwards* (the lower end down, the upper end up), so the
printed interval always contains the computed one and a nonzero width never prints as
zero ("0% [0–1]", not "0% [0–0]").
"""

from __future__ import annotations

import math
from typing import Literal

from judge.stats.estimate import Estimate

Shape = Literal["rate", "mean", "stat"]
EPS = 1e-9


def _down(x: float, digits: int) -> float:
    f = 10 ** digits
    return math.floor(x * f + EPS) / f


def _up(x: float, digits: int) -> float:
    f = 10 ** digits
    return math.ceil(x * f - EPS) / f


def _ends(est: Estimate, scale: float, digits: int) -> tuple[float, float]:
    return _down(est.lo * scale, digits), _up(est.hi * scale, digits)  # type: ignore[operator]


def show(est: Estimate | None, kind: Shape = "rate", n: bool = False) -> str:
    """'62% [55–68]' for rates, '3.91 [3.80–4.02]' for means, '0.743 [0.61, 0.85]' for
    other statistics; '–' when empty; the interval is replaced by its reason when there
    is none ('3.91 (no interval: fewer than 10 tasks)'). ``n`` appends ' n=…'."""
    if est is None or est.value is None:
        return "–"
    if kind == "rate":
        head = f"{est.value:.0%}"
        body = "{:.0f}–{:.0f}" if est.has_interval else ""
        ends = _ends(est, 100, 0) if est.has_interval else ()
    elif kind == "mean":
        head, body = f"{est.value:.2f}", "{:.2f}–{:.2f}" if est.has_interval else ""
        ends = _ends(est, 1, 2) if est.has_interval else ()
    else:
        head, body = f"{est.value:.3f}", "{:.2f}, {:.2f}" if est.has_interval else ""
        ends = _ends(est, 1, 2) if est.has_interval else ()
    out = f"{head} [{body.format(*ends)}]" if ends else \
        f"{head} (no interval: {est.note or 'none'})"
    return f"{out} n={est.n}" if n else out


def show_diff(est: Estimate | None, kind: Shape = "mean") -> str:
    """A signed difference: '+9 pp [−3, +21]' for rates, '+0.03 [−0.17, +0.22]' for
    means; 'n too small (3 tasks)' below the minimum; '–' when empty."""
    if est is None or est.value is None:
        return "–"
    if est.too_small:
        return f"n too small ({est.n} task{'s' if est.n != 1 else ''})"
    rate = kind == "rate"
    head = f"{est.value * 100:+.0f} pp" if rate else f"{est.value:+.2f}"
    if not est.has_interval:
        return f"{head} (no interval: {est.note or 'none'})"
    lo, hi = _ends(est, 100, 0) if rate else _ends(est, 1, 2)
    fmt = "{:+.0f}" if rate else "{:+.2f}"
    return f"{head} [{fmt.format(lo + 0.0)}, {fmt.format(hi + 0.0)}]"


def show_p(p: float | None) -> str:
    """'0.012', '< 0.001', or '–' when not tested."""
    if p is None:
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3g}"
