"""What `judge review` prints: an item without its verdict, then the reveal.

Everything from the run (page, query, answer, reasoning, rationales, ids) is untrusted
text: it reaches rich as ``Text``, never as markup. Trace-parser events are highlighted
in the text they point into (the reasoning, or the answer when there is none).
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.text import Text

from judge.analysis.load import RunData
from judge.report.highlight import segments, traced_text
from judge.review.queue import Item, choices
from judge.traces.render import STYLE

PAGE_CHARS = 1200
ANSWER_CHARS = 4000
REASONING_CHARS = 3000
HELP = {"intention": "how well the answer serves this query on this page, 1 (not at all) "
                     "to 5 (exactly)",
        "coverage": "share of the key points the answer carries (core points count double)",
        "faithfulness": "share of the answer's claims the page supports",
        "strategy": "how the answer summarises",
        "reflection": "did the final answer follow the reasoning's self-correction"}


def highlighted(text: str, events: list[dict[str, Any]], limit: int) -> Text:
    """``text`` (cut at ``limit``) with each event's span styled by its kind."""
    out = Text()
    for seg in segments(text, events, limit):
        out.append(seg.text, STYLE.get(seg.kind or "", "bold underline") if seg.kind else "")
    return out


def _page(run: RunData, item: Item) -> tuple[str, str, str, list[Any]]:
    """(title, excerpt, query, key points) of the item's page."""
    probes, row = run.probeset, item.row
    if probes is None or not row.page_ids:
        return "", "", "", []
    pages = [p for p in probes.pages if p.id in row.page_ids]
    title = " / ".join(p.title for p in pages)
    body = "\n\n".join(p.body for p in pages)
    excerpt = body[:PAGE_CHARS] + (f" … [{len(body) - PAGE_CHARS:,} more characters]"
                                   if len(body) > PAGE_CHARS else "")
    if row.kind == "combo":
        query = next((c.query for c in probes.combos if c.id == row.combo_id), "")
    else:
        query = next((q.text for q in probes.queries if q.id == row.query_id), "")
    points = [k for p in pages for k in p.key_points]
    return title, excerpt, query, points


def keys_line(rubric: str) -> Text:
    """The keys for this rubric, then skip / undo / quit."""
    out = Text(f"{rubric}: ", style="bold")
    if rubric == "intention":
        out.append("1", style="bold cyan")
        out.append("…")
        out.append("5", style="bold cyan")
        out.append("=score  ")
    for key, value in ({} if rubric == "intention" else choices(rubric)).items():
        out.append(f"{key}", style="bold cyan")
        out.append(f"={value:g}  " if isinstance(value, float) else f"={value}  ")
    out.append("s", style="bold cyan")
    out.append("=skip  ")
    out.append("u", style="bold cyan")
    out.append("=undo  ")
    out.append("q", style="bold cyan")
    out.append("=quit")
    return out


def item_view(run: RunData, item: Item, position: int, total: int) -> RenderableType:
    """The item as the person labels it: no verdict, no rationale, no score."""
    row = item.row
    title, excerpt, query, points = _page(run, item)
    why = " · from the review queue (the judges disagreed)" if item.queued else ""
    parts: list[RenderableType] = [
        Rule(Text(f"item {position}/{total} · {item.rubric} · {row.where} · {row.model}{why}")),
        Text.assemble(("page: ", "bold"), title), Text(excerpt, style="dim"),
        Text.assemble(("query: ", "bold"), query)]
    which, _ = traced_text(row)
    parts += [Text("answer:", style="bold"),
              highlighted(row.text, row.events if which == "answer" else [], ANSWER_CHARS)]
    if row.reasoning.strip():
        parts += [Text("reasoning:", style="bold"),
                  highlighted(row.reasoning, row.events if which == "reasoning" else [],
                              REASONING_CHARS)]
    if item.rubric == "coverage" and points:
        parts.append(Text("key points:", style="bold"))
        parts += [Text(f"  {k.id} ({k.role}): {k.text}") for k in points]
    parts += [Text(HELP[item.rubric], style="italic"), keys_line(item.rubric)]
    return Group(*parts)


def _shown(j: dict[str, Any]) -> str:
    score, label = j.get("score"), j.get("label")
    return str(label) if label else (f"{score:g}" if isinstance(score, (int, float)) else "–")


def reveal(value: float | str, verdicts: list[dict[str, Any]]) -> RenderableType:
    """After labelling: the person's value beside each judge's verdict and its rationale."""
    mine = f"{value:g}" if isinstance(value, (int, float)) else str(value)
    line = Text.assemble(("you: ", "bold"), (mine, "bold green"))
    if not verdicts:
        line.append("   (no judge verdict)")
    for j in verdicts:
        line.append(f"   {j.get('judge')} #{j.get('judge_sample', 0)}: ")
        line.append(_shown(j), "bold yellow")
    rationale = next((str(j.get("rationale")) for j in verdicts if j.get("rationale")), "")
    return Group(line, Text(rationale[:600], style="dim")) if rationale else line
