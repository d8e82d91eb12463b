"""The status database: per connector, its cursor (``sync_state``) and one row per remote record
(``sync_items``) remembering what both sides looked like when they last agreed.

``synced`` holds two dicts of field values in JSON form: ``local``, what relationkit had, and
``remote``, what the remote had. Keeping both (as vdirsyncer keeps one hash per side) means a
remote that reformats what it is sent (a phone number written differently) is not taken for a
change on either side, and a change means "changed since the last sync", not "different".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from ..models import utcnow
from ..store import schema as t
from .contract import Kind


@dataclass
class Status:
    """What the engine knows about one remote record of one connector."""

    connector: str
    kind: Kind
    external_id: str
    local_id: str
    etag: str = ""
    local: dict[str, Any] = field(default_factory=dict)  # local values at the last agreement
    remote: dict[str, Any] = field(default_factory=dict)  # remote values at the last agreement
    removed: bool = False
    synced_at: datetime | None = None


def load(conn: Connection, connector: str) -> dict[tuple[Kind, str], Status]:
    """Every status row of ``connector``, by ``(kind, external_id)``."""
    query = select(t.sync_items).where(t.sync_items.c.connector == connector)
    return {
        (Kind(r.kind), r.external_id): Status(
            connector=r.connector,
            kind=Kind(r.kind),
            external_id=r.external_id,
            local_id=r.local_id,
            etag=r.etag,
            local=dict((r.synced or {}).get("local", {})),
            remote=dict((r.synced or {}).get("remote", {})),
            removed=bool(r.removed),
            synced_at=r.synced_at,
        )
        for r in conn.execute(query)
    }


def save(conn: Connection, status: Status) -> None:
    """Insert or replace one status row."""
    forget(conn, status.connector, status.kind, status.external_id)
    status.synced_at = utcnow()
    conn.execute(
        insert(t.sync_items).values(
            connector=status.connector,
            kind=status.kind.value,
            external_id=status.external_id,
            local_id=status.local_id,
            etag=status.etag,
            synced={"local": status.local, "remote": status.remote},
            synced_at=status.synced_at,
            removed=status.removed,
        )
    )


def forget(conn: Connection, connector: str, kind: Kind, external_id: str) -> None:
    """Delete one status row (the record is then unknown to the engine)."""
    conn.execute(
        delete(t.sync_items).where(
            t.sync_items.c.connector == connector,
            t.sync_items.c.kind == kind.value,
            t.sync_items.c.external_id == external_id,
        )
    )


def load_state(conn: Connection, connector: str) -> dict[str, str]:
    """The connector's saved cursor (empty before its first sync)."""
    query = select(t.sync_state.c.key, t.sync_state.c.value).where(
        t.sync_state.c.connector == connector
    )
    return {r.key: r.value for r in conn.execute(query)}


def save_state(conn: Connection, connector: str, state: dict[str, str]) -> None:
    """Replace the connector's cursor (call inside the transaction applying the pulled items)."""
    conn.execute(delete(t.sync_state).where(t.sync_state.c.connector == connector))
    if state:
        now = utcnow()
        conn.execute(
            insert(t.sync_state),
            [
                {"connector": connector, "key": k, "value": v, "updated_at": now}
                for k, v in state.items()
            ],
        )
