"""The per-field three-way merge and the conflict rule.

For each field a remote record carries, compare both sides with what they had at the last sync:

* changed only remotely: the remote value is applied locally;
* changed only locally: nothing here, the push sends it;
* changed on both sides to the same value: agreed;
* changed on both sides to different values: a **conflict**, resolved per field by the rule
  *the newest change wins; at the same moment, the side with the higher priority wins; at equal
  priority relationkit keeps its value*.

Without a previous sync of that field (a record linked for the first time) every difference is
a conflict resolved by the same rule. When the record was matched by identity (same email) and
not by the relationkit id it carries, an empty remote value never replaces a non-empty one: a
record relationkit never wrote says "unknown" with an empty cell, not "cleared". Likewise a
field relationkit never set takes the remote value, while one cleared here on purpose is
decided by the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_MISSING = object()


@dataclass(frozen=True)
class Stamp:
    """When a side last changed a field, and the priority of whoever changed it.

    ``known`` is False when the side never set the field (its empty value means "unknown",
    not "cleared").
    """

    at: datetime
    priority: int
    known: bool = True


@dataclass
class Merge:
    """The outcome of merging one record's fields."""

    to_local: dict[str, Any] = field(default_factory=dict)  # fields to set locally (JSON form)
    conflicts: list[str] = field(default_factory=list)
    local_base: dict[str, Any] = field(default_factory=dict)  # new status, local side
    remote_base: dict[str, Any] = field(default_factory=dict)  # new status, remote side


def remote_wins(local: Stamp, remote: Stamp) -> bool:
    """The conflict rule: newest change wins; a tie goes to the higher priority, else local."""
    if remote.at != local.at:
        return remote.at > local.at
    return remote.priority > local.priority


def merge_fields(
    *,
    local: dict[str, Any],
    remote: dict[str, Any],
    local_base: dict[str, Any],
    remote_base: dict[str, Any],
    local_stamp: Callable[[str], Stamp],
    remote_stamp: Stamp,
    empty_is_unknown: bool = False,
    local_since: datetime | None = None,
) -> Merge:
    """Merge the fields present in ``remote`` into ``local`` against the last-sync bases.

    The new bases record, per field, what each side holds after the merge; a field where
    relationkit keeps a value the remote does not have keeps a local base different from it,
    so the push sees it as a local change to send. ``local_stamp(name)`` says when relationkit
    last changed a field; ``empty_is_unknown`` is set for a record matched by identity.
    ``local_since`` is when the record was last synced: a field relationkit changed after it
    counts as changed even when it was changed back to the synced value (A -> B -> A).
    """
    result = Merge(local_base=dict(local_base), remote_base=dict(remote_base))
    for name, theirs in remote.items():
        ours = local.get(name)
        old_ours = local_base.get(name, _MISSING)
        old_theirs = remote_base.get(name, _MISSING)
        result.remote_base[name] = theirs
        if ours == theirs:
            result.local_base[name] = theirs
            continue
        if old_ours is _MISSING or old_theirs is _MISSING:
            stamp = local_stamp(name)
            take = not (empty_is_unknown and _is_empty(theirs)) and (
                (_is_empty(ours) and not stamp.known) or remote_wins(stamp, remote_stamp)
            )
            if not _is_empty(ours) and not _is_empty(theirs):
                result.conflicts.append(name)
            # Without history a value relationkit keeps is one the remote lacks: send it.
            result.local_base[name] = theirs
        else:
            remote_changed = theirs != old_theirs
            if not remote_changed:
                continue
            local_changed = ours != old_ours or (
                local_since is not None and local_stamp(name).at > local_since
            )
            take = not local_changed or remote_wins(local_stamp(name), remote_stamp)
            if local_changed:
                result.conflicts.append(name)
                if not take and ours == old_ours:
                    # Ours won but equals the old base (changed back): make the push send it.
                    result.local_base[name] = theirs
        if take:
            result.to_local[name] = theirs
            result.local_base[name] = theirs
    return result


def _is_empty(value: Any) -> bool:
    if isinstance(value, dict):
        return not any(not _is_empty(v) for v in value.values())
    return value is None or value == "" or value == [] or value is False
