"""The label file `judge review` writes: JSONL rows that `judge agreement --human` reads.

One row per label: ``task_id``, ``response_id``, ``rubric``, ``value``, ``rater``
(the columns judge.grading.labels reads), plus ``model``, ``sample`` and ``labelled_at``.
Each label is appended and flushed at once, so quitting (or a crash) loses nothing;
undo removes the rater's last row (the file is rewritten atomically). Rows of other
raters are kept untouched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from judge.errors import InputError, LabelsError
from judge.records import now_iso
from judge.store import iter_jsonl

HUMAN_LABELS = "human-labels.jsonl"  # RUN/<this>: where `judge review` writes by default
Key = tuple[str, str]  # (response id, rubric)


@dataclass
class LabelFile:
    """A rater's view of a label file."""

    path: Path
    rater: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path, rater: str) -> LabelFile:
        """Read the existing rows (a broken line is an error naming file and line)."""
        out = cls(path, rater)
        if path.exists():
            for entry in iter_jsonl(path, partial_tail=False):
                if isinstance(entry.value, InputError):
                    raise LabelsError(entry.value.detail, path=str(path), line=entry.line)
                if not isinstance(entry.value, dict):
                    raise LabelsError("each line must be an object", path=str(path),
                                      line=entry.line)
                out.rows.append(entry.value)
        return out

    def mine(self) -> list[dict[str, Any]]:
        return [r for r in self.rows if str(r.get("rater") or "human") == self.rater]

    @property
    def done(self) -> set[Key]:
        """What this rater has labelled already."""
        return {(str(r.get("response_id")), str(r.get("rubric"))) for r in self.mine()}

    def add(self, response: dict[str, Any], rubric: str, value: float | str) -> None:
        """Append one label (flushed and synced before returning)."""
        row = {"task_id": response["task_id"], "response_id": response["id"], "rubric": rubric,
               "value": value, "rater": self.rater, "model": response.get("model"),
               "sample": response.get("sample"), "labelled_at": now_iso()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab") as fh:
            fh.write(orjson.dumps(row) + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.rows.append(row)

    def undo(self) -> Key | None:
        """Remove this rater's last label; its (response id, rubric), or None if none."""
        for i in range(len(self.rows) - 1, -1, -1):
            if str(self.rows[i].get("rater") or "human") == self.rater:
                row = self.rows.pop(i)
                tmp = self.path.with_suffix(self.path.suffix + ".tmp")
                tmp.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in self.rows))
                os.replace(tmp, self.path)
                return str(row["response_id"]), str(row["rubric"])
        return None
