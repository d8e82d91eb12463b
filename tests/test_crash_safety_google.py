"""Crash safety with the real Google plugins: ``relationkit sync`` killed with SIGKILL, then rerun.

The CSV version is ``test_crash_safety.py``; this one runs the scheduled job with
``google_sheets``, ``google_contacts`` and ``google_calendar`` enabled against the emulator of
the test process (its state survives the killed subprocess). Each case builds the same shop:

- before a first sync: customers typed locally (with a purchase today, so the playbook gives
  them follow-ups and the calendar gets events), typed in the sheet, typed in Google Contacts,
  and one typed in both the sheet and Google Contacts;
- then, before the run under test: an edit locally, in the sheet and in Google Contacts, an
  event moved in the calendar, a new customer on each side (the local one with a purchase, so
  new follow-ups), and one more typed in both the sheet and Google Contacts.

The run is killed at an engine step (the ``RELATIONKIT_TEST_CRASH_AT`` hook: ``pushed`` is the
dangerous one, the tool was written and the results not saved; ``applied`` dies inside the
apply transaction; ``push:<next connector>`` dies between connectors) or after a random
delay, then run again to completion. The end state must be the same every time: every
customer once in the store, once in the sheet and once in Google Contacts, each record carrying
its own contact's id; one event and at most one sheet row per follow-up; every edit made before
the run present everywhere; and a further sync that writes nothing, after which a sync costs one
request per tool.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from crash_support import kill_a_sync, rerun
from google_sync_support import (
    APIS,
    FOLLOWUPS_TAB,
    PURCHASES_TAB,
    GoogleShop,
    Record,
    duplicates,
    email_of,
    event_day,
    name_of,
)

from relationkit.jobs import run_sync_job
from relationkit.models import FollowUpStatus
from relationkit.testing import GoogleEmulator

pytestmark = pytest.mark.slow

TODAY = date.today()  # the job's "today" (the calendar plugin reads the computer's date too)
OLD = "Old Ltd"
# (person, field, value): one edit on each side between the first sync and the run under test.
LOCAL_EDIT = ("ann", "company", "Edited Here Ltd")
SHEET_EDIT = ("cat", "company", "Edited In Sheet Ltd")
PEOPLE_EDIT = ("dan", "company", "Edited In Contacts Ltd")
FIRST_LOCAL, FIRST_SHEET, FIRST_PEOPLE, FIRST_BOTH = ["ann", "bob"], ["cat"], ["dan"], ["olive"]
NEW_LOCAL, NEW_SHEET, NEW_PEOPLE, NEW_BOTH = ["eve"], ["fay"], ["gus"], ["hal"]
EVERYONE = sorted(
    email_of(p)
    for p in FIRST_LOCAL + FIRST_SHEET + FIRST_PEOPLE + FIRST_BOTH
    + NEW_LOCAL + NEW_SHEET + NEW_PEOPLE + NEW_BOTH
)  # fmt: skip
# The LinkedIn plugin's rule, whose follow-ups the sheet lists on their own tab.
LINKEDIN_RULE, LINKEDIN_TAB = "linkedin_connect", "LinkedIn"
MOVED_TO = TODAY + timedelta(days=2)  # where the owner drags one of Ann's events
# Small push batches so that each Google connector pushes several times in one run.
SETTINGS = {"google_contacts": {"batch_size": 2}, "google_calendar": {"batch_size": 1}}

# Kill points: during apply (inside its transaction), after the apply of everything (before the
# playbook), before and after each write whose results are not yet saved, between connectors.
STEPS = [
    "applied:google_sheets",
    "applied:google_contacts",
    "applied:google_calendar",
    "between",
    "pushed:google_sheets#1",
    "saved:google_sheets#1",
    "push:google_contacts#1",
    "pushed:google_contacts#1",
    "pushed:google_contacts#2",
    "push:google_calendar#1",
    "pushed:google_calendar#1",
    "pushed:google_calendar#2",
]
DELAYS = [round(random.Random(seed).uniform(0.5, 1.3), 2) for seed in range(2)]
# Google lists People writes only after a while: these kill points run with that lag too, so the
# rerun does not see the contacts the killed run created and must not create them again.
LAGGING = ["pushed:google_contacts#1", "pushed:google_contacts#2"]
LAG = timedelta(seconds=60)
KILLS = (
    [f"step {s}" for s in STEPS]
    + [f"step {s} with People lag" for s in LAGGING]
    + [f"after {d} s" for d in DELAYS]
)


def _shop(emu: GoogleEmulator, folder: Path) -> tuple[GoogleShop, str]:
    """The shop after a first sync and the edits of the module docstring; the id of the
    follow-up whose event the owner moved."""
    shop = GoogleShop(emu, folder)
    shop.set_up(**SETTINGS)
    for person in FIRST_SHEET + FIRST_BOTH:
        shop.sheet_type_row(person, company=OLD)
    for person in FIRST_PEOPLE + FIRST_BOTH:
        shop.people_add(person, company=OLD)
    with shop.open() as ws:
        for person in FIRST_LOCAL:
            contact = ws.add_contact(name_of(person), emails=[email_of(person)], company=OLD)
            ws.record_purchase(contact, 120, on=TODAY, category="mowers")
        report = run_sync_job(ws)
        assert report.ok, report.messages
        moved = ws.followups(contact=email_of("ann"))[0].id
        person, field, value = LOCAL_EDIT
        ws.update_contact(email_of(person), **{field: value})
        for person in NEW_LOCAL:
            contact = ws.add_contact(name_of(person), emails=[email_of(person)], company=OLD)
            ws.record_purchase(contact, 80, on=TODAY, category="seeds")
    shop.sheet_edit(email_of(SHEET_EDIT[0]), *SHEET_EDIT[1:])
    shop.people_edit(email_of(PEOPLE_EDIT[0]), *PEOPLE_EDIT[1:])
    shop.move_event(moved, MOVED_TO)
    for person in NEW_SHEET + NEW_BOTH:
        shop.sheet_type_row(person, company=OLD)
    for person in NEW_PEOPLE + NEW_BOTH:
        shop.people_add(person, company=OLD)
    emu.reset_requests()
    return shop, moved


def _expected_company(email: str) -> str:
    for person, _, value in (LOCAL_EDIT, SHEET_EDIT, PEOPLE_EDIT):
        if email == email_of(person):
            return value
    return OLD


def _check_records(tool: str, records: list[Record], ids: dict[str, str]) -> None:
    """Each customer once in the tool, carrying its own contact's id, with every edit."""
    emails = sorted(e for r in records for e in r.emails)
    assert emails == EVERYONE, f"{tool}: {duplicates(emails) or emails}"
    for record in records:
        (email,) = record.emails
        assert record.relationkit_id == ids[email], (tool, email)
        assert record.company == _expected_company(email), (tool, email, record.company)


