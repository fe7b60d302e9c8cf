"""Serve the demo platform: ``python -m demo_platform --port 8100 --db var/demo_platform.db``."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from demo_platform.app import PlatformStore, create_app


def main() -> None:
    """Parse arguments and serve until stopped."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: in memory)")
    args = parser.parse_args()
    if args.db:
        args.db.parent.mkdir(parents=True, exist_ok=True)
    app = create_app(PlatformStore(args.db))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
