"""Applying one connector's pull to relationkit, inside the transaction that saves its cursor."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from . import status
from .conflicts import Merge, Stamp, merge_fields
from .contract import Connector, Kind, PullResult, RemoteItem
from .local import LocalSide
from .report import Problem, SyncReport

log = logging.getLogger("relationkit.sync")

_KIND_ORDER = {Kind.CONTACT: 0, Kind.FOLLOWUP: 1, Kind.PURCHASE: 2, Kind.INTERACTION: 3}


class PullApplier:
    """Applies the items of one pull; call :meth:`apply` inside an open transaction."""

    def __init__(
        self,
        conn: Connection,
        connector: Connector,
        sides: dict[Kind, LocalSide],
        report: SyncReport,
        *,
        pulled_at: datetime,
        priority: int,
    ) -> None:
        self.conn = conn
        self.connector = connector
        self.name = connector.name
        self.sides = sides
        self.report = report
        self.counts = report.of(self.name)
        self.pulled_at = pulled_at
        self.priority = priority
        self.statuses = status.load(conn, self.name)
        self.contact_links = {
            s.external_id: s.local_id
            for (kind, _), s in self.statuses.items()
            if kind == Kind.CONTACT
        }

    def apply(self, result: PullResult) -> None:
        seen: set[tuple[Kind, str]] = set()
        for item in sorted(result.items, key=lambda i: _KIND_ORDER.get(i.kind, 9)):
            seen.add((item.kind, item.external_id))
            self._item(item)
        if result.full:
            for key, known in list(self.statuses.items()):
                if key not in seen and not known.removed:
                    self._removed(known)
        status.save_state(self.conn, self.name, result.state)

    def _item(self, item: RemoteItem) -> None:
        self.counts.pulled += 1
        for problem in item.problems:
            self.report.problems.append(
                Problem(
                    self.name,
                    item.kind,
                    item.external_id,
                    problem.field,
                    problem.why,
                    problem.where,
                )
            )
        if item.kind not in self.connector.kinds or item.kind not in self.sides:
            self.report.note(
                f"{self.name}: ignored {item.kind} {item.external_id}: kind not synced"
            )
            return
        known = self.statuses.get((item.kind, item.external_id))
        if item.deleted:
            if known is not None and not known.removed:
                self._removed(known)
            return
        if known is None:
            self._adopt(item, self.sides[item.kind])
        else:
            self._update(item, self.sides[item.kind], known)

    def _removed(self, known: status.Status) -> None:
        """Gone remotely: never deleted here, only marked (the next sync will not re-create it)."""
        known.removed = True
        status.save(self.conn, known)
        self.counts.removed += 1
        log.info(
            "%s: %s %s removed remotely (local %s kept)",
            self.name,
            known.kind,
            known.external_id,
            known.local_id,
        )
        side = self.sides[known.kind]
        record = side.find(known.local_id)
        if record is not None:
            side.linked(record, self.name, known.external_id, known.etag, removed=True)

    def _update(self, item: RemoteItem, side: LocalSide, known: status.Status) -> None:
        record = side.find(known.local_id)
        if record is None:
            self.report.note(
                f"{self.name}: {item.kind} {item.external_id} is linked to {known.local_id}, "
                "which no longer exists here; left alone"
            )
            return
        restored = known.removed
        if not restored and item.etag and item.etag == known.etag:
            self.counts.unchanged += 1
            if known.local_id != record.id or (item.local_id != record.id and known.local):
                known.local_id = record.id  # merged since the last sync
                self._save(known, side, record, item)
            return
        # Only contacts keep a change time per field; a follow-up's one time covers all fields.
        since = known.synced_at if item.kind == Kind.CONTACT else None
        merge = self._merge(item, side, record, known.local, known.remote, local_since=since)
        self._count(merge, "updated" if merge.to_local else "unchanged")
        updated = status.Status(
            self.name,
            item.kind,
            item.external_id,
            record.id,
            item.etag,
            merge.local_base,
            merge.remote_base,
        )
        self._save(updated, side, record, item)
        if restored:
            self.report.note(f"{self.name}: {item.kind} {item.external_id} is back; linked again")

    def _adopt(self, item: RemoteItem, side: LocalSide) -> None:
        record = side.find(item.local_id) if item.local_id else None
        action = "linked" if record is not None else "matched"
        if record is None:
            adopted = side.adopt(
                item, source=self.name, at=self._remote_at(item), contacts=self.contact_links
            )
            if adopted.record is None:
                self.report.note(
                    f"{self.name}: {item.kind} {item.external_id} not linked: {adopted.why}"
                )
                return
            record, action = adopted.record, adopted.action
            self.counts.needs_review += adopted.review
        merge = self._merge(item, side, record, {}, {}, empty_is_unknown=action != "linked")
        self._count(
            merge,
            "created" if action == "created" else "updated" if merge.to_local else "unchanged",
        )
        linked = status.Status(
            self.name,
            item.kind,
            item.external_id,
            record.id,
            item.etag,
            merge.local_base,
            merge.remote_base,
        )
        if item.kind == Kind.CONTACT:
            self.contact_links[item.external_id] = record.id
        self._save(linked, side, record, item)

    def _merge(
        self,
        item: RemoteItem,
        side: LocalSide,
        record: Any,
        local_base: dict[str, Any],
        remote_base: dict[str, Any],
        *,
        empty_is_unknown: bool = False,
        local_since: datetime | None = None,
    ) -> Merge:
        carried = [n for n in side.carried(self.connector) if n in item.fields]
        mergeable = {n: item.fields[n] for n in carried if n in side.appliable}
        merge = merge_fields(
            local=side.values(record, mergeable),
            remote=mergeable,
            local_base=local_base,
            remote_base=remote_base,
            local_stamp=lambda name: side.stamp(record, name),
            remote_stamp=Stamp(self._remote_at(item), self.priority),
            empty_is_unknown=empty_is_unknown,
            local_since=local_since,
        )
        for name in carried:
            if name not in side.appliable:
                # Not settable from outside (a follow-up's title): the remote keeps its value and
                # relationkit's is sent only when relationkit changes it.
                merge.remote_base[name] = item.fields[name]
                merge.local_base.setdefault(name, item.fields[name])
        if merge.to_local:
            side.apply(record, merge.to_local, source=self.name, at=self._remote_at(item))
        if merge.conflicts:
            log.info(
                "%s: %s %s: conflict on %s",
                self.name,
                item.kind,
                record.id,
                ", ".join(merge.conflicts),
            )
        return merge

    def _count(self, merge: Merge, action: str) -> None:
        setattr(self.counts, action, getattr(self.counts, action) + 1)
        self.counts.conflicts += len(merge.conflicts)

    def _save(self, known: status.Status, side: LocalSide, record: Any, item: RemoteItem) -> None:
        if item.local_id != record.id and not self.connector.read_only:
            # The remote record does not carry this id (typed in there, or carrying a merged-away
            # id): with no local base every field counts as unsent, so the push rewrites the
            # whole record, id included, even if this run dies before pushing.
            known.local = {}
        status.save(self.conn, known)
        self.statuses[(known.kind, known.external_id)] = known
        side.linked(record, self.name, known.external_id, known.etag)

    def _remote_at(self, item: RemoteItem) -> datetime:
        return item.changed_at or self.pulled_at
