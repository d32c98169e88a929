"""Run directories: manifest, append-only JSONL files, resume keys.

``runs/<id>/manifest.json`` is rewritten atomically; ``*.jsonl`` files are append-only,
one record per line, flushed per record with fsync batched, so a killed run loses at most
what was in flight. A partial last line (the process died mid-write) is cut off when the
run is reopened. One process writes a run at a time (an flock on ``.lock``).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from judge.errors import InputError, StoreError
from judge.records import upgrade

MANIFEST = "manifest.json"
RESPONSES = "responses.jsonl"
ERRORS = "errors.jsonl"
TRACES = "traces.jsonl"
JUDGMENTS = "judgments.jsonl"
PROBESET = "probeset.json"


class JsonlWriter:
    """Append records to a JSONL file: flush each, fsync at most every ``fsync_every`` s."""

    def __init__(self, path: Path, fsync_every: float = 1.0) -> None:
        self.path = path
        _repair_tail(path)
        self._fh = open(path, "ab", buffering=0)  # noqa: SIM115 - closed in close()
        self._fsync_every = fsync_every
        self._last_sync = time.monotonic()
        self.count = 0

    def write(self, record: Any) -> None:
        """Append one record (a pydantic model or a JSON-able dict) as one line."""
        if hasattr(record, "model_dump"):
            record = record.model_dump(mode="json")
        self._fh.write(orjson.dumps(record) + b"\n")  # one write(2) per line
        self.count += 1
        now = time.monotonic()
        if now - self._last_sync >= self._fsync_every:
            os.fsync(self._fh.fileno())
            self._last_sync = now

    def close(self) -> None:
        if not self._fh.closed:
            os.fsync(self._fh.fileno())
            self._fh.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _repair_tail(path: Path) -> None:
    """Cut a partial last line left by a killed writer."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as fh:
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) == b"\n":
            return
        size = fh.seek(0, os.SEEK_END)
        pos = size
        chunk = 65536
        while pos > 0:
            start = max(0, pos - chunk)
            fh.seek(start)
            block = fh.read(pos - start)
            idx = block.rfind(b"\n")
            if idx >= 0:
                fh.truncate(start + idx + 1)
                return
            pos = start
        fh.truncate(0)


class JsonlLine(NamedTuple):
    """One non-blank line of a JSONL file: its number, byte offset and decoded value (an
    InputError naming file and line when the line is not valid JSON)."""

    line: int
    offset: int
    value: Any


def iter_jsonl(path: Path, *, partial_tail: bool = True) -> Iterator[JsonlLine]:
    """The one JSONL reader: every non-blank line of ``path``, streamed. A line that is not
    valid JSON comes as an ``InputError`` value, so that the caller decides whether to raise
    it or to report it and go on. With ``partial_tail`` (files judge appends to), an
    undecodable last line without a newline (a writer killed mid-line) ends the file
    quietly."""
    offset = 0
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            at, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            try:
                value: Any = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                if partial_tail and not raw.endswith(b"\n"):
                    return  # partial last line left by a killed writer
                value = InputError(f"not valid JSON ({exc})", path=str(path), line=lineno)
            yield JsonlLine(lineno, at, value)


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield records of a run's JSONL file (upgraded); a partial last line is skipped."""
    if not path.exists():
        return
    for entry in iter_jsonl(path):
        if isinstance(entry.value, InputError):
            raise StoreError(f"{path}:{entry.line}: corrupt record ({entry.value.detail})")
        yield upgrade(entry.value)


class RunStore:
    """One run directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_fh: Any = None

    @property
    def run_id(self) -> str:
        return self.path.name

    # -- lifecycle
    @classmethod
    def create(cls, out_dir: Path, run_id: str) -> RunStore:
        path = out_dir / run_id
        if path.exists() and any(path.iterdir()):
            raise StoreError(f"run directory {path} already exists; "
                             f"use `judge run --resume {run_id}` to finish it, or another --run-id")
        path.mkdir(parents=True, exist_ok=True)
        return cls(path)

    @classmethod
    def open(cls, ref: str | Path, out_dir: Path | None = None) -> RunStore:
        """Open an existing run by path or by id under ``out_dir``."""
        candidates = [Path(ref)]
        if out_dir is not None:
            candidates.append(out_dir / str(ref))
        for cand in candidates:
            if (cand / MANIFEST).exists():
                return cls(cand)
        raise StoreError(f"no run found at {ref!r}"
                         + (f" (looked in {out_dir})" if out_dir else "")
                         + "; a run directory contains manifest.json")

    def lock(self) -> None:
        """Take the run's write lock; fails if another process is writing it."""
        self._lock_fh = open(self.path / ".lock", "w")  # noqa: SIM115
        try:
            fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"run {self.path} is being written by another process") from None

    def unlock(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    # -- manifest
    def read_manifest(self) -> dict[str, Any]:
        try:
            return json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(f"{self.path / MANIFEST}: unreadable manifest ({exc})") from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Atomic rewrite (tmp file + rename)."""
        self.write_json(MANIFEST, manifest)

    def update_manifest(self, **changes: Any) -> dict[str, Any]:
        manifest = self.read_manifest()
        manifest.update(changes)
        self.write_manifest(manifest)
        return manifest

    def write_json(self, name: str, data: Any) -> None:
        tmp = self.path / f".{name}.tmp"
        tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / name)

    def read_json(self, name: str) -> Any:
        return orjson.loads((self.path / name).read_bytes())

    # -- records
    def writer(self, name: str) -> JsonlWriter:
        return JsonlWriter(self.path / name)

    def records(self, name: str) -> Iterator[dict[str, Any]]:
        return read_jsonl(self.path / name)

    def done_keys(self) -> set[tuple[str, str, int]]:
        """(task_id, model, sample) of every stored response."""
        return {(r["task_id"], r["model"], int(r["sample"])) for r in self.records(RESPONSES)}
