"""Idempotent creation (409), expired sync tokens (410), batch sizes and Google's bad days."""

from __future__ import annotations

import math

import pytest
from gcal_support import calendar_id, connector, followups

from relationkit.connectors.memory import SimulatedCrash
from relationkit.models import FollowUpStatus
from relationkit.sync.contract import Change, Kind, Op, PullResult, PushResult
from relationkit.sync.engine import SyncEngine
from relationkit.sync.local import FollowUpSide
from relationkit_google_calendar import GoogleCalendarConnector
from relationkit_google_calendar import events as ev


class CrashesAfterPush(GoogleCalendarConnector):
    """Writes to Calendar, then "dies" before the engine can save what it wrote."""

    def push(self, changes: list[Change]) -> list[PushResult]:
        super().push(changes)
        raise SimulatedCrash("results lost")


def creates(ws, made) -> list[Change]:
    """The creates the engine would ask for (the same field values, in JSON form)."""
    side = FollowUpSide(ws, {})
    return [
        Change(Op.CREATE, Kind.FOLLOWUP, f.id, None, "", side.values(f, side.fields),
               list(side.fields))
        for f in made
    ]  # fmt: skip


def test_crash_between_insert_and_status_save_makes_no_duplicate(ws, google_emulator):
    made = followups(ws, 3)
    crashing = CrashesAfterPush(ws, {})
    with pytest.raises(SimulatedCrash):
        SyncEngine(ws).run([crashing])
    cid = calendar_id(ws)
    assert len(google_emulator.calendar.events(cid)) == 3
    for _ in range(2):
        report = SyncEngine(ws).run([connector(ws)])
        assert report.ok, report.messages
    assert len(google_emulator.calendar.events(cid)) == 3
    assert google_emulator.call_count("calendar", "events.insert") == 3
    assert all(ws.get_followup(f.id).published for f in made)


def test_inserting_an_existing_event_reads_it_and_patches_only_when_needed(ws, google_emulator):
    made = followups(ws, 2)
    first = connector(ws)
    first.pull({}, full=True)
    changes = creates(ws, made)
    written = first.push(changes)
    google_emulator.reset_requests()
    again = first.push(changes)  # as if the engine never heard back
    assert [r.external_id for r in again] == [r.external_id for r in written]
    assert [r.error for r in again] == [None, None]
    assert google_emulator.call_count("calendar", "events.insert") == 2
    assert google_emulator.call_count("calendar", "events.get") == 2
    assert google_emulator.call_count("calendar", "events.patch") == 0
    assert google_emulator.request_count("calendar", "batch") == 2  # inserts, then gets
    cid = calendar_id(ws)
    google_emulator.calendar.owner_edit_event(ev.event_id(made[0].id), {"summary": "x"}, cid)
    google_emulator.reset_requests()
    first.push(changes)
    assert google_emulator.call_count("calendar", "events.patch") == 1
    assert google_emulator.calendar.event(ev.event_id(made[0].id), cid)["summary"] == (
        "Welcome Customer 0"
    )
    assert len(google_emulator.calendar.events(cid)) == 2


def test_a_dropped_connection_is_retried(ws, sync, google_emulator):
    followups(ws, 5)
    google_emulator.inject_fault("calendar", "events.insert", drop=True)
    report = sync()
    assert report.ok, report.messages
    assert len(google_emulator.calendar.events(calendar_id(ws))) == 5
    inserts = [
        r.status for r in google_emulator.requests if r.operation == "calendar.events.insert"
    ]
    assert inserts == [0, 200, 200, 200, 200, 200]  # dropped, then the batch sent again


