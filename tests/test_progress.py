"""The run progress display: a judge's total counts the judgments responses still to come
will need, and the last line's ETA is the later of generation's and judging's."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console

from judge.cli.progress import Rate, RunProgress, short_names
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


def test_short_names_tell_specs_apart_with_as_little_as_needed() -> None:
    assert short_names(["openai:gpt-5-mini", "anthropic:claude-sonnet-4-5"]) == {
        "openai:gpt-5-mini": "openai:gpt-5-mini",
        "anthropic:claude-sonnet-4-5": "anthropic:claude-sonnet-4-5"}
    a, b = "compat:j@http://h:1/v1?concurrency=8", "compat:j@http://h:1/v1?concurrency=3&rpm=600"
    assert short_names([a, b]) == {a: "compat:j?concurrency=8", b: "compat:j?concurrency=3&rpm=600"}
    a, b = "compat:j@http://a:1/v1", "compat:j@https://b:2/v1/"
    assert short_names([a, b]) == {a: "compat:j@a:1/v1", b: "compat:j@b:2/v1"}
    a, b = "compat:j@http://h/v1", "compat:j@http://h/v1?concurrency=8"
    assert short_names([a, b]) == {a: "compat:j", b: "compat:j?concurrency=8"}


def test_two_judges_on_one_model_get_bars_that_tell_them_apart_and_no_early_eta() -> None:
    """Two specs of one judge model differing only in options (a long base URL before them)
    were both drawn as the same truncated URL; a judge with no response yet read "eta 0:00:00"."""
    base = "compat:judge@http://127.0.0.1:39763/v1"
    judges = [f"{base}?concurrency=8", f"{base}?concurrency=3&rpm=600"]
    session = SimpleNamespace(plan=SimpleNamespace(judges=judges),
                              loads={j: JudgeLoad() for j in judges})
    progress = RunProgress(Console(file=io.StringIO(), width=120), clock=Clock())
    progress.track_models(_runner(10), set())
    progress.track_judges(session)
    progress.sync()
    # no response in yet: a judge has nothing to do so far, but no ETA either
    assert [t.fields["eta"] for t in progress.tasks[1:]] == [None, None]
    rendered = io.StringIO()
    Console(file=rendered, width=120).print(progress.make_tasks_table(progress.tasks))
    text = rendered.getvalue()
    assert "judge compat:judge?concurrency=8 " in text
    assert "judge compat:judge?concurrency=3&rpm=600 " in text
