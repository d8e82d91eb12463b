"""The People API's data: stored contacts, how a person renders, field masks, tokens.

A contact is stored as the writable person fields (``names``, ``emailAddresses``, ``clientData``
...) plus bookkeeping: an etag that changes on every write, the change sequence number that sync
tokens and keyset paging compare against, and a tombstone flag for deleted contacts.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ._base import ApiError

# Fields a contact can be written with (createContact body, updatePersonFields).
UPDATABLE_FIELDS = frozenset({
    "addresses", "biographies", "birthdays", "calendarUrls", "clientData", "emailAddresses",
    "events", "externalIds", "genders", "imClients", "interests", "locales", "locations",
    "memberships", "miscKeywords", "names", "nicknames", "occupations", "organizations",
    "phoneNumbers", "relations", "sipAddresses", "urls", "userDefined",
})  # fmt: skip
# Fields a read mask (personFields, readMask) may name.
READABLE_FIELDS = UPDATABLE_FIELDS | {"ageRanges", "coverPhotos", "metadata", "photos", "skills"}
# Top-level Person properties a request body may carry without being rejected.
ACCEPTED_IN_BODY = READABLE_FIELDS | {"resourceName", "etag"}

SOURCE_TYPE = "CONTACT"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class StoredPerson:
    """One contact as the emulator keeps it."""

    resource_name: str
    fields: dict[str, Any]
    groups: list[str]
    version: int
    seq: int
    updated: datetime
    visible_at: datetime
    deleted: bool = False
    # What connections.list still shows while a write propagates (None: nothing yet).
    previous: StoredPerson | None = None

    @property
    def source_id(self) -> str:
        return self.resource_name.rsplit("/c", 1)[-1]

    @property
    def etag(self) -> str:
        return "%Emu" + _digest(f"{self.resource_name}/{self.version}/person")

    @property
    def source_etag(self) -> str:
        return "#Emu" + _digest(f"{self.resource_name}/{self.version}/source")

    def snapshot(self) -> StoredPerson:
        return StoredPerson(
            self.resource_name,
            copy.deepcopy(self.fields),
            list(self.groups),
            self.version,
            self.seq,
            self.updated,
            self.visible_at,
            self.deleted,
        )

    def render(self, mask: frozenset[str] | None) -> dict[str, Any]:
        """The Person resource; ``mask`` limits the fields (None: all of them)."""
        person: dict[str, Any] = {"resourceName": self.resource_name, "etag": self.etag}
        source = {"type": SOURCE_TYPE, "id": self.source_id}
        if self.deleted:
            person["metadata"] = {"sources": [source], "deleted": True, "objectType": "PERSON"}
            return person
        if mask is None or "metadata" in mask:
            person["metadata"] = {
                "sources": [
                    {**source, "etag": self.source_etag, "updateTime": stamp(self.updated)}
                ],
                "objectType": "PERSON",
            }
        values = {**self.fields, "memberships": [_membership(g) for g in self.groups]}
        for name, items in values.items():
            if (mask is None or name in mask) and items:
                person[name] = [
                    _decorate(name, item, source, i == 0) for i, item in enumerate(items)
                ]
        return person


def _digest(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()[:15]).decode()


def _membership(group_id: str) -> dict[str, Any]:
    return {
        "contactGroupMembership": {
            "contactGroupId": group_id,
            "contactGroupResourceName": f"contactGroups/{group_id}",
        },
        "metadata": {"source": {"type": SOURCE_TYPE, "id": group_id}},
    }


def _decorate(name: str, item: Any, source: dict[str, str], primary: bool) -> Any:
    """Add what Google computes on read: field metadata, display names, formatted types."""
    if not isinstance(item, dict):
        return item
    out = copy.deepcopy(item)
    if name != "memberships":
        metadata = {"source": dict(source)}
        if primary:
            metadata["primary"] = True
        out["metadata"] = metadata
    if name == "names":
        given, family = out.get("givenName", ""), out.get("familyName", "")
        display = " ".join(p for p in (out.get("honorificPrefix"), given, out.get("middleName"),
                                       family, out.get("honorificSuffix")) if p)  # fmt: skip
        if display:
            out["displayName"] = display
            out["displayNameLastFirst"] = ", ".join(p for p in (family, given) if p) or display
            out.setdefault("unstructuredName", display)
    if isinstance(out.get("type"), str) and name not in ("clientData", "userDefined"):
        out["formattedType"] = out["type"][:1].upper() + out["type"][1:]
    return out


def parse_mask(text: str | None, param: str, allowed: frozenset[str]) -> frozenset[str]:
    """A comma-separated person field mask; 400 for an unknown path."""
    names = frozenset(p.strip() for p in (text or "").split(",") if p.strip())
    for name in sorted(names - allowed):
        raise ApiError(
            400,
            f'Invalid {param} mask path: "{name}". Valid paths are documented at '
            "https://developers.google.com/people/api/rest/v1/people.connections/list.",
            "INVALID_ARGUMENT",
            "badRequest",
        )
    return names


def require_mask(text: str | None, param: str, allowed: frozenset[str]) -> frozenset[str]:
    names = parse_mask(text, param, allowed)
    if not names:
        raise ApiError(
            400,
            f"{param} mask is required. Please specify one or more valid paths. Valid paths are "
            "documented at https://developers.google.com/people/api/rest/v1/people.connections/list.",
            "INVALID_ARGUMENT",
            "badRequest",
        )
    return names


def check_body(person: Any, where: str = "person") -> dict[str, Any]:
    """A Person request body: an object whose top-level fields the API knows and accepts."""
    if not isinstance(person, dict):
        raise ApiError(400, f"Invalid value at '{where}': expected an object.", "INVALID_ARGUMENT")
    for name in person:
        if name not in ACCEPTED_IN_BODY:
            raise ApiError(
                400,
                f"Invalid JSON payload received. Unknown name \"{name}\" at '{where}': "
                "Cannot find field.",
                "INVALID_ARGUMENT",
                "badRequest",
            )
        if name in UPDATABLE_FIELDS and not isinstance(person[name], list):
            raise ApiError(
                400, f"Invalid value at '{where}.{name}': expected a list.", "INVALID_ARGUMENT"
            )
    return person


def writable(person: dict[str, Any]) -> dict[str, Any]:
    """The stored form of a person's fields: what Google computes on read is dropped."""
    stored: dict[str, Any] = {}
    for name in UPDATABLE_FIELDS - {"memberships"}:
        items = person.get(name)
        if items:
            stored[name] = [_strip(item) for item in items]
    return stored


