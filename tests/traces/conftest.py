from __future__ import annotations

import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "traces"


@pytest.fixture(scope="session")
def devset() -> list[dict]:
    with open(DATA / "devset.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
