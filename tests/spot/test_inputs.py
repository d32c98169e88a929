"""Choosing what to ask: task ids, prefixes, PAGE:QUERY, pages from files, typed queries."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import judge.cli  # noqa: F401 - registers the commands on app
from judge.cli.app import app
from judge.errors import ConfigError, InputError
from judge.probeset import expand, load_probeset
from judge.spot import inputs, open_session
from judge.spot.session import SpotSettings
from tests.conftest import ROOT


def test_a_task_by_id_prefix_page_query_or_combo(probes_file: Path) -> None:
    probes = load_probeset(probes_file)
    tasks = expand(probes)
    first = tasks[0]
    assert inputs.resolve_task(probes, first.id) == first
    assert inputs.resolve_task(probes, first.id[:6]) == first
    assert inputs.resolve_task(probes, "paper-b:method").query_id == "method"
    assert inputs.resolve_task(probes, "both").combo_id == "both"
    with pytest.raises(ConfigError, match="page 'paper-b' has 2 tasks; pick one: "
                                          "paper-b:overview, paper-b:method"):
        inputs.resolve_task(probes, "paper-b")
    assert inputs.resolve_task(probes, "news-a").page_ids == ["news-a"]  # its only task
    with pytest.raises(ConfigError, match="no task 'zzz'"):
        inputs.resolve_task(probes, "zzz")
    with pytest.raises(ConfigError, match="no query 'nope'"):
        inputs.resolve_task(probes, "news-a:nope")


def test_an_ambiguous_prefix_lists_the_candidates() -> None:
    probes = load_probeset(ROOT / "probes" / "web-summaries.yaml")  # 55 tasks: 16 first chars
    ids = [t.id for t in expand(probes)]
    shared = next(i[0] for i in ids if sum(j.startswith(i[0]) for j in ids) > 1)
    with pytest.raises(ConfigError, match="ambiguous"):
        inputs.resolve_task(probes, shared)


def test_typed_queries_and_page_files_get_the_ids_a_run_would_give(
        probes_file: Path, tmp_path: Path) -> None:
    probes = load_probeset(probes_file)
    task = inputs.resolve_task(probes, "news-a:overview")
    grown, same = inputs.with_query(probes, task, "Help me see what this page is about")
    assert same == task and grown is probes  # an existing query is reused
    grown, new = inputs.with_query(probes, task, "Is the bridge open?")
    assert new.query_id.startswith("q-") and new.page_ids == ["news-a"]
    assert new in expand(grown)  # exactly as a run of the grown probe set would expand it
    page_file = tmp_path / "my page.md"
    page_file.write_text("# Ferry timetable\nFerries leave every 20 minutes.\n")
    grown2, on_page = inputs.with_page(grown, new, str(page_file))
    assert on_page.page_ids == ["my-page"] and on_page.query_text == "Is the bridge open?"
    assert grown2.page("my-page").title == "Ferry timetable"
    both = inputs.resolve_task(probes, "both")
    grown3, combo = inputs.with_query(probes, both, "Which is older?")
    assert combo.kind == "combo" and combo.page_ids == ["news-a", "paper-b"]
    assert combo in expand(grown3)


def test_bad_page_files_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        inputs.read_page(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("  \n")
    with pytest.raises(InputError, match="empty"):
        inputs.read_page(tmp_path / "empty.txt")


def test_open_session_on_a_page_file_and_a_typed_query(tmp_path: Path) -> None:
    page = tmp_path / "notice.md"
    page.write_text("# Ferry notice\nThe 7:40 ferry is cancelled on Friday.\n")
    session = open_session("compat:m@http://127.0.0.1:9/v1", page=page, query="When?",
                           settings=SpotSettings(page_type="short"))
    assert session.task.page_ids == ["notice"] and session.task.query_text == "When?"
    assert session.probes.page("notice").type == "short"
    prompt = "\n".join(m.content for m in session.messages_for(session.task))
    assert "The 7:40 ferry is cancelled on Friday." in prompt and "When?" in prompt


def test_the_command_line_says_what_is_missing(tmp_path: Path) -> None:
    runner = CliRunner()
    spec = "compat:m@http://127.0.0.1:9/v1"
    result = runner.invoke(app, ["spot", "--model", spec])
    assert isinstance(result.exception, ConfigError) and "--probes FILE" in str(result.exception)
    result = runner.invoke(app, ["spot", "--model", spec, "--page", str(tmp_path / "nope.md")])
    assert isinstance(result.exception, InputError)
    assert "page file not found" in str(result.exception)
    result = runner.invoke(app, ["spot", "--model", spec, "--page", str(tmp_path / "nope.md"),
                                 "--page-type", "blog"])
    assert isinstance(result.exception, ConfigError) and "--page-type" in str(result.exception)
