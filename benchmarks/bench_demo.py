"""How long `relationkit demo` takes, end to end (target: under a minute on this machine).

    uv run --all-packages python benchmarks/bench_demo.py [--quick]

Runs :func:`relationkit.demo.run_demo` with its output discarded: start and seed the emulator,
sync the sample shop through every installed plugin, import the LinkedIn export, sync again,
read back each tool and work out the digest. Also times seeding the emulator alone.
Follows the benchmarks/harness.py interface (``run(quick) -> list[Measure]``).
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from rich.console import Console

sys.path.insert(0, str(Path(__file__).parent))

from harness import Measure, timed

from relationkit import plugins
from relationkit.demo import run_demo
from relationkit.testing import GoogleEmulator
from relationkit.testing.seeds import demo

TITLE = "relationkit demo"
ABOUT = """
The README's main command on the sample garden & mower shop (230 customers, about 3,000
purchases), through every plugin installed when measured (listed in the note).
"""
TARGET_S = 60.0


def run(quick: bool = False) -> list[Measure]:
    with GoogleEmulator() as emulator:
        _, seeding = timed(lambda: demo(emulator))
    installed = ", ".join(n for n in plugins.connector_classes() if n.startswith("google_"))
    with tempfile.TemporaryDirectory() as folder:
        console = Console(file=io.StringIO(), width=120)
        result = run_demo(folder=Path(folder), console=console)
    return [
        Measure(TITLE, "seed the emulator with the shop", seeding, "s"),
        Measure(
            TITLE,
            "whole demo (two syncs, LinkedIn import, digest)",
            result.seconds,
            "s",
            target=f"< {TARGET_S:.0f} s",
            met=result.seconds < TARGET_S,
            note=f"connectors: {installed or 'none installed'}",
        ),
    ]


if __name__ == "__main__":
    for measure in run(quick="--quick" in sys.argv):
        print(f"{measure.name}: {measure.shown()} {measure.note}")
