"""The status database: per connector, its cursor (``sync_state``) and one row per remote record
(``sync_items``) remembering what both sides looked like when they last agreed.

``synced`` holds two dicts of field values in JSON form: ``local``, what relationkit had, and
``remote``, what the remote had. Keeping both (as vdirsyncer keeps one hash per side) means a
remote that reformats what it is sent (a phone number written differently) is not taken for a
change on either side, and a change means "changed since the last sync", not "different".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

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


# In a local base: the record was typed in the tool and never written by relationkit, so the
# next push writes its id and fills its empty fields but never overwrites a value typed there
# with another one (two records of one person joined here keep what each says there).
TYPED = "~typed there"

_CHUNK = 500  # external ids per IN (...) query


def _status(r: Any) -> Status:
    synced = r.synced or {}
    return Status(
        connector=r.connector,
        kind=Kind(r.kind),
        external_id=r.external_id,
        local_id=r.local_id,
        etag=r.etag,
        local=dict(synced.get("local", {})),
        remote=dict(synced.get("remote", {})),
        removed=bool(r.removed),
        synced_at=r.synced_at,
    )


def load(
    conn: Connection, connector: str, keys: Iterable[tuple[Kind, str]] | None = None
) -> dict[tuple[Kind, str], Status]:
    """Every status row of ``connector`` (or only those of ``keys``), by ``(kind, external_id)``."""
    c = t.sync_items.c
    query = select(t.sync_items).where(c.connector == connector)
    if keys is None:
        return {(Kind(r.kind), r.external_id): _status(r) for r in conn.execute(query)}
    found: dict[tuple[Kind, str], Status] = {}
    for kind, ids in _by_kind(keys).items():
        for start in range(0, len(ids), _CHUNK):
            part = query.where(c.kind == kind.value, c.external_id.in_(ids[start : start + _CHUNK]))
            found.update({(kind, r.external_id): _status(r) for r in conn.execute(part)})
    return found


def load_linked(
    conn: Connection, connector: str, kind: Kind, local_ids: Sequence[str]
) -> list[Status]:
    """The status rows of ``connector`` linked to these local records (of ``kind``)."""
    c = t.sync_items.c
    query = select(t.sync_items).where(c.connector == connector, c.kind == kind.value)
    return [
        _status(r)
        for start in range(0, len(local_ids), _CHUNK)
        for r in conn.execute(query.where(c.local_id.in_(local_ids[start : start + _CHUNK])))
    ]


@dataclass(frozen=True)
class Link:
    """A status row without its field values: which local record a remote one is linked to."""

    local_id: str
    removed: bool
    etag: str = ""


def load_links(
    conn: Connection, connector: str, keys: Iterable[tuple[Kind, str]] | None = None
) -> dict[tuple[Kind, str], Link]:
    """The records of ``connector`` (or only those of ``keys``) and what they are linked to,
    without their field values (quick)."""
    c = t.sync_items.c
    query = select(c.kind, c.external_id, c.local_id, c.removed, c.etag).where(
        c.connector == connector
    )
    queries = [query]
    if keys is not None:
        queries = [
            query.where(c.kind == kind.value, c.external_id.in_(ids[start : start + _CHUNK]))
            for kind, ids in _by_kind(keys).items()
            for start in range(0, len(ids), _CHUNK)
        ]
    return {
        (Kind(r.kind), r.external_id): Link(r.local_id, bool(r.removed), r.etag)
        for part in queries
        for r in conn.execute(part)
    }


def save(conn: Connection, status: Status) -> None:
    """Insert or replace one status row."""
    save_many(conn, [status])


def save_many(conn: Connection, statuses: Sequence[Status]) -> None:
    """Insert or replace status rows (a few statements however many there are); of two rows
    for the same record, the later one is kept."""
    statuses = list({(s.connector, s.kind, s.external_id): s for s in statuses}.values())
    if not statuses:
        return
    forget_many(conn, [(s.connector, s.kind, s.external_id) for s in statuses])
    now = utcnow()
    rows = []
    for status in statuses:
        status.synced_at = now
        rows.append(
            {
                "connector": status.connector,
                "kind": status.kind.value,
                "external_id": status.external_id,
                "local_id": status.local_id,
                "etag": status.etag,
                "synced": {"local": status.local, "remote": status.remote},
                "synced_at": now,
                "removed": status.removed,
            }
        )
    conn.execute(insert(t.sync_items), rows)


def forget(conn: Connection, connector: str, kind: Kind, external_id: str) -> None:
    """Delete one status row (the record is then unknown to the engine)."""
    forget_many(conn, [(connector, kind, external_id)])


def forget_many(conn: Connection, rows: Sequence[tuple[str, Kind, str]]) -> None:
    """Delete status rows given as ``(connector, kind, external_id)``."""
    if rows:
        conn.execute(
            _FORGET, [{"c": connector, "k": kind.value, "e": ext} for connector, kind, ext in rows]
        )


_FORGET = delete(t.sync_items).where(
    t.sync_items.c.connector == bindparam("c"),
    t.sync_items.c.kind == bindparam("k"),
    t.sync_items.c.external_id == bindparam("e"),
)


def _by_kind(keys: Iterable[tuple[Kind, str]]) -> dict[Kind, list[str]]:
    grouped: dict[Kind, list[str]] = {}
    for kind, external_id in keys:
        grouped.setdefault(kind, []).append(external_id)
    return grouped


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
