"""Test support for relationkit and its plugins: ``GoogleEmulator`` plays the Google APIs and
``ConnectorContract`` is the test suite every connector runs on itself.

``GoogleEmulator`` is imported on first use so that loading the pytest plugin (or anything else
here) does not pull in the Google client libraries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relationkit.testing.contract import ConnectorContract
    from relationkit.testing.emulator.server import GoogleEmulator

__all__ = ["ConnectorContract", "GoogleEmulator"]


def __getattr__(name: str) -> Any:
    if name == "GoogleEmulator":
        from relationkit.testing.emulator.server import GoogleEmulator

        return GoogleEmulator
    if name == "ConnectorContract":  # imports pytest: only when asked for
        from relationkit.testing.contract import ConnectorContract

        return ConnectorContract
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
