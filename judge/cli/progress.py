"""The progress display of `judge run` and `judge rejudge`: one bar per model and one per
judge, each with done / in flight / queued / failed, and a last line whose ETA is the
later of generation's and judging's.

Bars are refreshed from the runner's and the session's counters each time the display is
drawn (four times a second), so the calls themselves pay nothing for progress. A judge's
total is what it has been given plus, while generation goes on, the judgments the
responses still to come will need (at the rate seen so far): its ETA therefore accounts
for generation and judging alike.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from rich.console import Console, RenderableType
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task,
                           TaskID, TextColumn, TimeElapsedColumn)
from rich.table import Column
from rich.text import Text

if TYPE_CHECKING:
    from judge.providers.registry import ModelSpec


def short_names(specs: list[str]) -> dict[str, str]:
    """Display names, as short as tells the specs apart: ``provider:model``, else with the
    spec's options (``compat:j?concurrency=8``), else with the server too
    (``compat:j@host:port/v1?…``), else the whole spec."""
    from judge.providers.registry import parse_spec

    parsed = {s: parse_spec(s) for s in specs}
    levels: list[Callable[[ModelSpec], str]] = [_key, _key_options, _key_server_options,
                                                 lambda p: p.spec]
    names: dict[str, str] = {}
    for spec, p in parsed.items():
        for level in levels:
            name = level(p)
            if sum(level(q) == name for q in parsed.values()) == 1 or level is levels[-1]:
                names[spec] = name
                break
    if len(set(names.values())) < len(names):
        return {s: s for s in specs}
    return names


def _key(p: ModelSpec) -> str:
    from judge.pricing import spec_key

    return spec_key(p)


def _key_options(p: ModelSpec) -> str:
    query = p.spec.partition("?")[2]
    return f"{_key(p)}?{query}" if query else _key(p)


def _key_server_options(p: ModelSpec) -> str:
    if not p.base_url:
        return _key_options(p)
    server = p.base_url.split("://", 1)[-1].rstrip("/")
    query = p.spec.partition("?")[2]
    return f"{_key(p)}@{server}" + (f"?{query}" if query else "")


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--:--"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}"


class EtaColumn(ProgressColumn):
    """A bar's time remaining (``eta`` field); "done" once it is complete."""

    def render(self, task: Task) -> Text:
        if task.fields.get("complete"):
            return Text("done", style="progress.elapsed")
        style = "bold" if task.fields.get("overall") else "progress.remaining"
        return Text(f"eta {_clock(task.fields.get('eta'))}", style=style)


