"""The conflicts the sync settled, with the losing value kept (the ``conflicts`` table).

Every time the conflict rule (:mod:`relationkit.sync.conflicts`) settles a field changed in two
places since the last sync, the engine records here the value kept and the one set aside, each
with its source (a connector's name, or ``api``/``cli`` for relationkit itself), the record it
lives in there and when it was made. The owner lists the open ones (``Workspace.conflicts``,
``relationkit conflicts``) and either uses the other value (an owner's decision: the next sync
sends it to every tool) or dismisses the conflict.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from ..models import Conflict, utcnow
from ..store import schema as t

USED_OTHER = "used_other"
DISMISSED = "dismissed"
_RELATIONKIT = frozenset({"", "api", "cli", "relationkit"})
_CHUNK = 500


def record(
    conn: Connection,
    *,
    kind: str,
    local_id: str,
    field: str,
    kept: Any,
    kept_source: str,
    kept_at: datetime,
    lost: Any,
    lost_source: str,
    lost_record: str,
    lost_at: datetime,
    both_kept: bool,
) -> int:
    """Keep one settled conflict (inside the transaction that applies it); its id."""
    row = conn.execute(
        insert(t.conflicts).values(
            kind=kind,
            local_id=local_id,
            field=field,
            kept=kept,
            kept_source=kept_source,
            kept_at=kept_at,
            lost=lost,
            lost_source=lost_source,
            lost_record=lost_record,
            lost_at=lost_at,
            both_kept=both_kept,
            at=utcnow(),
        )
    )
    return int(row.inserted_primary_key[0])


def load(
    conn: Connection, *, local_ids: Iterable[str] | None = None, open_only: bool = True
) -> list[Conflict]:
    """The conflicts kept (only the open ones by default), oldest first; of ``local_ids`` only
    when given."""
    c = t.conflicts.c
    query = select(t.conflicts).order_by(c.id)
    if open_only:
        query = query.where(c.resolution.is_(None))
    if local_ids is None:
        return [_conflict(r) for r in conn.execute(query)]
    ids = list(dict.fromkeys(local_ids))
    found: list[Conflict] = []
    for start in range(0, len(ids), _CHUNK):
        part = query.where(c.local_id.in_(ids[start : start + _CHUNK]))
        found += [_conflict(r) for r in conn.execute(part)]
    return sorted(found, key=lambda x: x.id)


def get(conn: Connection, conflict_id: int) -> Conflict | None:
    row = conn.execute(select(t.conflicts).where(t.conflicts.c.id == conflict_id)).first()
    return _conflict(row) if row else None


def close(conn: Connection, conflict_id: int, resolution: str) -> None:
    """Mark a conflict resolved (``used_other`` or ``dismissed``)."""
    conn.execute(
        update(t.conflicts)
        .where(t.conflicts.c.id == conflict_id)
        .values(resolution=resolution, resolved_at=utcnow())
    )


def source_label(source: str) -> str:
    """How people call where a value came from: a connector's ``label`` ("Google Contacts"),
    "relationkit" for a value set here (API, CLI), else the source as recorded."""
    if source in _RELATIONKIT:
        return "relationkit"
    from ..plugins import connector_classes

    found = connector_classes().get(source)
    if found is None:
        return source
    return getattr(found, "label", "") or _titled(source)


def _titled(name: str) -> str:
    return " ".join(word.capitalize() for word in name.split("_"))


def _conflict(row: Any) -> Conflict:
    return Conflict(
        id=row.id,
        kind=row.kind,
        local_id=row.local_id,
        field=row.field,
        kept=row.kept,
        kept_source=row.kept_source,
        kept_at=row.kept_at,
        lost=row.lost,
        lost_source=row.lost_source,
        lost_record=row.lost_record,
        lost_at=row.lost_at,
        both_kept=bool(row.both_kept),
        at=row.at,
        resolution=row.resolution,
        resolved_at=row.resolved_at,
    )
