"""Terminal plumbing of the REPL: output handles, colour, Ctrl-C as "cancel this job".

While a job runs (a generation, a resample, a judgment) the prompt is not active, the
terminal is in its normal mode, and Ctrl-C sends SIGINT. ``ctrl_c_cancels_jobs`` routes
that signal to the job's task — the job is cancelled, the session goes on — and
``run_job`` turns off echo and line buffering meanwhile, so keys typed during a stream
neither scribble over the output nor get lost (they show up at the next prompt).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import termios
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO, TypeVar

from rich.console import Console, RenderableType

T = TypeVar("T")


@dataclass
class Ui:
    """Where the REPL writes: a raw stream for live text and a rich console for the rest."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    color: bool = True
    live: bool = True
    console: Console = field(init=False)

    def __post_init__(self) -> None:
        self.console = Console(file=self.out, no_color=not self.color, highlight=False,
                               force_terminal=self.live or None, soft_wrap=False)

    @classmethod
    def detect(cls, no_color: bool = False) -> Ui:
        """Live redraws on a terminal; colour unless --no-color, NO_COLOR or TERM=dumb."""
        tty = sys.stdout.isatty()
        dumb = os.environ.get("TERM", "") == "dumb"
        color = tty and not no_color and not os.environ.get("NO_COLOR") and not dumb
        return cls(out=sys.stdout, color=color, live=tty and not dumb)

    @property
    def width(self) -> int:
        return shutil.get_terminal_size((100, 30)).columns

    @property
    def height(self) -> int:
        return shutil.get_terminal_size((100, 30)).lines

    def show(self, renderable: RenderableType | str, style: str | None = None) -> None:
        self.console.print(renderable, style=style, markup=False)

    def note(self, text: str) -> None:
        self.console.print(text, style="dim", markup=False)

    def error(self, text: str) -> None:
        self.console.print(f"error: {text}", style="bold red", markup=False)


@contextlib.contextmanager
def quiet_input() -> Iterator[None]:
    """No echo, no line buffering, signals still on (Ctrl-C → SIGINT) — on a tty."""
    fd = sys.stdin.fileno() if sys.stdin and not sys.stdin.closed else -1
    if fd < 0 or not os.isatty(fd):
        yield
        return
    old = termios.tcgetattr(fd)
    new = termios.tcgetattr(fd)
    new[3] &= ~(termios.ECHO | termios.ICANON)
    new[3] |= termios.ISIG
    try:
        termios.tcsetattr(fd, termios.TCSANOW, new)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, old)


_JOBS: list[asyncio.Task[Any]] = []  # the running job(s) that Ctrl-C cancels


@contextlib.contextmanager
def ctrl_c_cancels_jobs() -> Iterator[None]:
    """For a whole session: SIGINT cancels the running job and is ignored between jobs.

    A Python-level handler: prompt-toolkit saves and restores it around every prompt
    (at the prompt, Ctrl-C is a key that clears the line).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()

    def on_sigint(signum: int, frame: object) -> None:
        for task in list(_JOBS):
            loop.call_soon_threadsafe(task.cancel)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


async def run_job(coro: Coroutine[Any, Any, T]) -> tuple[T | None, bool]:
    """Run ``coro`` as the job Ctrl-C cancels; returns (result, cancelled).

    Exceptions of the job propagate to the caller.
    """
    task = asyncio.ensure_future(coro)
    _JOBS.append(task)
    try:
        with quiet_input():
            await asyncio.wait({task})
    finally:
        _JOBS.remove(task)
    if task.cancelled():
        return None, True
    return task.result(), False
