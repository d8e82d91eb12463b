"""The People API calls the connector makes, each through ``call_with_retries`` (creates through
``create_with_retries``, never sent twice blindly).

One service per process (``relationkit.google.build_service``, from the shipped discovery
document); its resource objects are built once per client because googleapiclient rebuilds them
on every ``service.people()`` call.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from googleapiclient.errors import HttpError

from relationkit.google import build_service, call_with_retries, create_with_retries

from .mapping import READ_MASK

PAGE_SIZE = 1000  # the most connections.list allows
MAX_BATCH = 200  # batchCreateContacts, batchUpdateContacts, getBatchGet
MAX_DELETE = 500  # batchDeleteContacts
MAX_MEMBERS = 100_000
GROUP_FIELDS = "name,groupType"


class UnusableSyncToken(Exception):
    """Google refuses the stored sync token (expired after 7 days, or not one of this account's,
    after a sign-in with another account): list everything again."""


@dataclass
class Groups:
    """The account's contact groups: user labels by id, and the ids of system groups."""

    names: dict[str, str]
    system: set[str]

    def id_of(self, name: str) -> str | None:
        return next((gid for gid, n in self.names.items() if n == name), None)


def error_status(exc: HttpError) -> tuple[int, str, str]:
    """An error's HTTP status, Google status (``FAILED_PRECONDITION``) and reason."""
    try:
        error = json.loads(exc.content or b"{}").get("error") or {}
    except ValueError:
        error = {}
    reasons = [d.get("reason", "") for d in error.get("details") or [] if isinstance(d, dict)]
    reasons += [e.get("reason", "") for e in error.get("errors") or [] if isinstance(e, dict)]
    return int(exc.resp.status), str(error.get("status", "")), ",".join(r for r in reasons if r)


class PeopleClient:
    """The signed-in account's contacts and contact groups."""

    def __init__(self, credentials: Any) -> None:
        service = build_service("people", "v1", credentials)
        self.people = service.people()
        self.connections = self.people.connections()
        self.groups = service.contactGroups()

    def list_connections(self, sync_token: str | None) -> Iterator[list[dict[str, Any]] | str]:
        """Yield each page's people, then the new sync token (a ``str``) last.

        Raises :class:`UnusableSyncToken` when Google refuses ``sync_token``: expired
        (``EXPIRED_SYNC_TOKEN``) or not valid for this account (400 ``INVALID_ARGUMENT`` on the
        first page, the only parameter that differs from a full listing's being the token).
        """
        params: dict[str, Any] = {
            "resourceName": "people/me",
            "personFields": READ_MASK,
            "pageSize": PAGE_SIZE,
            "requestSyncToken": True,
        }
        if sync_token:
            params["syncToken"] = sync_token
        page_token = None
        while True:
            if page_token:
                params["pageToken"] = page_token
            try:
                page = call_with_retries(
                    self.connections.list(**params).execute, what="Google Contacts: list contacts"
                )
            except HttpError as exc:
                status, google_status, reason = error_status(exc)
                if sync_token and (
                    "EXPIRED_SYNC_TOKEN" in reason
                    or (status == 400 and google_status == "INVALID_ARGUMENT" and not page_token)
                ):
                    raise UnusableSyncToken(reason or google_status) from exc
                raise
            yield page.get("connections") or []
            page_token = page.get("nextPageToken")
            if not page_token:
                yield page.get("nextSyncToken", "")
                return

    def get_many(self, resource_names: list[str]) -> dict[str, dict[str, Any]]:
        """The people that exist among ``resource_names`` (200 per request), by resource name."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(resource_names), MAX_BATCH):
            chunk = resource_names[start : start + MAX_BATCH]
            answer = call_with_retries(
                self.people.getBatchGet(resourceNames=chunk, personFields=READ_MASK).execute,
                what="Google Contacts: read contacts",
            )
            for response in answer.get("responses") or []:
                person = response.get("person")
                if person and response.get("httpStatusCode", 200) == 200:
                    found[person["resourceName"]] = person
        return found

    def batch_create(self, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Create up to 200 contacts in one request, tried once (a create is retried by the
        caller, which first looks up what a failed try made: see ``create_with_retries``);
        the created people, in order."""
        body = {"contacts": [{"contactPerson": p} for p in people], "readMask": READ_MASK}
        answer = self.people.batchCreateContacts(body=body).execute()
        return [created["person"] for created in answer.get("createdPeople") or []]

    def batch_delete(self, resource_names: list[str]) -> None:
        """Delete up to 500 contacts in one request (every one must exist)."""
        call_with_retries(
            self.people.batchDeleteContacts(body={"resourceNames": resource_names}).execute,
            what="Google Contacts: delete contacts",
        )

    def batch_update(
        self, people: dict[str, dict[str, Any]], update_mask: str
    ) -> dict[str, dict[str, Any]]:
        """Update up to 200 contacts (each carrying its etag); the people now, by name."""
        body = {"contacts": people, "updateMask": update_mask, "readMask": READ_MASK}
        answer = call_with_retries(
            self.people.batchUpdateContacts(body=body).execute,
            what="Google Contacts: update contacts",
        )
        return {
            name: result["person"]
            for name, result in (answer.get("updateResult") or {}).items()
            if result.get("person")
        }

    def list_groups(self) -> Groups:
        """Every contact group (label)."""
        names: dict[str, str] = {}
        system: set[str] = set()
        page_token = None
        while True:
            answer = call_with_retries(
                self.groups.list(
                    pageSize=1000, groupFields=GROUP_FIELDS, pageToken=page_token
                ).execute,
                what="Google Contacts: list labels",
            )
            for group in answer.get("contactGroups") or []:
                gid = group["resourceName"].removeprefix("contactGroups/")
                if group.get("groupType") == "USER_CONTACT_GROUP":
                    names[gid] = group.get("name", "")
                else:
                    system.add(gid)
            page_token = answer.get("nextPageToken")
            if not page_token:
                return Groups(names, system)

    def create_group(self, name: str) -> str:
        """Create a label, or find it when a try whose answer was lost made it; its id."""

        def create() -> str:
            try:
                answer = self.groups.create(body={"contactGroup": {"name": name}}).execute()
            except HttpError as exc:
                if int(exc.resp.status) != 409:  # 409: a label of that name exists already
                    raise
                found = self.list_groups().id_of(name)
                if found is None:
                    raise
                return found
            return str(answer["resourceName"]).removeprefix("contactGroups/")

        return create_with_retries(
            create, lambda: self.list_groups().id_of(name), what="Google Contacts: create a label"
        )

    def group_members(self, group_id: str) -> list[str]:
        """The resource names of a label's members (membership shows without list delay)."""
        answer = call_with_retries(
            self.groups.get(
                resourceName=f"contactGroups/{group_id}", maxMembers=MAX_MEMBERS
            ).execute,
            what="Google Contacts: read a label's members",
        )
        return list(answer.get("memberResourceNames") or [])
