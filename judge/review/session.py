"""The labelling loop of `judge review`: one key per item, nothing lost on quit.

Keys are read with prompt-toolkit (one key press, no Enter): the rubric's value keys,
``s`` skip (the item comes back next time), ``u`` undo (removes your last label, from
this session or an earlier one, and shows that item again), ``q`` / Ctrl-C / Ctrl-D
quit. Labels are written as they are given (judge.review.labels), so a session can be
resumed at any time: items you labelled are not shown again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from prompt_toolkit.application import Application
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.layout import Layout
from prompt_toolkit.layout.containers import Window
from prompt_toolkit.layout.controls import FormattedTextControl
from rich.console import Console

from judge.analysis.load import RunData
from judge.review.labels import LabelFile
from judge.review.queue import Item, choices, judge_verdicts
from judge.review.screen import item_view, reveal

QUIT, SKIP, UNDO = "q", "s", "u"
KeyReader = Callable[[str, list[str]], Awaitable[str]]


async def read_key(prompt: str, keys: list[str]) -> str:
    """Wait for one of ``keys`` (other keys are ignored); Ctrl-C / Ctrl-D mean quit."""
    bindings = KeyBindings()
    for key in keys:
        def pressed(event: KeyPressEvent, key: str = key) -> None:
            event.app.exit(result=key)

        bindings.add(key)(pressed)

    @bindings.add("c-c")
    @bindings.add("c-d")
    def _quit(event: KeyPressEvent) -> None:
        event.app.exit(result=QUIT)

    app: Application[str] = Application(
        layout=Layout(Window(FormattedTextControl(prompt), height=1)),
        key_bindings=bindings, full_screen=False, erase_when_done=True)
    return await app.run_async()


@dataclass
class Tally:
    labelled: int = 0
    skipped: int = 0
    undone: int = 0
    remaining: int = 0


async def review(run: RunData, todo: list[Item], labels: LabelFile, console: Console,
                 read: KeyReader = read_key) -> Tally:
    """Show each unlabelled item, read a key, write the label, reveal the verdict."""
    by_key = {i.key: i for i in todo}
    pending = [i for i in todo if i.key not in labels.done]
    responses = {r["id"]: r for r in run.responses}
    tally = Tally()
    total, pos = len(pending), 0
    while pos < len(pending):
        item = pending[pos]
        console.print(item_view(run, item, pos + 1, total))
        value_keys = choices(item.rubric)
        key = await read("label> ", [*value_keys, SKIP, UNDO, QUIT])
        if key == QUIT:
            break
        if key == SKIP:
            console.print("skipped (it comes back next time)", style="dim")
            tally.skipped += 1
            pos += 1
            continue
        if key == UNDO:
            undone = labels.undo()
            if undone is None:
                console.print("nothing to undo", style="yellow")
                continue
            tally.undone += 1
            back = by_key.get(undone)
            console.print(f"undid your label of {undone[1]} on response {undone[0]}",
                          style="yellow", markup=False)
            if back is not None:
                pending.insert(pos, back)
                total += 1
            continue
        value = value_keys[key]
        labels.add(responses[item.row.response_id], item.rubric, value)
        tally.labelled += 1
        console.print(reveal(value, judge_verdicts(run, item)))
        pos += 1
    tally.remaining = sum(1 for i in todo if i.key not in labels.done)
    return tally
