"""The run progress display: a judge's total counts the judgments responses still to come
will need, and the last line's ETA is the later of generation's and judging's."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console

from judge.cli.progress import Rate, RunProgress
from judge.grading.session import JudgeLoad
from judge.runner import ModelTally


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _runner(total: int) -> SimpleNamespace:
    spec = SimpleNamespace(spec="compat:gen@http://h/v1")
    return SimpleNamespace(specs=[spec], pending_for=lambda _m, _d: total,
                           result=SimpleNamespace(tallies={spec.spec: ModelTally()}))


def test_rate_eta_from_recent_progress() -> None:
    clock = Clock()
    rate = Rate(window=30, clock=clock)
    assert rate.eta(0, 100) is None  # no rate yet
    clock.now = 10.0
    assert rate.eta(20, 100) == 40.0  # 2/s, 80 to go
    assert rate.eta(100, 100) == 0.0


def test_judge_total_includes_responses_still_to_come_and_overall_eta_is_the_latest() -> None:
    runner, clock = _runner(100), Clock()
    session = SimpleNamespace(plan=SimpleNamespace(judges=["compat:j@http://h/v1?rpm=5"]),
                              loads={"compat:j@http://h/v1?rpm=5": JudgeLoad()})
    progress = RunProgress(Console(file=io.StringIO(), width=150), clock=clock)
    progress.track_models(runner, set())
    progress.track_judges(session)
    progress.add_overall()
    tally = runner.result.tallies["compat:gen@http://h/v1"]
    load = session.loads["compat:j@http://h/v1?rpm=5"]
    progress.sync()
    clock.now = 10.0
    # 40 responses in (2 failed), 4 in flight; each response needs 2 judgments
    tally.items, tally.ok, tally.failed = 44, 38, 2
    load.responses, load.done, load.inflight, load.queued, load.failed = 38, 20, 5, 51, 1
    progress.sync()
    gen, judge, overall = progress.tasks
    assert (gen.completed, gen.total) == (40, 100)
    assert gen.fields["state"] == "4 in flight · 56 queued · [red]2 failed[/]"
    assert gen.fields["eta"] == 15.0  # 4/s, 60 to go
    assert (judge.completed, judge.total) == (20, 76 + 2 * 60)  # given + 2 × responses to come
    assert judge.fields["eta"] == 88.0  # 2/s, 176 to go: judging finishes last
    assert overall.fields["eta"] == 88.0 and (overall.completed, overall.total) == (60, 296)
    assert not judge.fields["complete"]
    # generation done, judging not: the run is not done until the judge is
    clock.now = 20.0
    tally.items, tally.ok = 100, 98
    load.responses, load.done, load.inflight, load.queued = 98, 196, 0, 0
    progress.sync()
    gen, judge, overall = progress.tasks
    assert gen.fields["complete"] and judge.fields["complete"] and overall.fields["complete"]
    rendered = io.StringIO()
    Console(file=rendered, width=150).print(progress.make_tasks_table(progress.tasks))
    text = rendered.getvalue()
    assert "generate compat:gen" in text and "judge compat:j" in text and "196/196" in text
