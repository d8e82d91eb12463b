"""Pushing: what each connector must be told, and saving what it answered, batch by batch."""

from __future__ import annotations

import logging
from collections import defaultdict
from itertools import islice
from typing import Any

from sqlalchemy import Connection

from . import status
from .contract import Change, Connector, Kind, Op, PushResult
from .local import LocalSide
from .report import ConnectorReport

log = logging.getLogger("relationkit.sync")

_MISSING = object()
_PAGE = 1000  # records planned at a time


def propagates_deletes(connector: Connector) -> bool:
    """Whether deletes cross between relationkit and this connector's tool (its setting
    ``propagate_deletes``, default false)."""
    return bool(connector.settings.get("propagate_deletes", False))


def failure_note(connector: str, change: Change, why: str) -> str:
    """The report's line for a write that failed and is retried on the next sync."""
    return (
        f"{connector}: {change.op} of {change.kind} {change.local_id} failed ({why}); "
        "it is retried on the next sync"
    )


def plan_changes(
    conn: Connection,
    connector: Connector,
    sides: dict[Kind, LocalSide],
    *,
    notes: list[str],
    only: dict[Kind, set[str]] | None = None,
    held: set[tuple[Kind, str]] = frozenset(),  # type: ignore[assignment]
) -> list[Change]:
    """The writes ``connector`` needs: creates for records it lacks, updates for records changed
    here since the last sync (a field differs from the status row's local base; a record not
    carrying its id yet has an empty base), and, with ``propagate_deletes``, deletes of the
    redundant copies a merge left behind and of the records of customers deleted here.
    ``only`` limits the planning to these records (by kind, local ids). Nothing is written to
    the remote records in ``held`` (by kind, external id): the pull found they now read as
    another person, so they are left as the owner made them.

    A record the remote removed is not created again (see :func:`relationkit.sync.restore`).
    """
    propagating = connector.can_delete and propagates_deletes(connector)
    deleting = propagating or (connector.can_delete and connector.one_record_each)
    changes: list[Change] = []
    for kind in sorted(connector.kinds & sides.keys()):
        side = sides[kind]
        names = side.carried(connector)
        if only is None:
            records = iter(side.records())
        else:
            found = side.find_many(only.get(kind, ())).values()
            records = iter({r.id: r for r in found}.values())
        # A page of records at a time with their status rows (memory stays flat).
        while page := list(islice(records, _PAGE)):
            linked: dict[str, list[status.Status]] = defaultdict(list)
            removed: set[str] = set()
            skipped: set[str] = set()
            for known in status.load_linked(conn, connector.name, kind, [r.id for r in page]):
                if (kind, known.external_id) in held:
                    skipped.add(known.local_id)
                elif known.removed:
                    removed.add(known.local_id)
                else:
                    linked[known.local_id].append(known)
            for record in page:
                if record.id in skipped:
                    continue
                changes += _record_changes(
                    connector,
                    side,
                    record,
                    names,
                    # After a merge the record the id belongs to is the one kept.
                    sorted(
                        linked.get(record.id, []),
                        key=lambda s, own=record.id: (s.external_id != own, s.external_id),
                    ),
                    removed=record.id in removed,
                    deleting=deleting,
                    propagating=propagating,
                    notes=notes,
                )
    return changes


def _record_changes(
    connector: Connector,
    side: LocalSide,
    record: Any,
    names: tuple[str, ...],
    rows: list[status.Status],
    *,
    removed: bool,
    deleting: bool,
    propagating: bool,
    notes: list[str],
) -> list[Change]:
    """What one record needs in ``connector``, given its status rows there (by external id).

    A record deleted here is deleted there with ``propagate_deletes`` (``propagating``), and
    otherwise left there as it is.
    """
    kind = side.kind
    if side.is_deleted(record):
        if not propagating:
            return []
        return [Change(Op.DELETE, kind, record.id, r.external_id, r.etag) for r in rows]
    values = side.values(record, names)
    if not rows:
        if (
            not removed
            and side.should_push(record, connector.name)
            and connector.wants(kind, values)
        ):
            return [Change(Op.CREATE, kind, record.id, None, "", values, list(names))]
        return []
    if len(rows) > 1:
        what = (
            f"{rows[0].external_id} is kept; the others leave the sync (deleted, or marked merged)"
            if deleting
            else "all are kept up to date"
        )
        notes.append(
            f"{connector.name}: {kind} {record.id} has {len(rows)} records there "
            f"({', '.join(r.external_id for r in rows)}); {what}"
        )
    changes = []
    for index, known in enumerate(rows):
        if index and deleting:
            changes.append(Change(Op.DELETE, kind, record.id, known.external_id, known.etag))
            continue
        typed = bool(known.local.get(status.TYPED))
        changed = [
            n
            for n in names
            if side.pushes_updates
            and values[n] != known.local.get(n, _MISSING)
            and not (typed and known.remote.get(n) not in (None, "", [], {}, values[n]))
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
                    dict(known.remote),
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
    """Record what one batch did, in the status database (call inside a transaction): the
    batch's status rows and records are read and written a few statements at a time. A result
    carrying :attr:`PushResult.current` (a stale write) is left to the engine, which retries it."""
    name = connector.name
    known = status.load(conn, name, [(c.kind, c.external_id) for c in changes if c.external_id])
    records = {
        kind: sides[kind].find_many(c.local_id for c in changes if c.kind == kind)
        for kind in {c.kind for c in changes if c.op != Op.DELETE}
    }
    gone: list[tuple[str, Kind, str]] = []
    saved: dict[tuple[Kind, str], status.Status] = {}
    linked: list[tuple[Any, LocalSide, str, str, str]] = []

    def forget(kind: Kind, external_id: str) -> None:
        saved.pop((kind, external_id), None)  # as if saved, then forgotten
        gone.append((name, kind, external_id))

    for change, result in zip(changes, results, strict=True):
        if result.current is not None:
            continue  # stale: the engine merges what the remote holds now and asks again
        if result.error:
            counts.errors += 1
            notes.append(failure_note(name, change, result.error))
            continue
        if change.op == Op.DELETE:
            forget(change.kind, change.external_id or "")
            counts.pushed_deleted += 1
            continue
        external_id = result.external_id or change.external_id
        if not external_id:
            counts.errors += 1
            notes.append(f"{name}: created {change.kind} {change.local_id} without an id")
            continue
        before = known.get((change.kind, change.external_id or ""))
        replaces = ""
        if before is not None and external_id != before.external_id:
            forget(change.kind, before.external_id)
            replaces = before.external_id
        remote: dict[str, Any] = dict(before.remote) if before else {}
        remote.update(result.fields if result.fields is not None else change.fields)
        saved[(change.kind, external_id)] = status.Status(
            name,
            change.kind,
            external_id,
            change.local_id,
            result.etag,
            local=dict(change.fields),
            remote=remote,
        )
        record = records[change.kind].get(change.local_id)
        if record is not None:
            linked.append((record, sides[change.kind], external_id, result.etag, replaces))
        if change.op == Op.CREATE:
            counts.pushed_created += 1
        else:
            counts.pushed_updated += 1
    for record, side, external_id, etag, replaces in linked:
        side.linked(record, name, external_id, etag, replaces=replaces)
    for side in sides.values():
        side.flush()
    status.forget_many(conn, gone)
    status.save_many(conn, list(saved.values()))
    log.info("%s: pushed %d changes", name, len(changes))
