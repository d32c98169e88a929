"""``python -m tests.fakeserver [--port N] [--config JSON]``: serve until killed.

Prints ``PORT <n>`` on stdout once listening.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from tests.fakeserver.config import FakeConfig
from tests.fakeserver.server import serve


async def _main(config: FakeConfig, port: int) -> None:
    runner, bound = await serve(config, port)
    print(f"PORT {bound}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fakeserver")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--config", default="{}", help="FakeConfig as JSON")
    args = parser.parse_args()
    config = FakeConfig.model_validate_json(args.config)
    try:
        asyncio.run(_main(config, args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
