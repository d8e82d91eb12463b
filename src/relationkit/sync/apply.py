"""Applying one connector's pull to relationkit, inside the transaction that saves its cursor."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ..identity.change import identity_keys, name_of, names_agree, someone_else
from . import conflict_log, status
from .conflicts import Loss, Merge, Stamp, keep_both, merge_fields
from .contract import Connector, Kind, PullResult, RemoteItem
from .join import joined_values
from .local import Adopted, LocalSide
from .push import propagates_deletes
from .report import Problem, SyncReport

log = logging.getLogger("relationkit.sync")

_KIND_ORDER = {Kind.CONTACT: 0, Kind.FOLLOWUP: 1, Kind.PURCHASE: 2, Kind.INTERACTION: 3}
_NAMES = ("display_name", "given_name", "middle_name", "family_name", "nickname")
SOMEONE_ELSE = (
    "is held: it now reads as another person than customer {id} of its relationkit id (name, "
    "email and phone all changed); nothing from it was applied: undo the change, or clear its "
    "relationkit id to make it a new customer"
)
MOVED = (
    "is held: it now holds another customer's name, email or phone (were some columns sorted "
    "without the others?); nothing from it was applied: undo the sort"
)


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
        self.statuses: dict[tuple[Kind, str], status.Status] = {}
        self._dirty: dict[tuple[Kind, str], status.Status] = {}  # saved together at the end
        self._quiet: set[tuple[Kind, str]] = set()  # items as they were: skipped unread
        self._contact_links: dict[str, str] | None = None
        self._created: dict[tuple[Kind, str], Adopted] = {}  # new records created up front
        self._held: dict[tuple[Kind, str], str] = {}  # records held for review, and why
        self.renamed_elsewhere = 0  # new records matched to a customer of another name

    @property
    def contact_links(self) -> dict[str, str]:
        """The connector's contact external ids -> local ids (for history naming a contact)."""
        if self._contact_links is None:
            self._contact_links = {
                external_id: link.local_id
                for (kind, external_id), link in status.load_links(self.conn, self.name).items()
                if kind == Kind.CONTACT
            }
            self._contact_links.update(
                {
                    s.external_id: s.local_id
                    for s in self.statuses.values()
                    if s.kind == Kind.CONTACT
                }
            )
        return self._contact_links

    def apply(self, result: PullResult) -> None:
        """Apply every item, mark what a full pull misses as removed, save the cursor; the
        records and status rows changed are written together at the end (one transaction).

        Status rows are first read without their field values; only the rows of records that
        changed (or that a full pull misses) are read whole.
        """
        self._apply_items(result.items, full=result.full)
        status.save_state(self.conn, self.name, result.state)

    def refresh(self, items: list[RemoteItem]) -> None:
        """Merge records a push found changed remotely (:attr:`PushResult.current`), as an
        incremental pull would; the connector's cursor is left as it is."""
        self._apply_items(items, full=False)

    def _apply_items(self, items: list[RemoteItem], *, full: bool) -> None:
        keys = [(i.kind, i.external_id) for i in items]
        links = status.load_links(self.conn, self.name, None if full else keys)
        self._quiet = self._unchanged(items, links)
        wanted = [k for k in keys if k in links and k not in self._quiet]
        seen = set(keys)
        if full:
            wanted += [k for k, link in links.items() if k not in seen and not link.removed]
        self.statuses = status.load(self.conn, self.name, wanted)
        self._held = self._someone_else(items)
        self._created = self._create_unmatched(items, links)
        for item in sorted(items, key=lambda i: _KIND_ORDER.get(i.kind, 9)):
            self._item(item)
        if full:
            for key, known in list(self.statuses.items()):
                if key not in seen and not known.removed:
                    self._removed(known)
        for side in self.sides.values():
            side.flush()
        status.save_many(self.conn, list(self._dirty.values()))
        if self.renamed_elsewhere:
            self.report.note(
                f"{self.name}: {self.renamed_elsewhere} new record(s) have the email or phone of "
                "a customer of another name; they are linked to that customer, who keeps the "
                "name relationkit has (the records keep theirs)"
            )

    def _unchanged(
        self, items: list[RemoteItem], links: dict[tuple[Kind, str], status.Link]
    ) -> set[tuple[Kind, str]]:
        """The items that are as they were at the last sync (same etag, same relationkit id,
        linked to a record that is still as it was: not merged away): nothing to do, nothing
        to load."""
        quiet: dict[Kind, dict[tuple[Kind, str], str]] = {}
        for item in items:
            key = (item.kind, item.external_id)
            link = links.get(key)
            if (
                link is not None
                and item.kind in self.sides
                and item.kind in self.connector.kinds
                and not link.removed
                and not item.deleted
                and item.etag
                and item.etag == link.etag
                and item.local_id == link.local_id
            ):
                quiet.setdefault(item.kind, {})[key] = link.local_id
        unchanged: set[tuple[Kind, str]] = set()
        for kind, linked in quiet.items():
            current = self.sides[kind].current(linked.values())
            unchanged.update(key for key, local_id in linked.items() if local_id in current)
        return unchanged

    def _create_unmatched(
        self, items: list[RemoteItem], links: dict[tuple[Kind, str], status.Link]
    ) -> dict[tuple[Kind, str], Adopted]:
        """Create in a few statements the new records that match nothing (most of a first
        sync); the others are adopted one by one, in order."""
        created: dict[tuple[Kind, str], Adopted] = {}
        for kind in self.connector.kinds & self.sides.keys():
            mine = [i for i in items if i.kind == kind and not i.deleted]
            new = [i for i in mine if (kind, i.external_id) not in links]
            if not new:
                continue
            others = [i for i in mine if (kind, i.external_id) in links]
            done = self.sides[kind].create_unmatched(
                new, others, source=self.name, at=self._remote_at
            )
            created.update({(kind, external_id): a for external_id, a in done.items()})
        return created

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
        if (item.kind, item.external_id) in self._quiet:
            self.counts.unchanged += 1
            return
        known = self.statuses.get((item.kind, item.external_id))
        if item.deleted:
            if known is not None and not known.removed:
                self._removed(known, deleted=not item.left)
            return
        if known is None:
            self._adopt(item, self.sides[item.kind])
        elif (item.kind, item.external_id) in self._held and not known.removed:
            self._hold(item, self._held[(item.kind, item.external_id)])
        else:
            self._update(item, self.sides[item.kind], known)

    def _someone_else(self, items: list[RemoteItem]) -> dict[tuple[Kind, str], str]:
        """The known contacts whose record now reads as another person than the one relationkit
        last synced there (compared with the remote base): renamed with none of their emails
        and phones left, or renamed and holding the name or a key another record had (columns
        sorted without the rest of the rows). Held, never applied: a row is a person, not an id.
        """
        changed = [
            (item, known)
            for item in items
            if item.kind == Kind.CONTACT
            and not item.deleted
            and (known := self.statuses.get((item.kind, item.external_id))) is not None
            and not known.removed
            and known.remote
            and item.etag != known.etag
        ]
        renamed = [(i, k) for i, k in changed if not names_agree(k.remote, i.fields)]
        if not renamed:
            return {}
        # Every contact record's base, removed ones too (not only the changed ones: a row whose
        # id was cleared is new, yet its name may be the one sorted onto a known row).
        bases = status.load(self.conn, self.name)
        owners: dict[object, set[str]] = {}  # a base name or key -> external ids that had it
        for key, known in bases.items():
            if key[0] != Kind.CONTACT:
                continue
            for mark in {name_of(known.remote), *identity_keys(known.remote)} - {("", "", "")}:
                owners.setdefault(mark, set()).add(known.external_id)
        held = {}
        for item, known in renamed:
            marks = {name_of(item.fields), *identity_keys(item.fields)}
            moved = any(owners.get(mark, set()) - {item.external_id} for mark in marks)
            if moved or someone_else(known.remote, item.fields):
                why = MOVED if moved else SOMEONE_ELSE.format(id=known.local_id)
                held[(item.kind, item.external_id)] = why
        moved_count = sum(why is MOVED for why in held.values())
        if moved_count > 1:
            self.report.note(
                f"{self.name}: {moved_count} records now hold other customers' names, emails or "
                "phones, as after sorting some columns without the others; they are held and "
                "nothing from them was applied: undo the sort, then sync again"
            )
        return held

    def _hold(self, item: RemoteItem, why: str) -> None:
        """Leave a record that now reads as someone else as it is, here and in every tool: its
        status row is kept (it is checked again on every sync until the owner fixes it) and
        nothing is pushed to it in this run."""
        self.counts.needs_review += 1
        self.report.held.add((self.name, item.kind, item.external_id))
        self.report.problems.append(
            Problem(self.name, item.kind, item.external_id, "identity", why)
        )
        log.info("%s: %s %s held for review", self.name, item.kind, item.external_id)
        self.connector.held(item, why)

    def _removed(self, known: status.Status, *, deleted: bool = False) -> None:
        """Gone remotely: marked (the next sync will not re-create it). A contact the remote
        says it ``deleted`` is deleted here too when the connector has ``propagate_deletes``
        (:meth:`Workspace.delete_contact`: its history stays, ``undelete`` brings it back)."""
        known.removed = True
        self._dirty[(known.kind, known.external_id)] = known
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
        propagate = propagates_deletes(self.connector)
        if deleted and propagate and record is not None and side.delete(record, source=self.name):
            self.report.note(
                f"{self.name}: contact {record.id} was deleted there and so here "
                f"(propagate_deletes); `relationkit contacts undelete {record.id}` brings it back"
            )

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
            adopted = self._created.pop((item.kind, item.external_id), None) or side.adopt(
                item, source=self.name, at=self._remote_at(item), contacts=self.contact_links
            )
            if adopted.record is None:
                self.report.note(
                    f"{self.name}: {item.kind} {item.external_id} not linked: {adopted.why}"
                )
                return
            record, action = adopted.record, adopted.action
            self.counts.needs_review += adopted.review
            self.counts.merged += action == "matched"
        merge = self._merge(
            item,
            side,
            record,
            {},
            {},
            empty_is_unknown=action != "linked",
            join=action == "matched",
        )
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
        if item.kind == Kind.CONTACT and self._contact_links is not None:
            self._contact_links[item.external_id] = record.id
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
        join: bool = False,
    ) -> Merge:
        """Merge the item's fields into ``record`` against the bases; with ``join`` (a new record
        matched to a known one: two records of one person), notes, lists and custom fields are
        joined first (:func:`joined_values`), and the remote keeps what was typed there."""
        carried = [n for n in side.carried(self.connector) if n in item.fields]
        mergeable = {n: item.fields[n] for n in carried if n in side.appliable}

        def combine(name: str, winner: Any, loser: Any, w_base: Any, l_base: Any, won: bool) -> Any:
            if item.kind != Kind.CONTACT:
                return winner
            label = ""
            if name == "notes":  # the loser's text is joined after a line naming it
                source = side.origin(record, name)[0] if won else self.name
                at = side.stamp(record, name).at if won else self._remote_at(item)
                label = f"{conflict_log.source_label(source)}, {at.day} {at:%b}"
            return keep_both(name, winner, loser, w_base, l_base, label)

        held = side.values(record, mergeable)
        joined = joined_values(held, mergeable) if join else {}
        if join and not names_agree(held, mergeable):
            # Matched by email or phone under another name (a row whose name was sorted away
            # from its email): relationkit keeps its name, the record keeps the one typed there.
            joined.update({n: held[n] for n in _NAMES if n in mergeable})
            self.renamed_elsewhere += 1
        rest = {n: v for n, v in mergeable.items() if n not in joined}
        merge = merge_fields(
            local=side.values(record, rest),
            remote=rest,
            local_base=local_base,
            remote_base=remote_base,
            local_stamp=lambda name: side.stamp(record, name),
            remote_stamp=Stamp(self._remote_at(item), self.priority),
            empty_is_unknown=empty_is_unknown,
            local_since=local_since,
            combine=combine,
        )
        for name, value in joined.items():
            merge.local_base[name], merge.remote_base[name] = value, mergeable[name]
            if value != held[name]:
                merge.to_local[name] = value
        for name in carried:
            if name not in side.appliable:
                # Not settable from outside (a follow-up's title): the remote keeps its value and
                # relationkit's is sent only when relationkit changes it.
                merge.remote_base[name] = item.fields[name]
                merge.local_base.setdefault(name, item.fields[name])
        kept = [self._keep_loser(item, side, record, loss) for loss in merge.losses]
        # Both values kept where relationkit's won: the combination stays relationkit's change.
        ours = {
            loss.field: (loss.kept, side.origin(record, loss.field)[0], loss.kept_stamp.at)
            for loss in merge.losses
            if not loss.remote_won and loss.field in merge.to_local
        }
        theirs = {n: v for n, v in merge.to_local.items() if n not in ours}
        if theirs:
            side.apply(record, theirs, source=self.name, at=self._remote_at(item))
        for name, (value, source, at) in ours.items():
            side.apply(record, {name: value}, source=source, at=at)
        if kept:
            log.info(
                "%s: %s %s: conflict on %s (losing values kept: conflicts %s)",
                self.name,
                item.kind,
                record.id,
                ", ".join(merge.conflicts),
                ", ".join(map(str, kept)),
            )
        return merge

    def _keep_loser(self, item: RemoteItem, side: LocalSide, record: Any, loss: Loss) -> int:
        """Keep a conflict's losing value with where it came from (before the winner is
        applied, while the record still says who set its own value); the conflict's id."""
        here = side.origin(record, loss.field)
        there = (self.name, item.external_id)
        (kept_source, _), (lost_source, lost_record) = (
            (there, here) if loss.remote_won else (here, there)
        )
        return conflict_log.record(
            self.conn,
            kind=item.kind.value,
            local_id=record.id,
            field=loss.field,
            kept=loss.kept,
            kept_source=kept_source,
            kept_at=loss.kept_stamp.at,
            lost=loss.lost,
            lost_source=lost_source,
            lost_record=lost_record,
            lost_at=loss.lost_stamp.at,
            both_kept=loss.both_kept,
        )

    def _count(self, merge: Merge, action: str) -> None:
        setattr(self.counts, action, getattr(self.counts, action) + 1)
        self.counts.conflicts += len(merge.conflicts)

    def _save(self, known: status.Status, side: LocalSide, record: Any, item: RemoteItem) -> None:
        if item.local_id != record.id and not self.connector.read_only:
            # The remote record does not carry this id (typed in there, or carrying a merged-away
            # id): with no local base every field counts as unsent, so the push rewrites the
            # whole record, id included, even if this run dies before pushing. A record typed
            # there keeps what was typed where relationkit holds something else (status.TYPED).
            known.local = {} if item.local_id else {status.TYPED: True}
        self._dirty[(known.kind, known.external_id)] = known
        self.statuses[(known.kind, known.external_id)] = known
        side.linked(record, self.name, known.external_id, known.etag)

    def _remote_at(self, item: RemoteItem) -> datetime:
        return item.changed_at or self.pulled_at
