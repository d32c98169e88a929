"""Fixtures for `judge spot`: the loopback fake server scripted with streaming reasoning
(a self-check and a correction in <think> tags), and a REPL driven in a pseudo-terminal.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest

from tests.conftest import ROOT, SMALL_PROBES
from tests.fakeserver import Behavior, FakeConfig, FakeServer, Fault

THINK_REPLY = ("<think>Let me read the page first. The bridge closed on Monday. Wait, let me "
               "re-check the second paragraph. Actually, that's wrong: the repairs take 14 "
               "months, not 12. I need to adjust the summary.</think>The Harbour Bridge closed "
               "after inspectors found corrosion; repairs take 14 months and cost $38 million.")
PLAIN_REPLY = "The bridge closed on Monday. Repairs will take over a year."
PROMPT = r"spot \S+ \S+> ?"
ACCEPTED = "\x1b[?2004l"  # prompt-toolkit turns bracketed paste off when a line is accepted
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SELF_CHECK_SGR = "\x1b[0;1;30;43m"
CORRECTION_SGR = "\x1b[0;1;97;45m"


def spot_config() -> FakeConfig:
    """Models: `thinker` (reasoning with a self-check and a correction), `plain` (no
    reasoning, no reflection), `slow` (the thinker padded to 1,500 words); `[[fault:midway]]`
    in a query cuts the stream with an error event after 25 events."""
    return FakeConfig(
        chunk_delay=0.005,
        models={"thinker": Behavior(reasoning="none", reply=THINK_REPLY),
                "plain": Behavior(reasoning="none", reply=PLAIN_REPLY),
                "slow": Behavior(reasoning="none", reply=THINK_REPLY, words=1500)},
        faults={"midway": Fault(kind="stream_error", after_events=25)})


def plain(text: str) -> str:
    """Text without ANSI escape sequences and carriage returns."""
    return ANSI.sub("", text).replace("\r", "")


@pytest.fixture(scope="session")
def spot_server() -> Iterator[FakeServer]:
    with FakeServer(spot_config()) as server:
        yield server


@pytest.fixture
def fake(spot_server: FakeServer) -> FakeServer:
    spot_server.configure(spot_config())
    spot_server.reset()
    return spot_server


@pytest.fixture
def probes_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_PROBES, encoding="utf-8")
    return path


def compat(fake: FakeServer, model: str) -> str:
    return f"compat:{model}@{fake.openai_base}"


class Spot:
    """A `judge spot` process in a 50×120 pseudo-terminal; ``raw`` is all it printed."""

    def __init__(self, args: list[str], cwd: Path, cache: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
        env.update(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", PYTHONPATH=str(ROOT),
                   JUDGE_CACHE_DIR=str(cache))
        self.log = io.StringIO()
        self.child = pexpect.spawn(sys.executable, ["-m", "judge", "spot", *args], cwd=str(cwd),
                                   env=env, encoding="utf-8", codec_errors="replace",
                                   dimensions=(50, 120), timeout=30)
        self.child.logfile_read = self.log
        self.mark = 0

    @property
    def raw(self) -> str:
        return self.log.getvalue()

    def prompt(self, timeout: float = 30) -> str:
        """Wait for the prompt; return what was printed since the last call (raw)."""
        self.child.expect(PROMPT, timeout=timeout)
        out, self.mark = self.raw[self.mark:], len(self.raw)
        return out

    def send(self, line: str) -> None:
        """Type a line and Enter; returns once the prompt has handed the line over."""
        self.child.sendline(line)
        self.child.expect_exact(ACCEPTED, timeout=10)

    def run(self, line: str, timeout: float = 30) -> str:
        """Send a line, wait for the next prompt, return the output in between (raw)."""
        self.send(line)
        return self.prompt(timeout)

    def quit(self) -> None:
        if self.child.isalive():
            self.child.sendline(":quit")
            self.child.expect(pexpect.EOF, timeout=15)
        self.child.close()


@pytest.fixture
def spot(tmp_path: Path) -> Iterator[Callable[..., Spot]]:
    """Start `judge spot ARGS` in a pty (cwd: a temp dir); quit it after the test."""
    started: list[Spot] = []

    def start(*args: str) -> Spot:
        proc = Spot(list(args), tmp_path, tmp_path / "cache")
        started.append(proc)
        proc.prompt()
        return proc

    yield start
    for proc in started:
        try:
            proc.quit()
        except (pexpect.ExceptionPexpect, OSError):
            proc.child.terminate(force=True)
