"""Two-way sync of contacts with Google Contacts through the People API v1.

Pull lists ``connections`` (1000 per page) with a sync token kept in the engine's cursor; an
expired token falls back to a full listing. Push creates with ``batchCreateContacts`` and updates
with ``batchUpdateContacts``, 200 per request and one request at a time. See
docs/google-contacts.md for the settings and for how stale etags, crashes and Google's write
propagation delay are handled.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, ClassVar

from googleapiclient.errors import HttpError

from relationkit.auth import google_credentials
from relationkit.errors import AuthError, ConfigError, InvalidValue
from relationkit.google import create_with_retries
from relationkit.settings import Setting
from relationkit.sync.contract import (
    Change,
    Connector,
    Kind,
    Op,
    PullResult,
    PushResult,
    RemoteItem,
)
from relationkit.sync.values import clean_contact_fields

from . import mapping
from .client import MAX_BATCH, MAX_DELETE, Groups, PeopleClient, UnusableSyncToken, error_status

log = logging.getLogger("relationkit.google_contacts")

DEFAULT_GROUP = "Customers"
# Changes the engine hands over per push (its results are saved after each): several Google
# requests' worth, so that creates and updates mixed in one batch still fill 200-contact calls.
DEFAULT_BATCH_SIZE = 5 * MAX_BATCH
# A listed version no newer than this after relationkit last saw the record may be one Google
# still shows while a write propagates: it is read again with people.getBatchGet.
STALE_MARGIN = timedelta(minutes=5)


class GoogleContactsConnector(Connector):
    """Google Contacts, both ways. Settings: ``group`` ("Customers"), ``all_contacts`` (false:
    only the label's people; true, or ``relationkit sync --all-contacts`` for one run: every
    contact of the account, each given the label when relationkit writes it)."""

    name = "google_contacts"
    description = "Google Contacts (People API), both ways, for the contacts of one label"
    kinds = frozenset({Kind.CONTACT})
    fields = mapping.FIELDS
    # Used only with propagate_deletes: a merge's extra contact and a deleted customer's contact
    # are deleted.
    can_delete = True
    scopes: ClassVar[tuple[str, ...]] = ("https://www.googleapis.com/auth/contacts",)
    flags: ClassVar[dict[str, str]] = {
        "all_contacts": "Google Contacts: take in every contact of the account, not only the "
        "label's (each gets the label, so later syncs keep it)."
    }
    settings_schema: ClassVar[dict[str, Setting]] = {
        "group": Setting(str, DEFAULT_GROUP, "the contact label (group) synced"),
    }

    def __init__(self, workspace: Any, settings: dict[str, Any]) -> None:
        super().__init__(workspace, {"batch_size": DEFAULT_BATCH_SIZE, **settings})
        group = self.settings.get("group", DEFAULT_GROUP)
        if not isinstance(group, str) or not group.strip():
            raise ConfigError(f'[connectors.{self.name}] group = "<label name>" must be a name')
        self.group = group.strip()
        self.all_contacts = bool(self.settings.get("all_contacts", False))
        self._client: PeopleClient | None = None
        self._groups: Groups | None = None

    # -- plumbing --------------------------------------------------------------------------------

    @property
    def client(self) -> PeopleClient:
        if self._client is None:
            self._client = PeopleClient(
                google_credentials(list(self.scopes), self.workspace.config)
            )
        return self._client

    def groups(self) -> Groups:
        """The account's labels, read once per sync (only when a person must be translated)."""
        if self._groups is None:
            self._groups = self.client.list_groups()
        return self._groups

    def check(self) -> list[str]:
        try:
            google_credentials(list(self.scopes), self.workspace.config)
        except AuthError as exc:  # says what to run
            return [f"{self.name}: {exc}"]
        return []

    def _linked(self) -> dict[str, Any]:
        """Resource name -> SourceRef of every person relationkit links to this connector."""
        return {
            ref.external_id: ref
            for contact in self.workspace.contacts()
            for ref in contact.sources.values()
            if ref.connector == self.name
        }

    # -- pull ------------------------------------------------------------------------------------

    @property
    def scope(self) -> str:
        """Which people are synced: ``all``, or ``label:<name>``."""
        return "all" if self.all_contacts else f"label:{self.group}"

    def pull(self, state: dict[str, str], *, full: bool) -> PullResult:
        # A token from a sync of other people (another label, or every contact) lists only
        # changes: the people the new scope adds would never be seen.
        same_scope = state.get("scope", self.scope) == self.scope
        token = None if full or not same_scope else state.get("sync_token") or None
        try:
            people, new_token = self._list(token)
        except UnusableSyncToken as exc:
            log.info("google_contacts: sync token refused (%s); listing every contact", exc)
            token = None
            people, new_token = self._list(None)
        listed = {p["resourceName"]: p for p in people}
        suspects = self._suspects(listed, full=token is None)
        fresh = self.client.get_many(suspects) if suspects else {}
        listed.update(fresh)
        gone = [name for name in suspects if name not in fresh]  # deleted since
        for name in gone:
            listed.pop(name, None)
        items = [
            item for p in listed.values() if (item := self._item(p, incremental=token is not None))
        ]
        items += [RemoteItem(Kind.CONTACT, name, deleted=True) for name in gone]
        cursor = {"sync_token": new_token, "scope": self.scope} if new_token else {}
        return PullResult(items, full=token is None, state=cursor)

    def _list(self, token: str | None) -> tuple[list[dict[str, Any]], str]:
        people: list[dict[str, Any]] = []
        new_token = ""
        for page in self.client.list_connections(token):
            if isinstance(page, str):
                new_token = page
            else:
                people.extend(page)
        return people, new_token

    def _suspects(self, listed: dict[str, dict[str, Any]], *, full: bool) -> list[str]:
        """Linked people to read again: those a listing shows in an older version, or a full
        listing misses.

        Google shows writes in lists only after a delay: a contact just created is missing and a
        contact just updated shows its previous version (an incremental listing too, when the
        owner changed the contact just before relationkit's write). Taken at face value, the
        first would be marked removed and the second would undo relationkit's edit;
        ``getBatchGet`` sees writes at once, and a contact it does not find was deleted (one
        only taken out of the label is found). Costs no request when nothing is missing or
        suspicious.
        """
        if full:
            linked = self._linked()
        else:
            linked = {
                external_id: ref
                for external_id, contact in self.workspace.contacts_by_source(
                    self.name, listed
                ).items()
                if (ref := _ref(contact, self.name, external_id)) is not None
            }
        suspects = []
        for external_id, ref in linked.items():
            if ref.removed:
                continue
            person = listed.get(external_id)
            if person is None:
                if full:
                    suspects.append(external_id)
                continue
            changed = mapping.updated_at(person)
            if (
                person.get("etag") != ref.etag
                and ref.last_seen is not None
                and changed is not None
                and changed <= ref.last_seen + STALE_MARGIN
            ):
                suspects.append(external_id)
        return suspects

    def _in_scope(self, person: dict[str, Any]) -> bool:
        if self.all_contacts:
            return True
        home = self.groups().id_of(self.group)
        return home is not None and home in mapping.membership_ids(person)

    def _item(self, person: dict[str, Any], *, incremental: bool) -> RemoteItem | None:
        external_id = person["resourceName"]
        if mapping.is_deleted(person):
            return RemoteItem(Kind.CONTACT, external_id, person.get("etag", ""), deleted=True)
        if not self._in_scope(person):
            if incremental and mapping.local_id(person):
                # Taken out of the label: out of the sync, as if deleted (never deleted here).
                return RemoteItem(
                    Kind.CONTACT, external_id, person.get("etag", ""), deleted=True, left=True
                )
            return None
        fields, problems = self._read(person)
        return RemoteItem(
            Kind.CONTACT,
            external_id,
            person.get("etag", ""),
            fields,
            local_id=mapping.local_id(person),
            changed_at=mapping.updated_at(person),
            problems=problems,
        )

    def _read(self, person: dict[str, Any]) -> tuple[dict[str, Any], list[InvalidValue]]:
        groups = self.groups()
        raw = mapping.person_fields(person, groups.names, groups.id_of(self.group))
        return clean_contact_fields(
            raw,
            region=self.workspace.config.region,
            where=f"Google contact {person['resourceName']}",
        )

    # -- push ------------------------------------------------------------------------------------

    def push(self, changes: list[Change]) -> list[PushResult]:
        results: list[PushResult | None] = [None] * len(changes)
        creates = [i for i, c in enumerate(changes) if c.op == Op.CREATE]
        updates = [i for i, c in enumerate(changes) if c.op == Op.UPDATE]
        deletes = [i for i, c in enumerate(changes) if c.op == Op.DELETE]
        for i, result in zip(deletes, self._delete([changes[i] for i in deletes]), strict=True):
            results[i] = result
        fresh: dict[int, dict[str, Any]] = {}
        if creates:
            fresh.update(self._created_before(changes, creates))
            creates = [i for i in creates if i not in fresh]
        if updates:
            current = self.client.get_many([changes[i].external_id or "" for i in updates])
            for i in updates:
                change = changes[i]
                person = current.get(change.external_id or "")
                if person is None:
                    results[i] = _failed(change, "no longer in Google Contacts")
                elif (
                    change.etag
                    and person.get("etag") != change.etag
                    and not self._only_own_writes(change, person)
                ):
                    # Changed in Google since the last pull: writing now could overwrite that
                    # edit. The engine merges both sides field by field and asks again.
                    results[i] = self._stale(change, person)
                else:
                    fresh[i] = person
        for start in range(0, len(fresh), MAX_BATCH):
            chunk = sorted(fresh)[start : start + MAX_BATCH]
            for i, result in zip(chunk, self._update(changes, chunk, fresh), strict=True):
                results[i] = result
        for start in range(0, len(creates), MAX_BATCH):
            chunk = creates[start : start + MAX_BATCH]
            for i, result in zip(chunk, self._create([changes[i] for i in chunk]), strict=True):
                results[i] = result
        done = [r for r in results if r is not None]
        if len(done) != len(changes):
            raise RuntimeError("Google Contacts: a change was left without a result")
        return done

    def _only_own_writes(self, change: Change, person: dict[str, Any]) -> bool:
        """Whether the person differs from its last synced version only by values this change
        writes: relationkit's own write, made by a run that died before recording it (Google
        lists writes late, so the rerun's pull did not show it), not an edit made in Google."""
        if not change.synced:
            return False
        now, _ = self._read(person)
        return all(
            now.get(name) in (change.synced.get(name), change.fields[name])
            for name in change.fields
        )

    def _created_before(
        self, changes: list[Change], creates: list[int]
    ) -> dict[int, dict[str, Any]]:
        """Creates already done by a run that died before saving them, with their people."""
        found = self._find_created({changes[i].local_id for i in creates})
        return {i: found[changes[i].local_id] for i in creates if changes[i].local_id in found}

    def _find_created(self, local_ids: set[str]) -> dict[str, dict[str, Any]]:
        """The people relationkit created for ``local_ids`` without recording it (a run that
        died, a reply that was lost), by local id.

        Google lists new contacts only after a delay, so they are found by the relationkit id in
        ``clientData`` among the label's members that relationkit does not know yet (label
        membership shows at once): one ``contactGroups.get`` and, when some members are
        unknown, ``getBatchGet`` of those.
        """
        home = self.groups().id_of(self.group)
        if home is None:
            return {}
        linked = self._linked()
        unknown = [m for m in self.client.group_members(home) if m not in linked]
        if not unknown:
            return {}
        found: dict[str, dict[str, Any]] = {}
        for person in self.client.get_many(unknown).values():
            local_id = mapping.local_id(person)
            if local_id in local_ids:
                found.setdefault(local_id, person)
        return found

    def _memberships(self, values: dict[str, Any], existing: dict[str, Any] | None) -> list[str]:
        """The labels a person must have: the synced label (also for a contact taken in with
        ``all_contacts``, so that a sync of the label alone keeps it), one per tag, and its
        system groups."""
        ids = [self._label(self.group)]
        had = mapping.membership_ids(existing or {})
        ids += [self._label(tag) for tag in values.get("tags") or [] if tag != self.group]
        groups = self.groups()
        ids += [g for g in had if g not in groups.names]  # myContacts, starred...
        return list(dict.fromkeys(ids))

    def _label(self, name: str) -> str:
        groups = self.groups()
        found = groups.id_of(name)
        if found is None:
            found = self.client.create_group(name)
            groups.names[found] = name
        return found

    def _body(
        self, change: Change, fields: set[str], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        memberships = self._memberships(change.fields, existing) if "memberships" in fields else []
        return mapping.person_body(
            change.fields, fields, rk_id=change.local_id, memberships=memberships, existing=existing
        )

    def _stale(self, change: Change, person: dict[str, Any]) -> PushResult:
        """A write not made because the person changed in Google since the last sync: the
        engine merges ``person`` field by field and sends the update again."""
        return PushResult(
            change.local_id,
            change.external_id,
            change.etag,
            error="changed in Google since the last sync",
            current=self._item(person, incremental=True),
        )

    def _result(self, change: Change, person: dict[str, Any]) -> PushResult:
        fields, _ = self._read(person)
        return PushResult(change.local_id, person["resourceName"], person.get("etag", ""), fields)

    def _create(self, changes: list[Change]) -> list[PushResult]:
        """Create these people in one request. A try whose outcome is unknown (a lost reply, a
        5xx) is followed by a look-up of the people it may have made, by the relationkit id in
        ``clientData``; only the rest are created again."""
        bodies = {c.local_id: self._body(c, set(mapping.PERSON_FIELDS), None) for c in changes}
        made: dict[str, dict[str, Any]] = {}

        def pending() -> list[str]:
            return [local_id for local_id in bodies if local_id not in made]

        def create() -> dict[str, dict[str, Any]]:
            todo = pending()
            created = self.client.batch_create([bodies[local_id] for local_id in todo])
            if len(created) != len(todo):
                raise ValueError(f"Google created {len(created)} contacts for {len(todo)} asked")
            made.update(zip(todo, created, strict=True))
            return made

        def recover() -> dict[str, dict[str, Any]] | None:
            made.update(self._find_created(set(pending())))
            return made if not pending() else None

        try:
            create_with_retries(create, recover, "Google Contacts: create contacts")
        except HttpError as exc:
            return [
                self._result(c, made[c.local_id]) if c.local_id in made else _failed(c, _why(exc))
                for c in changes
            ]
        return [self._result(c, made[c.local_id]) for c in changes]

    def _delete(self, changes: list[Change]) -> list[PushResult]:
        """Delete these people (500 per request); one already gone counts as deleted, so a
        rerun after a crash does not fail on what the killed run deleted."""
        if not changes:
            return []
        names = [c.external_id or "" for c in changes]
        there = [n for n in names if n in self.client.get_many(names)]
        failed: dict[str, str] = {}
        for start in range(0, len(there), MAX_DELETE):
            chunk = there[start : start + MAX_DELETE]
            try:
                self.client.batch_delete(chunk)
            except HttpError as exc:
                failed.update(dict.fromkeys(chunk, _why(exc)))
        return [
            _failed(c, failed[n]) if n in failed else PushResult(c.local_id, n)
            for c, n in zip(changes, names, strict=True)
        ]

    def _update(
        self, changes: list[Change], chunk: list[int], fresh: dict[int, dict[str, Any]]
    ) -> list[PushResult]:
        own = {
            # A create found again (it has no etag) is written whole.
            i: mapping.person_fields_for(
                changes[i].changed if changes[i].op == Op.UPDATE else mapping.FIELDS
            )
            for i in chunk
        }
        mask = set().union(*own.values())
        people = {}
        for i in chunk:
            body = self._body(changes[i], own[i], fresh[i])
            for name in mask - own[i]:  # one mask per request: others' fields go back as they are
                body[name] = mapping.as_is(fresh[i], name)
            people[fresh[i]["resourceName"]] = {**body, "etag": fresh[i]["etag"]}
        try:
            updated = self.client.batch_update(people, ",".join(sorted(mask | {"clientData"})))
        except HttpError as exc:
            if error_status(exc)[1] != "FAILED_PRECONDITION":
                return [_failed(changes[i], _why(exc)) for i in chunk]
            # One of them changed in Google between the read and the write (Google refuses the
            # whole request): all are read again and handed back to be merged and resent.
            now = self.client.get_many([fresh[i]["resourceName"] for i in chunk])
            return [
                self._stale(changes[i], person)
                if (person := now.get(fresh[i]["resourceName"])) is not None
                else _failed(changes[i], "no longer in Google Contacts")
                for i in chunk
            ]
        results = []
        for i in chunk:
            person = updated.get(fresh[i]["resourceName"])
            if person is None:
                results.append(_failed(changes[i], "Google did not return the updated contact"))
            else:
                results.append(self._result(changes[i], person))
        return results


def _ref(contact: Any, connector: str, external_id: str) -> Any:
    """The contact's source reference for this record of ``connector``, if any."""
    return next(
        (
            ref
            for ref in contact.sources.values()
            if ref.connector == connector and ref.external_id == external_id
        ),
        None,
    )


def _failed(change: Change, why: str) -> PushResult:
    return PushResult(change.local_id, change.external_id, change.etag, error=why)


def _why(exc: HttpError) -> str:
    """A plain reason for a refused write (Google's message may quote values: left out)."""
    status, google_status, reason = error_status(exc)
    return f"Google refused it (HTTP {status} {google_status or reason})".strip()