def test_an_expired_sync_token_means_a_full_listing(ws, sync, google_emulator):
    first, second, third = followups(ws, 3)
    sync()
    sync()  # the first listing after the calendar exists: from now on incremental
    cid = calendar_id(ws)
    google_emulator.calendar.owner_move_event(
        ev.event_id(first.id), {"date": "2026-06-02"}, {"date": "2026-06-03"}, cid
    )
    google_emulator.calendar.owner_delete_event(ev.event_id(second.id), cid)
    # A long-deleted event Google has forgotten: it is in no listing any more.
    del google_emulator.calendar.calendars[cid].events[ev.event_id(third.id)]
    google_emulator.calendar.expire_sync_tokens()
    google_emulator.reset_requests()
    report = sync()
    assert report.ok, report.messages
    lists = [r for r in google_emulator.requests if r.operation == "calendar.events.list"]
    assert [r.status for r in lists] == [410, 200]
    assert "syncToken" not in lists[1].params and lists[1].params["showDeleted"] == ["true"]
    assert str(ws.get_followup(first.id).due) == "2026-06-02"
    assert ws.get_followup(second.id).status == FollowUpStatus.SKIPPED
    counts = report.connectors["google_calendar"]
    assert counts.removed == 1  # the vanished one is forgotten, the follow-up kept ...
    assert ws.get_followup(third.id).status == FollowUpStatus.OPEN
    assert ws.get_followup(third.id).published == {"google_calendar": ""}
    assert counts.pushed_created == 0  # ... and not created again
    assert google_emulator.call_count("calendar", "events.insert") == 0


@pytest.mark.parametrize("count", [1, 50, 51, 120])
def test_publishing_n_followups_costs_ceil_n_over_50_requests(ws, sync, google_emulator, count):
    followups(ws, count)
    sync()  # the calendar: created on the first push
    assert google_emulator.request_count("calendar", "calendars.insert") == 1
    assert google_emulator.request_count("calendar", "batch") == math.ceil(count / 50)
    assert google_emulator.call_count("calendar", "events.insert") == count
    writes = google_emulator.request_count("calendar") - 1  # without creating the calendar
    assert writes == math.ceil(count / 50)
    google_emulator.reset_requests()
    sync()
    assert google_emulator.request_count("calendar") == 1  # one events.list, no write


def test_throttled_and_failing_calls_are_retried(ws, sync, google_emulator):
    made = followups(ws, 60)
    google_emulator.inject_fault("calendar", "events.insert", status=429, retry_after=0, times=2)
    google_emulator.inject_fault("calendar", "events.insert", status=500, retry_after=0)
    report = sync()
    assert report.ok, report.messages
    assert report.connectors["google_calendar"].pushed_created == 60
    assert len(google_emulator.calendar.events(calendar_id(ws))) == 60
    assert google_emulator.call_count("calendar", "events.insert") == 63
    assert google_emulator.request_count("calendar", "batch") == 3  # 50 + 10, then the 3 again
    google_emulator.inject_fault("calendar", "events.list", status=503, retry_after=0)
    ws.update_followup(made[0], status="skipped")
    assert sync().ok
    assert google_emulator.calendar.event(ev.event_id(made[0].id), calendar_id(ws))[
        "summary"
    ].startswith("Skipped: ")


def test_a_call_failing_on_every_try_is_an_error_retried_next_sync(ws, sync, google_emulator):
    (first,) = followups(ws, 1)
    google_emulator.inject_fault("calendar", "events.insert", status=500, retry_after=0, times=3)
    report = sync()
    counts = report.connectors["google_calendar"]
    assert (counts.pushed_created, counts.errors) == (0, 1)
    assert any("HTTP 500" in m and "retried on the next sync" in m for m in report.messages)
    assert ws.get_followup(first.id).published == {}
    report = sync()
    assert report.ok and report.connectors["google_calendar"].pushed_created == 1
    assert len(google_emulator.calendar.events(calendar_id(ws))) == 1


def test_a_refused_call_fails_that_change_only(ws, sync, google_emulator):
    followups(ws, 4)
    google_emulator.inject_fault("calendar", "events.insert", status=403)
    report = sync()
    counts = report.connectors["google_calendar"]
    assert (counts.pushed_created, counts.errors) == (3, 1)
    assert google_emulator.call_count("calendar", "events.insert") == 4  # not retried at once
    assert sync().connectors["google_calendar"].pushed_created == 1


