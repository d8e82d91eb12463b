"""The Calendar connector with the sync engine, against the emulator and the real client."""

from __future__ import annotations

from datetime import date, timedelta

from gcal_support import DUE, calendar_id, connector, followups

from relationkit.models import FollowUpStatus
from relationkit_google_calendar import events as ev


def test_first_sync_creates_the_calendar_and_one_event_per_open_followup(
    ws, sync, google_emulator, tmp_path
):
    made = followups(ws, 3)
    report = sync()
    assert report.ok, report.messages
    assert report.connectors["google_calendar"].pushed_created == 3
    cid = calendar_id(ws)
    assert google_emulator.calendar.calendars[cid].summary == "Customer follow-ups"
    assert f'calendar_id = "{cid}"' in (tmp_path / "config.toml").read_text()
    listed = google_emulator.calendar.events(cid)
    assert sorted(e["id"] for e in listed) == sorted(ev.event_id(f.id) for f in made)
    event = google_emulator.calendar.event(ev.event_id(made[0].id), cid)
    assert event["summary"] == "Welcome Customer 0"
    assert event["start"] == {"date": DUE.isoformat()}
    assert event["end"] == {"date": (DUE + timedelta(days=1)).isoformat()}
    assert event["extendedProperties"]["private"]["relationkit_followup"] == made[0].id
    assert event["reminders"] == {
        "useDefault": False,
        "overrides": [{"method": "popup", "minutes": 900}],
    }
    text = event["description"]
    assert text.startswith("First purchase on 2026-05-08 ($120).")
    assert "+14155550000" in text and "customer0@example.com" in text
    assert "Suggested: a phone call" in text and "Takes about 3 minutes" in text
    assert "2026-05-08: 120.00 USD (mowers)" in text
    assert ws.get_followup(made[0].id).published == {"google_calendar": ev.event_id(made[0].id)}


def test_a_rerun_with_no_change_writes_nothing(ws, sync, google_emulator):
    followups(ws, 4)
    sync()
    google_emulator.reset_requests()
    report = sync()
    counts = report.connectors["google_calendar"]
    assert (counts.pushed_created, counts.pushed_updated, counts.updated) == (0, 0, 0)
    assert [r.operation for r in google_emulator.requests] == ["calendar.events.list"]


def test_only_open_followups_become_events(ws, sync, google_emulator):
    done, skipped, snoozed, open_ = followups(ws, 4)
    ws.complete_followup(done, "called")
    ws.update_followup(skipped, status="skipped")
    ws.update_followup(snoozed, snoozed_until=DUE + timedelta(days=20))
    sync()
    listed = google_emulator.calendar.events(calendar_id(ws))
    assert [e["id"] for e in listed] == [ev.event_id(open_.id)]


def test_completed_and_rescheduled_followups_update_their_event(ws, sync, google_emulator):
    first, second = followups(ws, 2)
    sync()
    ws.complete_followup(first, "Lovely chat")
    ws.update_followup(second, due=date(2026, 6, 1))
    google_emulator.reset_requests()
    report = sync()
    assert report.connectors["google_calendar"].pushed_updated == 2
    assert google_emulator.request_count("calendar", "batch") == 1
    cid = calendar_id(ws)
    finished = google_emulator.calendar.event(ev.event_id(first.id), cid)
    assert finished["summary"] == "Done: Welcome Customer 0"
    assert finished["colorId"] == ev.DONE_COLOR
    assert "Note: Lovely chat" in finished["description"]
    moved = google_emulator.calendar.event(ev.event_id(second.id), cid)
    assert moved["start"] == {"date": "2026-06-01"}
    assert sync().connectors["google_calendar"].pushed_updated == 0
    ws.update_followup(first, status="open")
    sync()
    reopened = google_emulator.calendar.event(ev.event_id(first.id), cid)
    assert reopened["summary"] == "Welcome Customer 0" and "colorId" not in reopened


def test_owner_deleting_an_event_skips_the_followup(ws, sync, google_emulator):
    first, second = followups(ws, 2)
    sync()
    google_emulator.calendar.owner_delete_event(ev.event_id(first.id), calendar_id(ws))
    report = sync()
    assert report.ok, report.messages
    assert ws.get_followup(first.id).status == FollowUpStatus.SKIPPED
    assert ws.get_followup(second.id).status == FollowUpStatus.OPEN
    google_emulator.reset_requests()
    sync()  # nothing more to do: the event stays deleted, nothing is written
    assert google_emulator.call_count("calendar", "events.patch") == 0
    assert google_emulator.calendar.event(ev.event_id(first.id), calendar_id(ws))["status"] == (
        "cancelled"
    )


