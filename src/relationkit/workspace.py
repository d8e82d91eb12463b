"""The Workspace: the Python API that scripts, the CLI and the sync engine all go through."""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    false,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from . import identity
from . import merges as merge_records
from .config import Config, load_config
from .errors import ConcurrentChange, InvalidValue, NotFound
from .identity import unmerge as unmerging
from .identity.external import united
from .identity.keys import Key
from .merges import MergeRecord, Moved, Unmerged
from .models import (
    CONTACT_FIELDS,
    NO_MONEY,
    Channel,
    Conflict,
    Consent,
    Contact,
    ContactStats,
    FollowUp,
    FollowUpStatus,
    Interaction,
    InteractionKind,
    Purchase,
    PurchaseStatus,
    new_id,
    settled_status,
    utcnow,
)
from .orders import ORDER_PREFIX, OrderCounts, OrderUpdate
from .parsing import parse_amount, parse_currency, parse_date, parse_status
from .store import schema as t
from .store.codec import contact_from_dict, contact_to_dict, field_from_jsonable
from .store.database import create_db_engine, migrate

if TYPE_CHECKING:
    from .identity import DuplicateCandidate, DuplicateGroup
    from .sync import Removed
    from .sync.engine import SyncReport

log = logging.getLogger("relationkit.store")
# Which identity key wins when a draft matches different contacts by different keys.
_KEY_PRIORITY = {"source": 0, "external": 1, "email": 2, "linkedin": 3, "phone": 4}
_LIST_FIELDS = ("emails", "phones", "tags", "interests", "milestones", "family", "external_ids")
_CHUNK = 500  # rows per IN (...) query: well under SQLite's and PostgreSQL's parameter limits


@dataclass
class Upsert:
    """What saving a draft did: ``created``, ``updated`` or ``unchanged``, and which fields."""

    contact: Contact
    action: Literal["created", "updated", "unchanged"]
    changed: list[str] = field(default_factory=list)
    review: list[DuplicateCandidate] = field(default_factory=list)


class FollowUpRef(NamedTuple):
    """A follow-up told apart from the others, without its wording (see
    :meth:`Workspace.waiting_followups`)."""

    id: str
    contact_id: str
    rule: str
    key: str
    marketing: bool


_ATTEMPTS = 3  # runs of an upsert that met a concurrent write
# Any fixed 64-bit number: the PostgreSQL advisory lock of a transaction changing contacts.
_CONTACT_WRITES = 0x726B636F6E746163


class _KeyTaken(Exception):
    """A contact about to be created found one of its keys taken by another process."""


def _key_clash(exc: Exception) -> bool:
    """Whether a write failed on an identity key another transaction claimed first (and not
    on another constraint, which trying again would only meet again)."""
    return isinstance(exc, _KeyTaken) or "contact_keys" in str(getattr(exc, "statement", ""))


@dataclass
class _Written:
    """The contacts one chunk of :meth:`Workspace.upsert_many` creates or changes, kept in
    memory until the chunk is stored in a few statements."""

    contacts: dict[str, Contact] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    changed: dict[str, list[str]] = field(default_factory=dict)
    # Keys a created contact shares with another household member, held by that one already.
    shared: dict[str, set[Key]] = field(default_factory=dict)

    def add(self, contact: Contact, *, created: bool = False, changed: Sequence[str] = ()) -> None:
        self.contacts[contact.id] = contact
        if created:
            self.created.add(contact.id)
        elif contact.id not in self.created:
            seen = self.changed.setdefault(contact.id, [])
            seen += [name for name in changed if name not in seen]

    def current(self, conn: Connection, ws: Workspace, contact_id: str) -> Contact | None:
        """The contact as this chunk left it (stored ones followed through merges)."""
        if contact_id in self.contacts:
            return self.contacts[contact_id]
        stored = ws._resolve(conn, contact_id)
        return self.contacts.get(stored.id, stored) if stored is not None else None


def search_text(contact: Contact) -> str:
    """What ``find_contacts`` searches: names, emails, phones, company; casefolded, no accents."""
    parts = [
        contact.name,
        contact.given_name,
        contact.family_name,
        contact.company,
        *contact.emails,
    ]
    parts += contact.phones
    text = " ".join(p for p in parts if p).casefold()
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class _ThreadState(threading.local):
    """What one thread's use of a Workspace holds: its open transaction's connection and the
    event hooks waiting for that transaction to commit."""

    def __init__(self) -> None:
        self.connection: Connection | None = None
        self.pending_events: list[tuple[str, dict[str, Any]]] = []


