"""Price table: bundled data, snapshots, user overrides, cost arithmetic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from judge.errors import ConfigError
from judge.pricing import Price, cost, load_prices, spec_key
from judge.records import Usage


def test_cost_arithmetic_counts_cached_and_reasoning_apart() -> None:
    price = Price(input=2.0, cached=0.5, output=8.0, reasoning=10.0)
    usage = Usage(input_tokens=1_000_000, cached_tokens=400_000, output_tokens=300_000,
                  reasoning_tokens=100_000)
    # 600k*2 + 400k*0.5 + 200k*8 + 100k*10 per 1M
    assert price.cost(usage) == pytest.approx(1.2 + 0.2 + 1.6 + 1.0)
    assert Price(input=1, output=1).cost(usage) == pytest.approx(1.3)


def test_bundled_prices_and_snapshots() -> None:
    table = load_prices()
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    assert table.cost("openai:gpt-4o-mini", usage) == pytest.approx(0.75)
    assert table.cost("openai:gpt-4o-mini-2024-07-18?api=responses", usage) == pytest.approx(0.75)
    assert table.cost("anthropic:claude-sonnet-4-5-20250929", usage) == pytest.approx(18.0)
    assert table.cost("openai:o1-mini", usage) is None  # not o1's price
    assert table.cost("compat:qwen3@http://h:8000/v1", usage) is None
    assert table.cost("local", usage) == 0.0
    assert table.cost("local:models/x.gguf", usage) == 0.0
    assert spec_key("compat:qwen3@http://h:8000/v1?api_key_env=K") == "compat:qwen3"
    # the vendor-reported model id is a fallback
    assert table.cost("openai:my-alias", usage, model_id="gpt-4o-2024-08-06") == pytest.approx(12.5)


def test_user_file_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"models": {"compat:qwen3": {"input": 0.1, "output": 0.2},
                                           "openai:gpt-4o-mini": {"input": 1, "output": 1}}}))
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    assert cost("compat:qwen3@http://h/v1", usage, prices=load_prices(path)) == pytest.approx(0.3)
    monkeypatch.setenv("JUDGE_PRICES", str(path))
    assert cost("openai:gpt-4o-mini", usage) == pytest.approx(2.0)


def test_bad_price_files_name_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"models": {"openai:x": {"input": 1, "output": 1, "per": 3}}}))
    with pytest.raises(ConfigError, match="bad.json: model 'openai:x'"):
        load_prices(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_prices(tmp_path / "missing.json")
