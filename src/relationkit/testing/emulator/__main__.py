"""``python -m relationkit.testing.emulator [--port N] [--seed NAME]``."""

from __future__ import annotations

import argparse

from . import serve_forever


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m relationkit.testing.emulator",
        description="Run the in-memory Google API emulator on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free)")
    parser.add_argument("--seed", default="empty", help="data set to load (default: empty)")
    args = parser.parse_args(argv)
    serve_forever(args.port, args.seed)


if __name__ == "__main__":
    main()
