"""How well a judge recovers the planted verdicts: the figures of `judge calibrate`.

Per judge and rubric, over the cases judged:

- accuracy: share of cases whose verdict (judge sample 0, as a run with one judge sample
  uses it) agrees with the planted one — for intention the pass decision (score ≥ 4), for
  faithfulness and coverage ``passed``, for strategy, reflection and pairwise the label
  (a pairwise "tie" is wrong). Cases without a verdict (unparseable, error) are left out:
  unscored, never wrong; the parse-failure rate says how many.
- kappa: Cohen's kappa of verdict vs planted value over the same cases — quadratic-weighted
  on the 1–5 scores for intention, unweighted on the labels / pass flags otherwise.
- parse failures: share of verdicts asked for (cases × judge samples) that stayed
  unparseable after the re-asks; transport errors are counted apart.
- self-consistency (judge samples ≥ 2): share of cases whose verdicts agree across samples.
- position consistency (pairwise): share of pairs whose two orders name the same winner.
- verbosity bias (pairwise): on padded pairs, the share of the two orders that chose the
  padded, worse answer (mean over pairs); beside it the same share on the unpadded twins.
- cost: the list-price cost of the calls behind the verdicts (``--prices`` as for runs).

A panel (two or more judges) is folded per case and judge sample: the mean of the scores
(intention), else the majority label; two judges that disagree have no majority, which is
a verdict of its own ("no-consensus", wrong); pairwise orders are folded order by order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from judge.stats import Estimate
from judge.calibration import intervals
from judge.calibration.engine import Prepared
from judge.calibration.suite import Case, PairwiseCase
from judge.grading.panel import aggregate
from judge.pricing import PriceTable
from judge.records import JudgmentRecord

PANEL = "panel"
NO_CONSENSUS = "no-consensus"


@dataclass(frozen=True)
class View:
    """One judge's verdict on one case at one judge sample."""

    value: Any  # the comparable value; None without a verdict
    status: str  # ok | unparseable | error | no-consensus
    orders: tuple[str | None, str | None] | None = None  # pairwise: winner asked A|B, B|A
    cost: float | None = None


def value_of(rubric: str, j: JudgmentRecord) -> Any:
    """The part of a judgment the planted verdict is compared with."""
    if j.status != "ok":
        return None
    if rubric == "intention":
        return j.score
    if rubric in ("faithfulness", "coverage"):
        return j.passed
    return j.label


def orders_of(j: JudgmentRecord) -> tuple[str | None, str | None] | None:
    """The winners of a pairwise judgment's two orders, both in the case's A/B terms."""
    v = j.verdict or {}
    ab, ba = v.get("order_ab"), v.get("order_ba")
    if not isinstance(ab, dict) or not isinstance(ba, dict):
        return None
    return ab.get("winner"), ba.get("winner_mapped")


def views(judgments: Iterable[JudgmentRecord], prepared: list[Prepared],
          prices: PriceTable | None = None) -> dict[tuple[str, str, int], View]:
    """(judge, case id, judge sample) → View, for the judgments of the prepared cases."""
    case_of = {p.response.id: p.case for p in prepared}
    out: dict[tuple[str, str, int], View] = {}
    for j in judgments:
        case = case_of.get(j.response_id)
        if case is None or j.rubric != case.rubric:
            continue
        cost = prices.cost(j.judge, j.usage) if prices is not None else None
        out[(j.judge, case.id, j.judge_sample)] = View(
            value_of(case.rubric, j), j.status,
            orders_of(j) if case.rubric == "pairwise" else None, cost)
    return out


def _fold(values: list[Any], rubric: str) -> Any:
    if not values:
        return None
    if rubric == "intention":
        return aggregate([float(v) for v in values], "mean")
    folded = aggregate(values, "majority")
    return NO_CONSENSUS if folded is None else folded


def panel_view(members: list[View], rubric: str) -> View:
    """The panel's verdict from its members' verdicts on one case and sample."""
    values = [m.value for m in members if m.value is not None]
    costs = [m.cost for m in members]
    cost = None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
    orders = None
    pairs = [m.orders for m in members if m.orders is not None]
    if rubric == "pairwise" and pairs:
        ab, ba = (None if (w := _fold([o[i] for o in pairs], rubric)) == NO_CONSENSUS else w
                  for i in (0, 1))
        orders = (ab, ba)
        value: Any = ab if ab == ba and ab is not None else ("tie" if ab and ba else NO_CONSENSUS)
    else:
        value = _fold(values, rubric)
    if value is None:
        return View(None, "unparseable", None, cost)
    return View(value, NO_CONSENSUS if value == NO_CONSENSUS else "ok", orders, cost)


def with_panel(all_views: dict[tuple[str, str, int], View], judges: list[str],
               cases: list[Case]) -> dict[tuple[str, str, int], View]:
    """The views plus the panel's (when there are two or more judges)."""
    if len(judges) < 2:
        return dict(all_views)
    out = dict(all_views)
    samples = {k for (_, _, k) in all_views}
    for case in cases:
        for k in samples:
            members = [all_views[(j, case.id, k)] for j in judges if (j, case.id, k) in all_views]
            if members:
                out[(PANEL, case.id, k)] = panel_view(members, case.rubric)
    return out


def correct(case: Case, value: Any) -> bool:
    if case.rubric == "intention":
        return (float(value) >= 4) == (case.planted >= 4)
    return bool(value == case.planted)


