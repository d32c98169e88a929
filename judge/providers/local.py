"""The embedded provider: llama-cpp-python in process, one generation at a time.

``local`` uses the embedded model (`judge models install local`); ``local:PATH`` any GGUF.
Options (spec ``?k=v``): n_ctx, n_threads, temperature, top_p, repeat_penalty, extra_bufts.
``extra_bufts`` (default false) lets ggml repack weights for AMX and similar "extra buffer
types": on a machine whose CPU reports AMX but whose kernel or sandbox does not grant the
process AMX tile state, the first batched decode dies with a general protection fault
(``ldtilecfg`` in libggml-cpu), so judge turns them off unless asked.
Structured output uses llama.cpp's JSON-schema grammar (response_format with a schema).
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from judge import embedded
from judge.errors import ConfigError, FatalProviderError, SetupError
from judge.providers.base import Delta, Done, Request, Response, StreamEvent
from judge.providers.registry import ModelSpec
from judge.providers.thinktags import ThinkStream, split_think
from judge.records import Reasoning, Usage

INSTALL_EXTRA = "pip install -e '.[local]'"
_MODELS: dict[tuple[str, int, int, bool], tuple[Any, threading.Lock]] = {}
_MODELS_LOCK = threading.Lock()


class LocalOptions(BaseModel):
    """Options of the local provider."""

    model_config = ConfigDict(extra="forbid")
    n_ctx: int = 8192
    n_threads: int = max(1, os.cpu_count() or 1)
    temperature: float = 0.7
    top_p: float = 0.8
    repeat_penalty: float = 1.05
    verbose: bool = False
    extra_bufts: bool = False


def check_usable() -> tuple[bool, str]:
    """Is llama-cpp-python installed and the embedded model present?"""
    if importlib.util.find_spec("llama_cpp") is None:
        return False, f"llama-cpp-python missing: {INSTALL_EXTRA}"
    if not embedded.installed():
        return False, f"embedded model not installed: {embedded.INSTALL_CMD}"
    return True, f"model at {embedded.model_path()}"


def _load(path: Path, opts: LocalOptions) -> tuple[Any, threading.Lock]:
    key = (str(path), opts.n_ctx, opts.n_threads, opts.extra_bufts)
    with _MODELS_LOCK:
        if key not in _MODELS:
            try:
                import llama_cpp
            except ImportError:
                raise SetupError("the local provider needs llama-cpp-python",
                                 fix=INSTALL_EXTRA) from None
            with _model_params(extra_bufts=opts.extra_bufts):
                llm = llama_cpp.Llama(model_path=str(path), n_ctx=opts.n_ctx,
                                      n_threads=opts.n_threads, verbose=opts.verbose)
            _MODELS[key] = (llm, threading.Lock())
        return _MODELS[key]


@contextmanager
def _model_params(extra_bufts: bool) -> Iterator[None]:
    """While a model loads, llama-cpp-python's default model params carry
    ``use_extra_bufts`` (it has no argument for it); called under _MODELS_LOCK."""
    import llama_cpp.llama as llama_module

    lib = llama_module.llama_cpp
    default = lib.llama_model_default_params
    fields = {name for name, _ in getattr(default(), "_fields_", [])}
    if "use_extra_bufts" not in fields:  # an older llama.cpp: nothing to turn off
        yield
        return

    def params() -> Any:
        p = default()
        p.use_extra_bufts = extra_bufts
        return p

    lib.llama_model_default_params = params
    try:
        yield
    finally:
        lib.llama_model_default_params = default


class LocalProvider:
    """llama.cpp in process. Calls are serialized (one generation at a time)."""

    max_concurrency = 1

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec.spec
        try:
            self.opts = LocalOptions(**spec.options)
        except ValidationError as exc:
            raise ConfigError(f"model spec {spec.spec!r}: {exc.errors()[0]['msg']} "
                              f"({'.'.join(map(str, exc.errors()[0]['loc']))})") from None
        if spec.model:
            self.path = Path(spec.model).expanduser()
            if not self.path.is_file():
                raise SetupError(f"model spec {spec.spec!r}: no GGUF file at {self.path}")
        else:
            if importlib.util.find_spec("llama_cpp") is None:
                raise SetupError("the local provider needs llama-cpp-python", fix=INSTALL_EXTRA)
            if not embedded.installed():
                raise SetupError("the embedded model is not installed", fix=embedded.INSTALL_CMD)
            self.path = embedded.model_path()
        self.model_id = self.path.name

    def _kwargs(self, request: Request, stream: bool) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "messages": [m.model_dump() for m in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": self.opts.temperature if request.temperature is None
            else request.temperature,
            "top_p": self.opts.top_p if request.top_p is None else request.top_p,
            "repeat_penalty": self.opts.repeat_penalty,
            "stream": stream,
        }
        if request.seed is not None:
            kw["seed"] = request.seed
        if request.response_schema is not None:
            kw["response_format"] = {"type": "json_object", "schema": request.response_schema}
        return kw

    def _run(self, request: Request, stream: bool) -> Any:
        llm, lock = _load(self.path, self.opts)
        with lock:
            try:
                result = llm.create_chat_completion(**self._kwargs(request, stream))
                if stream:
                    return llm, lock, result
                return result
            except ValueError as exc:  # e.g. prompt longer than the context window
                raise FatalProviderError(f"{exc} (raise the window with ?n_ctx=N)",
                                         model=self.spec) from None

    async def generate(self, request: Request) -> Response:
        """One complete generation in a worker thread."""
        start = time.perf_counter()
        raw = await asyncio.to_thread(self._run, request, False)
        choice = raw["choices"][0]
        usage = raw.get("usage") or {}
        split = split_think(choice["message"].get("content") or "")
        return Response(
            text=split.answer,
            reasoning=_reasoning(split.reasoning),
            usage=Usage(input_tokens=usage.get("prompt_tokens", 0),
                        output_tokens=usage.get("completion_tokens", 0)),
            finish_reason=choice.get("finish_reason"),
            model_id=self.model_id,
            latency_s=time.perf_counter() - start,
            raw={"id": raw.get("id"), "created": raw.get("created"), "usage": usage,
                 "finish_reason": choice.get("finish_reason")},
        )

    async def stream(self, request: Request) -> AsyncIterator[StreamEvent]:
        """Token-by-token deltas; cancelling the consumer stops the generation."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = threading.Event()
        start = time.perf_counter()

        def worker() -> None:
            llm, lock = _load(self.path, self.opts)
            n_out, finish, text = 0, None, []
            try:
                with lock:
                    for chunk in llm.create_chat_completion(**self._kwargs(request, True)):
                        if cancel.is_set():
                            finish = "cancelled"
                            break
                        choice = chunk["choices"][0]
                        piece = choice.get("delta", {}).get("content") or ""
                        finish = choice.get("finish_reason") or finish
                        if piece:
                            n_out += 1
                            text.append(piece)
                            loop.call_soon_threadsafe(queue.put_nowait, ("delta", piece))
                    n_in = max(0, llm.n_tokens - n_out)
                loop.call_soon_threadsafe(queue.put_nowait, ("done", ("".join(text), finish,
                                                                      n_in, n_out)))
            except ValueError as exc:
                err = FatalProviderError(f"{exc} (raise the window with ?n_ctx=N)", model=self.spec)
                loop.call_soon_threadsafe(queue.put_nowait, ("error", err))
            except BaseException as exc:  # noqa: BLE001 - forwarded to the consumer
                loop.call_soon_threadsafe(queue.put_nowait, ("error", exc))

        thread = threading.Thread(target=worker, daemon=True, name="judge-local-stream")
        thread.start()
        splitter = ThinkStream()
        try:
            while True:
                kind, payload = await queue.get()
                if kind == "delta":
                    for part, piece in splitter.feed(payload):
                        yield Delta(part, piece)  # type: ignore[arg-type]
                elif kind == "error":
                    raise payload
                else:
                    for part, piece in splitter.close():
                        yield Delta(part, piece)  # type: ignore[arg-type]
                    text, finish, n_in, n_out = payload
                    split = split_think(text)
                    yield Done(Response(
                        text=split.answer, reasoning=_reasoning(split.reasoning),
                        usage=Usage(input_tokens=n_in, output_tokens=n_out),
                        finish_reason=finish, model_id=self.model_id,
                        latency_s=time.perf_counter() - start,
                        raw={"finish_reason": finish, "streamed": True}))
                    return
        finally:
            cancel.set()

    async def aclose(self) -> None:
        """Models stay loaded for the process (shared by generation and judging)."""


def _reasoning(text: str) -> Reasoning:
    return Reasoning(text=text, source="think_tags") if text else Reasoning()


def build_local(spec: ModelSpec) -> LocalProvider:
    """Factory used by the registry."""
    return LocalProvider(spec)
