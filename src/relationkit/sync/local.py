"""The local side of a sync, one adapter per kind of record, so the engine stays generic.

An adapter lists relationkit's records of its kind, gives their field values in JSON form and
when each field last changed, applies remote values, and adopts a new remote record (links it
to an existing record or creates one). Contacts go through ``Workspace.upsert`` (identity keys),
follow-ups accept the owner's decisions made remotely (status, due date, snooze, note), and
purchases and interactions are history: recorded once, never edited by a sync.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import select

from .. import identity
from ..errors import InvalidValue, NotFound
from ..models import CONTACT_FIELDS, Contact, FollowUp, Interaction, Purchase, SourceRef, utcnow
from ..store import schema as t
from ..store.codec import contact_from_dict, field_from_jsonable, to_jsonable
from ..workspace import owners_of_keys
from .conflicts import Stamp
from .contract import Connector, Kind, RemoteItem

if TYPE_CHECKING:
    from ..workspace import Workspace

IDENTITY_FIELDS = ("emails", "phones", "linkedin_url", "external_ids")
_CHUNK = 500  # ids per IN (...) query
_PAGE = 1000  # records read at a time
AtOf = Callable[[RemoteItem], datetime]  # when a remote record last changed


class LocalSide:
    """Base adapter: the operations the engine needs for one kind of record."""

    kind: ClassVar[Kind]
    appliable: ClassVar[frozenset[str]] = frozenset()  # fields a remote change may set locally
    pushes_updates: ClassVar[bool] = True  # False for history, which is never edited

    def __init__(self, workspace: Workspace, priorities: dict[str, int]) -> None:
        self.ws = workspace
        self.priorities = priorities

    def carried(self, connector: Connector) -> tuple[str, ...]:
        """The fields compared and pushed for ``connector``."""
        raise NotImplementedError

    def records(self) -> Iterable[Any]:
        raise NotImplementedError

    def find(self, local_id: str) -> Any | None:
        """The record with this id (following merges), or None."""
        raise NotImplementedError

    def values(self, record: Any, names: Iterable[str]) -> dict[str, Any]:
        return {name: to_jsonable(getattr(record, name)) for name in names}

    def stamp(self, record: Any, name: str) -> Stamp:
        raise NotImplementedError

    def origin(self, record: Any, name: str) -> tuple[str, str]:
        """Where a field's value here came from: the source that set it (a connector's name;
        ``relationkit`` when it is not known) and the id of its record in that tool, if any."""
        return "relationkit", ""

    def apply(self, record: Any, values: dict[str, Any], *, source: str, at: datetime) -> None:
        """Set ``values`` (JSON form, only ``appliable`` fields) on ``record`` and store it."""

    def adopt(
        self, item: RemoteItem, *, source: str, at: datetime, contacts: dict[str, str]
    ) -> Adopted:
        """Link a new remote record to a local one, creating it when needed.

        ``contacts`` maps the connector's contact external ids to local ids (for history).
        """
        raise NotImplementedError

    def create_unmatched(
        self, items: list[RemoteItem], others: list[RemoteItem], *, source: str, at: AtOf
    ) -> dict[str, Adopted]:
        """Create at once, before the items are applied one by one, the new records among
        ``items`` that :meth:`adopt` would simply create (they match nothing here and nothing
        in ``others``, the rest of the pull); by external id. Default: none."""
        return {}

    def linked(
        self,
        record: Any,
        source: str,
        external_id: str,
        etag: str,
        *,
        removed: bool = False,
        replaces: str = "",
    ) -> None:
        """Note on the record where it lives in ``source`` and whether it is gone there;
        ``replaces`` is the external id the remote record had until now, when it got a new one."""

    def should_push(self, record: Any, connector: str) -> bool:
        """Whether a record not yet in ``connector`` should be created there."""
        return True

    def delete(self, record: Any, *, source: str) -> bool:
        """Delete ``record`` here because ``source`` deleted it; False when this kind of record
        is never deleted by a sync (the default: only contacts are)."""
        return False

    def is_deleted(self, record: Any) -> bool:
        """Whether ``record`` was deleted here (it then leaves every tool, or stays there as
        it is without ``propagate_deletes``)."""
        return False

    def find_many(self, local_ids: Iterable[str]) -> dict[str, Any]:
        """:meth:`find` for many ids at once: id -> record (unknown ids left out)."""
        return {i: r for i in dict.fromkeys(local_ids) if (r := self.find(i)) is not None}

    def current(self, local_ids: Iterable[str]) -> set[str]:
        """Which of these ids are records as they are (they exist and were not merged away)."""
        return {i for i, r in self.find_many(local_ids).items() if r.id == i}

    def flush(self) -> None:
        """Store the changes :meth:`apply` and :meth:`linked` kept back (inside the transaction
        they belong to; the engine calls it before that transaction commits)."""

    def discard(self) -> None:
        """Forget the changes kept back (their transaction rolled back)."""


@dataclass
class Adopted:
    """What adopting a new remote record gave: the local record, and what happened."""

    record: Any | None
    action: str  # created, matched (an existing record, by identity), skipped
    review: int = 0  # uncertain matches queued for the owner
    why: str = ""  # why it was skipped


class ContactSide(LocalSide):
    """Contacts: per-field merge, identity-aware adoption, source references."""

    kind = Kind.CONTACT
    appliable = frozenset(CONTACT_FIELDS)

    def carried(self, connector: Connector) -> tuple[str, ...]:
        return tuple(f for f in CONTACT_FIELDS if f in connector.fields)

    def records(self) -> Iterator[Contact]:
        """Every active contact, by id, read a page at a time (memory stays flat)."""
        c = t.contacts.c
        query = select(c.id, c.data).where(c.merged_into.is_(None)).order_by(c.id).limit(_PAGE)
        last = None
        while True:
            # Read through the open transaction: a dry run must see what its pulls applied.
            with self.ws.transaction() as conn:
                page = conn.execute(query if last is None else query.where(c.id > last)).all()
            yield from (contact_from_dict(row.data) for row in page)
            if len(page) < _PAGE:
                return
            last = page[-1].id

    def __init__(self, workspace: Workspace, priorities: dict[str, int]) -> None:
        super().__init__(workspace, priorities)
        # Contacts changed but not stored yet (saved together by flush), and what changed.
        self._pending: dict[str, Contact] = {}
        self._changed: dict[str, list[str]] = {}

    def find(self, local_id: str) -> Contact | None:
        if local_id in self._pending:
            return self._pending[local_id]
        try:
            contact = self.ws.get_contact(local_id)
        except NotFound:
            return None
        return self._pending.get(contact.id, contact)

    def find_many(self, local_ids: Iterable[str]) -> dict[str, Contact]:
        wanted = [i for i in dict.fromkeys(local_ids) if i not in self._pending]
        found = {i: self._pending.get(c.id, c) for i, c in self.ws.get_contacts(wanted).items()}
        found.update({i: self._pending[i] for i in local_ids if i in self._pending})
        return found

    def current(self, local_ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(local_ids))
        c = t.contacts.c
        found: set[str] = set()
        with self.ws.transaction() as conn:
            for start in range(0, len(ids), _CHUNK):
                query = select(c.id).where(
                    c.id.in_(ids[start : start + _CHUNK]), c.merged_into.is_(None)
                )
                found.update(conn.scalars(query))
        return found

    def flush(self) -> None:
        if self._pending:
            pending, changed = list(self._pending.values()), self._changed
            self.discard()
            self.ws.save_contacts(pending, changed=changed)

    def discard(self) -> None:
        self._pending, self._changed = {}, {}

    def _keep(self, record: Contact, changed: Iterable[str] = ()) -> None:
        self._pending[record.id] = record
        fields = self._changed.setdefault(record.id, [])
        fields += [name for name in changed if name not in fields]

    def stamp(self, record: Contact, name: str) -> Stamp:
        provenance = record.provenance.get(name)
        if provenance is None:
            return Stamp(record.created_at, 0, known=False)
        return Stamp(provenance.at, self.priorities.get(provenance.source, 0))

    def origin(self, record: Contact, name: str) -> tuple[str, str]:
        provenance = record.provenance.get(name)
        if provenance is None:
            return "relationkit", ""
        ref = record.sources.get(provenance.source)
        return provenance.source, ref.external_id if ref is not None else ""

    def apply(self, record: Contact, values: dict[str, Any], *, source: str, at: datetime) -> None:
        changed = [
            name
            for name, value in values.items()
            if record.set(name, field_from_jsonable(name, value), source=source, at=at)
        ]
        if changed:
            self._keep(record, changed)
            if set(changed) & set(IDENTITY_FIELDS):
                self._review_clashes(record, source)

    def _draft(self, item: RemoteItem, *, source: str, at: datetime) -> Contact:
        draft = Contact()
        for name, value in item.fields.items():
            if name in self.appliable and value not in (None, "", [], {}):
                draft.set(name, field_from_jsonable(name, value), source=source, at=at)
        return draft

    def create_unmatched(
        self, items: list[RemoteItem], others: list[RemoteItem], *, source: str, at: AtOf
    ) -> dict[str, Adopted]:
        new = {item.external_id: item for item in items if not item.local_id}
        if not new:
            return {}
        drafts = {}
        for external_id, item in new.items():
            draft = self._draft(item, source=source, at=at(item))
            draft.sources[source] = SourceRef(source, external_id, item.etag, utcnow())
            drafts[external_id] = draft
        keys = {external_id: identity.match_keys(d) for external_id, d in drafts.items()}
        seen = Counter(k for ks in keys.values() for k in ks)
        for item in others:
            seen.update(identity.match_keys(self._draft(item, source=source, at=at(item))))
        with self.ws.transaction() as conn:
            owned = owners_of_keys(conn, seen.keys())
        created = []
        for external_id, ks in keys.items():
            if all(seen[k] == 1 and k not in owned for k in ks):
                draft = drafts[external_id]
                draft.created_at = draft.updated_at = at(new[external_id])  # as upsert does
                created.append(draft)
        self.ws.save_contacts(created)
        return {c.sources[source].external_id: Adopted(c, "created") for c in created}

    def adopt(
        self, item: RemoteItem, *, source: str, at: datetime, contacts: dict[str, str]
    ) -> Adopted:
        self.flush()  # identity look-ups below read the store
        draft = self._draft(item, source=source, at=at)
        if self._same_person_owners(draft):
            # An existing contact: link through its identity keys only; the engine merges the
            # other fields by the conflict rule instead of letting the draft overwrite them, and
            # records the source reference without replacing one it already has.
            keys_only = Contact(id=draft.id)
            for name in IDENTITY_FIELDS:
                if name in draft.provenance:
                    keys_only.set(name, getattr(draft, name), source=source, at=at)
            draft = keys_only
        else:
            draft.sources[source] = SourceRef(source, item.external_id, item.etag, utcnow())
        result = self.ws.upsert(draft, source=source, at=at)
        action = "created" if result.action == "created" else "matched"
        return Adopted(result.contact, action, review=len(result.review))

    def linked(
        self,
        record: Contact,
        source: str,
        external_id: str,
        etag: str,
        *,
        removed: bool = False,
        replaces: str = "",
    ) -> None:
        ids = {external_id, replaces} - {""}
        key = next(
            (
                k
                for k, ref in record.sources.items()
                if ref.connector == source and ref.external_id in ids
            ),
            None,
        )
        if key is None:
            # After a merge one contact may live twice in a tool: keep both references.
            key = source if source not in record.sources else f"{source}:{external_id}"
        ref = record.sources.get(key)
        if ref is not None and (ref.external_id, ref.etag, ref.removed) == (
            external_id,
            etag,
            removed,
        ):
            return
        record.sources[key] = SourceRef(source, external_id, etag, utcnow(), removed)
        self._keep(record)

    def delete(self, record: Contact, *, source: str) -> bool:
        if record.deleted_at is None:
            record.deleted_at, record.deleted_by = utcnow(), source
            self._keep(record)
            self.ws.retire_followups_of([record.id])
        return True

    def is_deleted(self, record: Contact) -> bool:
        return record.deleted_at is not None

    def _key_owners(self, contact: Contact) -> set[str]:
        with self.ws.transaction() as conn:
            return set(owners_of_keys(conn, identity.match_keys(contact)).values())

    def _same_person_owners(self, contact: Contact) -> set[str]:
        """The contacts holding one of ``contact``'s identity keys that may be the same person:
        not another member of a household (a shared phone or email, another first name)."""
        owners = self._key_owners(contact)
        others = self.ws.get_contacts(owners - {contact.id})
        return {
            owner
            for owner in owners
            if owner not in others or not identity.names_conflict(contact, others[owner])
        }

    def _review_clashes(self, contact: Contact, source: str) -> None:
        """A remote edit gave this contact a key another contact holds: let the owner decide."""
        for other in self._key_owners(contact) - {contact.id}:
            self.ws.queue_review(
                contact.id, other, 0.9, ["a synced edit gave both the same identity key"], source
            )


class FollowUpSide(LocalSide):
    """Follow-ups: relationkit creates them; a remote may change status, due date, snooze, note."""

    kind = Kind.FOLLOWUP
    appliable = frozenset({"status", "due", "snoozed_until", "note"})
    fields: ClassVar[tuple[str, ...]] = (
        "contact_id",
        "rule",
        "key",
        "title",
        "reason",
        "due",
        "channel",
        "minutes",
        "value",
        "marketing",
        "status",
        "snoozed_until",
        "done_at",
        "note",
    )

    def carried(self, connector: Connector) -> tuple[str, ...]:
        return self.fields

    def records(self) -> list[FollowUp]:
        return self.ws.followups()

    def find(self, local_id: str) -> FollowUp | None:
        try:
            return self.ws.get_followup(local_id)
        except NotFound:
            return None

    def current(self, local_ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(local_ids))
        found: set[str] = set()
        with self.ws.transaction() as conn:
            for start in range(0, len(ids), _CHUNK):
                query = select(t.followups.c.id).where(
                    t.followups.c.id.in_(ids[start : start + _CHUNK])
                )
                found.update(conn.scalars(query))
        return found

    def stamp(self, record: FollowUp, name: str) -> Stamp:
        return Stamp(record.updated_at, 0)

    def apply(self, record: FollowUp, values: dict[str, Any], *, source: str, at: datetime) -> None:
        decoded = {
            name: date.fromisoformat(value) if name in ("due", "snoozed_until") and value else value
            for name, value in values.items()
        }
        self.ws.update_followup(record, **decoded)

    def adopt(
        self, item: RemoteItem, *, source: str, at: datetime, contacts: dict[str, str]
    ) -> Adopted:
        return Adopted(None, "skipped", why="a follow-up relationkit did not create")

    def linked(
        self,
        record: FollowUp,
        source: str,
        external_id: str,
        etag: str,
        *,
        removed: bool = False,
        replaces: str = "",
    ) -> None:
        """Keep ``FollowUp.published`` (connector -> record id) in step with the link."""
        where = "" if removed else external_id
        if record.published.get(source, "") != where:
            self.ws.update_followup(record, published={source: where})


class HistorySide(LocalSide):
    """Purchases and interactions: recorded once (idempotent on source and external id)."""

    model: ClassVar[type]
    pushes_updates = False

    def __init__(self, workspace: Workspace, priorities: dict[str, int]) -> None:
        super().__init__(workspace, priorities)
        self._by_id: dict[str, Any] | None = None  # read once per run; history is append-only

    def carried(self, connector: Connector) -> tuple[str, ...]:
        skip = {"id", "created_at", "source", "external_id", "edited_at"}
        return tuple(f for f in self.model.__dataclass_fields__ if f not in skip)

    def find(self, local_id: str) -> Any | None:
        if self._by_id is None:
            self._by_id = {r.id: r for r in self.records()}
        return self._by_id.get(local_id)

    def stamp(self, record: Any, name: str) -> Stamp:
        return Stamp(record.created_at, 0)

    def should_push(self, record: Any, connector: str) -> bool:
        return record.source != connector

    def adopt(
        self, item: RemoteItem, *, source: str, at: datetime, contacts: dict[str, str]
    ) -> Adopted:
        fields = item.fields
        contact_id = fields.get("contact_id") or contacts.get(fields.get("contact_external_id", ""))
        if not contact_id:
            return Adopted(None, "skipped", why="names no known contact")
        try:
            record = self._record(contact_id, fields, source, item.external_id)
        except (InvalidValue, NotFound, KeyError, ValueError, InvalidOperation) as exc:
            return Adopted(None, "skipped", why=type(exc).__name__)
        self._by_id = None
        return Adopted(record, "created")

    def _record(
        self, contact_id: str, fields: dict[str, Any], source: str, external_id: str
    ) -> Any:
        raise NotImplementedError


class PurchaseSide(HistorySide):
    kind = Kind.PURCHASE
    model = Purchase

    def records(self) -> list[Purchase]:
        return self.ws.purchases()

    def _record(
        self, contact_id: str, fields: dict[str, Any], source: str, external_id: str
    ) -> Purchase:
        return self.ws.record_purchase(
            contact_id,
            Decimal(str(fields["amount"])),
            on=date.fromisoformat(fields["date"]) if fields.get("date") else None,
            currency=fields.get("currency") or None,
            category=fields.get("category", ""),
            items=fields.get("items", ""),
            note=fields.get("note", ""),
            source=source,
            external_id=external_id,
        )


class InteractionSide(HistorySide):
    kind = Kind.INTERACTION
    model = Interaction

    def records(self) -> list[Interaction]:
        return self.ws.interactions()

    def _record(
        self, contact_id: str, fields: dict[str, Any], source: str, external_id: str
    ) -> Interaction:
        return self.ws.record_interaction(
            contact_id,
            fields.get("kind", "note"),
            fields.get("summary", ""),
            on=date.fromisoformat(fields["date"]) if fields.get("date") else None,
            source=source,
            external_id=external_id,
            followup_id=fields.get("followup_id"),
        )


def local_sides(workspace: Workspace, priorities: dict[str, int]) -> dict[Kind, LocalSide]:
    """One adapter per kind."""
    sides = (ContactSide, FollowUpSide, PurchaseSide, InteractionSide)
    return {side.kind: side(workspace, priorities) for side in sides}
