"""REPL commands: a table of ``:name`` → handler, and the dispatcher.

Plain text is a new query on the current page (then generated); an empty line generates
once more on the current input. Errors in a command (a bad task id, a bad model spec, a
failed judge call) are shown and the session goes on.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table
from rich.text import Text

from judge.errors import ConfigError, JudgeError
from judge.spot import inputs, jobs, judging, save
from judge.spot.session import SpotSession, short_model
from judge.spot.tables import diff_view, resample_table
from judge.spot.ui import Ui, run_job

MAX_RESAMPLE = 200


@dataclass
class Context:
    """What a handler gets."""

    session: SpotSession
    ui: Ui
    bench: judging.JudgeBench


Handler = Callable[[Context, str], Awaitable[bool]]  # returns True to quit


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    summary: str
    handler: Handler


async def _generate(ctx: Context) -> None:
    _, cancelled = await run_job(jobs.generate(ctx.session, ctx.ui))
    if cancelled:  # cancelled before the stream started
        ctx.ui.show("⏹ cancelled", style="yellow")


async def cmd_resample(ctx: Context, arg: str) -> bool:
    try:
        n = int(arg or "5")
    except ValueError:
        raise ConfigError(f":resample takes a number of samples, not {arg!r}") from None
    if not 1 <= n <= MAX_RESAMPLE:
        raise ConfigError(f":resample N needs 1 ≤ N ≤ {MAX_RESAMPLE}")
    ctx.ui.note(f"{n} samples · {short_model(ctx.session.model)} · {ctx.session.task.label}")
    samples, cancelled = await run_job(jobs.resample(ctx.session, ctx.ui, n))
    if cancelled or samples is None:
        ctx.ui.show("⏹ resample cancelled", style="yellow")
        return False
    title = f"resample: {n} × {short_model(ctx.session.model)} on {ctx.session.task.label}"
    ctx.ui.show(resample_table(samples, title))
    return False


async def cmd_query(ctx: Context, arg: str) -> bool:
    if not arg.strip():
        ctx.ui.show(ctx.session.describe())
        return False
    ctx.session.set_query(arg)
    ctx.ui.note(ctx.session.describe())
    await _generate(ctx)
    return False


async def cmd_page(ctx: Context, arg: str) -> bool:
    if not arg.strip():
        ctx.ui.show(_pages_table(ctx.session))
        return False
    ctx.session.set_page(arg.strip())
    ctx.ui.show(ctx.session.describe())
    return False


async def cmd_task(ctx: Context, arg: str) -> bool:
    if not arg.strip():
        ctx.ui.show(_tasks_table(ctx.session))
        return False
    ctx.session.set_task(arg)
    ctx.ui.show(ctx.session.describe())
    return False


async def cmd_model(ctx: Context, arg: str) -> bool:
    if not arg.strip():
        ctx.ui.show(f"model: {ctx.session.model}")
        return False
    before = ctx.session.model
    await ctx.session.set_model(arg.strip())
    ctx.ui.show(f"model: {before} → {ctx.session.model} (same input; :diff compares the last "
                "two answers)")
    return False


async def cmd_judge(ctx: Context, arg: str) -> bool:
    names = arg.split()
    _, cancelled = await run_job(judging.judge_last(ctx.session, ctx.bench, ctx.ui, names))
    if cancelled:
        ctx.ui.show("⏹ judging cancelled", style="yellow")
    return False


async def cmd_diff(ctx: Context, arg: str) -> bool:
    done = ctx.session.last_finished(2)
    if len(done) < 2:
        raise ConfigError(":diff needs two finished answers (generate, then :model or "
                          "Enter for another)")
    ctx.ui.show(diff_view(done[0], done[1]))
    return False


async def cmd_save(ctx: Context, arg: str) -> bool:
    target = Path(shlex.split(arg)[0]).expanduser() if arg.strip() else None
    result = save.save(ctx.session, target)
    what = "created run" if result.created else "appended to run"
    extra = f"; added to its probe set: {', '.join(result.added)}" if result.added else ""
    ctx.ui.show(f"{what} {result.path}: {result.responses} responses, {result.judgments} "
                f"judgments{extra}")
    if result.responses and not result.traced:
        ctx.ui.note(f"(this run has no traces.jsonl yet: `judge traces {result.path}` traces it)")
    if result.responses == 0:
        ctx.ui.note("(nothing new to save: only finished samples are saved, each once)")
    return False


async def cmd_history(ctx: Context, arg: str) -> bool:
    if not ctx.session.samples:
        ctx.ui.note("no samples yet")
        return False
    ctx.ui.show(resample_table(ctx.session.samples, "samples of this session"))
    return False


async def cmd_show(ctx: Context, arg: str) -> bool:
    s = ctx.session
    ctx.ui.show(f"model: {s.model}\n{s.describe()}")
    if arg.strip() == "prompt":
        for m in s.messages_for(s.task):
            ctx.ui.show(f"[{m.role}]\n{m.content}")
    return False


async def cmd_help(ctx: Context, arg: str) -> bool:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("TEXT", "a new query on the current page, then stream the answer")
    table.add_row("(empty line)", "stream one more answer to the current input")
    for c in COMMANDS.values():
        table.add_row(Text(c.usage), Text(c.summary))
    table.add_row("Ctrl-C", "cancel the running generation (the session goes on)")
    table.add_row("Ctrl-D", "quit")
    ctx.ui.show(table)
    return False


async def cmd_quit(ctx: Context, arg: str) -> bool:
    return True


def _tasks_table(session: SpotSession) -> Table:
    table = Table(title=Text(f"tasks of {session.probes.name}"), title_justify="left")
    for col in ("id", "page(s)", "query", "text"):
        table.add_column(col, overflow="fold")
    for t in inputs.all_tasks(session.probes):
        mark = "▶ " if t.id == session.task.id else ""
        table.add_row(Text(mark + t.id), Text(" + ".join(t.page_ids)),
                      Text(t.query_id or t.combo_id or ""), Text(t.query_text[:60]))
    return table


def _pages_table(session: SpotSession) -> Table:
    table = Table(title=Text(f"pages of {session.probes.name}"), title_justify="left")
    for col in ("id", "type", "title", "words"):
        table.add_column(col)
    for p in session.probes.pages:
        table.add_row(Text(p.id), p.type, Text(p.title[:50]), str(len(p.body.split())))
    return table


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("resample", ":resample [N]", "N fresh samples (default 5), progress bar, then "
            "the self-check / correction table with Wilson intervals", cmd_resample),
    Command("query", ":query TEXT", "ask TEXT about the current page and stream the answer",
            cmd_query),
    Command("page", ":page FILE|PAGE_ID", "switch page, keep the query (no argument: list "
            "pages)", cmd_page),
    Command("task", ":task ID", "switch task: id, id prefix, PAGE_ID:QUERY_ID or combo id "
            "(no argument: list tasks)", cmd_task),
    Command("model", ":model SPEC", "switch model, e.g. to compare two versions on the same "
            "input", cmd_model),
    Command("judge", ":judge [RUBRIC…|all]", "judge the last answer (default: intention, plus "
            "reflection when one was found)", cmd_judge),
    Command("diff", ":diff", "the last two answers side by side", cmd_diff),
    Command("save", ":save [RUN_DIR]", "append the finished samples (and verdicts) to a run "
            "directory, creating it if new", cmd_save),
    Command("history", ":history", "every sample of this session in one table", cmd_history),
    Command("show", ":show [prompt]", "the current model and input (with `prompt`: the "
            "rendered messages)", cmd_show),
    Command("help", ":help", "this list", cmd_help),
    Command("quit", ":quit", "leave (Ctrl-D too)", cmd_quit),
)}
ALIASES = {"q": "quit", "exit": "quit", "h": "help", "?": "help", "r": "resample",
           "m": "model", "t": "task", "p": "page", "j": "judge", "s": "save"}


def find(name: str) -> Command:
    """A command by name, alias or unambiguous prefix."""
    name = ALIASES.get(name, name)
    if name in COMMANDS:
        return COMMANDS[name]
    prefixed = [c for c in COMMANDS if c.startswith(name)] if name else []
    if len(prefixed) == 1:
        return COMMANDS[prefixed[0]]
    close = difflib.get_close_matches(name, list(COMMANDS), n=1)
    hint = f" (did you mean :{close[0]}?)" if close else " (:help lists them)"
    raise ConfigError(f"unknown command :{name}{hint}")


async def dispatch(ctx: Context, line: str) -> bool:
    """Run one input line; True means quit. Errors are shown, never raised."""
    line = line.strip()
    try:
        if not line:
            await _generate(ctx)
            return False
        if line.startswith(":"):
            name, _, arg = line[1:].partition(" ")
            return await find(name.strip().lower()).handler(ctx, arg.strip())
        ctx.session.set_query(line)
        ctx.ui.note(ctx.session.describe())
        await _generate(ctx)
    except JudgeError as exc:
        ctx.ui.error(str(exc))
    except Exception as exc:  # noqa: BLE001 - the session outlives any one command
        ctx.ui.error(f"{type(exc).__name__}: {exc} (while running {line[:40]!r})")
    return False
