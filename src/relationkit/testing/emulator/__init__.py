"""The Google API emulator: API modules, the loopback server, and a way to run it standalone."""

from __future__ import annotations

import time


def serve_forever(port: int = 0, seed: str | None = "empty", *, announce: bool = True) -> None:
    """Run a ``GoogleEmulator`` in the foreground until interrupted (Ctrl-C).

    Prints the URL and the environment variable that points relationkit at it.
    """
    # Imported here: the API modules import this package, and the server imports them.
    from relationkit.google import EMULATOR_ENV

    from .server import GoogleEmulator

    with GoogleEmulator(port=port, seed=seed) as emulator:
        if announce:
            print(f"Google API emulator listening on {emulator.url}", flush=True)
            print(f"  export {EMULATOR_ENV}={emulator.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
