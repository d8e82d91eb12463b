"""Named data sets for the emulator: ``GoogleEmulator(seed=...)``, ``relationkit emulator --seed``.

``SEEDS`` maps a name to a function that fills a running emulator. "empty" leaves it empty; the
demo data set registers itself here as "demo".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from relationkit.testing.emulator.server import GoogleEmulator


def empty(emulator: GoogleEmulator) -> None:
    """No spreadsheets, contacts or events: the state of a brand-new Google account."""


SEEDS: dict[str, Callable[[GoogleEmulator], None]] = {"empty": empty}
