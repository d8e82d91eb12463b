"""Google Contacts sync against the emulator with the real googleapiclient: economy, recovery,
no duplicate, nothing lost."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest
from gcontacts_support import PeopleRemote, member_of, owner_fields

from relationkit.connectors.memory import SimulatedCrash
from relationkit.errors import SafetyGuardTripped
from relationkit.models import Contact
from relationkit.sync import status
from relationkit.sync.engine import SyncEngine
from relationkit.testing import GoogleEmulator
from relationkit.testing.contract import _LosesPushResults
from relationkit.workspace import Workspace
from relationkit_google_contacts import GoogleContactsConnector

LIST = "connections.list"


def counts(report: Any) -> Any:
    return report.connectors["google_contacts"]


def writes(emu: GoogleEmulator) -> int:
    return emu.request_count("people", "batchCreateContacts") + emu.request_count(
        "people", "batchUpdateContacts"
    )


def by_email(emu: GoogleEmulator, email: str) -> list[dict[str, Any]]:
    return [
        p
        for p in emu.people.contacts()
        if email in [e["value"].lower() for e in p.get("emailAddresses", [])]
    ]


def member_ids(person: dict[str, Any]) -> set[str]:
    return {m["contactGroupMembership"]["contactGroupId"] for m in person.get("memberships", [])}


def add_customers(ws: Workspace, count: int, start: int = 0) -> list[Contact]:
    drafts = [
        Contact(display_name=f"Local {i}", emails=[f"local{i}@example.com"])
        for i in range(start, start + count)
    ]
    return [u.contact for u in ws.upsert_many(drafts, source="api")]


@pytest.mark.slow
def test_first_sync_of_3000_contacts_links_overlaps_and_costs_the_minimum(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    owner = google_emulator.people
    # The store already has 500 customers: 300 share an email with a Google contact, 100 a
    # phone number (with names that agree: the same person), 100 are not in Google at all.
    drafts = [Contact(display_name=f"Person {i}", emails=[f"p{i}@example.com"]) for i in range(300)]
    drafts += [
        Contact(display_name=f"Person {i}", phones=[f"+1415555{i:04d}"]) for i in range(300, 400)
    ]
    drafts += [
        Contact(display_name=f"Only {i}", emails=[f"only{i}@example.com"]) for i in range(100)
    ]
    ids = {
        d.display_name: u.contact.id
        for d, u in zip(drafts, ws.upsert_many(drafts, source="api"), strict=True)
    }
    for i in range(3000):
        person: dict[str, Any] = {"names": [{"givenName": "Person", "familyName": str(i)}]}
        if 300 <= i < 400:
            person["phoneNumbers"] = [{"value": f"(415) 555-{i:04d}", "type": "mobile"}]
        else:
            person["emailAddresses"] = [{"value": f"P{i}@Example.com"}]
        owner.add_person({**person, **member_of(remote.gid)})
    for i in range(200):  # private contacts, outside the label: never read
        owner.add_person(
            {"names": [{"givenName": "Private"}], "emailAddresses": [{"value": f"x{i}@e.com"}]}
        )

    report = gsync()

    assert report.ok, report.messages
    c = counts(report)
    assert (c.pulled, c.created, c.pushed_created) == (3000, 2600, 100)
    assert ws.count_contacts() == 3100
    # Google lists the whole address book (no label filter): 3200 people, 1000 a page.
    assert google_emulator.request_count("people", LIST) == math.ceil(3200 / 1000)
    # 3000 records typed in Google get relationkit's id, 100 are created: the engine hands
    # them over 1000 at a time, creates and updates mixed, so each of its 4 batches may end
    # with one partly filled request.
    assert writes(google_emulator) <= math.ceil(3000 / 200) + math.ceil(100 / 200) + 4
    assert (c.pushed_updated, c.errors) == (3000, 0)
    assert len(owner.group_members(remote.gid)) == 3100
    assert by_email(google_emulator, "only7@example.com")[0]["clientData"][0]["value"]
    assert ws.get_contact("p5@example.com").id == ids["Person 5"]  # linked, not duplicated
    assert ws.get_contact("+14155550350").id == ids["Person 350"]
    assert "Private" not in {c.given_name for c in ws.contacts()}

    google_emulator.reset_requests()
    again = gsync()  # lists relationkit's own writes once, recognises them by etag
    c = counts(again)
    assert again.ok
    assert (c.created, c.updated, c.pushed_created, c.pushed_updated) == (0, 0, 0, 0)
    assert writes(google_emulator) == 0

    google_emulator.reset_requests()
    quiet = gsync()
    assert quiet.ok and counts(quiet).pulled == 0
    assert google_emulator.request_count("people") == 1  # a sync with no change: one request
    assert ws.count_contacts() == 3100


def _locals(ws: Workspace) -> list[dict[str, Any]]:
    return [{"names": [{"givenName": c.given_name}]} for c in ws.contacts()]


def test_uncertain_match_goes_to_the_review_queue(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    bob = ws.add_contact("Bob Day", phone="+14155550101")
    # No name: nothing tells whether it is Ann, Bob, or one of them on the other's phone.
    remote.add(None, {"emails": ["ann@example.com"], "phones": ["+14155550101"]})
    report = gsync()
    assert counts(report).needs_review == 1
    assert {frozenset((d.a, d.b)) for d in ws.duplicates()} >= {frozenset((ann.id, bob.id))}


def test_incremental_changes_both_ways_cost_one_write_per_200(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    customers = add_customers(ws, 450)
    gsync()
    assert google_emulator.request_count("people", "batchCreateContacts") == math.ceil(450 / 200)
    names = owner_names(google_emulator, remote)
    for contact in customers[:250]:
        ws.update_contact(contact.id, company="Lee Gardens")
    remote.edit(names["local400@example.com"], {"notes": "Prefers mornings"})
    google_emulator.reset_requests()

    report = gsync()

    c = counts(report)
    assert (c.updated, c.pushed_updated, c.conflicts) == (1, 250, 0)
    assert writes(google_emulator) == math.ceil(250 / 200)
    assert google_emulator.request_count("people", LIST) == 1
    assert ws.get_contact("local400@example.com").notes == "Prefers mornings"
    person = google_emulator.people.person(names["local3@example.com"])
    assert person["organizations"][0]["name"] == "Lee Gardens"


def owner_names(emu: GoogleEmulator, remote: PeopleRemote) -> dict[str, str]:
    """Email -> resource name of the label's members."""
    return {
        emu.people.person(n)["emailAddresses"][0]["value"]: n
        for n in emu.people.group_members(remote.gid)
    }


