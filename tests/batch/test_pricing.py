"""The batch discount in the price table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judge.errors import ConfigError
from judge.pricing import cost, load_prices
from judge.records import Usage

USAGE = Usage(input_tokens=1_000_000, output_tokens=1_000_000)


def test_bundled_table_halves_batch_calls_of_both_vendors() -> None:
    prices = load_prices()
    for spec in ("openai:gpt-4o-mini", "anthropic:claude-haiku-4-5-20251001"):
        assert prices.batch_multiplier(spec) == 0.5
        assert prices.cost(spec, USAGE, batch=True) == pytest.approx(prices.cost(spec, USAGE) / 2)
    assert prices.batch_multiplier("local") == 1.0  # no batch API, no discount
    assert cost("openai:gpt-4o-mini", USAGE, batch=True) == pytest.approx(0.375)


def test_model_entry_overrides_the_vendor_multiplier(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"batch": {"anthropic": 0.4}, "models": {
        "openai:gpt-4o-mini": {"input": 1.0, "output": 1.0, "batch": 0.25}}}))
    prices = load_prices(path)
    assert prices.batch_multiplier("openai:gpt-4o-mini") == 0.25
    assert prices.cost("openai:gpt-4o-mini", USAGE, batch=True) == pytest.approx(0.5)
    assert prices.batch_multiplier("anthropic:claude-sonnet-4-5") == 0.4
    assert prices.batch_multiplier("openai:gpt-5") == 0.5  # bundled vendor default kept


def test_bad_batch_multiplier_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"batch": {"openai": 2}, "models": {}}))
    with pytest.raises(ConfigError, match="batch"):
        load_prices(path)
