"""Pushing: what each connector must be told, and saving what it answered, batch by batch."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection

from . import status
from .contract import Change, Connector, Kind, Op, PushResult
from .local import LocalSide
from .report import ConnectorReport

log = logging.getLogger("relationkit.sync")

_MISSING = object()


def plan_changes(
    conn: Connection,
    connector: Connector,
    sides: dict[Kind, LocalSide],
    *,
    propagate_deletes: bool,
    notes: list[str],
) -> list[Change]:
    """The writes ``connector`` needs: creates for records it lacks, updates for records changed
    here since the last sync (a field differs from the status row's local base; a record not
    carrying its id yet has an empty base), and, with ``propagate_deletes``, deletes of the
    redundant copies a merge left behind.

    A record the remote removed is not created again (see :func:`relationkit.sync.restore`).
    """
    linked: dict[tuple[Kind, str], list[status.Status]] = defaultdict(list)
    removed: set[tuple[Kind, str]] = set()
    for known in status.load(conn, connector.name).values():
        if known.removed:
            removed.add((known.kind, known.local_id))
        else:
            linked[(known.kind, known.local_id)].append(known)
    deleting = propagate_deletes and connector.can_delete
    changes: list[Change] = []
    for kind in sorted(connector.kinds & sides.keys()):
        side = sides[kind]
        names = side.carried(connector)
        for record in side.records():
            values = side.values(record, names)
            rows = sorted(linked.get((kind, record.id), []), key=lambda s: s.external_id)
            if not rows:
                if (
                    (kind, record.id) not in removed
                    and side.should_push(record, connector.name)
                    and connector.wants(kind, values)
                ):
                    changes.append(
                        Change(Op.CREATE, kind, record.id, None, "", values, list(names))
                    )
                continue
            if len(rows) > 1:
                what = "the extra ones are deleted there" if deleting else "all are kept up to date"
                notes.append(
                    f"{connector.name}: {kind} {record.id} has {len(rows)} records there "
                    f"({', '.join(r.external_id for r in rows)}); {what}"
                )
            for index, known in enumerate(rows):
                if index and deleting:
                    changes.append(
                        Change(Op.DELETE, kind, record.id, known.external_id, known.etag)
                    )
                    continue
                changed = [
                    n
                    for n in names
                    if side.pushes_updates and values[n] != known.local.get(n, _MISSING)
                ]
                if changed:
                    changes.append(
                        Change(
                            Op.UPDATE,
                            kind,
                            record.id,
                            known.external_id,
                            known.etag,
                            values,
                            changed,
                        )
                    )
    return changes


def save_results(
    conn: Connection,
    connector: Connector,
    sides: dict[Kind, LocalSide],
    changes: list[Change],
    results: list[PushResult],
    counts: ConnectorReport,
    notes: list[str],
) -> None:
    """Record what one batch did, in the status database (call inside a transaction)."""
    known = status.load(conn, connector.name)
    for change, result in zip(changes, results, strict=True):
        if result.error:
            counts.errors += 1
            notes.append(
                f"{connector.name}: {change.op} of {change.kind} {change.local_id} failed "
                f"({result.error}); it is retried on the next sync"
            )
            continue
        if change.op == Op.DELETE:
            status.forget(conn, connector.name, change.kind, change.external_id or "")
            counts.pushed_deleted += 1
            continue
        external_id = result.external_id or change.external_id
        if not external_id:
            counts.errors += 1
            notes.append(f"{connector.name}: created {change.kind} {change.local_id} without an id")
            continue
        before = known.get((change.kind, change.external_id or ""))
        if before is not None and external_id != before.external_id:
            status.forget(conn, connector.name, change.kind, before.external_id)
        remote: dict[str, Any] = dict(before.remote) if before else {}
        remote.update(result.fields if result.fields is not None else change.fields)
        status.save(
            conn,
            status.Status(
                connector.name,
                change.kind,
                external_id,
                change.local_id,
                result.etag,
                local=dict(change.fields),
                remote=remote,
            ),
        )
        side = sides[change.kind]
        record = side.find(change.local_id)
        if record is not None:
            side.linked(record, connector.name, external_id, result.etag)
        if change.op == Op.CREATE:
            counts.pushed_created += 1
        else:
            counts.pushed_updated += 1
    log.info("%s: pushed %d changes", connector.name, len(changes))