class Workspace:
    """One business's relationship data. Open it with :func:`relationkit.open`.

    Safe to share between threads: each thread's :meth:`transaction` runs on a connection of
    its own (from the engine's pool), so one thread's work never joins another's.
    """

    def __init__(self, url: str | None = None, *, config: Config | None = None) -> None:
        self.config = config or load_config()
        if url:
            self.config.db_url = url
        self.engine = create_db_engine(self.config.db_url)
        migrate(self.engine)
        self._thread = _ThreadState()

    @property
    def _connection(self) -> Connection | None:
        """This thread's open transaction, if any."""
        return self._thread.connection

    # -- lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def in_transaction(self) -> bool:
        """Whether this thread has a :meth:`transaction` open (its changes not yet committed)."""
        return self._connection is not None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One all-or-nothing unit of work; nested calls in the same thread join the outer one
        (another thread's calls run in a transaction of their own).

        Event hooks fire only after the outermost transaction commits.
        """
        state = self._thread
        if state.connection is not None:
            yield state.connection
            return
        try:
            with self.engine.begin() as connection:
                state.connection = connection
                yield connection
        except BaseException:
            state.pending_events.clear()
            raise
        finally:
            state.connection = None
        self._fire_pending_events()

    @property
    def hooks(self) -> Any:
        """The plugin manager's hook caller (``ws.hooks.contact_created(...)``)."""
        from .plugins import get_plugin_manager

        return get_plugin_manager().hook

    @staticmethod
    def _claim_writes(conn: Connection) -> None:
        """Make this transaction the only one changing contacts until it ends, before it reads
        the contacts it changes: two writers (threads, processes) each reading a contact and
        saving their own version of it would lose the first one's change. On SQLite, the
        database's write lock is taken now (by a write that changes nothing); on PostgreSQL, a
        transaction-level advisory lock. Readers never wait."""
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CONTACT_WRITES})
        else:
            conn.execute(update(t.contacts).where(false()).values(id=t.contacts.c.id))

    def _emit(self, hook: str, **kwargs: Any) -> None:
        self._thread.pending_events.append((hook, kwargs))

    def _fire_pending_events(self) -> None:
        state = self._thread
        events, state.pending_events = state.pending_events, []
        if not events:
            return
        hooks = self.hooks
        for name, kwargs in events:
            getattr(hooks, name)(workspace=self, **kwargs)

    # -- contacts: reading -----------------------------------------------------------------------

    def _load(self, conn: Connection, contact_id: str) -> Contact | None:
        row = conn.execute(select(t.contacts.c.data).where(t.contacts.c.id == contact_id)).first()
        return contact_from_dict(row.data) if row else None

    def _resolve(self, conn: Connection, contact_id: str) -> Contact | None:
        """The contact with this id, following merges to the survivor."""
        seen: set[str] = set()
        contact = self._load(conn, contact_id)
        while contact is not None and contact.merged_into and contact.id not in seen:
            seen.add(contact.id)
            contact = self._load(conn, contact.merged_into)
        return contact

    def _owner_of_key(self, conn: Connection, kind: str, value: str) -> str | None:
        row = conn.execute(
            select(t.contact_keys.c.contact_id).where(
                t.contact_keys.c.kind == kind, t.contact_keys.c.value == value
            )
        ).first()
        return row.contact_id if row else None

    def key_owners(self, kinds: Sequence[str]) -> dict[tuple[str, str], str]:
        """Every identity key of these kinds (``email``, ``phone``: normalised values) and the
        contact id holding it, in one query: for importers matching many lines at once."""
        k = t.contact_keys.c
        with self.transaction() as conn:
            rows = conn.execute(select(k.kind, k.value, k.contact_id).where(k.kind.in_(kinds)))
            return {(kind, value): owner for kind, value, owner in rows}

    def get_contact(self, ref: str | Contact) -> Contact:
        """A contact by id, email, phone or LinkedIn URL (merged ids lead to the survivor)."""
        if isinstance(ref, Contact):
            ref = ref.id
        with self.transaction() as conn:
            contact = self._resolve(conn, ref)
            if contact is not None:
                return contact
            for kind, value in _ref_keys(ref, self.config.region):
                owner = self._owner_of_key(conn, kind, value)
                if owner:
                    found = self._resolve(conn, owner)
                    if found:
                        return found
        raise NotFound("no contact with id, email, phone or LinkedIn URL", ref=ref)

    def contacts(self) -> Iterator[Contact]:
        """Every active contact (merged-away and deleted ones excluded), streamed."""
        query = select(t.contacts.c.data).where(t.ACTIVE_CONTACT)
        query = query.order_by(t.contacts.c.id)
        with self.engine.connect() as conn:
            for row in conn.execute(query, execution_options={"yield_per": 1000}):
                yield contact_from_dict(row.data)

    def count_contacts(self) -> int:
        with self.transaction() as conn:
            query = select(func.count()).select_from(t.contacts).where(t.ACTIVE_CONTACT)
            return int(conn.execute(query).scalar_one())

    def find_contacts(
        self,
        text: str | None = None,
        *,
        tag: str | None = None,
        limit: int | None = None,
        deleted: bool = False,
    ) -> list[Contact]:
        """Contacts whose name, email, phone or company contains ``text`` and/or tagged ``tag``;
        deleted ones are left out, or only they are listed with ``deleted``."""
        c = t.contacts.c
        gone = and_(c.merged_into.is_(None), c.deleted_at.is_not(None))
        query = select(c.data).where(gone if deleted else t.ACTIVE_CONTACT)
        if text:
            needle = search_text(Contact(display_name=text))
            query = query.where(t.contacts.c.search_name.contains(needle, autoescape=True))
        query = query.order_by(t.contacts.c.display_name, t.contacts.c.id)
        found: list[Contact] = []
        wanted_tag = tag.casefold() if tag else None
        with self.transaction() as conn:
            for row in conn.execute(query):
                contact = contact_from_dict(row.data)
                if wanted_tag and wanted_tag not in {x.casefold() for x in contact.tags}:
                    continue
                found.append(contact)
                if limit is not None and len(found) >= limit:
                    break
        return found

    # -- contacts: writing -----------------------------------------------------------------------

    def add_contact(self, name: str = "", *, source: str = "api", **fields: Any) -> Contact:
        """Add a person from loose values; one who shares an identity key updates that contact.

        Raises :class:`InvalidValue` when a value cannot be read, or when nothing says who the
        person is (no name, email, phone, LinkedIn URL or street address); nothing is saved then.
        """
        from .parsing import contact_from_fields

        if name:
            fields["name"] = name
        draft, problems = contact_from_fields(fields, region=self.config.region, source=source)
        if problems:
            raise problems[0]
        if not identity.tells_who(draft):
            raise InvalidValue(
                "name", name, "a contact needs a name, email, phone, LinkedIn URL or street address"
            )
        return self.upsert(draft, source=source).contact

    def update_contact(self, ref: str | Contact, *, source: str = "api", **fields: Any) -> Contact:
        """Change fields of one contact from loose values (``company="Lee Gardens"``).

        An email, phone or LinkedIn profile that belongs to another contact is refused
        (:class:`~relationkit.errors.InvalidValue`): the two are likely one person, to merge.
        A household member is given a shared phone or family email with :meth:`add_contact`.
        """
        from .parsing import contact_from_fields

        draft, problems = contact_from_fields(fields, region=self.config.region, source=source)
        if problems:
            raise problems[0]
        with self.transaction() as conn:
            self._claim_writes(conn)
            contact = self.get_contact(ref)
            owners = owners_of_keys(conn, identity.match_keys(draft))
            for (kind, value), owner in sorted(owners.items()):
                if owner != contact.id:
                    raise InvalidValue(
                        kind,
                        value,
                        f"it belongs to another contact ({owner}); if they are one person, "
                        f"merge them: relationkit merge {contact.id} {owner}",
                    )
            changed = [
                name
                for name in CONTACT_FIELDS
                if name in draft.provenance
                if contact.set(name, getattr(draft, name), source=source)
            ]
            if changed:
                self._write(contact, created=False, changed=changed)
        return contact

    def delete_contact(self, ref: str | Contact, *, source: str = "api") -> Contact:
        """Delete a customer: out of every list, digest and tool from now on, with its open
        follow-ups skipped; its purchases, interactions and identity are kept, so
        :meth:`undelete_contact` (or the same person added again) brings it back whole.

        A tool holding the customer deletes it on the next sync only when its connector has
        ``propagate_deletes``; otherwise it keeps its copy, no longer updated. ``source`` is who
        deleted it (a connector's name when the delete came from that tool).
        """
        with self.transaction() as conn:
            self._claim_writes(conn)
            contact = self.get_contact(ref)
            if contact.deleted_at is None:
                contact.deleted_at, contact.deleted_by = utcnow(), source
                contact.updated_at = contact.deleted_at
                self._write(contact, created=False, changed=[])
                self.retire_followups_of([contact.id])
        return contact

    def undelete_contact(self, ref: str | Contact) -> Contact:
        """Bring a deleted customer back. When a tool's delete deleted it (``deleted_by``), the
        next sync writes the customer back to that tool too."""
        from .sync import restore

        contact = self.get_contact(ref)
        if contact.deleted_at is None:
            return contact
        deleted_by = contact.deleted_by
        with self.transaction():
            contact.deleted_at, contact.deleted_by = None, ""
            contact.updated_at = utcnow()
            self._write(contact, created=False, changed=[])
            if deleted_by:
                restore(self, deleted_by, contact.id)
        return contact

    def retire_followups_of(self, contact_ids: Sequence[str]) -> None:
        """Mark skipped every open or snoozed follow-up of these contacts (deleted customers)."""
        f = t.followups.c
        waiting = [FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value]
        with self.transaction() as conn:
            for start in range(0, len(contact_ids), _CHUNK):
                conn.execute(
                    update(t.followups)
                    .where(
                        f.contact_id.in_(contact_ids[start : start + _CHUNK]),
                        f.status.in_(waiting),
                    )
                    .values(status=FollowUpStatus.SKIPPED.value, updated_at=utcnow())
                )

    def save_contact(self, contact: Contact, *, changed: Sequence[str] = ()) -> Contact:
        """Store a Contact object as it is (its provenance already set by the caller)."""
        with self.transaction() as conn:
            exists = conn.execute(
                select(t.contacts.c.id).where(t.contacts.c.id == contact.id)
            ).first()
            self._write(contact, created=exists is None, changed=list(changed))
        return contact

    def save_contacts(
        self, contacts: Sequence[Contact], *, changed: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        """:meth:`save_contact` for many contacts in one transaction, a few statements in all.

        ``changed`` gives, by contact id, the fields that changed (for ``contact_updated``).
        The contacts' identity keys are claimed in order, as one save after the other would.
        """
        with self.transaction() as conn:
            ids = [c.id for c in contacts]
            exists: set[str] = set()
            for start in range(0, len(ids), _CHUNK):
                part = ids[start : start + _CHUNK]
                exists |= set(
                    conn.scalars(select(t.contacts.c.id).where(t.contacts.c.id.in_(part)))
                )
            created = {c.id for c in contacts if c.id not in exists}
            self._store_many(conn, contacts, created, changed or {})

    def _store_many(
        self,
        conn: Connection,
        contacts: Iterable[Contact],
        created: set[str],
        changed: Mapping[str, Sequence[str]],
        *,
        strict: bool = False,
        shared: Mapping[str, set[Key]] | None = None,
    ) -> None:
        """Insert the ``created`` contacts and update the others, claim their free identity keys
        in order (a key another contact holds stays with it) and queue the event hooks.

        ``strict``: the created contacts were checked to match nobody, so a key of theirs held
        by a contact stored before is a concurrent write: raise :class:`_KeyTaken`; except the
        keys in ``shared``, known to be held by another member of the household.
        """
        shared = shared or {}
        self._claim_writes(conn)  # before this transaction's first contact row lock
        contacts = list(contacts)
        inserts = [
            {"id": c.id, "created_at": c.created_at, **_contact_row(c)}
            for c in contacts
            if c.id in created
        ]
        updates = [{"contact_id": c.id, **_contact_row(c)} for c in contacts if c.id not in created]
        if inserts:
            conn.execute(_INSERT_CONTACT, inserts)
        if updates:
            conn.execute(_UPDATE_CONTACT, updates)
        active = {c.id: identity.match_keys(c) for c in contacts if c.merged_into is None}
        owners = owners_of_keys(conn, {k for keys in active.values() for k in keys})
        if strict:
            for contact_id, keys in active.items():
                if contact_id in created and any(
                    owners.get(key, contact_id) != contact_id
                    for key in keys - shared.get(contact_id, set())
                ):
                    raise _KeyTaken
        fresh: list[dict[str, str]] = []
        for contact_id, keys in active.items():
            for kind, value in keys:
                if (kind, value) in owners:
                    continue
                owners[(kind, value)] = contact_id
                fresh.append({"kind": kind, "value": value, "contact_id": contact_id})
        if fresh:
            conn.execute(insert(t.contact_keys), fresh)
        for contact in contacts:
            if contact.id in created:
                self._emit("contact_created", contact=contact)
            elif changed.get(contact.id):
                self._emit("contact_updated", contact=contact, changed=list(changed[contact.id]))

    def get_contacts(self, ids: Iterable[str]) -> dict[str, Contact]:
        """Many contacts by id, in a few queries: id -> contact (merged ids lead to the
        survivor; an unknown id is left out)."""
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Contact] = {}
        with self.transaction() as conn:
            for start in range(0, len(wanted), _CHUNK):
                part = wanted[start : start + _CHUNK]
                query = select(t.contacts.c.data).where(t.contacts.c.id.in_(part))
                for row in conn.execute(query):
                    contact = contact_from_dict(row.data)
                    found[contact.id] = contact
            for contact_id, contact in list(found.items()):
                if contact.merged_into:
                    survivor = self._resolve(conn, contact_id)
                    if survivor is None:
                        del found[contact_id]
                    else:
                        found[contact_id] = survivor
        return found

    def contacts_by_source(self, connector: str, external_ids: Iterable[str]) -> dict[str, Contact]:
        """The contacts linked to these records of ``connector``: external id -> contact
        (records nobody is linked to are left out)."""
        keys = [("source", f"{connector}:{external_id}") for external_id in external_ids]
        with self.transaction() as conn:
            owners = owners_of_keys(conn, keys)
        contacts = self.get_contacts(owners.values())
        prefix = len(connector) + 1
        return {
            value[prefix:]: contacts[owner]
            for (_, value), owner in owners.items()
            if owner in contacts
        }

    def upsert(self, draft: Contact, *, source: str, at: datetime | None = None) -> Upsert:
        """Identity-aware save: a draft sharing a key with a contact updates it, else is created."""
        return self.upsert_many([draft], source=source, at=at)[0]

    def upsert_many(
        self, drafts: Sequence[Contact], *, source: str, at: datetime | None = None
    ) -> list[Upsert]:
        """:meth:`upsert` for many drafts in one transaction: keys looked up and contacts written
        a chunk of drafts at a time (a draft may match one created or updated earlier in it).

        Writers of contacts are serialised (:meth:`_claim_writes`), so another thread or
        process (the owner at the CLI while the scheduled sync runs, two people on one
        PostgreSQL database) cannot create the same person between the look-up and the write.
        Should one still have (a writer that does not claim, such as an older relationkit), the
        new contact finds its email already taken: the transaction is rolled back and run
        again, and the second time the draft updates the contact the other made. Inside an
        outer transaction the conflict is raised instead, for the outermost caller to retry.
        """
        attempts = _ATTEMPTS if self._connection is None else 1
        for attempt in range(1, attempts):
            try:
                return self._upsert_many(drafts, source=source, at=at)
            except (_KeyTaken, IntegrityError) as exc:
                if not _key_clash(exc):
                    raise
                log.info("upsert: a concurrent write took a key; trying again (%d)", attempt)
        try:
            return self._upsert_many(drafts, source=source, at=at)
        except (_KeyTaken, IntegrityError) as exc:
            if not _key_clash(exc):
                raise
            raise ConcurrentChange(
                "another process saved the same customers at the same time"
                f" ({type(exc).__name__}); run the command again"
            ) from exc

    def _upsert_many(
        self, drafts: Sequence[Contact], *, source: str, at: datetime | None
    ) -> list[Upsert]:
        results: list[Upsert] = []
        with self.transaction() as conn:
            self._claim_writes(conn)
            for start in range(0, len(drafts), _CHUNK):
                chunk = drafts[start : start + _CHUNK]
                owners = self._key_owners(conn, chunk)
                batch = _Written()
                for draft in chunk:
                    results.append(self._upsert_one(conn, draft, owners, source, at, batch))
                self._store_many(
                    conn,
                    batch.contacts.values(),
                    batch.created,
                    batch.changed,
                    strict=True,
                    shared=batch.shared,
                )
        return results

    def _key_owners(
        self, conn: Connection, drafts: Sequence[Contact]
    ) -> dict[tuple[str, str], str]:
        keys = {key for draft in drafts for key in identity.match_keys(draft)}
        return owners_of_keys(conn, keys)

    def _upsert_one(
        self,
        conn: Connection,
        draft: Contact,
        owners: dict[tuple[str, str], str],
        source: str,
        at: datetime | None,
        batch: _Written,
    ) -> Upsert:
        keys = sorted(identity.match_keys(draft), key=lambda k: _KEY_PRIORITY.get(k[0], 9))
        matched = list(dict.fromkeys(owners[k] for k in keys if k in owners))
        same_record = {owners[k] for k in keys if k[0] == "source" and k in owners}
        existing = None
        for owner in matched:
            candidate = batch.current(conn, self, owner)
            if candidate is None:
                continue
            if owner in same_record or not identity.names_conflict(candidate, draft):
                existing = candidate
                break
        if existing is None:
            # Nobody, or only other members of a household (a shared phone, different names).
            draft.created_at = draft.updated_at = at or utcnow()
            batch.add(draft, created=True)
            review = self._review_shared_ids(conn, draft, draft, owners, source, batch)
            if held := {key for key in keys if key in owners}:
                batch.shared[draft.id] = held
            for key in keys:  # claimed in order: a held key stays held
                owners.setdefault(key, draft.id)
            return Upsert(draft, "created", list(CONTACT_FIELDS), review)
        revived = existing.deleted_at is not None  # a deleted customer came back
        existing.deleted_at, existing.deleted_by = None, ""
        changed = _absorb_draft(existing, draft, source=source, at=at)
        review = self._review_other_owners(conn, existing, draft, matched, source, batch)
        review += self._review_shared_ids(conn, existing, draft, owners, source, batch)
        if changed or revived:
            batch.add(existing, changed=changed)
            owners.update(dict.fromkeys(identity.match_keys(existing), existing.id))
        return Upsert(existing, "updated" if changed or revived else "unchanged", changed, review)

    def _review_other_owners(
        self,
        conn: Connection,
        contact: Contact,
        draft: Contact,
        matched: list[str],
        source: str,
        batch: _Written,
    ) -> list[DuplicateCandidate]:
        """A draft matching two different contacts: queue the pair for the owner to decide
        (not when the draft's first name differs from the other's: a household member)."""
        review = []
        for other_id in matched:
            other = batch.current(conn, self, other_id)
            if other is None or other.id == contact.id or identity.names_conflict(draft, other):
                continue
            shared = sorted(
                f"same {kind} {value}"
                for kind, value in identity.match_keys(contact) & identity.match_keys(other)
            ) or ["one record matched both contacts"]
            candidate = identity.DuplicateCandidate(contact.id, other.id, 0.9, shared)
            self._queue(conn, candidate, source)
            review.append(candidate)
        return review

    def _review_shared_ids(
        self,
        conn: Connection,
        contact: Contact,
        draft: Contact,
        owners: Mapping[Key, str],
        source: str,
        batch: _Written,
    ) -> list[DuplicateCandidate]:
        """A customer number of the draft held by someone whose first name differs: not merged
        (the household rule), but a number is issued to one customer, so the pair is queued
        for the owner to decide, with both reasons."""
        review = []
        for item in draft.external_ids:
            owner = owners.get(("external", identity.external_id_key(item)))
            other = batch.current(conn, self, owner) if owner else None
            if other is None or other.id == contact.id:
                continue
            if conflict := identity.names_conflict(draft, other):
                candidate = identity.DuplicateCandidate(
                    contact.id, other.id, 0.9, [f"same {item.kind} {item.value}", conflict]
                )
                self._queue(conn, candidate, source)
                review.append(candidate)
        return review

    def _write(
        self,
        contact: Contact,
        *,
        created: bool,
        changed: list[str],
        conn: Connection | None = None,
    ) -> None:
        """Insert or update the contact row and claim its free identity keys."""
        if conn is None:
            with self.transaction() as conn:
                return self._write(contact, created=created, changed=changed, conn=conn)
        self._store_many(conn, [contact], {contact.id} if created else set(), {contact.id: changed})
        return None

    # -- history ---------------------------------------------------------------------------------

    def _contact_id(self, ref: str | Contact) -> str:
        return self.get_contact(ref).id

    def record_purchase(
        self,
        contact: str | Contact,
        amount: Decimal | float | str,
        *,
        on: date | str | None = None,
        currency: str | None = None,
        category: str = "",
        items: str = "",
        note: str = "",
        source: str = "api",
        order_id: str | None = None,
        external_id: str | None = None,
        status: PurchaseStatus | str | None = None,
        refunded: Decimal | float | str | None = None,
    ) -> Purchase:
        """Record a sale, read as the CLI reads it: ``"$85"``, ``"1,240.50"``, ``"EUR 30"``;
        ``on`` a date or ``"12/1/2026"`` (default today). A negative amount with no order is a
        refund on its own; ``refunded`` is what was given back of this sale and ``status`` what
        happened to it (:class:`PurchaseStatus` or as shops write it: "Paid", "declined").

        With an ``order_id`` (``external_id`` is the same thing) the call is an upsert: the
        same ``(source, order_id)`` recorded again updates that order (a status or refund not
        given keeps the stored one) instead of counting it twice; an order the owner corrected
        (:meth:`edit_purchase`) is returned as it is. Raises :class:`InvalidValue` naming the
        field for anything unreadable.
        """
        line = self._purchase_line(contact, amount, on, currency, refunded, status)
        line.category, line.items, line.note, line.source = category, items, note, source
        order = order_id or external_id
        if not order:
            with self.transaction() as conn:
                conn.execute(insert(t.purchases).values(**_purchase_row(line)))
            return line
        line.external_id = order
        draft = OrderUpdate.start(line)
        draft.add(line, status_given=status is not None, refunded_given=refunded is not None)
        self.record_orders([draft])
        return self.get_purchase_by_order(source, order)

    def _purchase_line(
        self,
        contact: str | Contact,
        amount: Any,
        on: Any,
        currency: str | None,
        refunded: Any,
        status: Any,
    ) -> Purchase:
        """A draft purchase from loose API values, read like the CLI and imports read them."""
        shop = parse_currency(currency) if currency else self.config.currency.upper()
        value, code = _amount("amount", amount, shop)
        if currency and code != shop:
            raise InvalidValue("amount", amount, f"is in {code} but currency says {shop}")
        given_back = Decimal(0)
        if refunded is not None:
            given_back, refund_code = _amount("refunded", refunded, code)
            if given_back < 0 or refund_code != code:
                raise InvalidValue("refunded", refunded, f"must be a positive amount in {code}")
        if on is None:
            day = date.today()
        elif isinstance(on, datetime):
            day = on.date()
        else:
            day = parse_date(on, region=self.config.region)
        return Purchase(
            contact_id=self._contact_id(contact),
            date=day,
            amount=value,
            currency=code,
            status=parse_status(status) if status is not None else PurchaseStatus.PAID,
            refunded=given_back,
        )

    def record_purchases(self, purchases: Iterable[Purchase]) -> int:
        """Store finished purchases at once (each one order: status and refund as given);
        one whose ``(source, external_id)`` is stored already updates it. Returns how many
        were new. Importers reading order lines use :class:`relationkit.orders.OrderCollector`."""
        drafts = []
        for purchase in purchases:
            if not purchase.external_id:
                purchase.external_id = new_id("line")
            draft = OrderUpdate.start(purchase)
            draft.add(purchase, status_given=True, refunded_given=True)
            drafts.append(draft)
        return self.record_orders(drafts).created

    def record_orders(
        self,
        orders: Iterable[OrderUpdate],
        *,
        continuing: Collection[tuple[str, str]] = frozenset(),
    ) -> OrderCounts:
        """Upsert orders by ``(source, order_id)`` (see :mod:`relationkit.orders`).

        A new order is stored; a stored one takes what the export says now (its lines, and its
        status and refunds when the export gives them), so an export imported again, or a later
        and longer one, changes each order to its latest state and never doubles it. Refund
        rows alone (``charged`` False) only change the refunds. Orders in ``continuing`` were
        stored earlier by the same import: their lines are added to the stored ones. Orders the
        owner corrected (:meth:`edit_purchase`, :meth:`delete_purchase`) are left alone.
        """
        orders = list(orders)
        counts = OrderCounts()
        with self.transaction() as conn:
            stored = self._stored_orders(conn, orders)
            fresh, changed = [], []
            for order in orders:
                key = (order.source, order.order_id)
                before = stored.get(key)
                if before is not None and before.edited_at is not None:
                    counts.kept_corrected += 1
                    continue
                after = _apply_order(before, order, continuing=key in continuing)
                if before is None:
                    stored[key] = after
                    fresh.append(_purchase_row(after))
                    counts.created += 1
                elif _purchase_row(after) == _purchase_row(before):
                    counts.unchanged += 1
                else:
                    stored[key] = after
                    changed.append({**_purchase_row(after), "_id": after.id})
                    counts.updated += 1
            if fresh:
                conn.execute(insert(t.purchases), fresh)
            if changed:
                columns = {k: bindparam(k) for k in changed[0] if k not in ("id", "_id")}
                conn.execute(
                    update(t.purchases)
                    .where(t.purchases.c.id == bindparam("_id"))
                    .values(**columns),
                    changed,
                )
        return counts

    @staticmethod
    def _stored_orders(
        conn: Connection, orders: list[OrderUpdate]
    ) -> dict[tuple[str, str], Purchase]:
        by_source: dict[str, list[str]] = {}
        for order in orders:
            by_source.setdefault(order.source, []).append(order.order_id)
        stored = {}
        for source, ids in by_source.items():
            for start in range(0, len(ids), _CHUNK):
                query = select(t.purchases).where(
                    t.purchases.c.source == source,
                    t.purchases.c.external_id.in_(ids[start : start + _CHUNK]),
                )
                for row in conn.execute(query):
                    stored[(row.source, row.external_id)] = _purchase(row)
        return stored

    def get_purchase(self, ref: str) -> Purchase:
        """A purchase by its id (``p_…``) or its order id (``1001`` or ``#1001``)."""
        with self.transaction() as conn:
            row = conn.execute(select(t.purchases).where(t.purchases.c.id == ref)).first()
            if row is None:
                orders = conn.execute(
                    select(t.purchases)
                    .where(t.purchases.c.external_id.in_(_order_refs(ref)))
                    .limit(2)
                ).all()
                if len(orders) > 1:
                    raise InvalidValue(
                        "purchase", ref, "several sources have an order of that id; use its id"
                    )
                row = orders[0] if orders else None
        if row is None:
            raise NotFound("no purchase has the id or order id", ref=ref)
        return _purchase(row)

    def get_purchase_by_order(self, source: str, order_id: str) -> Purchase:
        with self.transaction() as conn:
            row = conn.execute(
                select(t.purchases).where(
                    t.purchases.c.source == source, t.purchases.c.external_id == order_id
                )
            ).first()
        if row is None:
            raise NotFound(f"no purchase from {source} has the order id", ref=order_id)
        return _purchase(row)

    def edit_purchase(self, ref: str, *, why: str = "", **changes: Any) -> Purchase:
        """Correct a purchase (``amount``, ``on``, ``currency``, ``status``, ``refunded``,
        ``category``, ``items``, ``note``), read like :meth:`record_purchase`. What it was
        is kept in :meth:`purchase_history`; later imports leave the corrected purchase alone.
        """
        unknown = changes.keys() - _EDITABLE
        if unknown:
            raise InvalidValue("field", ", ".join(sorted(unknown)), "cannot be edited")
        with self.transaction() as conn:
            before = self.get_purchase(ref)
            line = self._purchase_line(
                before.contact_id,
                changes.get("amount", before.amount),
                changes.get("on", before.date),
                changes.get("currency", before.currency),
                changes.get("refunded", before.refunded),
                changes.get("status", before.status),
            )
            status = line.status if "status" in changes else before.status
            if "status" not in changes and status not in NO_MONEY:
                status = PurchaseStatus.PAID  # refunds decide it again
            after = replace(
                before,
                date=line.date,
                amount=line.amount,
                currency=line.currency,
                refunded=line.refunded,
                status=settled_status(status, line.amount, line.refunded),
                category=changes.get("category", before.category),
                items=changes.get("items", before.items),
                note=changes.get("note", before.note),
                edited_at=utcnow(),
            )
            self._keep_history(conn, before, "edited", why)
            row = _purchase_row(after)
            conn.execute(update(t.purchases).where(t.purchases.c.id == after.id).values(**row))
        return after

    def delete_purchase(self, ref: str, *, why: str = "") -> Purchase:
        """Strike a purchase out: it becomes ``voided`` (nothing of it counts) and stays on
        record with what it was in :meth:`purchase_history`; imports do not bring it back."""
        return self.edit_purchase(ref, why=why or "deleted", status=PurchaseStatus.VOIDED)

    def _keep_history(self, conn: Connection, before: Purchase, action: str, why: str) -> None:
        record = _purchase_row(before)
        snapshot = {
            k: v.isoformat() if isinstance(v, date | datetime) else str(v) if v is not None else v
            for k, v in record.items()
        }
        conn.execute(
            insert(t.purchase_history).values(
                purchase_id=before.id, at=utcnow(), action=action, before=snapshot, note=why
            )
        )

    def purchase_history(self, ref: str) -> list[dict[str, Any]]:
        """Each correction of a purchase, oldest first: ``at``, ``action``, ``note`` and
        ``before`` (the purchase's fields as they were)."""
        purchase_id = self.get_purchase(ref).id
        query = (
            select(t.purchase_history)
            .where(t.purchase_history.c.purchase_id == purchase_id)
            .order_by(t.purchase_history.c.id)
        )
        with self.transaction() as conn:
            return [
                {"at": r.at, "action": r.action, "note": r.note, "before": r.before}
                for r in conn.execute(query)
            ]

    def record_interaction(
        self,
        contact: str | Contact,
        kind: InteractionKind | str = InteractionKind.NOTE,
        summary: str = "",
        *,
        on: date | None = None,
        source: str = "api",
        external_id: str | None = None,
        followup_id: str | None = None,
    ) -> Interaction:
        """Log a touchpoint; idempotent on ``(source, external_id)`` like purchases."""
        try:
            kind = InteractionKind(str(kind).lower())
        except ValueError as exc:
            kinds = ", ".join(k.value for k in InteractionKind)
            raise InvalidValue("kind", kind, f"use one of {kinds}") from exc
        with self.transaction() as conn:
            if external_id:
                existing = conn.execute(
                    select(t.interactions).where(
                        t.interactions.c.source == source,
                        t.interactions.c.external_id == external_id,
                    )
                ).first()
                if existing:
                    return _interaction(existing)
            interaction = Interaction(
                contact_id=self._contact_id(contact),
                date=on or date.today(),
                kind=kind,
                summary=summary,
                source=source,
                external_id=external_id or "",
                followup_id=followup_id,
            )
            row = {
                "id": interaction.id,
                "contact_id": interaction.contact_id,
                "date": interaction.date,
                "kind": interaction.kind.value,
                "summary": summary,
                "source": source,
                "external_id": external_id or None,
                "followup_id": followup_id,
                "created_at": interaction.created_at,
            }
            conn.execute(insert(t.interactions).values(**row))
        return interaction

    def purchases(
        self, contact: str | Contact | None = None, *, since: date | None = None
    ) -> list[Purchase]:
        query = select(t.purchases).order_by(t.purchases.c.date, t.purchases.c.id)
        if contact is not None:
            query = query.where(t.purchases.c.contact_id == self._contact_id(contact))
        if since is not None:
            query = query.where(t.purchases.c.date >= since)
        with self.transaction() as conn:
            return [_purchase(r) for r in conn.execute(query)]

    def interactions(self, contact: str | Contact | None = None) -> list[Interaction]:
        query = select(t.interactions).order_by(t.interactions.c.date, t.interactions.c.id)
        if contact is not None:
            query = query.where(t.interactions.c.contact_id == self._contact_id(contact))
        with self.transaction() as conn:
            return [_interaction(r) for r in conn.execute(query)]

    def stats(self, contact: str | Contact, today: date | None = None) -> ContactStats:
        """Purchase and interaction figures for one contact, derived from its history."""
        return ContactStats.compute(
            self.purchases(contact),
            self.interactions(contact),
            today or date.today(),
            currency=self.config.currency.upper(),
            rates=self.config.rates(),
        )

    # -- duplicates and merging ------------------------------------------------------------------

    def _decided_pairs(self, conn: Connection) -> set[frozenset[str]]:
        rows = conn.execute(select(t.duplicate_decisions.c.a, t.duplicate_decisions.c.b))
        return {frozenset((r.a, r.b)) for r in rows}

    def duplicates(self) -> list[DuplicateCandidate]:
        """Likely duplicates not yet decided: queued review items first, then computed ones."""
        queued, computed = self._undecided_duplicates()
        return queued + computed

    def duplicate_groups(self) -> list[DuplicateGroup]:
        """Likely duplicates as groups, most likely first: one person typed five times is one
        group with its pairs and reasons inside (see :func:`identity.group_duplicates`).

        Queued review items (households, uncertain matches from a sync) never join groups.
        """
        queued, computed = self._undecided_duplicates()
        return identity.group_duplicates(computed, weak=queued)

    def _undecided_duplicates(self) -> tuple[list[DuplicateCandidate], list[DuplicateCandidate]]:
        """Queued review items and computed likely pairs, none of them decided."""
        with self.transaction() as conn:
            decided = self._decided_pairs(conn)
            queued = [
                identity.DuplicateCandidate(r.a, r.b, r.score, list(r.reasons))
                for r in conn.execute(
                    select(t.review_queue).order_by(t.review_queue.c.score.desc())
                )
                if frozenset((r.a, r.b)) not in decided
            ]
        seen = {frozenset((c.a, c.b)) for c in queued}
        computed = [
            c
            for c in identity.find_duplicates(self.contacts(), decided=decided)
            if frozenset((c.a, c.b)) not in seen
        ]
        return queued, computed

    def queue_review(self, a: str, b: str, score: float, reasons: list[str], source: str) -> None:
        """Put an uncertain match in the duplicates review queue (kept until decided)."""
        with self.transaction() as conn:
            self._queue(conn, identity.DuplicateCandidate(a, b, score, reasons), source)

    def _queue(self, conn: Connection, candidate: DuplicateCandidate, source: str) -> None:
        a, b = sorted((candidate.a, candidate.b))
        if frozenset((a, b)) in self._decided_pairs(conn):
            return
        conn.execute(delete(t.review_queue).where(t.review_queue.c.a == a, t.review_queue.c.b == b))
        conn.execute(
            insert(t.review_queue).values(
                a=a,
                b=b,
                score=candidate.score,
                reasons=candidate.reasons,
                source=source,
                created_at=utcnow(),
            )
        )

    def _decide(self, conn: Connection, a: str, b: str, decision: str) -> None:
        a, b = sorted((a, b))
        pair = and_(t.duplicate_decisions.c.a == a, t.duplicate_decisions.c.b == b)
        conn.execute(delete(t.duplicate_decisions).where(pair))
        conn.execute(
            insert(t.duplicate_decisions).values(a=a, b=b, decision=decision, decided_at=utcnow())
        )
        conn.execute(delete(t.review_queue).where(t.review_queue.c.a == a, t.review_queue.c.b == b))

    def not_duplicate(self, a: str | Contact, b: str | Contact) -> None:
        """Remember that two contacts are different people: never suggested again."""
        with self.transaction() as conn:
            self._decide(conn, self._contact_id(a), self._contact_id(b), "not_duplicate")

    def merge(
        self, a: str | Contact, b: str | Contact, *, source: str = "api", automatic: bool = False
    ) -> Contact:
        """Merge two contacts into one, losing nothing; returns the surviving contact.

        Emails, phones and tags are united, notes joined, history re-pointed, source references
        kept, and the absorbed contact's id keeps leading to the survivor. The merge is
        recorded (:meth:`merges`) with ``source`` (who asked: ``api``, ``cli``, an importer or a
        connector) and ``automatic`` (made without the owner deciding it), and can be undone
        with :meth:`unmerge`. This is the one place contacts are merged.
        """
        with self.transaction() as conn:
            self._claim_writes(conn)
            first, second = self.get_contact(a), self.get_contact(b)
            if first.id == second.id:
                raise InvalidValue("contact", first.id, "cannot merge a contact with itself")
            survivor, absorbed = identity.choose_survivor(first, second)
            at = utcnow()
            merged = identity.merge_contacts(survivor, absorbed, at=at)
            moved = self._moved_by_merge(conn, absorbed.id, merged.id)
            merge_records.record(
                conn, survivor, absorbed, merged, moved, at=at, source=source, automatic=automatic
            )
            absorbed.merged_into = merged.id
            absorbed.updated_at = at
            self._write(absorbed, created=False, changed=[], conn=conn)
            conn.execute(
                update(t.contact_keys)
                .where(t.contact_keys.c.contact_id == absorbed.id)
                .values(contact_id=merged.id)
            )
            self._write(merged, created=False, changed=[], conn=conn)  # contacts_merged says it
            self._move_records(conn, moved, merged.id)
            conn.execute(
                update(t.conflicts)
                .where(t.conflicts.c.local_id == absorbed.id)
                .values(local_id=merged.id)
            )
            conn.execute(
                update(t.sync_items)
                .where(t.sync_items.c.local_id == absorbed.id)
                .values(local_id=merged.id)
            )
            self._decide(conn, merged.id, absorbed.id, "merged")
            self._emit("contacts_merged", survivor=merged, absorbed_id=absorbed.id)
        return merged

    def merge_group(self, *refs: str | Contact, source: str = "api") -> Contact:
        """Merge several contacts into one, all or nothing; returns the survivor.

        The group is merged pair by pair with :meth:`merge` inside one transaction, so each
        step is recorded as an ordinary merge; should one step fail, nothing is merged.
        """
        with self.transaction():
            contacts = [self.get_contact(ref) for ref in refs]
            ids = [c.id for c in contacts]
            if len(set(ids)) < len(ids):
                raise InvalidValue("contact", " ".join(ids), "cannot merge a contact with itself")
            if len(contacts) < 2:
                raise InvalidValue("contacts", " ".join(ids), "a merge needs two contacts or more")
            survivor = contacts[0]
            for other in contacts[1:]:
                survivor = self.merge(survivor, other, source=source)
        return survivor

    def _moved_by_merge(self, conn: Connection, old: str, new: str) -> Moved:
        """What merging contact ``old`` into ``new`` moves (follow-ups the survivor already has
        for the same reason stay put)."""
        survivor_keys = {
            (r.rule, r.key)
            for r in conn.execute(
                select(t.followups.c.rule, t.followups.c.key).where(t.followups.c.contact_id == new)
            )
        }
        k, s = t.contact_keys.c, t.sync_items.c
        return Moved(
            purchases=list(
                conn.scalars(select(t.purchases.c.id).where(t.purchases.c.contact_id == old))
            ),
            interactions=list(
                conn.scalars(select(t.interactions.c.id).where(t.interactions.c.contact_id == old))
            ),
            followups=[
                r.id
                for r in conn.execute(
                    select(t.followups.c.id, t.followups.c.rule, t.followups.c.key).where(
                        t.followups.c.contact_id == old
                    )
                )
                if (r.rule, r.key) not in survivor_keys
            ],
            keys=[
                (r.kind, r.value)
                for r in conn.execute(select(k.kind, k.value).where(k.contact_id == old))
            ],
            links=[
                (r.connector, r.kind, r.external_id)
                for r in conn.execute(
                    select(s.connector, s.kind, s.external_id).where(s.local_id == old)
                )
            ],
        )

    def _move_records(self, conn: Connection, moved: Moved, to: str) -> None:
        """Give the purchases, interactions and follow-ups in ``moved`` to contact ``to``."""
        for table, ids in (
            (t.purchases, moved.purchases),
            (t.interactions, moved.interactions),
            (t.followups, moved.followups),
        ):
            for start in range(0, len(ids), _CHUNK):
                part = ids[start : start + _CHUNK]
                conn.execute(update(table).where(table.c.id.in_(part)).values(contact_id=to))

    def merges(
        self, *, since: datetime | None = None, automatic: bool | None = None
    ) -> list[MergeRecord]:
        """Every merge recorded, oldest first: since a moment, only the automatic ones
        (``automatic=True``) or only the owner's (``False``)."""
        with self.transaction() as conn:
            return merge_records.load(conn, since=since, automatic=automatic)

    def merge_history(self, ref: str | Contact) -> list[MergeRecord]:
        """The merges this contact took part in (it survived them, or was merged away and
        split off again), oldest first."""
        contact_id = self._contact_id(ref)
        with self.transaction() as conn:
            found = merge_records.load(conn, survivor_id=contact_id)
            found += merge_records.load(conn, absorbed_id=contact_id)
        return sorted(found, key=lambda m: (m.at, m.id))

    def unmerge(self, ref: str | Contact) -> Unmerged:
        """Split a merge back into the two contacts it came from.

        ``ref`` is the absorbed contact's id (that merge is undone) or the survivor (its most
        recent merge not undone). The absorbed contact comes back with its own fields, identity
        keys, purchases, interactions, follow-ups and tool links as they were; the survivor
        keeps what changed since the merge but what came from the other (see
        :mod:`relationkit.identity.unmerge`). The records of both in the tools are corrected by
        the next sync. The pair is then remembered as two different people.

        Raises :class:`~relationkit.errors.NotFound` when no merge made this contact and
        :class:`~relationkit.errors.InvalidValue` for a merge that cannot be undone (made before
        merges were recorded in full, or its survivor merged into another contact since).
        """
        with self.transaction() as conn:
            record = self._merge_to_undo(conn, ref)
            assert record.moved and record.survivor and record.merged  # can_undo checked
            current = self._load(conn, record.survivor_id)
            if current is None or current.merged_into:
                raise InvalidValue(
                    "contact",
                    record.survivor_id,
                    f"was merged into {current.merged_into if current else 'nothing'} since; "
                    "unmerge that first",
                )
            at = utcnow()
            survivor = unmerging.split_survivor(
                current, record.survivor, record.absorbed, record.merged, at=at
            )
            restored = unmerging.restore_absorbed(record.absorbed, record.merged, at=at)
            moved = record.moved
            self._give_back_keys(conn, moved.keys, survivor.id, restored.id)
            self._store_many(
                conn,
                [survivor, restored],
                set(),
                {
                    survivor.id: _changed(current, survivor),
                    restored.id: list(CONTACT_FIELDS),
                },
            )
            for start in range(0, len(moved.followups), _CHUNK):
                part = moved.followups[start : start + _CHUNK]
                conn.execute(
                    update(t.followups)
                    .where(t.followups.c.id.in_(part), t.followups.c.contact_id == survivor.id)
                    .values(contact_id=restored.id)
                )
            self._move_records(
                conn,
                Moved(purchases=moved.purchases, interactions=moved.interactions),
                restored.id,
            )
            self._relink(conn, moved.links, survivor.id, restored.id)
            self._decide(conn, survivor.id, restored.id, "not_duplicate")
            merge_records.mark_undone(conn, record.id, at)
        return Unmerged(survivor, restored, record)

    def _merge_to_undo(self, conn: Connection, ref: str | Contact) -> MergeRecord:
        raw = ref.id if isinstance(ref, Contact) else ref
        found = [r for r in merge_records.load(conn, absorbed_id=raw) if r.undone_at is None]
        if not found:
            contact = self.get_contact(ref)
            found = [
                r for r in merge_records.load(conn, survivor_id=contact.id) if r.undone_at is None
            ]
        if not found:
            raise NotFound(f"no merge to undo for {raw!r}: it was not made by a merge")
        record = found[-1]
        if record.moved is None:
            raise InvalidValue(
                "contact",
                record.absorbed_id,
                f"was merged on {record.at:%Y-%m-%d}, before relationkit recorded merges in "
                "full: it cannot be unmerged",
            )
        return record

    def _give_back_keys(
        self, conn: Connection, keys: list[tuple[str, str]], survivor: str, restored: str
    ) -> None:
        """The identity keys the merge moved, back to the restored contact (those the survivor
        still holds; one another contact took since stays with it)."""
        k = t.contact_keys.c
        owners = owners_of_keys(conn, keys)
        back = [key for key in keys if owners.get(key) == survivor]
        if back:
            conn.execute(
                update(t.contact_keys)
                .where(k.kind == bindparam("k"), k.value == bindparam("v"))
                .values(contact_id=restored),
                [{"k": kind, "v": value} for kind, value in back],
            )

    # -- conflicts the sync settled ----------------------------------------------------------------

    def conflicts(
        self, contact: str | Contact | None = None, *, include_resolved: bool = False
    ) -> list[Conflict]:
        """The conflicts the sync settled and the owner has not looked at yet, oldest first:
        each with the value kept and the one set aside, their sources and times (of one
        contact when given; with ``include_resolved``, the ones used or dismissed too)."""
        from .sync import conflict_log

        with self.transaction() as conn:
            ids = None if contact is None else [self._contact_id(contact)]
            return conflict_log.load(conn, local_ids=ids, open_only=not include_resolved)

    def resolve_conflict(
        self, conflict_id: int, use: Literal["other", "kept"] = "kept", *, source: str = "api"
    ) -> Conflict:
        """Close a conflict: ``use="other"`` sets the field to the value the sync set aside, as
        an owner's decision made now by ``source`` (the next sync sends it to every tool);
        ``use="kept"`` leaves the field as it is (dismissed). Raises :class:`NotFound` for an
        unknown id, :class:`InvalidValue` for one already closed or a value that cannot be used
        (an email another contact holds: merge them first)."""
        from .sync import conflict_log

        if use not in ("other", "kept"):
            raise InvalidValue("use", use, 'use "other" or "kept"')
        with self.transaction() as conn:
            found = conflict_log.get(conn, conflict_id)
            if found is None:
                raise NotFound(f"no conflict {conflict_id}; `relationkit conflicts` lists them")
            if not found.is_open:
                raise InvalidValue("conflict", conflict_id, f"it is already {found.resolution}")
            if use == "other":
                self._use_lost_value(conn, found, source)
            resolution = conflict_log.USED_OTHER if use == "other" else conflict_log.DISMISSED
            conflict_log.close(conn, conflict_id, resolution)
            return conflict_log.get(conn, conflict_id) or found

    def _use_lost_value(self, conn: Connection, conflict: Conflict, source: str) -> None:
        if conflict.kind == "followup":
            followup = self.get_followup(conflict.local_id)
            value = conflict.lost
            if conflict.field in ("due", "snoozed_until") and value:
                value = date.fromisoformat(value)
            elif conflict.field == "status":
                value = FollowUpStatus(value)
            setattr(followup, conflict.field, value)
            self._store_followup(conn, followup)
            return
        contact = self.get_contact(conflict.local_id)
        value = field_from_jsonable(conflict.field, conflict.lost)
        probe = Contact(id=contact.id)
        probe.set(conflict.field, value, source=source)
        for (kind, key), owner in sorted(owners_of_keys(conn, identity.match_keys(probe)).items()):
            if owner != contact.id:
                raise InvalidValue(
                    kind,
                    key,
                    f"it belongs to another contact ({owner}); if they are one person, "
                    f"merge them first: relationkit merge {contact.id} {owner}",
                )
        if contact.set(conflict.field, value, source=source):
            self._write(contact, created=False, changed=[conflict.field], conn=conn)

    def _relink(
        self, conn: Connection, links: list[tuple[str, str, str]], survivor: str, restored: str
    ) -> None:
        """Link the restored contact's records in the tools to it again, with an empty local
        base so the next sync writes them whole (its id and its own values)."""
        from .sync import status
        from .sync.contract import Kind

        by_connector: dict[str, list[tuple[Kind, str]]] = {}
        for connector, kind, external_id in links:
            by_connector.setdefault(connector, []).append((Kind(kind), external_id))
        for connector, keys in by_connector.items():
            rows = [
                s for s in status.load(conn, connector, keys).values() if s.local_id == survivor
            ]
            for row in rows:
                row.local_id, row.local = restored, {}
            status.save_many(conn, rows)

    # -- follow-ups ------------------------------------------------------------------------------

    def followups(
        self,
        *,
        status: FollowUpStatus | str | Sequence[FollowUpStatus | str] | None = None,
        contact: str | Contact | None = None,
        due_by: date | None = None,
    ) -> list[FollowUp]:
        """Follow-ups, soonest due first, filtered by status, contact and/or due date."""
        query = select(t.followups).order_by(
            t.followups.c.due, t.followups.c.value.desc(), t.followups.c.id
        )
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            query = query.where(t.followups.c.status.in_([FollowUpStatus(s).value for s in wanted]))
        if contact is not None:
            query = query.where(t.followups.c.contact_id == self._contact_id(contact))
        if due_by is not None:
            query = query.where(t.followups.c.due <= due_by)
        with self.transaction() as conn:
            return [_followup(r) for r in conn.execute(query)]

    def get_followup(self, followup_id: str) -> FollowUp:
        with self.transaction() as conn:
            row = conn.execute(select(t.followups).where(t.followups.c.id == followup_id)).first()
        if row is None:
            raise NotFound(f"no follow-up with id {followup_id!r}")
        return _followup(row)

    def save_followups(self, suggestions: Iterable[FollowUp]) -> list[FollowUp]:
        """Store new suggestions; one already known (same contact, rule and key) is left as it
        is, so generating twice creates nothing and the owner's done/skipped/snoozed stay.
        Returns only the follow-ups that were new."""
        created: list[FollowUp] = []
        batch = list(suggestions)
        f = t.followups.c
        with self.transaction() as conn:
            seen: set[tuple[str, str, str]] = set()
            # A playbook run over a large shop suggests tens of thousands: look them up and
            # insert them a chunk at a time, not one statement each.
            for start in range(0, len(batch), _CHUNK):
                chunk = batch[start : start + _CHUNK]
                # By contact (indexed), then matched here: a row-value IN would scan the table.
                contact_ids = list({s.contact_id for s in chunk})
                query = select(f.contact_id, f.rule, f.key).where(f.contact_id.in_(contact_ids))
                seen.update((r.contact_id, r.rule, r.key) for r in conn.execute(query))
                fresh = []
                for suggestion in chunk:
                    key = (suggestion.contact_id, suggestion.rule, suggestion.key)
                    if key not in seen:
                        seen.add(key)
                        fresh.append(suggestion)
                if fresh:
                    conn.execute(insert(t.followups), [_followup_row(s) for s in fresh])
                for suggestion in fresh:
                    self._emit("followup_created", followup=suggestion)
                created += fresh
        return created

    def waiting_followups(self) -> list[FollowUpRef]:
        """Every open or snoozed follow-up, only what tells it apart (quick, for many)."""
        f = t.followups.c
        waiting = [FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value]
        query = select(f.id, f.contact_id, f.rule, f.key, f.marketing).where(f.status.in_(waiting))
        with self.transaction() as conn:
            return [FollowUpRef(*row) for row in conn.execute(query)]

    def retire_followups(self, ids: Sequence[str]) -> None:
        """Mark these follow-ups skipped because they no longer hold (a playbook run decides
        that, not the owner)."""
        now = utcnow()
        with self.transaction() as conn:
            for start in range(0, len(ids), _CHUNK):
                conn.execute(
                    update(t.followups)
                    .where(t.followups.c.id.in_(ids[start : start + _CHUNK]))
                    .values(status=FollowUpStatus.SKIPPED.value, updated_at=now)
                )

    def update_followup(
        self,
        followup: str | FollowUp,
        *,
        status: FollowUpStatus | str | None = None,
        due: date | None = None,
        snoozed_until: date | None = None,
        note: str | None = None,
        published: dict[str, str] | None = None,
    ) -> FollowUp:
        """Change a follow-up's status, due date, snooze date, note or where it is published."""
        with self.transaction() as conn:
            current = self.get_followup(followup if isinstance(followup, str) else followup.id)
            if status is not None:
                current.status = FollowUpStatus(status)
            if due is not None:
                current.due = due
            if snoozed_until is not None:
                current.status, current.snoozed_until = FollowUpStatus.SNOOZED, snoozed_until
            if note is not None:
                current.note = note
            if published is not None:
                current.published = {**current.published, **published}
            self._store_followup(conn, current)
        return current

    def _store_followup(self, conn: Connection, followup: FollowUp) -> None:
        followup.updated_at = utcnow()
        row = _followup_row(followup)
        conn.execute(update(t.followups).where(t.followups.c.id == followup.id).values(**row))

    def complete_followup(
        self,
        followup: str | FollowUp,
        summary: str = "",
        *,
        on: date | None = None,
        kind: InteractionKind | str | None = None,
        source: str = "api",
    ) -> Interaction:
        """Mark a follow-up done and log the interaction it was (its summary: the owner's note)."""
        with self.transaction() as conn:
            current = self.get_followup(followup if isinstance(followup, str) else followup.id)
            interaction = self.record_interaction(
                current.contact_id,
                kind or InteractionKind.of_channel(current.channel),
                summary or current.title,
                on=on,
                source=source,
                external_id=f"followup:{current.id}",
                followup_id=current.id,
            )
            current.status, current.done_at = FollowUpStatus.DONE, utcnow()
            current.note = summary or current.note
            self._store_followup(conn, current)
            self._emit("followup_completed", followup=current, interaction=interaction)
        return interaction

    # -- sync ------------------------------------------------------------------------------------

    # -- plugin state ----------------------------------------------------------------------------

    def plugin_state(self, plugin: str) -> dict[str, str]:
        """What a plugin saved with :meth:`save_plugin_state` (empty at first).

        For small bookkeeping a plugin keeps between runs (decisions, cursors of an import);
        values are strings (JSON-encode anything richer).
        """
        from .sync.status import load_state

        with self.transaction() as conn:
            return load_state(conn, f"plugin:{plugin}")

    def save_plugin_state(self, plugin: str, values: dict[str, str]) -> None:
        """Replace a plugin's saved state with ``values`` (inside the current transaction)."""
        from .sync.status import save_state

        with self.transaction() as conn:
            save_state(conn, f"plugin:{plugin}", values)

    def sync(
        self,
        only: Sequence[str] | None = None,
        *,
        dry_run: bool = False,
        full: bool = False,
        force: bool = False,
        today: date | None = None,
        settings: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> SyncReport:
        """Sync every enabled connector (or ``only`` those): pull all, then push all.

        ``full`` re-reads everything instead of changes since the last sync; ``force`` goes on
        even when a side came back suspiciously empty (see docs/sync.md, "Safety guard");
        ``today`` is the run's date the connectors see (default: the computer's date);
        ``settings`` override the config for this run, by connector
        (``{"google_contacts": {"all_contacts": True}}``).
        """
        from .sync import sync_workspace

        return sync_workspace(
            self,
            only=only,
            dry_run=dry_run,
            full=full,
            force=force,
            today=today,
            settings=settings,
        )

    def removed_records(
        self, connector: str | None = None, *, since: datetime | None = None
    ) -> list[Removed]:
        """Records a tool reported gone (deleted there, or missing from a full listing): kept
        here and not written there again until restored. Only ``connector``'s when given, only
        those marked at or after ``since`` when given (naive: UTC); oldest first."""
        from .sync import removed_records

        return removed_records(self, connector, since=since)

    def restore_removed(
        self, connector: str | None = None, *, since: datetime | None = None
    ) -> int:
        """Have the next sync write back what :meth:`removed_records` lists (same filters);
        returns how many records were released. One contact: ``relationkit.sync.restore``."""
        from .sync import restore_removed

        return restore_removed(self, connector, since=since)


_INSERT_CONTACT = insert(t.contacts)
_UPDATE_CONTACT = update(t.contacts).where(t.contacts.c.id == bindparam("contact_id"))


def _contact_row(contact: Contact) -> dict[str, Any]:
    """The ``contacts`` columns of a contact, but its id and creation time."""
    return {
        "display_name": contact.name,
        "search_name": search_text(contact),
        "data": contact_to_dict(contact),
        "updated_at": contact.updated_at,
        "merged_into": contact.merged_into,
        "deleted_at": contact.deleted_at,
    }


def owners_of_keys(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Who holds each of these identity keys (key -> contact id; free keys left out).

    One ``value IN (...)`` query per kind of key, which the primary key index answers (a
    row-value ``(kind, value) IN`` makes SQLite scan the whole table).
    """
    by_kind: dict[str, list[str]] = {}
    for kind, value in keys:
        by_kind.setdefault(kind, []).append(value)
    owners: dict[tuple[str, str], str] = {}
    k = t.contact_keys.c
    for kind, values in by_kind.items():
        for start in range(0, len(values), _CHUNK):
            query = select(k.value, k.contact_id).where(
                k.kind == kind, k.value.in_(values[start : start + _CHUNK])
            )
            owners.update({(kind, r.value): r.contact_id for r in conn.execute(query)})
    return owners


def _ref_keys(ref: str, region: str) -> list[tuple[str, str]]:
    """The identity keys a user-typed reference could be (email, phone, LinkedIn URL)."""
    keys = []
    for kind, normalise in (
        ("email", identity.normalise_email),
        ("linkedin", identity.normalise_linkedin_url),
        ("phone", lambda text: identity.normalise_phone(text, region)),
    ):
        try:
            keys.append((kind, normalise(ref)))
        except InvalidValue:
            continue
    return keys


def _changed(before: Contact, after: Contact) -> list[str]:
    return [name for name in CONTACT_FIELDS if getattr(before, name) != getattr(after, name)]


def _absorb_draft(
    contact: Contact, draft: Contact, *, source: str, at: datetime | None
) -> list[str]:
    """Apply a draft's known values to an existing contact; lists are united, never shrunk."""
    changed = []
    for name in CONTACT_FIELDS:
        value = getattr(draft, name)
        if name not in draft.provenance and not value:
            continue
        current = getattr(contact, name)
        if name == "external_ids":
            value = united(current, value)  # K-1 and k1 are one number
        elif name in _LIST_FIELDS:
            value = current + [v for v in value if v not in current]
        elif name == "custom":
            value = {**current, **value}
        elif name == "notes" and current and value and value not in current:
            value = f"{current}\n\n{value}"
        elif name == "consent":
            value = _merge_consent(current, value)
        when = draft.provenance[name].at if name in draft.provenance else at
        known = contact.provenance.get(name)
        if when and known and known.at > when and name not in (*_LIST_FIELDS, "custom"):
            continue  # the stored value is newer than the draft's: keep it
        if contact.set(name, value, source=source, at=when):
            changed.append(name)
    for key, ref in draft.sources.items():
        if contact.sources.get(key) != ref:
            contact.sources[key] = ref
            changed.append("sources")
    return list(dict.fromkeys(changed))


def _merge_consent(current: Consent, draft: Consent) -> Consent:
    """A draft's consent says only what it knows: an unknown answer never erases a known one,
    and do-not-contact stays until someone clears it explicitly (``update_contact``)."""
    known_answer = draft.marketing is not None
    return Consent(
        marketing=draft.marketing if known_answer else current.marketing,
        given_at=draft.given_at if known_answer else current.given_at,
        source=draft.source if known_answer else current.source,
        do_not_contact=current.do_not_contact or draft.do_not_contact,
        channels=list(draft.channels) or list(current.channels),
    )


def _purchase_row(p: Purchase) -> dict[str, Any]:
    return {
        "id": p.id,
        "contact_id": p.contact_id,
        "date": p.date,
        "amount": p.amount,
        "currency": p.currency,
        "category": p.category,
        "items": p.items,
        "note": p.note,
        "source": p.source,
        "external_id": p.external_id or None,
        "created_at": p.created_at,
        "status": p.status.value,
        "refunded": p.refunded,
        "kept": p.kept,
        "edited_at": p.edited_at,
    }


def _purchase(row: Any) -> Purchase:
    cents = Decimal("0.01")
    return Purchase(
        id=row.id,
        contact_id=row.contact_id,
        date=row.date,
        amount=Decimal(row.amount).quantize(cents),
        currency=row.currency,
        category=row.category,
        items=row.items,
        note=row.note,
        source=row.source,
        external_id=row.external_id or "",
        created_at=row.created_at,
        status=PurchaseStatus(row.status),
        refunded=Decimal(row.refunded).quantize(cents),
        edited_at=row.edited_at,
    )


def _order_refs(ref: str) -> list[str]:
    """The keys an order id the owner types may be stored under (``1001`` finds ``#1001``)."""
    bare = ref.removeprefix(ORDER_PREFIX)
    return [ref, f"{ORDER_PREFIX}{bare}", f"{ORDER_PREFIX}#{bare.removeprefix('#')}"]


_EDITABLE = frozenset(
    {"amount", "on", "currency", "status", "refunded", "category", "items", "note"}
)


def _amount(name: str, value: Any, currency: str) -> tuple[Decimal, str]:
    """An amount from the API: a number, or text read like the CLI reads it."""
    try:
        number, code = parse_amount(value, currency=currency)
        return number.quantize(Decimal("0.01")), code
    except InvalidValue as error:
        raise InvalidValue(name, value, error.why) from None
    except ArithmeticError:
        raise InvalidValue(name, value, "not a number") from None


def _apply_order(before: Purchase | None, order: OrderUpdate, *, continuing: bool) -> Purchase:
    """The purchase an order becomes when ``order`` (what an export says of it) is applied
    to what was stored (``before``); see :meth:`Workspace.record_orders`."""
    items = "; ".join(order.items)
    refunds = order.refunds
    if before is None:
        after = Purchase(
            contact_id=order.contact_id,
            date=order.date,
            amount=order.amount,
            currency=order.currency,
            category=order.category,
            items=items,
            note=order.note,
            source=order.source,
            external_id=order.order_id,
            status=order.status or PurchaseStatus.PAID,
            refunded=refunds or Decimal(0),
        )
    elif continuing:
        charged_before = before.amount != 0 or bool(before.items)
        after = replace(
            before,
            amount=before.amount + order.amount,
            date=min(before.date, order.date) if charged_before else order.date,
            items="; ".join(filter(None, (before.items, items))),
            category=before.category or order.category,
            note=before.note or order.note,
            status=order.status or before.status,
            refunded=before.refunded
            if refunds is None
            else max(before.refunded + order.refund_rows, order.refunded or Decimal(0)),
        )
        if not charged_before:
            after.currency = order.currency
    else:
        after = replace(
            before,
            status=order.status
            or (before.status if before.status in NO_MONEY else PurchaseStatus.PAID),
            refunded=before.refunded if refunds is None else refunds,
        )
        if order.charged:
            after.date, after.amount, after.currency = order.date, order.amount, order.currency
            after.category, after.items, after.note = order.category, items, order.note
    after.status = settled_status(after.status, after.amount, after.refunded)
    if after.status == PurchaseStatus.REFUNDED and after.refunded < after.amount:
        after.refunded = after.amount
    after.contact_id = order.contact_id if before is None else before.contact_id
    return after


def _interaction(row: Any) -> Interaction:
    return Interaction(
        id=row.id,
        contact_id=row.contact_id,
        date=row.date,
        kind=InteractionKind(row.kind),
        summary=row.summary,
        source=row.source,
        external_id=row.external_id or "",
        followup_id=row.followup_id,
        created_at=row.created_at,
    )


_FOLLOWUP_COLUMNS = (
    "id",
    "contact_id",
    "rule",
    "key",
    "title",
    "reason",
    "due",
    "minutes",
    "value",
    "marketing",
    "snoozed_until",
    "done_at",
    "note",
    "published",
    "created_at",
    "updated_at",
)


def _followup_row(f: FollowUp) -> dict[str, Any]:
    row = {name: getattr(f, name) for name in _FOLLOWUP_COLUMNS}
    row["channel"] = f.channel.value if f.channel else None
    row["status"] = f.status.value
    return row


def _followup(row: Any) -> FollowUp:
    values = {name: getattr(row, name) for name in _FOLLOWUP_COLUMNS}
    return FollowUp(
        **values,
        channel=Channel(row.channel) if row.channel else None,
        status=FollowUpStatus(row.status),
    )


__all__ = ["FollowUpRef", "Upsert", "Workspace"]
