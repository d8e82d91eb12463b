"""A reply lost after Google made the contacts: looked up by the relationkit id, never doubled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from gcontacts_support import PeopleRemote

from relationkit.models import Contact
from relationkit.sync import status
from relationkit.testing import GoogleEmulator
from relationkit.workspace import Workspace


def add_customers(ws: Workspace, count: int) -> list[Contact]:
    drafts = [
        Contact(display_name=f"Local {i}", emails=[f"local{i}@example.com"]) for i in range(count)
    ]
    return [u.contact for u in ws.upsert_many(drafts, source="api")]


def google_ids_by_local_id(emu: GoogleEmulator) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for person in emu.people.contacts():
        for data in person.get("clientData", []):
            if data["key"] == "relationkit_id":
                found.setdefault(data["value"], []).append(person["resourceName"])
    return found


def assert_one_linked_contact_each(ws: Workspace, emu: GoogleEmulator) -> None:
    google = google_ids_by_local_id(emu)
    contacts = ws.contacts()
    assert sorted(google) == sorted(c.id for c in contacts)
    assert all(len(names) == 1 for names in google.values()), google
    with ws.transaction() as conn:
        links = status.load_links(conn, "google_contacts")
    linked = {link.local_id: external_id for (_, external_id), link in links.items()}
    assert len(linked) == len(links) and not any(link.removed for link in links.values())
    assert linked == {local_id: names[0] for local_id, names in google.items()}


@pytest.mark.parametrize("delay", [timedelta(), timedelta(minutes=5)])
@pytest.mark.parametrize("retry_attempts", ["1", "3"])
def test_a_lost_reply_after_batch_create_makes_no_duplicate(
    ws: Workspace,
    google_emulator: GoogleEmulator,
    gsync: Any,
    monkeypatch: pytest.MonkeyPatch,
    delay: timedelta,
    retry_attempts: str,
) -> None:
    monkeypatch.setenv("RELATIONKIT_RETRY_ATTEMPTS", retry_attempts)
    PeopleRemote(google_emulator, api_delay=delay)  # Google lists the new contacts late
    add_customers(ws, 5)
    google_emulator.inject_fault("people", "batchCreateContacts", lose_reply=True)
    first = gsync()
    assert google_emulator.call_count("people", "batchCreateContacts") == 1
    assert len(google_emulator.people.contacts()) == 5
    if retry_attempts == "1":  # no retry in this run: the next run finds them
        assert not first.ok
        assert "Google Contacts" in " ".join(first.messages)
    else:  # the retry found them by their relationkit ids, and created nothing again
        assert first.ok, first.messages
        assert first.connectors["google_contacts"].pushed_created == 5
    for _ in range(2):
        assert gsync().ok
    assert google_emulator.call_count("people", "batchCreateContacts") == 1
    assert_one_linked_contact_each(ws, google_emulator)


def test_a_lost_reply_for_part_of_the_creates_creates_only_the_rest(
    ws: Workspace, google_emulator: GoogleEmulator, gsync: Any
) -> None:
    PeopleRemote(google_emulator)
    add_customers(ws, 250)  # two requests: 200, then 50
    google_emulator.inject_fault("people", "batchCreateContacts", lose_reply=True)
    google_emulator.inject_fault("people", "batchCreateContacts", status=503, retry_after=0)
    report = gsync()
    assert report.ok, report.messages
    assert report.connectors["google_contacts"].pushed_created == 250
    assert_one_linked_contact_each(ws, google_emulator)


def test_a_lost_reply_creating_the_label_finds_the_label(
    ws: Workspace, google_emulator: GoogleEmulator, gsync: Any
) -> None:
    add_customers(ws, 2)
    google_emulator.inject_fault("people", "contactGroups.create", lose_reply=True)
    assert gsync().ok
    labels = [g for g in google_emulator.people.groups.values() if g.name == "Customers"]
    assert len(labels) == 1
    assert_one_linked_contact_each(ws, google_emulator)
