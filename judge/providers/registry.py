"""Providers registered by name and imported lazily; model-spec parsing.

Model specs: ``openai:gpt-5-mini``, ``anthropic:claude-sonnet-4-5``,
``compat:qwen3@http://host:8000/v1``, ``local`` / ``local:path/to/model.gguf``,
``replay:answers.jsonl``. Options after ``?`` are provider options, e.g.
``openai:o4-mini?api=responses&reasoning_effort=low`` or ``local?temperature=0.2``.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from judge.errors import ConfigError
from judge.providers.base import Provider


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model spec. ``spec`` is the user's string (it never contains a key)."""

    spec: str
    provider: str
    model: str  # model name, or path for local/replay; "" for the default
    base_url: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """Short display name."""
        return self.spec


def _coerce(value: str) -> Any:
    low = value.lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def parse_spec(spec: str) -> ModelSpec:
    """Parse a model spec string; raises ConfigError naming the problem."""
    spec = spec.strip()
    if not spec:
        raise ConfigError("empty model spec; try --model local or --model openai:gpt-5-mini")
    head, _, query = spec.partition("?")
    options = {k: _coerce(v) for k, v in parse_qsl(query, keep_blank_values=True)} if query else {}
    name, _, rest = head.partition(":")
    name = name.lower()
    if name not in PROVIDERS:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigError(f"model spec {spec!r}: unknown provider {name!r} (known: {known})")
    base_url = None
    if name == "compat":
        model, sep, base_url = rest.partition("@")
        if not sep or not model or not base_url:
            raise ConfigError(
                f"model spec {spec!r}: compat needs MODEL@BASE_URL, "
                "e.g. compat:qwen3@http://localhost:8000/v1")
    else:
        model = rest
        if name in ("openai", "anthropic") and not model:
            raise ConfigError(f"model spec {spec!r}: name the model, e.g. {name}:MODEL")
        if name == "replay" and not model:
            raise ConfigError(f"model spec {spec!r}: replay needs a file, e.g. replay:answers.jsonl")
    return ModelSpec(spec=spec, provider=name, model=model, base_url=base_url, options=options)


@dataclass(frozen=True)
class ProviderEntry:
    """How to build one kind of provider, and what it needs."""

    name: str
    summary: str
    target: str  # "module:factory"; factory(spec: ModelSpec) -> Provider
    env_keys: tuple[str, ...] = ()
    example: str = ""


PROVIDERS: dict[str, ProviderEntry] = {
    "openai": ProviderEntry("openai", "OpenAI Chat Completions / Responses API",
                            "judge.providers.openai:build_openai", ("OPENAI_API_KEY",),
                            "openai:gpt-5-mini"),
    "anthropic": ProviderEntry("anthropic", "Anthropic Messages (extended thinking)",
                               "judge.providers.anthropic:build_anthropic",
                               ("ANTHROPIC_API_KEY",), "anthropic:claude-sonnet-4-5"),
    "compat": ProviderEntry("compat", "any OpenAI-compatible server (vLLM, llama.cpp, Ollama)",
                            "judge.providers.openai:build_compat", (),
                            "compat:qwen3@http://localhost:8000/v1"),
    "local": ProviderEntry("local", "embedded llama.cpp model, in process (no key)",
                           "judge.providers.local:build_local", (), "local"),
    "replay": ProviderEntry("replay", "answers from a JSONL file (bring your own outputs)",
                            "judge.providers.replay:build_replay", (), "replay:answers.jsonl"),
}


def build_provider(spec: str | ModelSpec) -> Provider:
    """Build a provider from a spec, importing its module only now."""
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    entry = PROVIDERS[parsed.provider]
    module_name, _, attr = entry.target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr)(parsed)


def _module(name: str) -> Any:
    module_name, _, _ = PROVIDERS[name].target.partition(":")
    return importlib.import_module(module_name)


def usable(name: str) -> tuple[bool, str]:
    """Whether a provider can be used on this machine now, and why (not). Its module is
    imported, so a missing dependency shows here rather than in the middle of a run."""
    entry = PROVIDERS[name]
    try:
        module = _module(name)
    except ImportError as exc:
        return False, f"cannot import {entry.target.partition(':')[0]}: {exc}"
    if entry.env_keys:
        missing = [k for k in entry.env_keys if not os.environ.get(k)]
        if missing:
            return False, f"set {' or '.join(missing)} in the environment"
        return True, f"{entry.env_keys[0]} is set"
    check = getattr(module, "check_usable", None)
    return check() if check else (True, "ready")


def transport(name: str) -> str:
    """How the provider's calls go out (HTTP transport, or in process / from a file)."""
    try:
        module = _module(name)
    except ImportError:
        return "-"
    describe = getattr(module, "describe_transport", None)
    if describe is not None:
        return str(describe(name))
    return "in process" if name == "local" else "read from a file"
