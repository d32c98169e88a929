"""Response cache across runs (sqlite, in the user cache dir).

Keyed by (provider, model, the base URL a request really goes to, output-relevant options,
request payload, sample); settings that do not change the output (timeouts, concurrency,
rate limits, key env names) are left out. The base URL is resolved as the SDKs resolve it
(the spec's ``@URL`` or ``?base_url=``, else ``OPENAI_BASE_URL`` / ``ANTHROPIC_BASE_URL``,
else the vendor's default), so one spec pointed at another server or proxy never gets the
first server's answers. Only successful responses are stored. Writes are batched (one
transaction per ``batch`` entries or ``flush_every`` seconds, and at close); ``get`` sees
entries not yet flushed.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson
from platformdirs import user_cache_dir

from judge.providers.base import Request, Response
from judge.providers.registry import ModelSpec
from judge.records import content_hash

# Spec options that never change what the model says.
NON_OUTPUT_OPTIONS = frozenset({
    "timeout", "concurrency", "rpm", "tpm", "api_key_env", "max_retries", "n_threads",
    "verbose", "attempts", "base_url",  # base_url: keyed as resolved_base_url
})
# Where openai: / anthropic: requests go when the spec names no base URL (as the SDKs do).
BASE_URL_ENV = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}
DEFAULT_BASE_URL = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}


def cache_dir() -> Path:
    """Where judge keeps caches and models (JUDGE_CACHE_DIR overrides)."""
    return Path(os.environ.get("JUDGE_CACHE_DIR") or user_cache_dir("judge"))


def resolved_base_url(spec: ModelSpec) -> str | None:
    """The base URL requests of ``spec`` go to (None for providers that call no server)."""
    url = spec.base_url or spec.options.get("base_url")
    if not url and spec.provider in BASE_URL_ENV:
        url = os.environ.get(BASE_URL_ENV[spec.provider], "").strip() or \
            DEFAULT_BASE_URL[spec.provider]
    return str(url).rstrip("/") if url else None


def cache_key(spec: ModelSpec, request: Request, sample: int) -> str:
    """The cache key of one call."""
    options = {k: v for k, v in spec.options.items() if k not in NON_OUTPUT_OPTIONS}
    payload = request.cache_payload()
    payload["options"] = {k: v for k, v in payload.get("options", {}).items()
                          if k not in NON_OUTPUT_OPTIONS}
    return content_hash({"provider": spec.provider, "model": spec.model,
                         "base_url": resolved_base_url(spec), "options": options,
                         "request": payload, "sample": sample}, length=40)


class ResponseCache:
    """A small sqlite key → Response store (WAL; safe across processes)."""

    def __init__(self, path: Path | None = None, *, batch: int = 256,
                 flush_every: float = 1.0) -> None:
        self.path = path or cache_dir() / "responses.sqlite"
        self.batch, self.flush_every = batch, flush_every
        self._pending: dict[str, bytes] = {}
        self._flushed = time.monotonic()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body BLOB)")

    def get(self, key: str) -> Response | None:
        body: Any = self._pending.get(key)
        if body is None:
            row = self._db.execute("SELECT body FROM responses WHERE key=?", (key,)).fetchone()
            body = row[0] if row else None
        return Response.model_validate(orjson.loads(body)) if body is not None else None

    def put(self, key: str, response: Response) -> None:
        self._pending[key] = orjson.dumps(response.model_dump(mode="json"))
        if (len(self._pending) >= self.batch
                or time.monotonic() - self._flushed >= self.flush_every):
            self.flush()

    def flush(self) -> None:
        """Write pending entries in one transaction."""
        if self._pending:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO responses (key, body) VALUES (?, ?)",
                                 list(self._pending.items()))
            self._db.execute("COMMIT")
            self._pending.clear()
        self._flushed = time.monotonic()

    def close(self) -> None:
        self.flush()
        self._db.close()
