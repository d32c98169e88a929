"""Rich renderables for `judge traces`: a highlighted trace and summary tables."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group
from rich.table import Table
from rich.text import Text

from judge.traces.models import TraceResult
from judge.traces.runs import ModelSummary

STYLE = {"self_check": "bold black on bright_cyan", "correction": "bold white on magenta",
         "pivot": "italic black on bright_yellow"}
LABEL = {"self_check": "self-check", "correction": "correction", "pivot": "pivot"}


def highlighted(text: str, result: TraceResult) -> Text:
    """The parsed text with events highlighted (self-check cyan, correction magenta, pivot
    yellow; a correction wins over a self-check or pivot on the same sentence)."""
    out = Text(text)
    order = {"pivot": 0, "self_check": 1, "correction": 2}
    for ev in sorted(result.events, key=lambda e: order.get(e.kind, 0)):
        out.stylize(STYLE[ev.kind], ev.start, ev.end)
    return out


def legend() -> Text:
    out = Text("legend: ")
    out.append(" self-check ", STYLE["self_check"])
    out.append("  ")
    out.append(" correction ", STYLE["correction"])
    out.append("  ")
    out.append(" pivot (not reflection) ", STYLE["pivot"])
    return out


def _ft(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "?"}[value]


def summary(result: TraceResult) -> Group:
    """Counts, rates, episodes and the events of one result."""
    c, r = result.counts, result.rates_per_1k
    head = Text(
        f"parsed: {result.parsed} · {result.chars} chars · ~{result.tokens_est} tokens · "
        f"self-checks {c['self_check']} ({r['self_check']}/1k tok) · "
        f"corrections {c['correction']} ({r['correction']}/1k tok) · "
        f"pivots {c['pivot']} ({r['pivot']}/1k tok) · episodes {c['episodes']} · "
        f"follow-through {_ft(result.follow_through)}")
    parts: list = [head]
    if result.parsed == "answer":
        parts.append(Text("note: no reasoning and no <think> blocks; the answer itself was parsed",
                          style="yellow"))
    if result.events:
        events = Table(title="events", title_justify="left")
        for col in ("#", "kind", "span", "pattern", "why", "quote"):
            events.add_column(col, overflow="fold")
        for i, ev in enumerate(result.events):
            events.add_row(str(i), Text(LABEL[ev.kind], STYLE[ev.kind]), f"{ev.start}–{ev.end}",
                           Text(ev.pattern), Text(ev.why), Text(ev.quote))
        parts.append(events)
    if result.episodes:
        eps = Table(title="episodes (self-check → correction)", title_justify="left")
        for col in ("self-check", "correction", "distance", "same point", "follow-through"):
            eps.add_column(col, overflow="fold")
        for ep in result.episodes:
            eps.add_row(Text(result.events[ep.self_check].quote),
                        Text(result.events[ep.correction].quote),
                        f"{ep.distance} chars", _ft(ep.same_point), _ft(ep.follow_through))
        parts.append(eps)
    for fol in result.corrections:
        if fol.value is not None or fol.expected:
            parts.append(Text(
                f"correction #{fol.correction}: follow-through {_ft(fol.value)} — {fol.reason}"
                f" (expected {fol.expected}, rejected {fol.rejected}, found {fol.found})"))
    return Group(*parts)


def items_table(rows: Iterable[tuple[object, TraceResult]], title: str) -> Table:
    """One row per JSONL item."""
    table = Table(title=Text(title), title_justify="left")
    for col in ("id", "parsed", "tokens", "self-checks", "corrections", "pivots", "episodes",
                "follow-through"):
        table.add_column(col, overflow="fold")
    for rid, res in rows:
        c = res.counts
        table.add_row(Text(str(rid)), res.parsed, str(res.tokens_est), str(c["self_check"]),
                      str(c["correction"]), str(c["pivot"]), str(c["episodes"]),
                      _ft(res.follow_through))
    return table


def models_table(summaries: Iterable[ModelSummary], title: str) -> Table:
    """Per-model reflection summary of a run."""
    table = Table(title=Text(title), title_justify="left")
    for col in ("model", "responses", "self-check rate", "correction rate", "self-checks/1k tok",
                "corrections/1k tok", "pivot rate", "pivots/1k tok", "episodes", "followed / not"):
        table.add_column(col, overflow="fold")
    for s in summaries:
        d = s.to_dict()
        table.add_row(Text(s.model), str(s.responses), f"{d['self_check_rate']:.0%}",
                      f"{d['correction_rate']:.0%}", f"{d['self_check_per_1k']:.2f}",
                      f"{d['correction_per_1k']:.2f}",
                      "–" if d["pivot_rate"] is None else f"{d['pivot_rate']:.0%}",
                      "–" if d["pivot_per_1k"] is None else f"{d['pivot_per_1k']:.2f}",
                      str(s.episodes),
                      f"{s.followed} / {s.not_followed}")
    return table
