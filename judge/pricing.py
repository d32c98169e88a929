"""Per-model prices (USD per 1M tokens) and the cost of a response.

The bundled table is ``judge/data/prices.json``; a user file (``JUDGE_PRICES=PATH`` or a
path argument, same format) overrides or adds entries. Keys are ``provider:model``
(``compat:qwen3``, ``local``); a dated snapshot such as ``gpt-4o-2024-08-06`` or
``claude-sonnet-4-5-20250929`` matches its base name. Unknown models cost ``None``.

Batch APIs (OpenAI Batch, Anthropic Message Batches) bill a fraction of the online price:
a top-level ``"batch": {"openai": 0.5, "anthropic": 0.5}`` gives the multiplier per vendor,
a model's own ``"batch"`` field overrides it; ``cost(..., batch=True)`` applies it.

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
    batch: float | None = Field(default=None, gt=0, le=1)  # batch-API multiplier (None: vendor's)

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
        if key.startswith("_") or key in ("as_of", "batch"):
            continue
        try:
            prices[key] = Price.model_validate(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ConfigError(f"{path}: model {key!r}: {where}: {err['msg']}") from None
    return prices


def _read_batch(path: Path) -> dict[str, float]:
    """The per-vendor batch multipliers of a price file (its top-level ``batch`` object)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    raw = data.get("batch", {}) if isinstance(data, dict) else {}
    ok = isinstance(raw, dict) and all(isinstance(v, (int, float)) and 0 < v <= 1
                                       for v in raw.values())
    if not ok:
        raise ConfigError(f"{path}: \"batch\" must map vendors to multipliers in (0, 1], "
                          "e.g. {\"openai\": 0.5}")
    return {str(k): float(v) for k, v in raw.items()}


def spec_key(spec: ModelSpec | str) -> str:
    """The price-table key of a model spec: ``provider:model`` (no options, no base URL)."""
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    return f"{parsed.provider}:{parsed.model}" if parsed.model else parsed.provider


@dataclass
class PriceTable:
    """Prices by ``provider:model`` key, with the files they came from."""

    prices: dict[str, Price]
    sources: list[str] = field(default_factory=list)
    batch: dict[str, float] = field(default_factory=dict)  # vendor → batch multiplier

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

    def batch_multiplier(self, spec: ModelSpec | str, model_id: str | None = None) -> float:
        """What a batch-API call costs relative to an online one (1.0 when unknown)."""
        parsed = parse_spec(spec) if isinstance(spec, str) else spec
        price = self.lookup(parsed, model_id)
        if price is not None and price.batch is not None:
            return price.batch
        return self.batch.get(parsed.provider, 1.0)

    def cost(self, spec: ModelSpec | str, usage: Usage, model_id: str | None = None,
             batch: bool = False) -> float | None:
        price = self.lookup(spec, model_id)
        if price is None:
            return None
        factor = self.batch_multiplier(spec, model_id) if batch else 1.0
        return price.cost(usage) * factor

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
    batch: dict[str, float] = {}
    for f in files:
        prices.update(_read(Path(f)))
        batch.update(_read_batch(Path(f)))
    return PriceTable(prices, sources=[str(f) for f in files], batch=batch)


def cost(model_spec: ModelSpec | str, usage: Usage, *, model_id: str | None = None,
         prices: PriceTable | None = None, batch: bool = False) -> float | None:
    """Cost in USD of one response (``batch``: through a batch API, discounted), or None
    when the model has no price."""
    return (prices or load_prices()).cost(model_spec, usage, model_id, batch)


@dataclass
class Budget:
    """A run's spend against ``--max-cost`` (USD): generation and judging count alike.

    ``before`` is what earlier sessions of the run spent (``--resume``); ``generation`` and
    ``judging`` are this session's. Once ``reached``, no new call is scheduled."""

    limit: float | None = None
    before: float = 0.0
    generation: float = 0.0
    judging: float = 0.0

    def add(self, usd: float, *, judging: bool = False) -> None:
        if judging:
            self.judging += usd
        else:
            self.generation += usd

    @property
    def session(self) -> float:
        return self.generation + self.judging

    @property
    def total(self) -> float:
        return self.before + self.session

    @property
    def reached(self) -> bool:
        return self.limit is not None and self.total >= self.limit

    def stop_reason(self) -> str:
        return f"--max-cost ${self.limit:g} reached (${self.total:.4f})"


def unpriced(specs: list[str], prices: PriceTable) -> list[str]:
    """The specs with no price in ``prices``: their spend counts as $0 against --max-cost."""
    return [s for s in specs if prices.lookup(s) is None]
