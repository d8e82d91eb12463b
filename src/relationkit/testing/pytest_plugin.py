"""The pytest plugin (entry point ``relationkit``): the ``google_emulator`` fixture.

One server runs for the whole session; each test gets it reset to an empty state (fresh clock,
data, request log, faults and quotas) with ``RELATIONKIT_GOOGLE_EMULATOR`` pointing at it, so
code under test that builds clients through ``relationkit.google`` talks to it unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from relationkit.testing.emulator.server import GoogleEmulator


@pytest.fixture(scope="session")
def google_emulator_server() -> Iterator[GoogleEmulator]:
    """The session's emulator; prefer ``google_emulator``, which isolates each test."""
    from relationkit.testing.emulator.server import GoogleEmulator

    emulator = GoogleEmulator().start()
    yield emulator
    emulator.stop()


@pytest.fixture
def google_emulator(
    google_emulator_server: GoogleEmulator, monkeypatch: pytest.MonkeyPatch
) -> GoogleEmulator:
    """A running, empty Google emulator; the environment points relationkit at it."""
    from relationkit.google import EMULATOR_ENV

    emulator = google_emulator_server
    if not emulator.running:  # a test stopped it
        emulator.start()
    emulator.reset()
    monkeypatch.setenv(EMULATOR_ENV, emulator.url)
    return emulator