@dataclass
class Figures:
    """One judge's (or the panel's) figures on one rubric."""

    judge: str
    rubric: str
    cases: int
    asked: int  # verdicts asked for (cases × samples with a record)
    unparseable: int
    errors: int
    accuracy: Estimate
    kappa: Estimate
    kappa_kind: str
    parse_failure: Estimate
    self_consistency: Estimate | None = None
    position_consistency: Estimate | None = None
    verbosity_bias: Estimate | None = None
    worse_wins_unpadded: Estimate | None = None
    cost_usd: float | None = None
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def parse_ok(self) -> Estimate:
        n = self.parse_failure.n
        return intervals.proportion(n - (self.parse_failure.k or 0), n)

    def to_dict(self) -> dict[str, Any]:
        est = lambda e: None if e is None else e.to_dict()  # noqa: E731
        return {"judge": self.judge, "rubric": self.rubric, "cases": self.cases,
                "verdicts_asked": self.asked, "unparseable": self.unparseable,
                "errors": self.errors, "accuracy": est(self.accuracy),
                "kappa": est(self.kappa), "kappa_kind": self.kappa_kind,
                "parse_failure": est(self.parse_failure),
                "self_consistency": est(self.self_consistency),
                "position_consistency": est(self.position_consistency),
                "verbosity_bias": est(self.verbosity_bias),
                "worse_wins_unpadded": est(self.worse_wins_unpadded),
                "cost_usd": self.cost_usd, "confusion": self.confusion}


def _kappa(cases: list[tuple[Case, Any]], rubric: str) -> tuple[Estimate, str]:
    if rubric == "intention":
        return (intervals.kappa([float(c.planted) for c, _ in cases],
                                [float(v) for _, v in cases], "quadratic"),
                "quadratic-weighted")
    return (intervals.kappa([str(c.planted) for c, _ in cases], [str(v) for _, v in cases]),
            "unweighted")


def _self_consistency(judge: str, cases: list[Case], v: dict[tuple[str, str, int], View],
                      samples: int) -> Estimate | None:
    if samples < 2:
        return None
    agree = n = 0
    for c in cases:
        vals = [v[(judge, c.id, k)].value for k in range(samples)
                if (judge, c.id, k) in v and v[(judge, c.id, k)].value is not None]
        if len(vals) >= 2:
            n += 1
            agree += len(set(vals)) == 1
    return intervals.proportion(agree, n)


def _pairwise(judge: str, cases: list[Case], v: dict[tuple[str, str, int], View]
              ) -> tuple[Estimate, Estimate, Estimate]:
    consistent = n = 0
    padded: list[float] = []
    plain: list[float] = []
    for c in cases:
        view = v.get((judge, c.id, 0))
        if view is None or view.orders is None or None in view.orders:
            continue
        n += 1
        consistent += view.orders[0] == view.orders[1]
        spec = c.spec
        assert isinstance(spec, PairwiseCase)
        worse = "B" if spec.better_first else "A"
        share = sum(o == worse for o in view.orders) / 2
        (padded if spec.pad else plain).append(share)
    return (intervals.proportion(consistent, n), intervals.mean(padded),
            intervals.mean(plain))


def figures(judge: str, rubric: str, cases: list[Case], v: dict[tuple[str, str, int], View],
            samples: int) -> Figures:
    """Every figure of one judge on one rubric's cases."""
    asked = [v[(judge, c.id, k)] for c in cases for k in range(samples) if (judge, c.id, k) in v]
    unparseable = sum(x.status == "unparseable" for x in asked)
    errors = sum(x.status == "error" for x in asked)
    scored = [(c, v[(judge, c.id, 0)].value) for c in cases
              if (judge, c.id, 0) in v and v[(judge, c.id, 0)].value is not None]
    confusion: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c, value in scored:
        confusion[str(c.planted)][str(value)] += 1
    kappa, kind = _kappa(scored, rubric)
    costs = [x.cost for x in asked]
    out = Figures(
        judge=judge, rubric=rubric, cases=len(cases), asked=len(asked),
        unparseable=unparseable, errors=errors,
        accuracy=intervals.proportion(sum(correct(c, x) for c, x in scored), len(scored)),
        kappa=kappa, kappa_kind=kind,
        parse_failure=intervals.proportion(unparseable, len(asked) - errors),
        self_consistency=_self_consistency(judge, cases, v, samples),
        cost_usd=None if not costs or any(c is None for c in costs) else
        round(sum(c for c in costs if c is not None), 6),
        confusion={k: dict(d) for k, d in confusion.items()})
    if rubric == "pairwise":
        out.position_consistency, out.verbosity_bias, out.worse_wins_unpadded = \
            _pairwise(judge, cases, v)
    return out


def all_figures(judgments: Iterable[JudgmentRecord], prepared: list[Prepared],
                judges: list[str], samples: int, prices: PriceTable | None = None
                ) -> list[Figures]:
    """Figures for every judge (then the panel) on every rubric with cases."""
    cases = [p.case for p in prepared]
    v = with_panel(views(judgments, prepared, prices), judges, cases)
    raters = [*judges, *([PANEL] if len(judges) >= 2 else [])]
    by_rubric: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        by_rubric[c.rubric].append(c)
    return [figures(r, rubric, rc, v, samples) for rubric, rc in by_rubric.items()
            for r in raters]
