"""People API v1 (Google Contacts): connections with sync tokens, contact CRUD, contact groups.

Behaviour follows the API reference: ``personFields`` is required on reads, ``pageSize`` is
1..1000, ``nextSyncToken`` comes on the last page only, incremental lists include deleted
contacts with ``metadata.deleted``, sync tokens expire after 7 days (400 FAILED_PRECONDITION,
ErrorInfo reason ``EXPIRED_SYNC_TOKEN``), updates need the current etag, batch mutations take at
most 200 contacts. ``propagation_delay`` hides fresh writes from ``connections.list`` for a while,
as Google's do.

The owner-side helpers (``add_person``, ``edit_person``, ``delete_person``) change contacts as
if the account owner edited them on a phone: no request is logged and no fault applies.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from . import fieldmask
from ._base import ApiError, EmulatedClock, EmulatorRequest, Route
from .people_model import (
    READABLE_FIELDS,
    UPDATABLE_FIELDS,
    ListCursor,
    StoredPerson,
    check_body,
    fingerprint,
    group_ids,
    parse_mask,
    require_mask,
    stamp,
    writable,
)

SYNC_TOKEN_LIFETIME = timedelta(days=7)
MAX_BATCH_CONTACTS = 200
MAX_BATCH_DELETE = 500
MAX_BATCH_GET = 200
SORT_ORDERS = (
    "LAST_MODIFIED_ASCENDING", "LAST_MODIFIED_DESCENDING", "FIRST_NAME_ASCENDING",
    "LAST_NAME_ASCENDING",
)  # fmt: skip
DEFAULT_GROUP_FIELDS = frozenset({"metadata", "groupType", "memberCount", "name"})
GROUP_FIELDS = DEFAULT_GROUP_FIELDS | {"clientData"}
SYSTEM_GROUPS = {"myContacts": "My Contacts", "starred": "Starred"}
OWNER_RESOURCE = "people/100000000000000000001"


def not_found() -> ApiError:
    return ApiError(404, "Requested entity was not found.", "NOT_FOUND", "notFound")


def invalid(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT", "badRequest")


@dataclass
class ContactGroup:
    group_id: str
    name: str
    group_type: str
    updated: datetime
    version: int = 1
    client_data: list[dict[str, str]] = field(default_factory=list)

    @property
    def resource_name(self) -> str:
        return f"contactGroups/{self.group_id}"


class PeopleAPI:
    """The signed-in user's contacts and contact groups."""

    name = "people"

    def __init__(self, clock: EmulatedClock) -> None:
        self.clock = clock
        self.propagation_delay = timedelta()
        self.persons: dict[str, StoredPerson] = {}
        self.groups: dict[str, ContactGroup] = {
            gid: ContactGroup(gid, gid, "SYSTEM_CONTACT_GROUP", clock.now())
            for gid in SYSTEM_GROUPS
        }
        self.owner: dict[str, Any] = {
            "names": [{"givenName": "Alex", "familyName": "Owner"}],
            "emailAddresses": [{"value": "alex.owner@example.com"}],
        }
        self._seq = 0
        self._ids = 0
        self._sync_tokens: dict[str, tuple[int, datetime]] = {}

    def routes(self) -> list[Route]:
        one = "/v1/people/{peopleId}"
        group = "/v1/contactGroups/{groupId}"
        table: list[tuple[str, str, str, Callable[[EmulatorRequest], Any]]] = [
            ("GET", one + "/connections", "people.connections.list", self.list_connections),
            ("GET", "/v1/people:batchGet", "people.getBatchGet", self.get_batch),
            ("POST", "/v1/people:createContact", "people.createContact", self.create_contact),
            ("POST", "/v1/people:batchCreateContacts", "people.batchCreateContacts",
             self.batch_create),
            ("POST", "/v1/people:batchUpdateContacts", "people.batchUpdateContacts",
             self.batch_update),
            ("POST", "/v1/people:batchDeleteContacts", "people.batchDeleteContacts",
             self.batch_delete),
            ("PATCH", one + ":updateContact", "people.updateContact", self.update_contact),
            ("DELETE", one + ":deleteContact", "people.deleteContact", self.delete_contact),
            ("GET", one, "people.get", self.get),
            ("GET", "/v1/contactGroups", "contactGroups.list", self.list_groups),
            ("POST", "/v1/contactGroups", "contactGroups.create", self.create_group),
            ("POST", group + "/members:modify", "contactGroups.members.modify",
             self.modify_members),
            ("GET", group, "contactGroups.get", self.get_group),
            ("PUT", group, "contactGroups.update", self.update_group),
            ("DELETE", group, "contactGroups.delete", self.delete_group),
        ]  # fmt: skip
        return [
            Route(method, pattern, f"people.{operation}", self._wrap(handler))
            for method, pattern, operation, handler in table
        ]

    def _wrap(self, handler: Callable[[EmulatorRequest], Any]) -> Callable[[EmulatorRequest], Any]:
        """Decode path parameters; apply the ``fields`` partial-response mask."""

        def run(req: EmulatorRequest) -> Any:
            req.path_params = {k: unquote(v) for k, v in req.path_params.items()}
            result = handler(req)
            fields = req.param("fields")
            if fields and isinstance(result, dict):
                return fieldmask.apply(result, fieldmask.parse(fields))
            return result

        return run

    # -- owner-side helpers ------------------------------------------------------------------

    def add_person(self, person: dict[str, Any]) -> str:
        """Create a contact as the owner would (in "myContacts"); its resource name."""
        check_body(person)
        return self._create(person).resource_name

    def edit_person(self, resource_name: str, changes: dict[str, Any]) -> None:
        """Replace the given fields of a contact (an empty list clears one)."""
        check_body(changes)
        stored = self._live(resource_name)
        self._write(stored, changes, frozenset(changes) & UPDATABLE_FIELDS)

    def delete_person(self, resource_name: str) -> None:
        """Delete a contact; incremental lists report it with ``metadata.deleted``."""
        self._delete(self._live(resource_name))

    def person(self, resource_name: str) -> dict[str, Any]:
        """A contact as the API would return it with every field."""
        return self._live(resource_name).render(None)

    def contacts(self) -> list[dict[str, Any]]:
        """Every live contact, oldest change first."""
        live = [p for p in self.persons.values() if not p.deleted]
        return [p.render(None) for p in sorted(live, key=lambda p: p.seq)]

    def add_group(self, name: str) -> str:
        """Create a label as the owner would (or find it by name); its id."""
        for group in self.groups.values():
            if group.name == name:
                return group.group_id
        return self._new_group(name, []).group_id

    def _new_group(self, name: str, client_data: list[dict[str, str]]) -> ContactGroup:
        self._ids += 1
        group_id = f"{0x5E0000 + self._ids:x}emu"
        created = ContactGroup(group_id, name, "USER_CONTACT_GROUP", self.clock.now(),
                               client_data=client_data)  # fmt: skip
        self.groups[group_id] = created
        return created

    def group_members(self, group_id: str) -> list[str]:
        return [p.resource_name for p in self.persons.values()
                if not p.deleted and group_id in p.groups]  # fmt: skip

    # -- state changes -----------------------------------------------------------------------

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _live(self, resource_name: str) -> StoredPerson:
        stored = self.persons.get(resource_name)
        if stored is None or stored.deleted:
            raise not_found()
        return stored

    def _create(self, person: dict[str, Any]) -> StoredPerson:
        self._ids += 1
        resource_name = f"people/c{7000000000000000000 + self._ids * 7919}"
        groups = self._checked_groups(group_ids(person) or [])
        if "myContacts" not in groups:
            groups.insert(0, "myContacts")
        now = self.clock.now()
        stored = StoredPerson(
            resource_name,
            writable(person),
            groups,
            1,
            self._next_seq(),
            now,
            now + self.propagation_delay,
        )
        self.persons[resource_name] = stored
        return stored

    def _checked_groups(self, ids: list[str]) -> list[str]:
        for gid in ids:
            if gid not in self.groups:
                raise invalid(f"Contact group not found: contactGroups/{gid}")
        return list(ids)

    def _begin_write(self, stored: StoredPerson) -> None:
        """Bookkeeping shared by every write: new etag, sequence, time, propagation."""
        now = self.clock.now()
        if stored.visible_at <= now:
            stored.previous = stored.snapshot() if self.propagation_delay else None
        stored.version += 1
        stored.seq = self._next_seq()
        stored.updated = now
        stored.visible_at = now + self.propagation_delay

    def _write(self, stored: StoredPerson, person: dict[str, Any], mask: frozenset[str]) -> None:
        groups = None
        if "memberships" in mask:
            groups = self._checked_groups(group_ids(person) or [])
        self._begin_write(stored)
        new_fields = writable(person)
        for name in mask - {"memberships"}:
            if name in new_fields:
                stored.fields[name] = new_fields[name]
            else:
                stored.fields.pop(name, None)
        if groups is not None:
            stored.groups = groups

    def _delete(self, stored: StoredPerson) -> None:
        self._begin_write(stored)
        stored.deleted = True
        stored.fields = {}
        stored.groups = []

    # -- people ------------------------------------------------------------------------------

    def get(self, req: EmulatorRequest) -> dict[str, Any]:
        mask = require_mask(_person_fields(req), "personFields", READABLE_FIELDS)
        return self._get_one(f"people/{req.path_params['peopleId']}", mask)

    def _get_one(self, resource_name: str, mask: frozenset[str]) -> dict[str, Any]:
        if resource_name in ("people/me", OWNER_RESOURCE):
            return self._owner(mask)
        return self._live(resource_name).render(mask)

    def _owner(self, mask: frozenset[str]) -> dict[str, Any]:
        owner = StoredPerson(OWNER_RESOURCE, writable(self.owner), [], 1, 0, self.clock.now(),
                             self.clock.now())  # fmt: skip
        person = owner.render(mask)
        person.get("metadata", {}).get("sources", [{}])[0]["type"] = "PROFILE"
        return person

    def get_batch(self, req: EmulatorRequest) -> dict[str, Any]:
        mask = require_mask(_person_fields(req), "personFields", READABLE_FIELDS)
        names = req.params("resourceNames")
        if not names:
            raise invalid("resourceNames must have at least one value.")
        if len(names) > MAX_BATCH_GET:
            raise invalid(f"Too many resourceNames: at most {MAX_BATCH_GET} are allowed.")
        responses = []
        for name in names:
            try:
                person = self._get_one(name, mask)
            except ApiError as error:
                responses.append({
                    "requestedResourceName": name,
                    "httpStatusCode": error.code,
                    "status": {"code": 5, "message": error.message},
                })  # fmt: skip
            else:
                responses.append(
                    {
                        "requestedResourceName": name,
                        "httpStatusCode": 200,
                        "person": person,
                        "status": {},
                    }
                )
        return {"responses": responses}

    def create_contact(self, req: EmulatorRequest) -> dict[str, Any]:
        mask = parse_mask(_person_fields(req), "personFields", READABLE_FIELDS) or None
        return self._create(check_body(req.json())).render(mask)

    def update_contact(self, req: EmulatorRequest) -> dict[str, Any]:
        resource_name = f"people/{req.path_params['peopleId']}"
        update = require_mask(req.param("updatePersonFields"), "updatePersonFields",
                              UPDATABLE_FIELDS)  # fmt: skip
        mask = parse_mask(_person_fields(req), "personFields", READABLE_FIELDS) or None
        person = check_body(req.json())
        stored = self._live(resource_name)
        self._check_etag(stored, person)
        self._write(stored, person, update)
        return stored.render(mask)

    def _check_etag(self, stored: StoredPerson, person: dict[str, Any]) -> None:
        if person.get("etag"):
            if person["etag"] != stored.etag:
                raise _stale("person.etag")
            return
        sources = (person.get("metadata") or {}).get("sources") or []
        etags = [s.get("etag") for s in sources if s.get("type") == "CONTACT" and s.get("etag")]
        if not etags:
            raise invalid(
                "Request must set person.etag or person.metadata.sources.etag for the source "
                "that is being updated."
            )
        if etags[0] != stored.source_etag:
            raise _stale("person.metadata.sources.etag")

    def delete_contact(self, req: EmulatorRequest) -> dict[str, Any]:
        self._delete(self._live(f"people/{req.path_params['peopleId']}"))
        return {}

    def batch_create(self, req: EmulatorRequest) -> dict[str, Any]:
        body = req.json()
        contacts = body.get("contacts") or []
        if not contacts:
            raise invalid("contacts must not be empty.")
        if len(contacts) > MAX_BATCH_CONTACTS:
            raise invalid(f"Too many contacts in a single request (maximum {MAX_BATCH_CONTACTS}).")
        people = [check_body(c.get("contactPerson") or {}, "contacts.contact_person")
                  for c in contacts]  # fmt: skip
        for person in people:
            self._checked_groups(group_ids(person) or [])
        mask = parse_mask(body.get("readMask"), "readMask", READABLE_FIELDS)
        created = [self._create(person) for person in people]
        if not mask:  # "If read mask is left empty, the post-mutate-get is skipped"
            return {}
        return {"createdPeople": [
            {
                "httpStatusCode": 200,
                "person": p.render(mask),
                "requestedResourceName": p.resource_name,
            }
            for p in created
        ]}  # fmt: skip

    def batch_update(self, req: EmulatorRequest) -> dict[str, Any]:
        body = req.json()
        contacts = body.get("contacts") or {}
        if not isinstance(contacts, dict) or not contacts:
            raise invalid("contacts must be a non-empty map of resource names to people.")
        if len(contacts) > MAX_BATCH_CONTACTS:
            raise invalid(f"Too many contacts in a single request (maximum {MAX_BATCH_CONTACTS}).")
        update = require_mask(body.get("updateMask"), "updateMask", UPDATABLE_FIELDS)
        mask = parse_mask(body.get("readMask"), "readMask", READABLE_FIELDS)
        # Validate everything first: one stale etag fails the whole request, nothing half-applied.
        checked = []
        for resource_name, person in contacts.items():
            check_body(person, f"contacts[{resource_name}]")
            stored = self._live(resource_name)
            self._check_etag(stored, person)
            if "memberships" in update:
                self._checked_groups(group_ids(person) or [])
            checked.append((stored, person))
        for stored, person in checked:
            self._write(stored, person, update)
        if not mask:
            return {}
        return {"updateResult": {
            stored.resource_name: {
                "httpStatusCode": 200, "person": stored.render(mask),
                "requestedResourceName": stored.resource_name,
            }
            for stored, _ in checked
        }}  # fmt: skip

    def batch_delete(self, req: EmulatorRequest) -> dict[str, Any]:
        names = req.json().get("resourceNames") or []
        if not names:
            raise invalid("resourceNames must not be empty.")
        if len(names) > MAX_BATCH_DELETE:
            raise invalid(
                f"Too many resourceNames in a single request (maximum {MAX_BATCH_DELETE})."
            )
        found = [self._live(name) for name in names]
        for stored in found:
            self._delete(stored)
        return {}

    # -- connections.list --------------------------------------------------------------------

    def list_connections(self, req: EmulatorRequest) -> dict[str, Any]:
        if req.path_params["peopleId"] != "me":
            raise invalid("resourceName must be people/me.")
        fields = _person_fields(req)
        mask = require_mask(fields, "personFields", READABLE_FIELDS)
        page_size = _page_size(req.param("pageSize"), default=100, maximum=1000)
        sort = req.param("sortOrder") or "LAST_MODIFIED_ASCENDING"
        if sort not in SORT_ORDERS:
            raise invalid(f"Invalid value at 'sort_order': \"{sort}\"")
        sync_token = req.param("syncToken")
        wants_sync = req.bool_param("requestSyncToken") or sync_token is not None
        query = fingerprint([fields, sort, sync_token, wants_sync])
        page_token = req.param("pageToken")
        if page_token:
            cursor = ListCursor.decode(page_token)
            if cursor.query != query:
                raise invalid("Parameters provided with a page token must match the first call.")
        else:
            since = self._sync_token_seq(sync_token) if sync_token else None
            cursor = ListCursor(0, 0, self._seq, query, since)

        now = self.clock.now()
        view, pending = self._list_view(now)
        if cursor.since is None:
            items = [p for p in view if not p.deleted]
        else:
            items = [p for p in view if p.seq > cursor.since]
        page, next_cursor = _paginate(items, sort, cursor, page_size)

        result: dict[str, Any] = {}
        if page:
            result["connections"] = [p.render(mask) for p in page]
        if next_cursor is not None:
            result["nextPageToken"] = next_cursor.encode()
        elif wants_sync:
            # Changes still propagating must show up in the next incremental list.
            upto = min([cursor.start_seq, *[seq - 1 for seq in pending]])
            result["nextSyncToken"] = self._issue_sync_token(upto)
        result["totalPeople"] = result["totalItems"] = len(items)
        return result

    def _list_view(self, now: datetime) -> tuple[list[StoredPerson], list[int]]:
        """What connections.list sees now, and the sequence numbers it cannot see yet."""
        view, pending = [], []
        for stored in self.persons.values():
            if stored.visible_at <= now:
                view.append(stored)
            else:
                pending.append(stored.seq)
                if stored.previous is not None:
                    view.append(stored.previous)
        return view, pending

    def _issue_sync_token(self, seq: int) -> str:
        token = f"EmuSync{secrets.token_urlsafe(18)}"
        self._sync_tokens[token] = (seq, self.clock.now())
        return token

    def _sync_token_seq(self, token: str) -> int:
        found = self._sync_tokens.get(token)
        if found is None:
            raise invalid("Request contains an invalid argument.")
        seq, issued = found
        if self.clock.now() - issued >= SYNC_TOKEN_LIFETIME:
            raise ApiError(
                400,
                "Sync token is expired. Clear local cache and retry call without the sync token.",
                "FAILED_PRECONDITION",
                "failedPrecondition",
                details=[{
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "EXPIRED_SYNC_TOKEN",
                    "domain": "people.googleapis.com",
                }],
            )  # fmt: skip
        return seq

    # -- contact groups ----------------------------------------------------------------------

    def _group(self, group_id: str) -> ContactGroup:
        found = self.groups.get(group_id)
        if found is None:
            raise not_found()
        return found

    def _render_group(self, group: ContactGroup, mask: frozenset[str], max_members: int = 0
                      ) -> dict[str, Any]:  # fmt: skip
        members = self.group_members(group.group_id)
        out: dict[str, Any] = {
            "resourceName": group.resource_name,
            "etag": "#Emu" + fingerprint([group.group_id, group.version]),
        }
        if "metadata" in mask:
            out["metadata"] = {"updateTime": stamp(group.updated)}
        if "groupType" in mask:
            out["groupType"] = group.group_type
        if "name" in mask:
            out["name"] = group.name
            out["formattedName"] = SYSTEM_GROUPS.get(group.group_id, group.name)
        if "memberCount" in mask and members:
            out["memberCount"] = len(members)
        if "clientData" in mask and group.client_data:
            out["clientData"] = [dict(d) for d in group.client_data]
        if max_members > 0 and members:
            out["memberResourceNames"] = members[:max_members]
        return out

    def _group_mask(self, text: str | None) -> frozenset[str]:
        return parse_mask(text, "groupFields", GROUP_FIELDS) or DEFAULT_GROUP_FIELDS

    def list_groups(self, req: EmulatorRequest) -> dict[str, Any]:
        mask = self._group_mask(req.param("groupFields"))
        page_size = _page_size(req.param("pageSize"), default=30, maximum=1000)
        groups = list(self.groups.values())
        offset = 0
        if req.param("pageToken"):
            offset = ListCursor.decode(req.param("pageToken") or "").offset
        page = groups[offset : offset + page_size]
        result: dict[str, Any] = {
            "contactGroups": [self._render_group(g, mask) for g in page],
            "totalItems": len(groups),
        }
        if offset + page_size < len(groups):
            result["nextPageToken"] = ListCursor(0, offset + page_size, 0, "groups").encode()
        else:
            result["nextSyncToken"] = self._issue_sync_token(self._seq)
        return result

    def create_group(self, req: EmulatorRequest) -> dict[str, Any]:
        body = req.json()
        group = body.get("contactGroup") or {}
        name = (group.get("name") or "").strip()
        if not name:
            raise invalid("contactGroup.name must not be empty.")
        if any(g.name == name for g in self.groups.values()):
            raise ApiError(409, "Cannot create contact group with duplicate name.",
                           "ALREADY_EXISTS", "duplicate")  # fmt: skip
        created = self._new_group(name, list(group.get("clientData") or []))
        mask = self._group_mask(body.get("readGroupFields"))
        return self._render_group(created, mask)

    def get_group(self, req: EmulatorRequest) -> dict[str, Any]:
        group = self._group(req.path_params["groupId"])
        max_members = int(req.param("maxMembers") or 0)
        return self._render_group(group, self._group_mask(req.param("groupFields")), max_members)

    def update_group(self, req: EmulatorRequest) -> dict[str, Any]:
        group = self._group(req.path_params["groupId"])
        if group.group_type == "SYSTEM_CONTACT_GROUP":
            raise ApiError(400, "Cannot update a system contact group.", "FAILED_PRECONDITION")
        body = req.json()
        wanted = body.get("contactGroup") or {}
        fields = parse_mask(body.get("updateGroupFields"), "updateGroupFields",
                            frozenset({"name", "clientData"})) or frozenset({"name"})  # fmt: skip
        if "name" in fields and wanted.get("name"):
            group.name = wanted["name"]
        if "clientData" in fields:
            group.client_data = list(wanted.get("clientData") or [])
        group.version += 1
        group.updated = self.clock.now()
        return self._render_group(group, self._group_mask(body.get("readGroupFields")))

    def delete_group(self, req: EmulatorRequest) -> dict[str, Any]:
        group = self._group(req.path_params["groupId"])
        if group.group_type == "SYSTEM_CONTACT_GROUP":
            raise ApiError(400, "Cannot delete a system contact group.", "FAILED_PRECONDITION")
        for resource_name in self.group_members(group.group_id):
            stored = self.persons[resource_name]
            if req.bool_param("deleteContacts"):
                self._delete(stored)
            else:
                self._begin_write(stored)
                stored.groups.remove(group.group_id)
        del self.groups[group.group_id]
        return {}

    def modify_members(self, req: EmulatorRequest) -> dict[str, Any]:
        group = self._group(req.path_params["groupId"])
        body = req.json()
        to_add = body.get("resourceNamesToAdd") or []
        to_remove = body.get("resourceNamesToRemove") or []
        if len(to_add) + len(to_remove) > 1000:
            raise invalid("At most 1000 resource names may be added and removed in one request.")
        if (
            to_add
            and group.group_type == "SYSTEM_CONTACT_GROUP"
            and group.group_id not in ("myContacts", "starred")
        ):
            raise invalid(f"Cannot add contacts to {group.resource_name}.")
        result: dict[str, Any] = {}
        not_found_names = []
        for name in [*to_add, *to_remove]:
            stored = self.persons.get(name)
            if stored is None or stored.deleted:
                not_found_names.append(name)
                continue
            adding = name in to_add
            if adding == (group.group_id in stored.groups):
                continue
            self._begin_write(stored)
            if adding:
                stored.groups.append(group.group_id)
            else:
                stored.groups.remove(group.group_id)
        if not_found_names:
            result["notFoundResourceNames"] = not_found_names
        return result


