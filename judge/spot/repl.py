"""The read–eval–print loop: prompt-toolkit input (history, line editing), command dispatch.

History is kept in ``<cache dir>/spot_history`` across sessions (Up/Down, Ctrl-R).
Ctrl-C at the prompt clears the line; Ctrl-C during a job cancels the job; Ctrl-D or
``:quit`` leaves.
"""

from __future__ import annotations

from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory

from judge.cache import cache_dir
from judge.spot.commands import COMMANDS, Context, dispatch
from judge.spot.judging import JudgeBench
from judge.spot.session import SpotSession, short_model
from judge.spot.ui import Ui, ctrl_c_cancels_jobs


def _history() -> History:
    try:
        path: Path = cache_dir() / "spot_history"
        path.parent.mkdir(parents=True, exist_ok=True)
        return FileHistory(str(path))
    except OSError:
        return InMemoryHistory()


def banner(session: SpotSession) -> str:
    """The lines shown when the REPL opens."""
    names = " ".join(f":{n}" for n in COMMANDS)
    return (f"judge spot · model {session.model}\n{session.describe()}\n"
            f"Enter: stream an answer · TEXT: ask a new query · {names} · Ctrl-C cancels")


def prompt_text(session: SpotSession) -> str:
    """``spot MODEL PAGE×QUERY> ``."""
    ident = session.task.combo_id if session.task.kind == "combo" else session.task.query_id
    page = "+".join(session.task.page_ids)
    return f"spot {short_model(session.model)} {page}×{ident}> "


async def repl(session: SpotSession, ui: Ui) -> None:
    """Read lines until :quit or Ctrl-D; every line is dispatched as a command or query."""
    ctx = Context(session=session, ui=ui, bench=JudgeBench())
    prompt: PromptSession[str] = PromptSession(history=_history(), enable_history_search=True)
    ui.show(banner(session))
    try:
        with ctrl_c_cancels_jobs():
            await _loop(ctx, prompt)
    finally:
        await ctx.bench.aclose()
        await session.aclose()
    ui.note("bye")


async def _loop(ctx: Context, prompt: PromptSession[str]) -> None:
    """Prompt, dispatch, repeat; returns on Ctrl-D or :quit."""
    while True:
        try:
            line = await prompt.prompt_async(prompt_text(ctx.session))
        except KeyboardInterrupt:  # Ctrl-C at the prompt: a fresh line
            continue
        except EOFError:  # Ctrl-D
            return
        if await dispatch(ctx, line):
            return