class Rate:
    """Completions per second over the last ``window`` seconds (rich's own estimate is
    reset whenever a bar's total changes, and a judge's total grows as it goes)."""

    def __init__(self, window: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window, self.clock = window, clock
        self.samples: deque[tuple[float, int]] = deque()

    def eta(self, completed: int, total: int) -> float | None:
        """Seconds until ``total`` at the recent rate (None: no rate yet)."""
        now = self.clock()
        self.samples.append((now, completed))
        while len(self.samples) > 2 and now - self.samples[0][0] > self.window:
            self.samples.popleft()
        if completed >= total:
            return 0.0
        (t0, c0), (t1, c1) = self.samples[0], self.samples[-1]
        if c1 <= c0 or t1 <= t0:
            return None
        return (total - completed) / ((c1 - c0) / (t1 - t0))


class RunProgress(Progress):
    """Bars for a run's models and judges, refreshed from their counters when drawn."""

    def __init__(self, console: Console, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._syncs: list[Callable[[], None]] = []
        self._rates: dict[TaskID, Rate] = {}
        self._overall: TaskID | None = None
        self._gen_left: Callable[[], int] = lambda: 0
        self._judge_bars: set[TaskID] = set()
        super().__init__(TextColumn("{task.description}", markup=False,
                                    table_column=Column(no_wrap=True, max_width=44)),
                         BarColumn(bar_width=12), MofNCompleteColumn(),
                         TextColumn("{task.fields[state]}", table_column=Column(no_wrap=True)),
                         TimeElapsedColumn(), EtaColumn(), console=console,
                         refresh_per_second=4, transient=False)

    def _bar(self, name: str) -> TaskID:
        bar = self.add_task(name, total=None, state="", eta=None, complete=False)
        self._rates[bar] = Rate(clock=self._clock)
        return bar

    def _set(self, bar: TaskID, completed: int, total: int, state: str) -> None:
        eta = self._rates[bar].eta(completed, total)
        coming = self._still_coming(bar)
        if coming and completed >= total:  # caught up with generation: no estimate yet
            eta = None
        self.update(bar, completed=completed, total=total, state=state, eta=eta,
                    complete=completed >= total and not coming)

    def _still_coming(self, bar: TaskID) -> bool:
        return bar in self._judge_bars and self._gen_left() > 0

    def track_models(self, runner: Any, done: set[tuple[str, str, int]]) -> None:
        """One bar per model: (task, sample) items done of those pending at the start."""
        totals = {s.spec: runner.pending_for(s.spec, done) for s in runner.specs}
        names = short_names(list(totals))
        bars = {m: self._bar(f"generate {names[m]}") for m in totals}

        def sync() -> None:
            for model, bar in bars.items():
                t = runner.result.tallies.get(model)
                items, ok, failed = (t.items, t.ok, t.failed) if t else (0, 0, 0)
                self._set(bar, ok + failed, totals[model],
                          _state(items - ok - failed, totals[model] - items, failed))

        def left() -> int:
            tallies = runner.result.tallies
            return sum(max(0, n - (tallies[m].ok + tallies[m].failed if m in tallies else 0))
                       for m, n in totals.items())

        self._gen_left = left
        self._syncs.append(sync)

    def track_judges(self, session: Any) -> None:
        """One bar per judge: judgments done of those known and expected."""
        names = short_names(session.plan.judges)
        bars = {spec: self._bar(f"judge {names[spec]}") for spec in session.plan.judges}
        self._judge_bars.update(bars.values())

        def sync() -> None:
            to_come = self._gen_left()
            for spec, bar in bars.items():
                load = session.loads[spec]
                given = load.done + load.inflight + load.queued + load.unjudged
                per_response = given / load.responses if load.responses else 0.0
                self._set(bar, load.done + load.unjudged, given + round(per_response * to_come),
                          _state(load.inflight, load.queued, load.failed, load.unjudged))

        self._syncs.append(sync)

    def add_overall(self) -> None:
        """The last line: all calls (generation + judging) and how long until both are
        finished (the latest bar's ETA)."""
        self._overall = self.add_task("all", total=None, state="", overall=True, eta=None,
                                      complete=False)

    def sync(self) -> None:
        """Refresh every bar from its counters (called each time the display is drawn)."""
        for sync in self._syncs:
            sync()
        if self._overall is not None:
            bars = [t for t in self.tasks if t.id != self._overall]
            left = [t.fields["eta"] for t in bars if not t.fields["complete"]]
            self.update(self._overall, complete=not left,
                        completed=sum(t.completed for t in bars),
                        total=sum(t.total or 0 for t in bars),
                        eta=None if None in left else max(left, default=0.0))

    def get_renderables(self) -> Iterable[RenderableType]:
        self.sync()
        yield from super().get_renderables()


def _state(inflight: int, queued: int, failed: int, unjudged: int = 0) -> str:
    """e.g. "50 in flight · 120 queued · 2 failed"."""
    parts = [f"{inflight} in flight", f"{queued} queued"]
    if failed:
        parts.append(f"[red]{failed} failed[/]")
    if unjudged:
        parts.append(f"[yellow]{unjudged} left (--max-cost)[/]")
    return " · ".join(parts)