def _check(shop: GoogleShop, moved: str) -> None:
    with shop.open() as ws:
        contacts = list(ws.contacts())
        emails = sorted(e for c in contacts for e in c.emails)
        assert emails == EVERYONE, duplicates(emails) or emails
        ids = {c.emails[0]: c.id for c in contacts}
        for contact in contacts:
            assert contact.company == _expected_company(contact.emails[0]), contact.emails
        followups = ws.followups()
        assert ws.get_followup(moved).due == MOVED_TO
        purchases = ws.purchases()
    _check_records("sheet", shop.sheet_records(), ids)
    _check_records("Google Contacts", shop.people_records(), ids)

    # One event per follow-up, none for anything else; the move kept in the store and sheet.
    events = shop.event_followups()
    assert events == {f.id: 1 for f in followups}, duplicates(list(events.elements()))
    assert event_day(shop.event_of(moved)) == MOVED_TO
    assert {e for c in contacts for e in c.emails} >= {email_of(p) for p in NEW_LOCAL}
    assert any(f.contact_id == ids[email_of(p)] for f in followups for p in NEW_LOCAL)
    week = [
        f for f in followups if f.status == FollowUpStatus.OPEN and f.due <= TODAY + timedelta(7)
    ]
    for tab, wanted in (
        (FOLLOWUPS_TAB, [f.id for f in week if f.rule != LINKEDIN_RULE]),
        (LINKEDIN_TAB, [f.id for f in week if f.rule == LINKEDIN_RULE]),
    ):
        rows = shop.sheet_ids(tab)
        assert sorted(rows) == sorted(wanted), (tab, duplicates(rows))
    assert shop.sheet_followup_dues()[moved] == MOVED_TO
    rows = shop.sheet_ids(PURCHASES_TAB)
    assert sorted(rows) == sorted(p.id for p in purchases), duplicates(rows)

    # Nothing left to do (once Google lists every write): a further sync writes nothing, and the
    # one after costs 1 request per tool.
    shop.emu.advance(LAG)
    shop.emu.reset_requests()
    with shop.open() as ws:
        again = run_sync_job(ws)
    assert again.ok, again.messages
    for name, counts in again.connectors.items():
        assert (counts.created, counts.updated, counts.conflicts) == (0, 0, 0), name
        assert (counts.pushed_created, counts.pushed_updated) == (0, 0), name
    assert again.followups_created == 0
    assert shop.writes() == []
    shop.emu.reset_requests()
    with shop.open() as ws:
        assert run_sync_job(ws).ok
    assert {api: shop.emu.request_count(api) for api in (*APIS, "drive")} == {
        "sheets": 1,
        "people": 1,
        "calendar": 1,
        "drive": 0,
    }, [r.operation for r in shop.emu.requests]