def _strip(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    computed = {"metadata", "displayName", "displayNameLastFirst", "formattedType"}
    return {k: copy.deepcopy(v) for k, v in item.items() if k not in computed}


def group_ids(person: dict[str, Any]) -> list[str] | None:
    """The contact groups named in a person's ``memberships`` (None when it has none)."""
    memberships = person.get("memberships")
    if not memberships:
        return None
    found = []
    for membership in memberships:
        cgm = membership.get("contactGroupMembership") or {}
        name = cgm.get("contactGroupResourceName") or f"contactGroups/{cgm.get('contactGroupId')}"
        group_id = name.removeprefix("contactGroups/")
        if group_id and group_id != "None" and group_id not in found:
            found.append(group_id)
    return found


@dataclass
class ListCursor:
    """What a page token remembers: where the last page ended and the query it belongs to."""

    after: int
    offset: int
    start_seq: int
    query: str
    since: int | None = None

    def encode(self) -> str:
        raw = json.dumps([self.after, self.offset, self.start_seq, self.query, self.since])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> ListCursor:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            after, offset, start_seq, query, since = json.loads(raw)
            return cls(int(after), int(offset), int(start_seq), str(query), since)
        except (ValueError, TypeError) as exc:
            raise ApiError(
                400, "Request contains an invalid argument.", "INVALID_ARGUMENT", "badRequest"
            ) from exc


def fingerprint(values: Any) -> str:
    """A short hash of the parameters a page token is only valid with."""
    return _digest(json.dumps(values, sort_keys=True))[:12]