def _person_fields(req: EmulatorRequest) -> str | None:
    """``personFields``, or the deprecated ``requestMask.includeField`` it replaced."""
    return req.param("personFields") or req.param("requestMask.includeField")


def _page_size(value: str | None, *, default: int, maximum: int) -> int:
    try:
        size = int(value or 0)
    except ValueError as exc:
        raise invalid(f"Invalid value at 'page_size' (TYPE_INT32), \"{value}\"") from exc
    if size < 0 or size > maximum:
        raise invalid(f"pageSize must be between 1 and {maximum}, inclusive.")
    return size or default


def _paginate(
    items: list[StoredPerson], sort: str, cursor: ListCursor, page_size: int
) -> tuple[list[StoredPerson], ListCursor | None]:
    """One page and the cursor for the next (None on the last page).

    The default order pages by change sequence (keyset): a contact edited between pages moves to
    the end instead of shifting the others, so nobody is skipped.
    """
    if sort == "LAST_MODIFIED_ASCENDING":
        rest = sorted((p for p in items if p.seq > cursor.after), key=lambda p: p.seq)
        page = rest[:page_size]
        if len(rest) <= page_size:
            return page, None
        return page, ListCursor(page[-1].seq, 0, cursor.start_seq, cursor.query, cursor.since)
    keys: dict[str, Callable[[StoredPerson], Any]] = {
        "LAST_MODIFIED_DESCENDING": lambda p: -p.seq,
        "FIRST_NAME_ASCENDING": lambda p: _name_part(p, "givenName"),
        "LAST_NAME_ASCENDING": lambda p: _name_part(p, "familyName"),
    }
    ordered = sorted(items, key=keys[sort])
    page = ordered[cursor.offset : cursor.offset + page_size]
    end = cursor.offset + page_size
    if end >= len(ordered):
        return page, None
    return page, ListCursor(0, end, cursor.start_seq, cursor.query, cursor.since)


def _name_part(stored: StoredPerson, part: str) -> tuple[str, int]:
    names = stored.fields.get("names") or [{}]
    return (str(names[0].get(part, "")).casefold(), stored.seq)


def _stale(which: str) -> ApiError:
    return ApiError(
        400,
        f"Request {which} is different than the current {which}. Clear local cache and get the "
        "latest person.",
        "FAILED_PRECONDITION",
        "failedPrecondition",
    )
