"""Build heldout3.jsonl from heldout3_source.txt with build.py's parser.
Run: python tests/data/traces/build_heldout3.py"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import build  # noqa: E402

if __name__ == "__main__":
    build("heldout3_source.txt", "heldout3.jsonl")
