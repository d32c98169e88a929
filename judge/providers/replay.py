"""Replay provider: answers from a JSONL file (bring your own outputs).

Option ``delay`` (seconds) simulates latency, e.g. ``replay:answers.jsonl?delay=0.2``
for a dry run of progress, concurrency and resume.

Each line: ``{"task_id": ..., "text": ..., "reasoning": ...?, "sample": ...?}`` or, instead
of task_id, ``"page"`` + ``"query"`` (query id or query text). Without ``sample`` a line
answers every sample of its task.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson

from judge.errors import ConfigError, FatalProviderError, InputError
from judge.providers.base import Delta, Done, Request, Response, StreamEvent
from judge.providers.registry import ModelSpec
from judge.records import Reasoning


def _load(path: Path) -> dict[tuple[str, ...], dict[str, Any]]:
    if not path.is_file():
        raise InputError("replay file not found", path=str(path))
    table: dict[tuple[str, ...], dict[str, Any]] = {}
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                row = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise InputError(f"not valid JSON ({exc})", path=str(path), line=lineno) from None
            if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                raise InputError("each line needs a string `text`", path=str(path), line=lineno)
            sample = str(row["sample"]) if "sample" in row else "*"
            if "task_id" in row:
                key: tuple[str, ...] = ("task", str(row["task_id"]), sample)
            elif "page" in row and "query" in row:
                key = ("pq", str(row["page"]), str(row["query"]), sample)
            else:
                raise InputError("each line needs `task_id`, or `page` and `query`",
                                 path=str(path), line=lineno)
            table[key] = row
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

    def _find(self, meta: dict[str, Any]) -> dict[str, Any]:
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
                return self.table[key]
        raise FatalProviderError(
            f"no answer in {self.path} for task {task} (page {page!r}, query "
            f"{meta.get('query_id')!r}, sample {sample})", model=self.spec)

    async def generate(self, request: Request) -> Response:
        start = time.perf_counter()
        row = self._find(request.meta)
        if self.delay:
            await asyncio.sleep(self.delay)
        reasoning = row.get("reasoning")
        return Response(
            text=row["text"],
            reasoning=Reasoning(text=reasoning, source="reasoning_content") if reasoning
            else Reasoning(),
            finish_reason=row.get("finish_reason", "stop"),
            model_id=row.get("model_id", f"replay:{self.path.name}"),
            latency_s=time.perf_counter() - start,
            raw=row,
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
