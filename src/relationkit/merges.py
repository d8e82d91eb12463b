"""The record of every merge (the ``merges`` table): who, when, by which source, what moved.

``Workspace.merge`` writes one :class:`MergeRecord` per merge; ``Workspace.unmerge`` reads it
back to split the merge; ``Workspace.merges`` lists them so the owner can check the automatic
ones; :func:`differences` says what either side held where they differed.

Merges made before database revision 0004 kept only the absorbed contact: they are listed
(``can_undo`` false) but cannot be unmerged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from .models import CONTACT_FIELDS, Contact
from .store import schema as t
from .store.codec import contact_from_dict, contact_to_dict


@dataclass
class Moved:
    """What a merge moved from the absorbed contact to the survivor (ids and keys)."""

    purchases: list[str] = field(default_factory=list)
    interactions: list[str] = field(default_factory=list)
    followups: list[str] = field(default_factory=list)
    keys: list[tuple[str, str]] = field(default_factory=list)  # identity keys (kind, value)
    links: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # sync rows (connector, kind, id)

    def to_json(self) -> dict[str, Any]:
        return {
            "purchases": self.purchases,
            "interactions": self.interactions,
            "followups": self.followups,
            "keys": [list(k) for k in self.keys],
            "links": [list(k) for k in self.links],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Moved:
        return cls(
            purchases=list(data.get("purchases", [])),
            interactions=list(data.get("interactions", [])),
            followups=list(data.get("followups", [])),
            keys=[(k[0], k[1]) for k in data.get("keys", [])],
            links=[(k[0], k[1], k[2]) for k in data.get("links", [])],
        )


@dataclass
class MergeRecord:
    """One merge: ``absorbed`` went into ``survivor`` (snapshots as they were before it)."""

    id: int
    survivor_id: str
    absorbed_id: str
    at: datetime
    source: str  # api, cli, an importer or a connector
    automatic: bool  # made without the owner deciding it
    absorbed: Contact
    survivor: Contact | None = None  # None: merged before revision 0004, cannot be undone
    merged: Contact | None = None
    moved: Moved | None = None
    undone_at: datetime | None = None

    @property
    def can_undo(self) -> bool:
        return self.moved is not None and self.undone_at is None


@dataclass
class Unmerged:
    """What ``Workspace.unmerge`` gave back: the survivor and the contact restored beside it."""

    survivor: Contact
    restored: Contact
    record: MergeRecord


def record(
    conn: Connection,
    survivor: Contact,
    absorbed: Contact,
    merged: Contact,
    moved: Moved,
    *,
    at: datetime,
    source: str,
    automatic: bool,
) -> None:
    """Store the record of a merge (``survivor`` and ``absorbed`` as they were before it)."""
    conn.execute(
        insert(t.merges).values(
            survivor_id=merged.id,
            absorbed_id=absorbed.id,
            at=at,
            absorbed=contact_to_dict(absorbed),
            survivor=contact_to_dict(survivor),
            merged=contact_to_dict(merged),
            moved=moved.to_json(),
            source=source,
            automatic=automatic,
        )
    )


def load(
    conn: Connection,
    *,
    survivor_id: str | None = None,
    absorbed_id: str | None = None,
    since: datetime | None = None,
    automatic: bool | None = None,
) -> list[MergeRecord]:
    """Merge records, oldest first, filtered by survivor, absorbed contact, time and kind."""
    m = t.merges.c
    query = select(t.merges).order_by(m.at, m.id)
    if survivor_id is not None:
        query = query.where(m.survivor_id == survivor_id)
    if absorbed_id is not None:
        query = query.where(m.absorbed_id == absorbed_id)
    if since is not None:
        query = query.where(m.at >= since)
    if automatic is not None:
        query = query.where(m.automatic.is_(automatic))
    return [_record(r) for r in conn.execute(query)]


def mark_undone(conn: Connection, record_id: int, at: datetime) -> None:
    conn.execute(update(t.merges).where(t.merges.c.id == record_id).values(undone_at=at))


def _record(row: Any) -> MergeRecord:
    def contact(data: Any) -> Contact | None:
        return contact_from_dict(data) if data else None

    absorbed = contact_from_dict(row.absorbed)
    return MergeRecord(
        id=row.id,
        survivor_id=row.survivor_id,
        absorbed_id=row.absorbed_id,
        at=row.at,
        source=row.source or "",
        automatic=bool(row.automatic),
        absorbed=absorbed,
        survivor=contact(row.survivor),
        merged=contact(row.merged),
        moved=Moved.from_json(row.moved) if row.moved is not None else None,
        undone_at=row.undone_at,
    )


@dataclass(frozen=True)
class Difference:
    """A field the two merged contacts held differently: each side's value (JSON form)."""

    field: str
    survivor: Any
    absorbed: Any
    kept: str  # "survivor", "absorbed" or "both" (lists united, notes joined)


def differences(merge: MergeRecord) -> list[Difference]:
    """Every field where the merged contacts differed, with both values and which the merge
    kept. A merge made before revision 0004 knows only the absorbed side: ``survivor`` is None."""
    theirs = contact_to_dict(merge.absorbed)
    mine = contact_to_dict(merge.survivor) if merge.survivor else {}
    made = contact_to_dict(merge.merged) if merge.merged else {}
    found = []
    for name in CONTACT_FIELDS:
        a, b = mine.get(name), theirs.get(name)
        if not _has(b) or a == b:
            continue
        result = made.get(name)
        kept = "survivor" if result == a else "absorbed" if result == b else "both"
        found.append(Difference(name, a if merge.survivor else None, b, kept))
    return found


def _has(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has(v) for v in value.values())
    return value not in (None, "", [], False)
