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

Nothing is lost in a conflict: the losing value is returned in :attr:`Merge.losses` (the
engine keeps it in the ``conflicts`` table, see :mod:`relationkit.sync.conflict_log`), and a
``combine`` function may keep both values in the field itself: :func:`keep_both` adds the other
side's new emails and phones to the winner's and joins two notes.
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
class Loss:
    """One conflict as the rule settled it: ``kept`` is what relationkit holds after the merge
    (the winner's value, or both combined), ``lost`` the other side's value."""

    field: str
    kept: Any
    lost: Any
    remote_won: bool
    kept_stamp: Stamp
    lost_stamp: Stamp
    both_kept: bool  # the losing value is part of ``kept`` (an email added, a note joined)


# combine(field, winner, loser, winner's base, loser's base, remote_won) -> the value to keep;
# a base is None when the field was never synced.
Combine = Callable[[str, Any, Any, Any, Any, bool], Any]


@dataclass
class Merge:
    """The outcome of merging one record's fields."""

    to_local: dict[str, Any] = field(default_factory=dict)  # fields to set locally (JSON form)
    conflicts: list[str] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)  # one per conflict, with both values
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
    combine: Combine | None = None,
) -> Merge:
    """Merge the fields present in ``remote`` into ``local`` against the last-sync bases.

    The new bases record, per field, what each side holds after the merge; a field where
    relationkit keeps a value the remote does not have keeps a local base different from it,
    so the push sees it as a local change to send. ``local_stamp(name)`` says when relationkit
    last changed a field; ``empty_is_unknown`` is set for a record matched by identity.
    ``local_since`` is when the record was last synced: a field relationkit changed after it
    counts as changed even when it was changed back to the synced value (A -> B -> A).
    ``combine(field, winner, loser, winner_base, loser_base, remote_won)`` gives the value to
    keep in a conflict (default: the winner's); when it differs from the winner's, it is set
    here and sent to the remote.
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
        stamp = local_stamp(name)
        if old_ours is _MISSING or old_theirs is _MISSING:
            take = not (empty_is_unknown and _is_empty(theirs)) and (
                (_is_empty(ours) and not stamp.known) or remote_wins(stamp, remote_stamp)
            )
            conflict = not _is_empty(ours) and not _is_empty(theirs)
            # Without history a value relationkit keeps is one the remote lacks: send it.
            result.local_base[name] = theirs
            bases: tuple[Any, Any] = (None, None)
        else:
            remote_changed = theirs != old_theirs
            if not remote_changed:
                continue
            conflict = ours != old_ours or (local_since is not None and stamp.at > local_since)
            take = not conflict or remote_wins(stamp, remote_stamp)
            if conflict and not take and ours == old_ours:
                # Ours won but equals the old base (changed back): make the push send it.
                result.local_base[name] = theirs
            bases = (old_ours, old_theirs)
        if conflict:
            result.conflicts.append(name)
            loss = _settle(name, ours, theirs, bases, take, stamp, remote_stamp, combine)
            result.losses.append(loss)
            if loss.kept != (theirs if take else ours):
                # Both kept: set here what neither side has yet, and send it to the remote.
                result.local_base[name] = theirs
                if loss.kept != ours:
                    result.to_local[name] = loss.kept
                continue
        if take:
            result.to_local[name] = theirs
            result.local_base[name] = theirs
    return result


def _settle(
    name: str,
    ours: Any,
    theirs: Any,
    bases: tuple[Any, Any],  # (ours, theirs) at the last sync; None when never synced
    remote_won: bool,
    local: Stamp,
    remote: Stamp,
    combine: Combine | None,
) -> Loss:
    """The value a conflict keeps (the winner's, or both combined) and the one it sets aside."""
    our_base, their_base = bases
    if remote_won:
        winner, loser, bases = theirs, ours, (their_base, our_base)
    else:
        winner, loser, bases = ours, theirs, (our_base, their_base)
    kept = winner if combine is None else combine(name, winner, loser, *bases, remote_won)
    stamps = (remote, local) if remote_won else (local, remote)
    return Loss(name, kept, loser, remote_won, *stamps, both_kept=_includes(kept, loser))


def keep_both(
    name: str, winner: Any, loser: Any, winner_base: Any, loser_base: Any, label: str
) -> Any:
    """What a conflict keeps of both values: for ``emails`` and ``phones`` the winner's list
    plus the values the loser added (a value one side removed and the other left stays removed;
    one removed on one side and changed on the other keeps the change); for ``notes`` both texts,
    the winner's first, then the other's after a line naming it (``label``, such as "Google
    Contacts, 2 Dec"); a text cleared on one side and changed on the other keeps the change.
    Any other field keeps the winner's value."""
    if name in ("emails", "phones"):
        winner, loser = list(winner or []), list(loser or [])
        winner_base, loser_base = list(winner_base or []), list(loser_base or [])
        # What the loser removed and the winner only kept from the base goes.
        kept = [v for v in winner if not (v in loser_base and v in winner_base and v not in loser)]
        return kept + [v for v in loser if v not in kept and v not in winner_base]
    if name == "notes":
        winner, loser = winner or "", loser or ""
        if not loser.strip() or loser in winner:
            return winner
        if not winner.strip():
            return loser
        return f"{winner}\n\n— from {label}: {loser}"
    return winner


def _includes(kept: Any, lost: Any) -> bool:
    """Whether the losing value is all in the one kept (and says something)."""
    if _is_empty(lost):
        return False
    if isinstance(kept, list) and isinstance(lost, list):
        return all(v in kept for v in lost)
    if isinstance(kept, str) and isinstance(lost, str):
        return lost in kept
    return kept == lost


def _is_empty(value: Any) -> bool:
    if isinstance(value, dict):
        return not any(not _is_empty(v) for v in value.values())
    return value is None or value == "" or value == [] or value is False
