"""Safety guards: refuse to act on a remote that suddenly looks empty.

A sheet whose rows were all deleted by accident, an address book listed with the wrong account,
an API that returns an empty page on a bad day: all look like "everybody was deleted". The engine
never deletes contacts, but it would mark every record removed, so a full pull that misses most
of what the status database knows stops the sync before anything is applied.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError, SafetyGuardTripped
from .contract import Kind, PullResult

DEFAULT_MAX_REMOVED_FRACTION = 0.5
DEFAULT_MIN_ITEMS = 10


def check_full_pull(
    connector: str, result: PullResult, known: set[tuple[Kind, str]], settings: dict[str, Any]
) -> None:
    """Raise :class:`SafetyGuardTripped` when a full pull misses too many known records.

    ``known`` are the ``(kind, external_id)`` pairs the status database links for the connector
    (not already marked removed). Settings: ``max_removed_fraction`` (default 0.5) and
    ``guard_min_items`` (default 10; below it the guard stays quiet).
    """
    if not result.full:
        return
    fraction = _setting(settings, "max_removed_fraction", DEFAULT_MAX_REMOVED_FRACTION, float)
    minimum = _setting(settings, "guard_min_items", DEFAULT_MIN_ITEMS, int)
    if len(known) < minimum:
        return
    present = {(item.kind, item.external_id) for item in result.items if not item.deleted}
    missing = len(known - present)
    if missing > fraction * len(known):
        raise SafetyGuardTripped(
            f"{connector}: the remote lists only {len(known) - missing} of the {len(known)} "
            f"records synced before ({missing} missing, more than {fraction:.0%}). "
            "Nothing was changed. If they really were deleted there, run the sync again with "
            f"--force (they stay in relationkit, marked removed from {connector}); otherwise "
            "check the account or the file the connector reads. The limit is "
            f"max_removed_fraction in [connectors.{connector}]."
        )


def _setting(settings: dict[str, Any], key: str, default: Any, kind: type) -> Any:
    value = settings.get(key, default)
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[connectors] {key} = {value!r} is not a {kind.__name__}") from exc
