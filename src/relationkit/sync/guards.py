"""Safety guards: refuse to act on a remote that suddenly looks empty.

A sheet whose rows were all deleted by accident, an address book listed with the wrong account,
an API that returns an empty page on a bad day: all look like "everybody was deleted". The engine
never deletes contacts, but it would mark every record removed, so a full pull that misses too
much of what the status database knows stops the sync before anything is applied.

Each collection of a connector (a tab of a sheet, a kind of record: see
:meth:`Connector.collection`) is judged on its own, then the connector as a whole. A collection
stops the sync when it held at least :data:`EMPTIED_MIN` records and lists none of them (a
cleared tab, whatever the other tabs hold), or when it held at least ``guard_min_items`` and
misses more than ``max_removed_fraction`` of them. The whole connector stops it on the second
rule too.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..errors import ConfigError, SafetyGuardTripped
from .contract import Connector, Kind, PullResult

DEFAULT_MAX_REMOVED_FRACTION = 0.5
DEFAULT_MIN_ITEMS = 10
# A collection that held this many records and lists none of them stops the sync, however
# small: one record gone is a delete, a whole tab gone is an accident until --force says not.
EMPTIED_MIN = 2


def check_full_pull(
    connector: Connector, result: PullResult, known: dict[tuple[Kind, str], str]
) -> None:
    """Raise :class:`SafetyGuardTripped` when a full pull misses too many known records.

    ``known`` maps the ``(kind, external_id)`` the status database links for the connector (not
    already marked removed) to their local ids. Settings: ``max_removed_fraction`` (default 0.5)
    and ``guard_min_items`` (default 10).
    """
    if not result.full:
        return
    fraction = _setting(
        connector.settings, "max_removed_fraction", DEFAULT_MAX_REMOVED_FRACTION, float
    )
    minimum = _setting(connector.settings, "guard_min_items", DEFAULT_MIN_ITEMS, int)
    present = {(item.kind, item.external_id) for item in result.items if not item.deleted}
    held: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    for (kind, external_id), local_id in known.items():
        where = connector.collection(kind, external_id, local_id)
        if where is None:
            continue
        held[where] += 1
        missing[where] += (kind, external_id) not in present
    shortfalls = [
        _shortfall(where, held[where], missing[where], fraction)
        for where in sorted(held)
        if (held[where] >= EMPTIED_MIN and missing[where] == held[where])
        or (held[where] >= minimum and missing[where] > fraction * held[where])
    ]
    total, gone = held.total(), missing.total()
    if not shortfalls and total >= minimum and gone > fraction * total:
        shortfalls.append(_shortfall("altogether", total, gone, fraction))
    if shortfalls:
        name = connector.name
        raise SafetyGuardTripped(
            f"{name}: stopped before changing anything: {'; '.join(shortfalls)}. "
            f"If they really were deleted there, run `relationkit sync --force`: they stay in "
            f"relationkit, marked removed from {name}, and `relationkit restore --all {name}` "
            "writes them back later. Otherwise check the account, the file or the tab the "
            f"connector reads. The limits are max_removed_fraction and guard_min_items in "
            f"[connectors.{name}]; a collection of {EMPTIED_MIN} records or more that comes "
            "back empty always stops the sync."
        )


def _shortfall(where: str, held: int, missing: int, fraction: float) -> str:
    if missing == held:
        return f"{where}: none of the {held} records synced before is there"
    return (
        f"{where}: only {held - missing} of the {held} records synced before are there "
        f"({missing} missing, more than {fraction:.0%})"
    )


def _setting(settings: dict[str, Any], key: str, default: Any, kind: type) -> Any:
    value = settings.get(key, default)
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[connectors] {key} = {value!r} is not a {kind.__name__}") from exc
