"""Run the fake server on 127.0.0.1: in a background thread, or as a subprocess.

A subprocess keeps the server's CPU out of the client's figures (bench/throughput.py);
a thread is quicker to start (tests). Both are driven the same way, over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any, Self

from aiohttp import web

from tests.fakeserver.app import State, make_app
from tests.fakeserver.config import FakeConfig

ROOT = Path(__file__).resolve().parents[2]


async def serve(config: FakeConfig, port: int = 0) -> tuple[web.AppRunner, int]:
    """Start serving on 127.0.0.1:port (0 = any free port); returns (runner, port)."""
    runner = web.AppRunner(make_app(State(config)), access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, int(bound)


class FakeServer:
    """A loopback server speaking OpenAI Chat/Responses and Anthropic Messages.

    >>> with FakeServer(FakeConfig(latency=0.01)) as fake:
    ...     fake.openai_base   # "http://127.0.0.1:PORT/v1"
    """

    def __init__(self, config: FakeConfig | None = None, *, subprocess: bool = False) -> None:
        self.config = config or FakeConfig()
        self.use_subprocess = subprocess
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._proc: subprocess.Popen[str] | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeServer:
        if self.use_subprocess:
            self._start_process()
        else:
            self._start_thread()
        return self

    def _start_thread(self) -> None:
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        def run() -> None:
            asyncio.set_event_loop(loop)
            self._runner, self.port = loop.run_until_complete(serve(self.config))
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fakeserver", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake server did not start")

    def _start_process(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakeserver", "--config", self.config.model_dump_json()],
            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"fake server did not start: {line!r}")
        self.port = int(line.split()[1])

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = self._thread = None
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)
            self._proc = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def cpu_seconds(self) -> float | None:
        """User + system CPU the server process has used (None: in-thread, or not Linux)."""
        if self._proc is None:
            return None
        try:
            fields = Path(f"/proc/{self._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    # --- addresses ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base(self) -> str:
        return f"{self.url}/v1"

    @property
    def anthropic_base(self) -> str:
        return self.url

    # --- control -----------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def configure(self, config: FakeConfig | None = None, **changes: Any) -> FakeConfig:
        """Replace the config (or update fields of the current one); resets the script."""
        base = config or self.config
        self.config = base.model_copy(update=changes) if changes else base
        self._call("POST", "/_fake/config", json.loads(self.config.model_dump_json()))
        return self.config

    def stats(self, detail: bool = False) -> dict[str, Any]:
        return self._call("GET", "/_fake/stats" + ("?detail=1" if detail else ""))

    def reset(self) -> None:
        self._call("POST", "/_fake/reset", {})
