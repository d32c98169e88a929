"""Run store: append-only JSONL, torn-tail repair, locking, resume keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from judge.errors import StoreError
from judge.records import ErrorRecord
from judge.store import RESPONSES, JsonlWriter, RunStore, read_jsonl


def test_append_flushes_each_record(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    w = JsonlWriter(path)
    w.write({"a": 1})
    # Visible to another reader before close (flushed per record).
    assert list(read_jsonl(path)) == [{"a": 1}]
    w.write(ErrorRecord(run_id="r", task_id="t", sample=0, model="m", error_type="E", message="m"))
    w.close()
    rows = list(read_jsonl(path))
    assert rows[1]["kind"] == "error" and rows[1]["schema_version"] == 1


def test_torn_last_line_is_skipped_and_repaired(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n{"a": 3, "b": "half')
    assert [r["a"] for r in read_jsonl(path)] == [1, 2]
    with JsonlWriter(path) as w:  # reopening cuts the torn line
        w.write({"a": 4})
    assert [r["a"] for r in read_jsonl(path)] == [1, 2, 4]


def test_corrupt_middle_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\nnot json\n{"a": 3}\n')
    with pytest.raises(StoreError, match=r"x.jsonl:2: corrupt record"):
        list(read_jsonl(path))


def test_create_refuses_existing_run_and_lock_is_exclusive(tmp_path: Path) -> None:
    store = RunStore.create(tmp_path, "r1")
    store.write_manifest({"run_id": "r1"})
    with pytest.raises(StoreError, match="already exists; use `judge run --resume r1`"):
        RunStore.create(tmp_path, "r1")
    store.lock()
    other = RunStore.open("r1", tmp_path)
    with pytest.raises(StoreError, match="being written by another process"):
        other.lock()
    store.unlock()
    other.lock()
    other.unlock()


def test_open_missing_run(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no run found at 'nope'"):
        RunStore.open("nope", tmp_path)


def test_done_keys(tmp_path: Path) -> None:
    store = RunStore.create(tmp_path, "r")
    with store.writer(RESPONSES) as w:
        w.write({"task_id": "t1", "model": "m", "sample": 0})
        w.write({"task_id": "t1", "model": "m", "sample": 1})
    assert store.done_keys() == {("t1", "m", 0), ("t1", "m", 1)}
