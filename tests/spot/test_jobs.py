"""Jobs without a terminal: streaming through every hosted provider, resampling, saving."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest

from judge.analysis import load_run
from judge.probeset import load_probeset
from judge.records import ResponseRecord
from judge.spot import jobs, open_session, save
from judge.spot.session import Sample, SpotSession, SpotSettings
from judge.spot.ui import Ui
from tests.conftest import judge_cli
from tests.fakeserver import Behavior, FakeServer
from tests.spot.conftest import compat, plain

OPENAI_KEY = "sk-test-openai-0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdef"


def _ui() -> tuple[Ui, io.StringIO]:
    out = io.StringIO()
    return Ui(out=out, color=True, live=False), out


def _session(spec: str, probes_file: Path, tmp_path: Path, task: str = "news-a:overview"
             ) -> SpotSession:
    return open_session(spec, probes=probes_file, task=task,
                        settings=SpotSettings(runs_dir=tmp_path / "runs"))


@pytest.mark.parametrize("spec, reasoning", [
    ("openai:o-chat", "reasoning_content"),
    ("openai:o-resp?api=responses&reasoning_summary=auto", "auto"),
    ("anthropic:claude-t?thinking_budget=1024", "auto"),
    ("compat:qwen@{base}", "think_tags"),
])
def test_every_hosted_provider_streams_reasoning_with_a_self_check(
        fake: FakeServer, probes_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        spec: str, reasoning: str) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", fake.openai_base)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.anthropic_base)
    model = spec.split(":", 1)[1].split("?")[0].split("@")[0]
    fake.configure(models={model: Behavior(reasoning=reasoning)})  # type: ignore[arg-type]
    session = _session(spec.format(base=fake.openai_base), probes_file, tmp_path)
    ui, out = _ui()

    async def once() -> Sample:
        try:
            return await jobs.generate(session, ui)
        finally:
            await session.aclose()

    sample = asyncio.run(once())
    assert sample.status == "ok", sample.error
    assert sample.traced_on == "reasoning" and sample.self_checked
    shown = plain(out.getvalue())
    assert shown.index("── thinking") < shown.index("── answer")
    assert "\x1b[0;1;30;43m" in out.getvalue()  # a highlighted self-check span


def test_resample_runs_concurrently_and_keeps_failures_apart(
        fake: FakeServer, probes_file: Path, tmp_path: Path) -> None:
    session = _session(compat(fake, "thinker"), probes_file, tmp_path)
    session.set_query("Summarize it [[fault:midwayx2]]")

    async def batch() -> list:
        try:
            return await jobs.resample(session, _ui()[0], 6)
        finally:
            await session.aclose()  # the provider's HTTP session, in the loop that opened it

    samples = asyncio.run(batch())
    assert [s.status for s in samples].count("error") == 2
    assert all(s.self_checked and s.corrected for s in samples if s.status == "ok")
    assert fake.stats()["max_inflight"]["*"] > 1
    assert len({s.seed for s in samples}) == 6


def _replay(tmp_path: Path) -> str:
    path = tmp_path / "answers.jsonl"
    rows = [{"page": "news-a", "query": "overview", "text": "The bridge closed.",
             "reasoning": "Wait, let me re-check. Actually, that's wrong; I need to adjust."},
            {"page": "news-a", "query": "Is it open?", "text": "No, it is closed."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return f"replay:{path}"


def test_save_creates_a_run_that_analysis_reads_then_appends(
        probes_file: Path, tmp_path: Path) -> None:
    session = _session(_replay(tmp_path), probes_file, tmp_path)
    ui = _ui()[0]
    asyncio.run(jobs.resample(session, ui, 2))
    first = save.save(session, None)
    assert first.created and first.responses == 2
    assert first.path.parent == tmp_path / "runs"
    run = load_run(first.path)
    assert [r["sample"] for r in run.responses] == [0, 1]
    assert run.probeset is not None and run.manifest["source"] == "judge spot"
    session.set_query("Is it open?")
    asyncio.run(jobs.generate(session, ui))
    second = save.save(session, None)  # the same directory again: only the new sample
    assert not second.created and second.responses == 1
    assert any(a.startswith("query q-") for a in second.added)
    run = load_run(first.path)
    assert len(run.responses) == 3 and run.probeset is not None
    assert [t["response_id"] for t in run.traces] == [r["id"] for r in run.responses]
    assert run.traces[0]["counts"]["self_check"] >= 1 and run.traces[0]["parsed"] == "reasoning"
    assert run.probeset.query_by_id(run.responses[2]["query_id"]).text == "Is it open?"
    proc = judge_cli("analyze", str(first.path))
    assert proc.returncode == 0, proc.stderr
    assert "replay:" in proc.stdout


def test_save_appends_to_a_run_made_by_judge_run(probes_file: Path, tmp_path: Path) -> None:
    spec = _replay(tmp_path)
    proc = judge_cli("run", str(probes_file), "--model", spec, "--limit", "1", "--samples", "2",
                     "--out", str(tmp_path / "runs"), "--run-id", "base", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    session = _session(spec, probes_file, tmp_path)
    asyncio.run(jobs.generate(session, _ui()[0]))
    result = save.save(session, tmp_path / "runs" / "base")
    assert result.responses == 1 and result.added == []
    lines = (tmp_path / "runs" / "base" / "responses.jsonl").read_text().splitlines()
    records = [ResponseRecord.model_validate_json(x) for x in lines]
    assert [r.sample for r in records] == [0, 1, 2]  # numbered after the run's own samples
    assert len({r.task_id for r in records}) == 1  # the same task id as the run's
    manifest = json.loads((tmp_path / "runs" / "base" / "manifest.json").read_text())
    assert manifest["history"][-1]["responses"] == 1
    traces = tmp_path / "runs" / "base" / "traces.jsonl"
    if result.traced:  # a traced run gets the spot sample's trace too
        assert len(traces.read_text().splitlines()) == 3
    else:
        assert not traces.exists()


def test_save_refuses_a_page_that_differs_from_the_run(probes_file: Path, tmp_path: Path) -> None:
    session = _session(_replay(tmp_path), probes_file, tmp_path)
    asyncio.run(jobs.generate(session, _ui()[0]))
    target = save.save(session, tmp_path / "r1").path
    other = probes_file.read_text().replace("closed on Monday", "closed on Tuesday")
    changed = tmp_path / "changed.yaml"
    changed.write_text(other)
    session2 = _session(_replay(tmp_path), changed, tmp_path)
    session2.probes = load_probeset(changed)
    asyncio.run(jobs.generate(session2, _ui()[0]))
    from judge.errors import StoreError

    with pytest.raises(StoreError, match="differs"):
        save.save(session2, target)


def test_save_into_a_run_gives_a_later_resume_no_new_work(probes_file: Path,
                                                          tmp_path: Path) -> None:
    """The spot model and the spot query are not the run's: `--resume` calls neither."""
    spec = _replay(tmp_path)
    runs = tmp_path / "runs"
    judge_cli("run", str(probes_file), "--model", spec, "--samples", "1", "--limit", "1",
              "--out", str(runs), "--run-id", "base", cwd=tmp_path, check=True)
    other = tmp_path / "other.jsonl"
    other.write_text((tmp_path / "answers.jsonl").read_text())
    session = _session(f"replay:{other}", probes_file, tmp_path)
    session.set_query("Is it open?")  # a query the run does not have
    asyncio.run(jobs.generate(session, _ui()[0]))
    result = save.save(session, runs / "base")
    assert result.responses == 1 and any(a.startswith("query q-") for a in result.added)
    manifest = json.loads((runs / "base" / "manifest.json").read_text())
    assert manifest["models"] == [spec] and manifest["spot_models"] == [f"replay:{other}"]
    before = (runs / "base" / "responses.jsonl").read_text()
    proc = judge_cli("run", "--resume", "base", "--out", str(runs), cwd=tmp_path, check=True)
    assert "0 to go" in proc.stderr
    assert (runs / "base" / "responses.jsonl").read_text() == before
    assert load_run(runs / "base").models == [spec, f"replay:{other}"]  # analysis sees both