def test_owner_deleting_a_finished_event_keeps_it_done(ws, sync, google_emulator):
    (first,) = followups(ws, 1)
    sync()
    ws.complete_followup(first, "done")
    sync()
    google_emulator.calendar.owner_delete_event(ev.event_id(first.id), calendar_id(ws))
    report = sync()
    assert report.connectors["google_calendar"].removed == 1
    assert ws.get_followup(first.id).status == FollowUpStatus.DONE


def test_owner_moving_an_event_changes_the_due_date(ws, sync, google_emulator):
    (first,) = followups(ws, 1)
    sync()
    google_emulator.calendar.owner_move_event(
        ev.event_id(first.id), {"date": "2026-05-20"}, {"date": "2026-05-21"}, calendar_id(ws)
    )
    report = sync()
    assert report.connectors["google_calendar"].updated == 1
    assert ws.get_followup(first.id).due == date(2026, 5, 20)
    google_emulator.reset_requests()
    sync()
    assert google_emulator.call_count("calendar", "events.patch") == 0


def test_a_timed_slot_in_a_time_zone(ws, sync, google_emulator):
    (first,) = followups(ws, 1)
    settings = {"time": "09:30", "time_zone": "America/Los_Angeles"}
    sync(settings=settings)
    event = google_emulator.calendar.event(ev.event_id(first.id), calendar_id(ws))
    assert event["start"] == {
        "dateTime": "2026-05-11T09:30:00-07:00",
        "timeZone": "America/Los_Angeles",
    }
    assert event["end"]["dateTime"] == "2026-05-11T09:35:00-07:00"
    assert event["reminders"]["overrides"] == [{"method": "popup", "minutes": 10}]
    google_emulator.calendar.owner_move_event(
        ev.event_id(first.id),
        {"dateTime": "2026-05-13T06:00:00Z", "timeZone": "America/Los_Angeles"},
        {"dateTime": "2026-05-13T06:30:00Z", "timeZone": "America/Los_Angeles"},
        calendar_id(ws),
    )
    sync(settings=settings)
    assert ws.get_followup(first.id).due == date(2026, 5, 12)  # 23:00 on the 12th there


def test_a_configured_calendar_is_used_as_it_is(ws, google_emulator):
    own = (
        google_emulator.service("calendar", "v3")
        .calendars()
        .insert(body={"summary": "Shop"})
        .execute()["id"]
    )
    (first,) = followups(ws, 1)
    made = connector(ws, calendar_id=own)
    from relationkit.sync.engine import SyncEngine

    assert SyncEngine(ws).run([made]).ok
    assert [c.summary for c in google_emulator.calendar.calendars.values()] == [
        "alex.owner@example.com",
        "Shop",
    ]
    assert google_emulator.calendar.event(ev.event_id(first.id), own)["summary"]


def test_only_followups_due_soon_and_not_long_overdue_get_events(
    ws, sync, google_emulator, time_machine
):
    soon, later, stale = followups(ws, 3)
    ws.update_followup(later, due=DUE + timedelta(days=20))
    ws.update_followup(stale, due=DUE - timedelta(days=31))
    horizon = {"days_ahead": 7, "stale_days": 30}
    sync(settings=horizon)
    assert [e["id"] for e in google_emulator.calendar.events(calendar_id(ws))] == [
        ev.event_id(soon.id)
    ]
    time_machine.shift(timedelta(days=14))
    assert sync(settings=horizon).connectors["google_calendar"].pushed_created == 1
    assert ws.get_followup(later.id).published == {"google_calendar": ev.event_id(later.id)}
    assert sync().connectors["google_calendar"].pushed_created == 1  # no limits by default


def test_a_snoozed_followups_event_moves_to_the_snooze_and_moving_it_resnoozes(
    ws, sync, google_emulator
):
    (first,) = followups(ws, 1)
    sync()
    cid, event_id = calendar_id(ws), ev.event_id(first.id)
    ws.update_followup(first, snoozed_until=DUE + timedelta(days=7))
    assert sync().ok
    event = google_emulator.calendar.event(event_id, cid)
    assert event["start"] == {"date": (DUE + timedelta(days=7)).isoformat()}
    assert event["summary"].startswith("Snoozed until ")
    google_emulator.reset_requests()
    quiet = sync()  # the moved event is what relationkit wrote: nothing changes back
    assert quiet.connectors["google_calendar"].updated == 0
    assert ws.get_followup(first.id).due == DUE

    later = (DUE + timedelta(days=10)).isoformat()
    nextday = (DUE + timedelta(days=11)).isoformat()
    google_emulator.calendar.owner_move_event(event_id, {"date": later}, {"date": nextday}, cid)
    assert sync().ok
    moved = ws.get_followup(first.id)
    assert (moved.due, moved.snoozed_until.isoformat()) == (DUE, later)

    ws.complete_followup(first, "called")  # done after the snooze: the event stays on its day
    assert sync().ok
    done = google_emulator.calendar.event(event_id, cid)
    assert (done["summary"], done["start"]) == ("Done: Welcome Customer 0", {"date": later})