@pytest.mark.parametrize("kill", KILLS)
def test_a_killed_google_sync_converges_on_the_next_run(
    google_emulator: GoogleEmulator, tmp_path: Path, kill: str
) -> None:
    shop, moved = _shop(google_emulator, tmp_path)
    env = shop.environment()
    how, _, point = kill.partition(" ")
    if point.endswith(" with People lag"):
        google_emulator.people.propagation_delay = LAG
        point = point.removesuffix(" with People lag")
    kill_a_sync(env, how, point)
    rerun(env)
    _check(shop, moved)


def test_an_uninterrupted_google_sync_reaches_the_same_end_state(
    google_emulator: GoogleEmulator, tmp_path: Path
) -> None:
    """The reference: one clean run gives the end state the killed runs are checked against,
    and it passes every kill point above at least once."""
    shop, moved = _shop(google_emulator, tmp_path)
    seen: list[str] = []
    with shop.open() as ws:
        report = run_sync_job(ws, observer=lambda step, name: seen.append(f"{step}:{name}"))
    assert report.ok, report.messages
    for point in STEPS:
        label, _, nth = point.partition("#")
        reached = sum(s == label or s.partition(":")[0] == label for s in seen)
        assert reached >= int(nth or 1), (point, seen)
    _check(shop, moved)


@pytest.mark.parametrize("point", LAGGING)
def test_with_people_lag_a_later_sync_keeps_the_end_state(
    google_emulator: GoogleEmulator, tmp_path: Path, point: str
) -> None:
    """With People's listing lag, the rerun converges although it does not see the killed run's
    writes, and once Google lists them, the next sync takes them for nothing new: the end state
    holds."""
    shop, moved = _shop(google_emulator, tmp_path)
    google_emulator.people.propagation_delay = LAG
    env = shop.environment()
    kill_a_sync(env, "step", point)
    rerun(env)
    google_emulator.advance(LAG)
    with shop.open() as ws:
        report = run_sync_job(ws)
    assert report.ok, report.messages
    _check(shop, moved)
