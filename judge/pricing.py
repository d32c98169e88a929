"""Per-model prices (USD per 1M tokens) and the cost of a response.

The bundled table is ``judge/data/prices.json``; a user file (``JUDGE_PRICES=PATH`` or a
path argument, same format) overrides or adds entries. Keys are ``provider:model``
(``compat:qwen3``, ``local``); a dated snapshot such as ``gpt-4o-2024-08-06`` or
``claude-sonnet-4-5-20250929`` matches its base name. Unknown models cost ``None``.

Usage conventions (as OpenAI and Anthropic report them): ``input_tokens`` includes cached
input; ``output_tokens`` includes reasoning tokens.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from judge.errors import ConfigError
from judge.providers.registry import ModelSpec, parse_spec
from judge.records import Usage

BUNDLED = Path(__file__).parent / "data" / "prices.json"
ENV_VAR = "JUDGE_PRICES"
_SNAPSHOT = re.compile(r"(:|-\d{4}|-latest$)")


class Price(BaseModel):
    """USD per 1M tokens. ``cached`` defaults to ``input``; ``reasoning`` to ``output``."""

    model_config = ConfigDict(extra="forbid")
    input: float = Field(ge=0)
    output: float = Field(ge=0)
    reasoning: float | None = Field(default=None, ge=0)
    cached: float | None = Field(default=None, ge=0)

    def cost(self, usage: Usage) -> float:
        cached = min(usage.cached_tokens, usage.input_tokens)
        reasoning = min(usage.reasoning_tokens, usage.output_tokens)
        total = ((usage.input_tokens - cached) * self.input
                 + cached * (self.input if self.cached is None else self.cached)
                 + (usage.output_tokens - reasoning) * self.output
                 + reasoning * (self.output if self.reasoning is None else self.reasoning))
        return total / 1_000_000


def _read(path: Path) -> dict[str, Price]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: price file not found") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read price file: {exc}") from None
    entries = data.get("models", data) if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise ConfigError(f"{path}: expected {{\"models\": {{\"provider:model\": {{...}}}}}}")
    prices: dict[str, Price] = {}
    for key, value in entries.items():
        if key.startswith("_") or key == "as_of":
            continue
        try:
            prices[key] = Price.model_validate(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ConfigError(f"{path}: model {key!r}: {where}: {err['msg']}") from None
    return prices


def spec_key(spec: ModelSpec | str) -> str:
    """The price-table key of a model spec: ``provider:model`` (no options, no base URL)."""
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    return f"{parsed.provider}:{parsed.model}" if parsed.model else parsed.provider


@dataclass
class PriceTable:
    """Prices by ``provider:model`` key, with the files they came from."""

    prices: dict[str, Price]
    sources: list[str] = field(default_factory=list)

    def lookup(self, spec: ModelSpec | str, model_id: str | None = None) -> Price | None:
        """Price of a spec: exact key, else the longest base name of a dated snapshot;
        then the same for the model id the vendor reported."""
        parsed = parse_spec(spec) if isinstance(spec, str) else spec
        keys = [spec_key(parsed)]
        if model_id:
            keys.append(f"{parsed.provider}:{model_id}")
        for key in keys:
            if key in self.prices:
                return self.prices[key]
            bases = [k for k in self.prices if key.startswith(k) and _SNAPSHOT.match(key[len(k):])]
            if bases:
                return self.prices[max(bases, key=len)]
        return None

    def cost(self, spec: ModelSpec | str, usage: Usage, model_id: str | None = None) -> float | None:
        price = self.lookup(spec, model_id)
        return None if price is None else price.cost(usage)

    def describe(self) -> dict[str, Any]:
        """For the manifest: where prices came from."""
        return {"sources": self.sources, "models": len(self.prices)}


def load_prices(path: str | Path | None = None) -> PriceTable:
    """Bundled table, then ``$JUDGE_PRICES``, then ``path``: later files override entries."""
    files = [BUNDLED]
    if os.environ.get(ENV_VAR):
        files.append(Path(os.environ[ENV_VAR]).expanduser())
    if path:
        files.append(Path(path).expanduser())
    return _load(tuple(str(f) for f in files))


@lru_cache(maxsize=8)
def _load(files: tuple[str, ...]) -> PriceTable:
    prices: dict[str, Price] = {}
    for f in files:
        prices.update(_read(Path(f)))
    return PriceTable(prices, sources=[str(f) for f in files])


def cost(model_spec: ModelSpec | str, usage: Usage, *, model_id: str | None = None,
         prices: PriceTable | None = None) -> float | None:
    """Cost in USD of one response, or None when the model has no price."""
    return (prices or load_prices()).cost(model_spec, usage, model_id)