def test_a_failing_listing_fails_the_connector_not_the_run(ws, sync, google_emulator):
    followups(ws, 1)
    sync()
    google_emulator.inject_fault("calendar", "events.list", status=500, retry_after=0, times=3)
    report = sync()
    assert report.connectors["google_calendar"].errors == 1
    assert any("Google Calendar: list events" in m for m in report.messages)


def test_pull_writes_nothing_and_waits_for_a_calendar(ws, google_emulator):
    followups(ws, 2)
    result = connector(ws).pull({}, full=False)
    assert result == PullResult([], full=True, state={})
    assert google_emulator.request_count("calendar") == 0


def test_an_event_the_owner_changes_during_the_sync_is_merged_not_overwritten(ws, google_emulator):
    (first,) = followups(ws, 1)
    SyncEngine(ws).run([connector(ws)])
    cid = calendar_id(ws)
    event_id = ev.event_id(first.id)

    class OwnerMovesMeanwhile(GoogleCalendarConnector):
        def pull(self, state, *, full):
            listed = super().pull(state, full=full)
            google_emulator.calendar.owner_move_event(
                event_id, {"date": "2026-05-15"}, {"date": "2026-05-16"}, cid
            )
            return listed

    ws.complete_followup(first, "called")
    google_emulator.reset_requests()
    # The write meets the owner's move (412): the event is read again, both merged, and written
    # in the same sync.
    report = SyncEngine(ws).run([OwnerMovesMeanwhile(ws, {"calendar_id": cid})])
    assert report.ok, report.messages
    event = google_emulator.calendar.event(event_id, cid)
    assert (event["summary"], event["start"]) == (
        "Done: Welcome Customer 0",
        {"date": "2026-05-15"},
    )
    assert str(ws.get_followup(first.id).due) == "2026-05-15"
    assert SyncEngine(ws).run([connector(ws)]).ok
    assert google_emulator.calendar.event(event_id, cid)["summary"] == "Done: Welcome Customer 0"


def one_linked_event_each(ws, google_emulator, made) -> None:
    cid = calendar_id(ws)
    events = google_emulator.calendar.events(cid)
    assert sorted(e["id"] for e in events) == sorted(ev.event_id(f.id) for f in made)
    assert all(ws.get_followup(f.id).published == {"google_calendar": ev.event_id(f.id)}
               for f in made)  # fmt: skip


@pytest.mark.parametrize("count", [3, 60])  # the lost answer is the first batch's
def test_a_lost_reply_after_inserting_events_makes_no_duplicate(ws, sync, google_emulator, count):
    made = followups(ws, count)
    google_emulator.inject_fault("calendar", "events.insert", lose_reply=True)
    report = sync()
    assert report.ok, report.messages
    assert report.connectors["google_calendar"].pushed_created == count
    for _ in range(2):
        assert sync().ok
    one_linked_event_each(ws, google_emulator, made)
    # Sent again after the lost answer: Google refused the copies (409) and they were read.
    assert google_emulator.call_count("calendar", "events.insert") == count + min(count, 50)


def test_a_lost_reply_after_updating_events_loses_no_edit(ws, sync, google_emulator):
    made = followups(ws, 3)
    assert sync().ok
    ws.complete_followup(made[0], "called")
    google_emulator.inject_fault("calendar", "events.patch", lose_reply=True)
    report = sync()
    assert report.ok, report.messages
    assert sync().ok
    cid = calendar_id(ws)
    event = google_emulator.calendar.event(ev.event_id(made[0].id), cid)
    assert event["summary"] == "Done: Welcome Customer 0"
    assert ws.get_followup(made[0].id).status == FollowUpStatus.DONE
    one_linked_event_each(ws, google_emulator, made)
