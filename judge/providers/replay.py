"""Replay provider: answers from a JSONL file (bring your own outputs).

Option ``delay`` (seconds) simulates latency, e.g. ``replay:answers.jsonl?delay=0.2``
for a dry run of progress, concurrency and resume.

Each line: ``{"task_id": ..., "text": ..., "reasoning": ...?, "sample": ...?}`` or, instead
of task_id, ``"page"`` + ``"query"`` (query id or query text). Without ``sample`` a line
answers every sample of its task.

The file is validated when it is loaded. A line that is not a JSON object, or names no
task, is an InputError (file:line) before any work starts. A line that names its task but
has a malformed field (``text`` not a string, ``sample`` not an integer, ...) fails only
that task: it goes to errors.jsonl with the file:line and the field, and the run goes on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from judge.errors import ConfigError, FatalProviderError, InputError
from judge.providers.base import Delta, Done, Request, Response, StreamEvent
from judge.providers.registry import ModelSpec
from judge.records import Reasoning


class ReplayRow(BaseModel):
    """One answer line (other keys are kept in the raw payload, unchecked)."""

    model_config = ConfigDict(extra="allow", protected_namespaces=())  # model_id
    text: str
    reasoning: str | None = None
    sample: int | None = None
    finish_reason: str | None = "stop"
    model_id: str | None = None


Entry = ReplayRow | InputError  # a line, or why that line cannot answer its task


def _key(row: dict[str, Any], path: Path, lineno: int) -> tuple[str, ...]:
    sample = str(row["sample"]) if row.get("sample") is not None else "*"
    if "task_id" in row:
        return ("task", str(row["task_id"]), sample)
    if "page" in row and "query" in row:
        return ("pq", str(row["page"]), str(row["query"]), sample)
    raise InputError("each line needs `task_id`, or `page` and `query`", path=str(path),
                     line=lineno)


def _entry(row: dict[str, Any], path: Path, lineno: int) -> Entry:
    try:
        return ReplayRow.model_validate(row)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        return InputError(problems, path=str(path), line=lineno)


def _load(path: Path) -> dict[tuple[str, ...], Entry]:
    if not path.is_file():
        raise InputError("replay file not found", path=str(path))
    from judge.store import iter_jsonl

    table: dict[tuple[str, ...], Entry] = {}
    for lineno, _, row in iter_jsonl(path, partial_tail=False):
        if isinstance(row, InputError):
            raise row
        if not isinstance(row, dict):
            raise InputError("expected a JSON object", path=str(path), line=lineno)
        table[_key(row, path, lineno)] = _entry(row, path, lineno)
    return table


class ReplayProvider:
    """Looks answers up instead of calling a model."""

    max_concurrency = 64
    cacheable = False  # the file is the source of truth; edits must show at once

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec.spec
        self.path = Path(spec.model).expanduser()
        unknown = set(spec.options) - {"delay"}
        if unknown:
            raise ConfigError(f"model spec {spec.spec!r}: unknown option(s) {sorted(unknown)}; "
                              "replay takes only `delay`")
        self.delay = float(spec.options.get("delay", 0))
        self.table = _load(self.path)

    def _find(self, meta: dict[str, Any]) -> ReplayRow:
        sample = str(meta.get("sample", 0))
        task = str(meta.get("task_id", ""))
        pages = meta.get("page_ids") or []
        page = pages[0] if len(pages) == 1 else (meta.get("combo_id") or "")
        keys = [("task", task, sample), ("task", task, "*")]
        for q in (meta.get("query_id"), meta.get("query_text")):
            if q:
                keys += [("pq", page, str(q), sample), ("pq", page, str(q), "*")]
        for key in keys:
            if key in self.table:
                entry = self.table[key]
                if isinstance(entry, InputError):
                    raise FatalProviderError(f"bad replay line: {entry}", model=self.spec)
                return entry
        raise FatalProviderError(
            f"no answer in {self.path} for task {task} (page {page!r}, query "
            f"{meta.get('query_id')!r}, sample {sample})", model=self.spec)

    async def generate(self, request: Request) -> Response:
        start = time.perf_counter()
        row = self._find(request.meta)
        if self.delay:
            await asyncio.sleep(self.delay)
        return Response(
            text=row.text,
            reasoning=Reasoning(text=row.reasoning, source="reasoning_content")
            if row.reasoning else Reasoning(),
            finish_reason=row.finish_reason,
            model_id=row.model_id or f"replay:{self.path.name}",
            latency_s=time.perf_counter() - start,
            raw=row.model_dump(),
        )

    async def stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        response = await self.generate(request)
        if response.reasoning.text:
            yield Delta("reasoning", response.reasoning.text)
        yield Delta("text", response.text)
        yield Done(response)

    async def aclose(self) -> None:
        """Nothing to release."""


def build_replay(spec: ModelSpec) -> ReplayProvider:
    """Factory used by the registry."""
    return ReplayProvider(spec)
