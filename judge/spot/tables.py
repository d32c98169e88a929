"""Rich renderables for the REPL: the resample table, the side-by-side diff, verdicts."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from judge.stats import Estimate, wilson
from judge.records import JudgmentRecord
from judge.spot.session import Sample, short_model

YES, NO = "✓", "·"


def _quote(sample: Sample, kind: str, limit: int = 34) -> str:
    found = [e.quote for e in sample.events if e.kind == kind]
    if not found:
        return ""
    text = " ".join(found[0].split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rate_line(name: str, est: Estimate) -> Text:
    if est.value is None:
        return Text(f"{name}: no finished samples")
    line = Text(f"{name}: ")
    line.append(f"{est.k}/{est.n} = {est.value:.0%}", style="bold")
    line.append(f"  (95% Wilson interval {est.lo:.0%}–{est.hi:.0%})")
    return line


def resample_table(samples: list[Sample], title: str) -> RenderableType:
    """Per sample: self-check / correction flags with the first quote; then the rates."""
    table = Table(title=Text(title), title_justify="left", show_lines=False)
    for col, justify in (("#", "right"), ("status", "left"), ("self-check", "center"),
                         ("correction", "center"), ("episode", "center"),
                         ("first self-check / correction", "left"),
                         ("words", "right"), ("s", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for s in samples:
        quote = _quote(s, "correction") or _quote(s, "self_check")
        latency = f"{s.response.latency_s:.1f}" if s.response else ""
        status = s.status if s.status != "error" else f"error: {(s.error or '')[:30]}"
        table.add_row(str(s.number), Text(status),
                      Text(YES, style="bold black on yellow") if s.self_checked else NO,
                      Text(YES, style="bold bright_white on magenta") if s.corrected else NO,
                      YES if s.episodes else NO, Text(quote or ""), str(len(s.text.split())),
                      latency)
    done = [s for s in samples if s.status == "ok"]
    traced = {s.traced_on for s in done}
    where = "reasoning" if traced == {"reasoning"} else (
        "answer (no reasoning channel)" if traced == {"answer"} else "reasoning or answer")
    lines = [
        _rate_line("self-check rate", wilson(sum(s.self_checked for s in done), len(done))),
        _rate_line("correction rate", wilson(sum(s.corrected for s in done), len(done))),
        _rate_line("reflection rate (either)",
                   wilson(sum(s.self_checked or s.corrected for s in done), len(done))),
        _rate_line("episode rate (self-check, then a correction of the same point)",
                   wilson(sum(s.episodes > 0 for s in done), len(done))),
        Text(f"traced text: {where}. A rate over {len(done)} samples is a tendency with an "
             "interval, not a property of any single answer.", style="dim"),
    ]
    return Group(table, *lines)


def _marked(words: list[str], opcodes: Sequence[tuple[str, int, int, int, int]], side: int,
            style: str) -> Text:
    out = Text()
    for tag, i1, i2, j1, j2 in opcodes:
        lo, hi = (i1, i2) if side == 0 else (j1, j2)
        if hi <= lo:
            continue
        chunk = " ".join(words[lo:hi]) + " "
        out.append(chunk, style=None if tag == "equal" else style)
    return out


def diff_view(a: Sample, b: Sample) -> RenderableType:
    """Two answers side by side; words only on the left red, only on the right green."""
    wa, wb = a.text.split(), b.text.split()
    ops = difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes()
    table = Table(show_lines=True, expand=True)
    table.add_column(Text(_head(a)), ratio=1)
    table.add_column(Text(_head(b)), ratio=1)
    table.add_row(_marked(wa, ops, 0, "bold red"), _marked(wb, ops, 1, "bold green"))
    flags = [f"{s.label}: self-check {YES if s.self_checked else NO}, "
             f"correction {YES if s.corrected else NO}" for s in (a, b)]
    same = difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).ratio()
    footer = Text(f"word overlap {same:.0%} · " + " | ".join(flags), style="dim")
    return Group(table, footer)


def _head(s: Sample) -> str:
    seed = f", seed {s.seed}" if s.seed is not None else ""
    return f"{s.label}{seed} — {s.task.label}"


def verdict_table(records: list[JudgmentRecord], judge: str) -> RenderableType:
    """One row per rubric: status, score / label, pass, rationale."""
    table = Table(title=Text(f"judged by {short_model(judge)}"), title_justify="left",
                  show_lines=True)
    for col in ("rubric", "status", "score", "label", "pass", "rationale / reason"):
        table.add_column(col)
    for r in records:
        score = "" if r.score is None else f"{r.score:g}"
        passed = "" if r.passed is None else (YES if r.passed else "✗")
        why = r.rationale if r.status == "ok" else (r.reason or "")
        table.add_row(r.rubric, r.status, score, Text(r.label or ""), passed, Text(why))
    return table
