"""Build heldout2.jsonl from heldout2_source.txt with build.py's parser.
Run: python tests/data/traces/build_heldout2.py"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import build  # noqa: E402

if __name__ == "__main__":
    build("heldout2_source.txt", "heldout2.jsonl")
