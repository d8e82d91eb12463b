"""The connector contract, for follow-ups.

``relationkit.testing.contract.ConnectorContract`` is written for contacts (display names,
emails, a text field edited on both sides); a calendar holds follow-ups only, which relationkit
creates and the owner may move or delete. These are the same promises, for follow-ups.
"""

from __future__ import annotations

import time

from gcal_support import calendar_id, connector, followups

from relationkit.models import FollowUpStatus
from relationkit.sync.contract import Kind
from relationkit_google_calendar import events as ev

_TICK = 0.05  # consecutive edits on the two sides must have different times


def move(google_emulator, ws, followup, day: str, until: str) -> None:
    google_emulator.calendar.owner_move_event(
        ev.event_id(followup.id), {"date": day}, {"date": until}, calendar_id(ws)
    )


def test_first_sync_publishes_and_leaves_the_owners_own_events_alone(ws, sync, google_emulator):
    followups(ws, 1)
    sync()
    sync()  # listed once the calendar exists: incremental from now on
    cid = calendar_id(ws)
    own = google_emulator.calendar.add_event(
        {"summary": "Dentist", "start": {"date": "2026-05-12"}, "end": {"date": "2026-05-13"}},
        cid,
    )
    report = sync()
    assert report.ok and report.connectors["google_calendar"].pulled == 0
    assert len(ws.followups()) == 1
    assert google_emulator.calendar.event(own, cid)["summary"] == "Dentist"
    assert sync(full=True).connectors["google_calendar"].pulled == 1  # ours only


def test_conflict_newest_remote_change_wins(ws, sync, google_emulator):
    (first,) = followups(ws, 1)
    sync()
    ws.update_followup(first, due=first.due.replace(day=25))
    time.sleep(_TICK)
    move(google_emulator, ws, first, "2026-05-28", "2026-05-29")
    report = sync()
    assert report.connectors["google_calendar"].conflicts == 1
    assert str(ws.get_followup(first.id).due) == "2026-05-28"
    event = google_emulator.calendar.event(ev.event_id(first.id), calendar_id(ws))
    assert event["start"] == {"date": "2026-05-28"}


def test_conflict_newest_local_change_wins(ws, sync, google_emulator):
    (first,) = followups(ws, 1)
    sync()
    move(google_emulator, ws, first, "2026-05-28", "2026-05-29")
    time.sleep(_TICK)
    ws.update_followup(first, due=first.due.replace(day=25))
    report = sync()
    assert report.connectors["google_calendar"].conflicts == 1
    assert str(ws.get_followup(first.id).due) == "2026-05-25"
    event = google_emulator.calendar.event(ev.event_id(first.id), calendar_id(ws))
    assert event["start"] == {"date": "2026-05-25"}


def test_remote_deletion_never_deletes_locally_nor_recreates(ws, sync, google_emulator):
    first, second = followups(ws, 2)
    ws.complete_followup(second, "done")
    sync()
    google_emulator.calendar.owner_delete_event(ev.event_id(first.id), calendar_id(ws))
    sync()
    assert {f.id: f.status for f in ws.followups()} == {
        first.id: FollowUpStatus.SKIPPED,
        second.id: FollowUpStatus.DONE,
    }
    sync()
    assert google_emulator.calendar.events(calendar_id(ws)) == []


def test_a_reopened_followup_brings_its_deleted_event_back(ws, sync, google_emulator):
    (first,) = followups(ws, 1)
    sync()
    google_emulator.calendar.owner_delete_event(ev.event_id(first.id), calendar_id(ws))
    sync()
    ws.update_followup(first, status="open")
    sync()
    event = google_emulator.calendar.event(ev.event_id(first.id), calendar_id(ws))
    assert event["status"] == "confirmed"
    assert sync().connectors["google_calendar"].updated == 0  # our own write is not a change


def test_dry_run_changes_nothing_anywhere(ws, sync, google_emulator):
    followups(ws, 2)
    report = sync(dry_run=True)
    counts = report.connectors["google_calendar"]
    assert counts.pushed_created == 2 and len(counts.planned) == 2
    assert len(google_emulator.calendar.calendars) == 1  # not even the calendar
    assert google_emulator.request_count("calendar") == 0
    assert all(f.published == {} for f in ws.followups())
    assert sync().connectors["google_calendar"].pushed_created == 2


def test_an_unreadable_start_is_reported_and_the_rest_kept(ws, google_emulator):
    (first,) = followups(ws, 1)
    item = connector(ws)._item(
        {"id": ev.event_id(first.id), "etag": '"1"', "status": "confirmed",
         "start": {"date": "13/05/2026"}}
    )  # fmt: skip
    assert item is not None and item.kind == Kind.FOLLOWUP and item.local_id == first.id
    assert item.fields == {}
    assert [p.field for p in item.problems] == ["due"]


def test_event_ids_are_base32hex_and_lead_back_to_the_followup():
    for followup_id in ("f_0123456789abcdef0123", "f_1", "f_" + "z" * 600):
        made = ev.event_id(followup_id)
        assert 5 <= len(made) <= 1024 and set(made) <= set("abcdefghijklmnopqrstuv0123456789")
        assert ev.followup_id(made) == followup_id
    assert ev.followup_id("3kq0d0bnpn0jmpa2b8lh4nq0cc") is None  # someone else's event
    assert ev.followup_id("rkw") is None