def test_expired_sync_token_falls_back_to_a_full_listing(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    add_customers(ws, 20)
    ext = remote.add(None, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    gsync()
    google_emulator.advance(timedelta(days=8))
    remote.edit(ext, {"company": "Day & Co"})
    google_emulator.reset_requests()

    report = gsync()

    assert report.ok, report.messages
    assert counts(report).removed == 0
    assert ws.get_contact("bob@example.com").company == "Day & Co"
    # The refused incremental call, then the full listing.
    assert google_emulator.request_count("people", LIST) == 2
    google_emulator.reset_requests()
    assert gsync().ok
    assert google_emulator.request_count("people") == 1


def test_deletion_in_google_marks_removed_and_never_deletes_or_recreates(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    ext = remote.add(None, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    gsync()
    remote.delete(ext)
    report = gsync()
    assert counts(report).removed == 1
    bob = ws.get_contact("bob@example.com")
    assert [ref.removed for ref in bob.sources.values()] == [True]
    gsync()
    assert by_email(google_emulator, "bob@example.com") == []


def test_taking_a_contact_out_of_the_label_takes_it_out_of_the_sync(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    ws.add_contact("Ann Lee", email="ann@example.com")
    gsync()
    (name,) = google_emulator.people.group_members(remote.gid)
    google_emulator.people.edit_person(name, {"memberships": []})
    report = gsync()
    assert counts(report).removed == 1
    ws.update_contact("ann@example.com", company="Lee Gardens")
    gsync()
    assert "organizations" not in google_emulator.people.person(name)


def test_private_contacts_are_taken_in_only_with_all_contacts_and_then_stay(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    mum = google_emulator.people.add_person(
        {"names": [{"givenName": "Mum"}], "emailAddresses": [{"value": "mum@example.com"}]}
    )
    remote.add(None, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    gsync()
    assert [c.name for c in ws.contacts()] == ["Bob Day"]
    google_emulator.reset_requests()

    report = gsync({"all_contacts": True})  # no --full needed: another scope lists everyone

    assert report.ok, report.messages
    assert sorted(c.name for c in ws.contacts()) == ["Bob Day", "Mum"]
    assert google_emulator.request_count("people", LIST) == 1
    assert remote.gid in member_ids(google_emulator.people.person(mum))
    # Back to the label alone: Mum has it now, so she stays in step.
    back = gsync()
    assert back.ok, back.messages
    assert counts(back).removed == 0
    ws.update_contact("mum@example.com", company="Home")
    assert gsync().ok
    assert google_emulator.people.person(mum)["organizations"][0]["name"] == "Home"


def test_another_label_lists_everyone_again(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    remote.add(None, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    shop = google_emulator.people.add_group("Shop")
    google_emulator.people.add_person(
        {
            "names": [{"givenName": "Cy", "familyName": "Oak"}],
            "emailAddresses": [{"value": "cy@example.com"}],
            **member_of(shop),
        }
    )
    gsync()
    assert [c.name for c in ws.contacts()] == ["Bob Day"]
    report = gsync({"group": "Shop"})
    assert report.ok, report.messages
    assert ws.get_contact("cy@example.com").name == "Cy Oak"


def test_a_sync_token_google_does_not_know_falls_back_to_a_full_listing(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    remote.add(None, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    gsync()
    with ws.transaction() as conn:  # a token of another account (a sign-in mix-up)
        state = status.load_state(conn, "google_contacts")
        status.save_state(conn, "google_contacts", {**state, "sync_token": "EmuSyncOther"})
    google_emulator.reset_requests()

    report = gsync()

    assert report.ok, report.messages
    assert counts(report).removed == 0
    assert google_emulator.request_count("people", LIST) == 2  # refused, then the full listing
    google_emulator.reset_requests()
    assert gsync().ok
    assert google_emulator.request_count("people") == 1


def test_label_is_created_when_missing_and_is_configurable(
    ws: Workspace, google_emulator: GoogleEmulator, gsync: Any
) -> None:
    ws.add_contact("Ann Lee", email="ann@example.com", tags=["vip"])
    report = gsync({"group": "Shop"})
    assert report.ok, report.messages
    groups = {g.name: gid for gid, g in google_emulator.people.groups.items()}
    assert set(groups) >= {"Shop", "vip"}
    (person,) = google_emulator.people.contacts()
    ids = {m["contactGroupMembership"]["contactGroupId"] for m in person["memberships"]}
    assert ids == {"myContacts", groups["Shop"], groups["vip"]}


class _OwnerEditsDuringPush(GoogleContactsConnector):
    """The owner edits a contact on the phone between this sync's pull and its push."""

    edit: tuple[str, dict[str, Any]] | None = None
    emulator: GoogleEmulator | None = None

    def push(self, changes: Any) -> Any:
        if self.edit and self.emulator:
            self.emulator.people.edit_person(*self.edit)
        return super().push(changes)


def test_stale_etag_is_merged_and_written_in_the_same_run_losing_neither_edit(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    ext = remote.add(None, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    ws.add_contact("Ann Lee", email="ann@example.com")
    gsync()
    ws.update_contact("bob@example.com", company="Day & Co")
    ws.update_contact("ann@example.com", company="Lee Gardens")
    connector = _OwnerEditsDuringPush(ws, {})
    connector.emulator = google_emulator
    connector.edit = (ext, {"biographies": [{"value": "Call after 5"}]})

    report = SyncEngine(ws).run([connector])

    # Bob's update met the owner's edit: re-read, merged field by field, sent again.
    c = counts(report)
    assert (c.pushed_updated, c.errors, c.conflicts) == (2, 0, 0), report.messages
    bob = ws.get_contact("bob@example.com")
    assert (bob.company, bob.notes) == ("Day & Co", "Call after 5")
    person = google_emulator.people.person(ext)
    assert person["organizations"][0]["name"] == "Day & Co"
    assert person["biographies"][0]["value"] == "Call after 5"
    google_emulator.reset_requests()
    second = gsync()
    assert second.ok, second.messages
    assert (counts(second).updated, writes(google_emulator)) == (0, 0)


def test_an_update_written_by_a_killed_run_is_recognised_not_refused(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    ws.add_contact("Ann Lee", email="ann@example.com")
    gsync()
    (name,) = google_emulator.people.group_members(remote.gid)
    ws.update_contact("ann@example.com", company="Lee Gardens")
    google_emulator.people.propagation_delay = timedelta(minutes=1)  # the rerun lists it late
    with pytest.raises(SimulatedCrash):
        SyncEngine(ws).run([_LosesPushResults(GoogleContactsConnector(ws, {}))])
    written = google_emulator.people.person(name)
    assert written["organizations"][0]["name"] == "Lee Gardens"

    report = gsync()  # sends the update again with the etag of before the killed run's write

    assert report.ok, report.messages
    assert counts(report).errors == 0
    assert google_emulator.people.person(name)["organizations"] == written["organizations"]
    google_emulator.advance(timedelta(minutes=1))
    later = gsync()
    assert later.ok, later.messages
    assert (counts(later).updated, writes(google_emulator)) == (0, 3)
    assert ws.get_contact("ann@example.com").company == "Lee Gardens"
    assert len(google_emulator.people.contacts()) == 1


def test_etag_changing_between_read_and_write_is_read_again_and_retried(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    ws.add_contact("Ann Lee", email="ann@example.com")
    ws.add_contact("Cy Oak", email="cy@example.com")
    gsync()
    ann = by_email(google_emulator, "ann@example.com")[0]["resourceName"]
    ws.update_contact("ann@example.com", company="Lee Gardens")
    ws.update_contact("cy@example.com", company="Oak & Son")
    google_emulator.inject_fault(
        "people",
        "batchUpdateContacts",
        before=lambda: google_emulator.people.edit_person(
            ann, {"biographies": [{"value": "Owner note"}]}
        ),
    )
    google_emulator.reset_requests()

    report = gsync()

    assert report.ok, report.messages
    assert counts(report).pushed_updated == 2
    # The refused request (both contacts in it), then one more that writes both.
    assert google_emulator.request_count("people", "batchUpdateContacts") == 2
    contact = ws.get_contact("ann@example.com")
    assert (contact.company, contact.notes) == ("Lee Gardens", "Owner note")
    person = google_emulator.people.person(ann)
    assert person["organizations"][0]["name"] == "Lee Gardens"
    assert person["biographies"][0]["value"] == "Owner note"
    assert by_email(google_emulator, "cy@example.com")[0]["organizations"][0]["name"] == "Oak & Son"


def test_a_contact_edited_in_google_at_every_attempt_fails_alone_and_loses_nothing(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    ws.add_contact("Ann Lee", email="ann@example.com")
    gsync()
    (ann,) = google_emulator.people.group_members(remote.gid)
    ws.update_contact("ann@example.com", company="Lee Gardens")
    edits = iter(range(100))
    google_emulator.inject_fault(
        "people",
        "batchUpdateContacts",
        times=10,
        before=lambda: google_emulator.people.edit_person(
            ann, {"biographies": [{"value": f"Owner note {next(edits)}"}]}
        ),
    )

    report = gsync()

    assert counts(report).errors == 1
    assert "changed in Google since the last sync" in " ".join(report.messages)
    # Every attempt was merged: relationkit holds the owner's latest note, Google the company.
    assert google_emulator.request_count("people", "batchUpdateContacts") == 4
    google_emulator.faults.clear()
    assert gsync().ok
    contact = ws.get_contact("ann@example.com")
    person = google_emulator.people.person(ann)
    assert (contact.company, contact.notes) == ("Lee Gardens", person["biographies"][0]["value"])
    assert person["organizations"][0]["name"] == "Lee Gardens"


def test_injected_429_and_500s_are_retried(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    add_customers(ws, 3)
    remote.add(None, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    google_emulator.inject_fault("people", LIST, status=429, retry_after=0, times=2)
    google_emulator.inject_fault("people", "batchCreateContacts", status=500, retry_after=0)
    google_emulator.inject_fault("people", "contactGroups.list", status=503, retry_after=0)
    report = gsync()
    assert report.ok, report.messages
    assert counts(report).pushed_created == 3
    assert google_emulator.request_count("people", LIST) == 3
    assert len(google_emulator.people.contacts()) == 4


def test_persistent_500s_fail_clearly_and_lose_nothing(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    add_customers(ws, 3)
    google_emulator.inject_fault(
        "people", "batchCreateContacts", status=500, retry_after=0, times=3
    )
    report = gsync()
    assert counts(report).errors == 1
    assert "Google Contacts: create contacts" in " ".join(report.messages)
    assert gsync().ok
    assert len(google_emulator.people.contacts()) == 3


@pytest.mark.parametrize("delay", [timedelta(), timedelta(minutes=5)])
def test_crash_between_write_and_state_save_makes_no_duplicate(
    ws: Workspace, google_emulator: GoogleEmulator, delay: timedelta
) -> None:
    PeopleRemote(google_emulator, api_delay=delay)
    add_customers(ws, 250)
    crashing = _LosesPushResults(GoogleContactsConnector(ws, {"batch_size": 200}))
    with pytest.raises(SimulatedCrash):
        SyncEngine(ws).run([crashing])
    assert len(google_emulator.people.contacts()) == 200  # the first batch went through
    for _ in range(2):
        report = SyncEngine(ws).run([GoogleContactsConnector(ws, {})])
        assert report.ok, report.messages
    assert len(google_emulator.people.contacts()) == 250
    assert ws.count_contacts() == 250
    google_emulator.advance(delay + timedelta(seconds=1))
    report = SyncEngine(ws).run([GoogleContactsConnector(ws, {})], full=True)
    assert (counts(report).created, counts(report).removed) == (0, 0)
    assert len(google_emulator.people.contacts()) == 250


def test_propagation_delay_causes_no_false_removal_nor_lost_edit(
    ws: Workspace, google_emulator: GoogleEmulator, gsync: Any
) -> None:
    PeopleRemote(google_emulator, api_delay=timedelta(minutes=5))
    add_customers(ws, 12)
    gsync()
    ws.update_contact("local1@example.com", company="Lee Gardens")
    gsync()
    google_emulator.reset_requests()
    # Lists still miss the 12 new contacts and show local1 without its company.
    report = gsync(full=True)
    c = counts(report)
    assert report.ok, report.messages
    assert (c.removed, c.created, c.updated) == (0, 0, 0)
    assert ws.get_contact("local1@example.com").company == "Lee Gardens"
    assert google_emulator.request_count("people", "getBatchGet") == 1
    google_emulator.advance(timedelta(minutes=6))
    google_emulator.reset_requests()
    report = gsync(full=True)
    assert counts(report).removed == 0
    assert google_emulator.request_count("people", "getBatchGet") == 0
    assert len(google_emulator.people.contacts()) == 12


def test_safety_guard_stops_a_sync_that_sees_everybody_gone(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    add_customers(ws, 20)
    gsync()
    for name in google_emulator.people.group_members(remote.gid):
        google_emulator.people.delete_person(name)
    with pytest.raises(SafetyGuardTripped):
        gsync(full=True)


def test_year_less_birthdays_both_ways(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    ws.add_contact("Ann Lee", email="ann@example.com", birthday="--03-14")
    bob = google_emulator.people.add_person(
        {
            "names": [{"givenName": "Bob"}],
            "emailAddresses": [{"value": "bob@example.com"}],
            "birthdays": [{"date": {"month": 2, "day": 29}}],
            **member_of(remote.gid),
        }
    )
    gsync()
    (ann,) = by_email(google_emulator, "ann@example.com")
    assert ann["birthdays"][0]["date"] == {"month": 3, "day": 14}
    assert str(ws.get_contact("bob@example.com").birthday) == "--02-29"
    google_emulator.people.edit_person(
        bob, {"birthdays": [{"date": {"year": 1980, "month": 2, "day": 29}}]}
    )
    gsync()
    assert str(ws.get_contact("bob@example.com").birthday) == "1980-02-29"


def test_unreadable_values_are_reported_not_dropped(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    google_emulator.people.add_person(
        {
            "names": [{"givenName": "Bob"}],
            "emailAddresses": [{"value": "bob@example.com"}],
            "birthdays": [{"text": "sometime in spring"}],
            "events": [{"date": {"month": 13, "day": 1}, "type": "anniversary"}],
            **member_of(remote.gid),
        }
    )
    report = gsync()
    assert sorted(p.field for p in report.problems) == ["anniversary", "birthday"]
    assert "spring" not in " ".join(report.messages)
    assert ws.get_contact("bob@example.com").name == "Bob"


def test_one_batch_writes_each_contact_only_where_it_changed(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    bob = remote.add(None, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    ws.add_contact("Ann Lee", email="ann@example.com")
    gsync()
    remote.edit(bob, {"emails": ["Bob@Example.com"]})  # the owner's own way of writing it
    gsync()
    ws.update_contact("ann@example.com", emails=["ann@example.com", "ann@home.example"])
    ws.update_contact("bob@example.com", notes="Call after 5")
    google_emulator.reset_requests()
    report = gsync()
    assert counts(report).pushed_updated == 2
    assert google_emulator.request_count("people", "batchUpdateContacts") == 1
    person = google_emulator.people.person(bob)
    assert [(e["value"], e.get("type")) for e in person["emailAddresses"]] == [
        ("Bob@Example.com", "home")
    ]
    assert person["biographies"][0]["value"] == "Call after 5"


def test_every_field_goes_to_google_and_back_without_churn(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    ws.add_contact(
        "Ann Lee",
        email="ann@example.com",
        phone="+14155550101",
        company="Lee Gardens",
        position="Owner",
        birthday="--03-14",
        anniversary="2010-06-01",
        notes="Likes roses",
        tags=["vip"],
        linkedin_url="https://www.linkedin.com/in/annlee",
    )
    ann = ws.get_contact("ann@example.com")
    ws.update_contact(ann.id, nickname="Annie", interests=["roses"], custom={"tier": "gold"})
    assert gsync().ok
    (person,) = google_emulator.people.contacts()
    assert person["organizations"][0] | {"metadata": None} == {
        "name": "Lee Gardens",
        "title": "Owner",
        "metadata": None,
    }
    assert person["events"][0]["date"] == {"year": 2010, "month": 6, "day": 1}
    assert person["urls"][0]["value"] == "https://www.linkedin.com/in/annlee"
    assert person["userDefined"][0] | {"metadata": None} == {
        "key": "tier",
        "value": "gold",
        "metadata": None,
    }
    google_emulator.reset_requests()
    quiet = gsync()
    c = counts(quiet)
    assert (c.updated, c.pushed_updated, c.conflicts) == (0, 0, 0)
    assert writes(google_emulator) == 0

    vip = google_emulator.people.add_group("wholesale")
    google_emulator.people.edit_person(
        person["resourceName"],
        {
            "relations": [
                {"person": "Jo Lee", "type": "spouse"},
                {"person": "Sam", "type": "boss"},
            ],
            "memberships": [
                *[
                    {"contactGroupMembership": m["contactGroupMembership"]}
                    for m in person["memberships"]
                ],
                {"contactGroupMembership": {"contactGroupId": vip}},
            ],
            "events": [
                *person["events"],
                {"date": {"month": 9, "day": 1}, "type": "shop opening"},
            ],
        },
    )
    assert gsync().ok
    ann = ws.get_contact("ann@example.com")
    assert [(f.relation, f.name) for f in ann.family] == [("spouse", "Jo Lee")]
    assert ann.tags == ["vip", "wholesale"]
    assert [(m.label, str(m.date)) for m in ann.milestones] == [("shop opening", "--09-01")]
    assert str(ann.anniversary) == "2010-06-01"


def test_stale_etag_on_the_same_field_is_settled_by_the_conflict_rule(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    ext = remote.add(None, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    gsync()
    ws.update_contact("bob@example.com", company="Local Co")
    connector = _OwnerEditsDuringPush(ws, {})
    connector.emulator = google_emulator
    connector.edit = (ext, {"organizations": [{"name": "Owner Co"}]})  # the newer change
    report = SyncEngine(ws).run([connector])
    assert (counts(report).errors, counts(report).conflicts) == (0, 1), report.messages
    assert ws.get_contact("bob@example.com").company == "Owner Co"
    assert google_emulator.people.person(ext)["organizations"][0]["name"] == "Owner Co"
    google_emulator.reset_requests()
    assert gsync().ok
    assert writes(google_emulator) == 0


@pytest.mark.parametrize("propagate", [False, True])
def test_after_a_merge_the_extra_google_contact_is_deleted_only_when_asked(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any, propagate
) -> None:
    ann = remote.add(None, {"display_name": "Ann Lee", "emails": ["ann@example.com"]})
    anne = remote.add(None, {"display_name": "Anne Lee", "emails": ["anne.lee@work.example"]})
    gsync()
    ws.merge(ws.get_contact("ann@example.com"), ws.get_contact("anne.lee@work.example"))
    settings = {"propagate_deletes": propagate}
    report = gsync(settings)
    assert report.ok, report.messages
    left = {p["resourceName"] for p in google_emulator.people.contacts()}
    assert left == ({min(ann, anne)} if propagate else {ann, anne})
    assert counts(report).pushed_deleted == (1 if propagate else 0)
    again = gsync(settings)  # nothing left to delete, nothing created again
    assert again.ok, again.messages
    assert counts(again).pushed_deleted == counts(again).pushed_created == 0
    assert {p["resourceName"] for p in google_emulator.people.contacts()} == left
    assert ws.count_contacts() == 1


@pytest.mark.parametrize("full", [False, True])
def test_with_propagate_deletes_a_contact_deleted_in_google_is_deleted_here_and_back_again(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any, full: bool
) -> None:
    settings = {"propagate_deletes": True}
    bob = remote.add(None, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    cy = remote.add(None, {"display_name": "Cy Oak", "emails": ["cy@example.com"]})
    # Di stays: every contact of the label gone at once would stop the sync (the safety guard).
    remote.add(None, {"display_name": "Di Ash", "emails": ["di@example.com"]})
    gsync(settings)
    remote.delete(bob)
    google_emulator.people.edit_person(cy, {"memberships": []})  # out of the label only

    # An incremental listing shows Bob's tombstone; a full one misses both, and reading them
    # again finds Cy only.
    report = gsync(settings, full=full)

    assert report.ok, report.messages
    assert counts(report).removed == 2
    assert ws.get_contact("bob@example.com").deleted_by == "google_contacts"
    assert ws.get_contact("cy@example.com").deleted_at is None  # not deleted in Google
    assert sorted(c.name for c in ws.contacts()) == ["Cy Oak", "Di Ash"]
    ws.undelete_contact("bob@example.com")
    back = gsync(settings)
    assert counts(back).pushed_created == 1
    assert len(by_email(google_emulator, "bob@example.com")) == 1


@pytest.mark.parametrize("propagate", [False, True])
def test_a_customer_deleted_in_relationkit_leaves_google_only_with_propagate_deletes(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any, propagate
) -> None:
    settings = {"propagate_deletes": propagate}
    remote.add(None, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    gsync(settings)
    ws.delete_contact("bob@example.com")
    google_emulator.reset_requests()

    report = gsync(settings)

    assert report.ok, report.messages
    assert len(by_email(google_emulator, "bob@example.com")) == (0 if propagate else 1)
    assert google_emulator.request_count("people", "batchDeleteContacts") == int(propagate)
    again = gsync(settings)
    assert (counts(again).pushed_created, counts(again).pushed_deleted) == (0, 0)
    assert ws.get_contact("bob@example.com").deleted_at is not None


def test_a_phone_contact_on_a_partners_number_stays_its_own_person(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any
) -> None:
    """Ivan saved with his partner Hannah's number: two customers, nothing of hers on his."""
    hannah = ws.add_contact(
        "Hannah Kim", email="hannah@example.com", phone="+14155550123", birthday="1985-06-01"
    )
    ws.update_contact(hannah, tags=["roses"])
    gsync()
    ivan_ext = remote.add(None, {"display_name": "Ivan Petrov", "phones": ["+14155550123"]})

    report = gsync()

    assert report.ok, report.messages
    assert (counts(report).created, counts(report).needs_review) == (1, 0)
    kept = ws.get_contact(hannah.id)
    assert (kept.name, kept.emails, kept.tags) == ("Hannah Kim", ["hannah@example.com"], ["roses"])
    ivan = ws.contacts_by_source("google_contacts", [ivan_ext])[ivan_ext]
    assert ivan.id != hannah.id
    assert (ivan.name, ivan.emails, ivan.phones, ivan.tags) == (
        "Ivan Petrov",
        [],
        ["+14155550123"],
        [],
    )
    assert ivan.birthday is None
    gsync()  # and nothing of Hannah's is written to Ivan's Google contact
    ivan_in_google = google_emulator.people.person(ivan_ext)
    assert "emailAddresses" not in ivan_in_google
    assert "birthdays" not in ivan_in_google
    assert [n["displayName"] for n in ivan_in_google["names"]] == ["Ivan Petrov"]
    assert len(by_email(google_emulator, "hannah@example.com")) == 1


@pytest.mark.parametrize("propagate", [False, True])
def test_after_an_unmerge_and_a_sync_both_people_are_in_google_with_their_own_data(
    ws: Workspace, google_emulator: GoogleEmulator, remote: PeopleRemote, gsync: Any, propagate
) -> None:
    """Two customers merged by mistake, synced (Google then holds the merged person), split."""
    settings = {"propagate_deletes": propagate}
    ann_ext = remote.add(
        None, {"display_name": "Ann Lee", "emails": ["ann@example.com"], "notes": "tea"}
    )
    bob_ext = remote.add(
        None,
        {
            "display_name": "Bob Day",
            "emails": ["bob@example.com"],
            "phones": ["+14155550177"],
            "company": "Day & Co",
        },
    )
    gsync(settings)
    ann, bob = ws.get_contact("ann@example.com"), ws.get_contact("bob@example.com")
    ws.merge(ann, bob)
    assert gsync(settings).ok
    merged_in_google = by_email(google_emulator, "ann@example.com")
    assert any("bob@example.com" in owner_fields(p)["emails"] for p in merged_in_google)

    ws.unmerge(bob.id)
    report = gsync(settings)

    assert report.ok, report.messages
    people = {p["resourceName"]: p for p in google_emulator.people.contacts()}
    by_id = {
        d["value"]: owner_fields(p)
        for p in people.values()
        for d in p.get("clientData", [])
        if d["key"] == "relationkit_id"
    }
    assert set(by_id) == {ann.id, bob.id}
    assert by_id[ann.id]["emails"] == ["ann@example.com"]
    assert by_id[ann.id]["notes"] == "tea"
    assert (by_id[ann.id]["phones"], by_id[ann.id]["company"]) == ([], "")
    assert by_id[bob.id]["emails"] == ["bob@example.com"]
    assert (by_id[bob.id]["company"], by_id[bob.id]["notes"]) == ("Day & Co", "")
    assert len(by_id[bob.id]["phones"]) == 1
    assert [owner_fields(people[ann_ext])["display_name"]] == ["Ann Lee"]
    if not propagate:  # each kept their own Google contact
        assert by_id == {
            ann.id: owner_fields(people[ann_ext]),
            bob.id: owner_fields(people[bob_ext]),
        }
    assert len(people) == 2
    again = gsync(settings)  # settled: nothing more to write
    assert again.ok, again.messages
    assert (counts(again).pushed_created, counts(again).pushed_updated) == (0, 0)
    assert ws.get_contact("bob@example.com").id == bob.id
