"""Test helpers for the Google Contacts plugin: the account owner's hands on the emulator.

Written independently of the connector's own mapping, so the tests check it rather than echo it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from relationkit.sync.contract import Kind
from relationkit.testing import GoogleEmulator
from relationkit.testing.emulator._base import ApiError

LABEL = "Customers"


def owner_person(fields: dict[str, Any]) -> dict[str, Any]:
    """A Person as the owner would type it on a phone, from a few model fields."""
    person: dict[str, Any] = {}
    if "display_name" in fields:
        given, _, family = fields["display_name"].partition(" ")
        person["names"] = [{"givenName": given, **({"familyName": family} if family else {})}]
    if "emails" in fields:
        person["emailAddresses"] = [{"value": e, "type": "home"} for e in fields["emails"]]
    if "phones" in fields:
        person["phoneNumbers"] = [{"value": p, "type": "mobile"} for p in fields["phones"]]
    if "company" in fields:
        person["organizations"] = [{"name": fields["company"]}] if fields["company"] else []
    if "notes" in fields:
        person["biographies"] = [{"value": fields["notes"]}] if fields["notes"] else []
    return person


def owner_fields(person: dict[str, Any]) -> dict[str, Any]:
    """A few model fields read from a Person the way the owner sees them."""
    names = person.get("names") or [{}]
    organizations = person.get("organizations") or [{}]
    return {
        "display_name": names[0].get("unstructuredName") or names[0].get("displayName", ""),
        "emails": [e["value"] for e in person.get("emailAddresses") or []],
        "phones": [p["value"] for p in person.get("phoneNumbers") or []],
        "company": organizations[0].get("name", ""),
        "notes": (person.get("biographies") or [{}])[0].get("value", ""),
    }


def member_of(gid: str) -> dict[str, Any]:
    return {"memberships": [{"contactGroupMembership": {"contactGroupId": gid}}]}


class PeopleRemote:
    """The contract suite's remote: the owner editing contacts in the "Customers" label.

    With ``api_delay``, writes made through the API stay out of ``connections.list`` for that
    long (Google's propagation delay) while the owner's own edits show at once, so every sync
    right after a push lists the contacts as they were before it.
    """

    def __init__(
        self, emulator: GoogleEmulator, label: str = LABEL, api_delay: timedelta = timedelta()
    ) -> None:
        self.people = emulator.people
        self.people.propagation_delay = api_delay
        self.gid = self.people.add_group(label)

    @contextmanager
    def _owner(self) -> Iterator[None]:
        delay, self.people.propagation_delay = self.people.propagation_delay, timedelta()
        try:
            yield
        finally:
            self.people.propagation_delay = delay

    def add(self, kind: Kind, fields: dict[str, Any]) -> str:
        with self._owner():
            return self.people.add_person({**owner_person(fields), **member_of(self.gid)})

    def edit(self, external_id: str, fields: dict[str, Any]) -> None:
        with self._owner():
            self.people.edit_person(external_id, owner_person(fields))

    def delete(self, external_id: str) -> None:
        with self._owner():
            self.people.delete_person(external_id)

    def get(self, external_id: str) -> dict[str, Any] | None:
        try:
            return owner_fields(self.people.person(external_id))
        except ApiError:
            return None

    def all(self) -> dict[str, dict[str, Any]]:
        return {
            name: owner_fields(self.people.person(name))
            for name in self.people.group_members(self.gid)
        }
