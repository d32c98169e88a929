"""`judge spot` driven in a pseudo-terminal against the loopback fake server.

The screen is checked as the bytes the REPL wrote: ANSI styles of the highlighted spans,
the order in which things appeared, the resample table, cancellation and errors.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from tests.fakeserver import FakeServer
from tests.spot.conftest import ACCEPTED, CORRECTION_SGR, SELF_CHECK_SGR, compat, plain

BRIDGE_TASK = "news-a:overview"


def test_stream_shows_thinking_then_answer_with_spans_highlighted_while_streaming(
        fake: FakeServer, spot, probes_file: Path) -> None:
    s = spot("--model", compat(fake, "thinker"), "--probes", str(probes_file),
             "--task", BRIDGE_TASK)
    out = s.run("")
    text = plain(out)
    assert text.index("── thinking") < text.index("── answer")
    assert "Let me read the page first." in text
    assert "repairs take 14 months and cost $38 million." in text
    # the spans are styled on screen, and already before the answer started streaming
    answer_at = out.index("── answer")
    assert out.index(SELF_CHECK_SGR + "Wait, let me re-check") < answer_at
    # "that's wrong" (alone, or merged into "Actually, that's wrong: … 14 months, not 12")
    corr = re.search(re.escape(CORRECTION_SGR) + r"(?:Actually, )?that's", out)
    assert corr is not None and corr.start() < answer_at  # (may wrap before 'wrong')
    assert out.index(CORRECTION_SGR + "I need to adjust") < answer_at
    assert "reflection in the reasoning:" in text and "self-check ×" in text
    assert "correction ×" in text


def test_error_mid_stream_then_resample_table_with_wilson_rates(
        fake: FakeServer, spot, probes_file: Path) -> None:
    s = spot("--model", compat(fake, "thinker"), "--probes", str(probes_file),
             "--task", BRIDGE_TASK)
    # the first request of this query fails mid-stream (an SSE error event)
    text = plain(s.run("What does the page say? [[fault:midwayx1]]"))
    assert "── thinking" in text  # it was streaming when the error came
    assert "error:" in text and "the session goes on" in text
    text = plain(s.run(":resample 4"))
    assert "4/4" in text  # the progress bar ended full
    rows = [line for line in text.splitlines() if line.startswith("│ ") and " ok " in line]
    assert len(rows) == 4 and all(line.count("✓") == 3 for line in rows)  # check, fix, episode
    assert "self-check rate: 4/4 = 100%" in text
    assert "(95% Wilson interval 51%–100%)" in text
    assert "correction rate: 4/4 = 100%" in text
    assert "episode rate (self-check, then a correction of the same point): 4/4" in text
    assert "traced text: reasoning" in text


def test_ctrl_c_cancels_the_generation_not_the_session(
        fake: FakeServer, spot, probes_file: Path) -> None:
    s = spot("--model", compat(fake, "slow"), "--probes", str(probes_file),
             "--task", BRIDGE_TASK)
    s.send("")
    s.child.expect("── answer")
    s.child.expect("filler")  # the padded answer is streaming
    started = time.monotonic()
    s.child.sendintr()
    text = plain(s.prompt(timeout=10))
    assert time.monotonic() - started < 5  # far sooner than the rest of the stream
    assert "cancelled (Ctrl-C)" in text and "the session goes on" in text
    deadline = time.monotonic() + 5
    while fake.stats()["outcomes"].get("cancelled", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert fake.stats()["outcomes"].get("cancelled") == 1  # the server saw the stream cut
    s.send(":resample 2")  # Ctrl-C stops a resample too; its table says what happened
    s.child.expect("0/2")
    time.sleep(0.5)
    s.child.sendintr()
    text = plain(s.prompt(timeout=10))
    rows = [line for line in text.splitlines() if line.startswith("│ ")]
    assert len(rows) == 2 and all(" cancelled " in row for row in rows)
    assert "self-check rate: no finished samples" in text
    s.child.sendintr()  # Ctrl-C at the prompt only gives a fresh prompt
    s.child.expect_exact(ACCEPTED)
    s.prompt()
    s.run(f":model {compat(fake, 'thinker')}")
    text = plain(s.run(""))
    assert "reflection in the reasoning:" in text  # the session streams again
    history = plain(s.run(":history"))
    assert "cancelled" in history and " ok " in history


def test_model_switch_diff_judge_and_save(fake: FakeServer, spot, probes_file: Path,
                                          tmp_path: Path) -> None:
    s = spot("--model", compat(fake, "plain"), "--probes", str(probes_file),
             "--task", BRIDGE_TASK, "--judge", compat(fake, "judge"))
    text = plain(s.run(""))
    assert "── thinking" not in text
    assert "no reasoning channel: reflection is looked for in the answer" in text
    assert "reflection: no self-check or correction found in the answer" in text
    s.run(f":model {compat(fake, 'thinker')}")
    s.run("")
    diff = plain(s.run(":diff"))
    assert "#1 compat:plain" in diff and "#2 compat:thinker" in diff
    assert "word overlap" in diff
    verdicts = plain(s.run(":judge"))
    assert "judged by compat:judge" in verdicts
    assert "intention" in verdicts and "reflection" in verdicts
    saved = plain(s.run(f":save {tmp_path / 'spot-run'}"))
    assert "created run" in saved and "2 responses, 2 judgments" in saved
    run_dir = tmp_path / "spot-run"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["source"] == "judge spot" and manifest["status"] == "complete"
    lines = (run_dir / "responses.jsonl").read_text().splitlines()
    assert [json.loads(x)["model"].split("@")[0] for x in lines] == ["compat:plain",
                                                                     "compat:thinker"]
    assert len((run_dir / "judgments.jsonl").read_text().splitlines()) == 2
    assert "nothing new to save" in plain(s.run(f":save {run_dir}"))
