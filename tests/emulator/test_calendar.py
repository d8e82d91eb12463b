"""Calendar API v3 through the real googleapiclient, checked against the discovery schemas."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from googleapiclient.errors import HttpError
from schema import assert_matches_schema, assert_response_matches

from relationkit.testing import GoogleEmulator


def event_body(**extra: Any) -> dict[str, Any]:
    return {
        "summary": "Follow up with Ada",
        "start": {"dateTime": "2026-03-02T10:00:00Z"},
        "end": {"dateTime": "2026-03-02T10:30:00Z"},
        **extra,
    }


@pytest.fixture
def calendar(google_emulator: GoogleEmulator) -> Any:
    return google_emulator.service("calendar", "v3")


@pytest.fixture
def events(calendar: Any) -> Any:
    return calendar.events()


def reason_of(exc: pytest.ExceptionInfo[HttpError]) -> str:
    return json.loads(exc.value.content)["error"]["errors"][0]["reason"]


def insert(events: Any, calendar_id: str = "primary", **extra: Any) -> dict[str, Any]:
    event = events.insert(calendarId=calendar_id, body=event_body(**extra)).execute()
    assert_matches_schema("calendar", "v3", "Event", event)
    return event


def list_all(events: Any, **params: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    found, token = [], None
    while True:
        page = events.list(calendarId="primary", pageToken=token, **params).execute()
        assert_response_matches("calendar", "v3", "calendar.events.list", page)
        found.extend(page["items"])
        token = page.get("nextPageToken")
        if token is None:
            return found, page


def test_calendar_list_has_the_primary_calendar(calendar: Any) -> None:
    listed = calendar.calendarList().list().execute()
    assert_response_matches("calendar", "v3", "calendar.calendarList.list", listed)
    assert [c.get("primary") for c in listed["items"]] == [True]


def test_calendars_insert_and_get(calendar: Any) -> None:
    created = calendar.calendars().insert(body={"summary": "Customers"}).execute()
    assert_matches_schema("calendar", "v3", "Calendar", created)
    assert created["id"].endswith("@group.calendar.google.com")
    got = calendar.calendars().get(calendarId=created["id"]).execute()
    assert got["summary"] == "Customers"
    ids = [c["id"] for c in calendar.calendarList().list().execute()["items"]]
    assert created["id"] in ids


def test_insert_sets_server_fields(events: Any) -> None:
    event = insert(events)
    assert event["kind"] == "calendar#event"
    assert event["status"] == "confirmed"
    assert event["sequence"] == 0
    assert event["etag"].startswith('"')
    assert event["iCalUID"] == f"{event['id']}@google.com"


def test_client_supplied_id_is_kept(events: Any) -> None:
    assert insert(events, id="rk0customer0001")["id"] == "rk0customer0001"


@pytest.mark.parametrize("bad_id", ["abcd", "UPPERCASE1", "wxyz12345", "has-dash-1", "a" * 1025])
def test_invalid_event_id_is_400(events: Any, bad_id: str) -> None:
    with pytest.raises(HttpError) as exc:
        insert(events, id=bad_id)
    assert exc.value.status_code == 400


def test_duplicate_event_id_is_409_even_after_delete(events: Any) -> None:
    insert(events, id="rk0dup0001")
    with pytest.raises(HttpError) as exc:
        insert(events, id="rk0dup0001")
    assert exc.value.status_code == 409
    assert reason_of(exc) == "duplicate"
    events.delete(calendarId="primary", eventId="rk0dup0001").execute()
    with pytest.raises(HttpError) as exc:
        insert(events, id="rk0dup0001")
    assert exc.value.status_code == 409


def test_get_patch_update(events: Any) -> None:
    event = insert(events, extendedProperties={"private": {"rk": "1", "other": "x"}})
    got = events.get(calendarId="primary", eventId=event["id"]).execute()
    assert got == event
    patched = events.patch(calendarId="primary", eventId=event["id"], body={
        "summary": "Call Ada", "extendedProperties": {"private": {"rk": "2"}},
    }).execute()  # fmt: skip
    assert patched["summary"] == "Call Ada"
    assert patched["extendedProperties"]["private"] == {"rk": "2", "other": "x"}
    assert patched["etag"] != event["etag"]
    assert patched["sequence"] == 0  # no time or place change
    updated = events.update(calendarId="primary", eventId=event["id"], body=event_body(
        start={"dateTime": "2026-03-03T10:00:00Z"}, end={"dateTime": "2026-03-03T11:00:00Z"},
    )).execute()  # fmt: skip
    assert updated["sequence"] == 1
    assert "extendedProperties" not in updated  # update replaces the whole event


def test_unknown_event_is_404(events: Any) -> None:
    with pytest.raises(HttpError) as exc:
        events.get(calendarId="primary", eventId="nosuchevent").execute()
    assert exc.value.status_code == 404


def test_delete_makes_the_event_cancelled(events: Any) -> None:
    event = insert(events)
    assert events.delete(calendarId="primary", eventId=event["id"]).execute() == ""
    assert events.get(calendarId="primary", eventId=event["id"]).execute()["status"] == "cancelled"
    with pytest.raises(HttpError) as exc:
        events.delete(calendarId="primary", eventId=event["id"]).execute()
    assert exc.value.status_code == 410
    listed, _ = list_all(events)
    assert listed == []
    listed, _ = list_all(events, showDeleted=True)
    assert [(e["id"], e["status"]) for e in listed] == [(event["id"], "cancelled")]


@pytest.mark.parametrize(
    "body",
    [
        {"start": {"dateTime": "2026-03-02T10:00:00Z"}},
        {"end": {"dateTime": "2026-03-02T10:00:00Z"}},
        event_body(end={"dateTime": "2026-03-01T10:00:00Z"}),
    ],
)
def test_insert_needs_a_valid_time_range(events: Any, body: dict[str, Any]) -> None:
    with pytest.raises(HttpError) as exc:
        events.insert(calendarId="primary", body=body).execute()
    assert exc.value.status_code == 400


def test_at_most_5_reminder_overrides(events: Any) -> None:
    overrides = [{"method": "popup", "minutes": m} for m in range(6)]
    insert(events, reminders={"useDefault": False, "overrides": overrides[:5]})
    with pytest.raises(HttpError) as exc:
        insert(events, reminders={"useDefault": False, "overrides": overrides})
    assert exc.value.status_code == 400
    with pytest.raises(HttpError) as exc:
        insert(events, reminders={"useDefault": True, "overrides": overrides[:1]})
    assert reason_of(exc) == "cannotUseDefaultRemindersAndSpecifyOverride"


def test_private_extended_property_filter(events: Any) -> None:
    insert(events, id="rk0match01", extendedProperties={"private": {"rk": "7", "kind": "call"}})
    insert(events, id="rk0other01", extendedProperties={"private": {"rk": "8"}})
    found, _ = list_all(events, privateExtendedProperty="rk=7")
    assert [e["id"] for e in found] == ["rk0match01"]
    found, _ = list_all(events, privateExtendedProperty=["rk=7", "kind=meeting"])
    assert found == []


def test_time_and_updated_filters(events: Any, google_emulator: GoogleEmulator) -> None:
    insert(events, id="rk0march02")
    insert(events, id="rk0april01", start={"date": "2026-04-01"}, end={"date": "2026-04-02"})
    found, _ = list_all(events, timeMin="2026-03-15T00:00:00Z", timeMax="2026-05-01T00:00:00Z")
    assert [e["id"] for e in found] == ["rk0april01"]
    found, _ = list_all(events, timeMax="2026-03-02T10:00:00Z")
    assert found == []  # timeMax is exclusive of an event starting exactly then
    with pytest.raises(HttpError):
        list_all(events, timeMin="2026-03-15T00:00:00")  # no offset
    google_emulator.advance(timedelta(hours=1))
    later = google_emulator.clock.now().isoformat()
    events.patch(calendarId="primary", eventId="rk0march02", body={"summary": "x"}).execute()
    found, _ = list_all(events, updatedMin=later)
    assert [e["id"] for e in found] == ["rk0march02"]


def test_paging_max_results_and_sync_token_on_last_page(events: Any) -> None:
    for i in range(5):
        insert(events, id=f"rk0page{i:03d}")
    first = events.list(calendarId="primary", maxResults=2).execute()
    assert len(first["items"]) == 2
    assert "nextPageToken" in first and "nextSyncToken" not in first
    found, last = list_all(events, maxResults=2)
    assert [e["id"] for e in found] == [f"rk0page{i:03d}" for i in range(5)]
    assert "nextSyncToken" in last


def test_max_results_default_and_bounds(events: Any, google_emulator: GoogleEmulator) -> None:
    for i in range(260):
        google_emulator.calendar.add_event(event_body(id=f"rk0bulk{i:04d}"))
    page = events.list(calendarId="primary").execute()
    assert len(page["items"]) == 250
    assert len(events.list(calendarId="primary", maxResults=5000).execute()["items"]) == 260
    with pytest.raises(HttpError) as exc:
        events.list(calendarId="primary", maxResults=0).execute()
    assert exc.value.status_code == 400


def test_incremental_sync_returns_changes_and_cancellations(
    events: Any, google_emulator: GoogleEmulator
) -> None:
    owner = google_emulator.calendar
    kept = owner.add_event(event_body())
    moved = owner.add_event(event_body())
    deleted = owner.add_event(event_body())
    _, last = list_all(events)
    owner.owner_move_event(moved, {"dateTime": "2026-03-09T10:00:00Z"},
                           {"dateTime": "2026-03-09T11:00:00Z"})  # fmt: skip
    owner.owner_delete_event(deleted)
    changes, last = list_all(events, syncToken=last["nextSyncToken"])
    by_id = {e["id"]: e for e in changes}
    assert set(by_id) == {moved, deleted}
    assert kept not in by_id
    assert by_id[deleted]["status"] == "cancelled"
    assert by_id[moved]["start"]["dateTime"] == "2026-03-09T10:00:00Z"
    assert by_id[moved]["sequence"] == 1
    nothing, _ = list_all(events, syncToken=last["nextSyncToken"])
    assert nothing == []


@pytest.mark.parametrize("filter_param", ["timeMin", "privateExtendedProperty", "updatedMin"])
def test_sync_token_refuses_filters(events: Any, filter_param: str) -> None:
    _, last = list_all(events)
    value = "rk=1" if filter_param == "privateExtendedProperty" else "2026-01-01T00:00:00Z"
    with pytest.raises(HttpError) as exc:
        events.list(calendarId="primary", syncToken=last["nextSyncToken"],
                    **{filter_param: value}).execute()  # fmt: skip
    assert exc.value.status_code == 400


def test_unknown_or_expired_sync_token_is_410_full_sync_required(
    events: Any, google_emulator: GoogleEmulator
) -> None:
    with pytest.raises(HttpError) as exc:
        events.list(calendarId="primary", syncToken="CPDAlvWDx70CEPDAlvWDx70CGAU=").execute()
    assert exc.value.status_code == 410
    assert reason_of(exc) == "fullSyncRequired"
    _, last = list_all(events)
    google_emulator.advance(google_emulator.calendar.sync_token_lifetime)
    with pytest.raises(HttpError) as exc:
        list_all(events, syncToken=last["nextSyncToken"])
    assert exc.value.status_code == 410
    _, last = list_all(events)
    google_emulator.calendar.expire_sync_tokens()
    with pytest.raises(HttpError) as exc:
        list_all(events, syncToken=last["nextSyncToken"])
    assert reason_of(exc) == "fullSyncRequired"


def test_order_by_start_time_needs_single_events(events: Any) -> None:
    insert(events, id="rk0later01", start={"date": "2026-05-01"}, end={"date": "2026-05-02"})
    insert(events, id="rk0soon001")
    with pytest.raises(HttpError) as exc:
        list_all(events, orderBy="startTime")
    assert exc.value.status_code == 400
    found, _ = list_all(events, orderBy="startTime", singleEvents=True)
    assert [e["id"] for e in found] == ["rk0soon001", "rk0later01"]


def test_secondary_calendar_events_are_separate(calendar: Any, events: Any) -> None:
    other = calendar.calendars().insert(body={"summary": "Shop"}).execute()["id"]
    insert(events, other, id="rk0shop0001")
    assert list_all(events)[0] == []
    listed = events.list(calendarId=other).execute()
    assert [e["id"] for e in listed["items"]] == ["rk0shop0001"]
    assert listed["items"][0]["organizer"]["displayName"] == "Shop"


def test_owner_helpers(google_emulator: GoogleEmulator) -> None:
    owner = google_emulator.calendar
    event_id = owner.add_event(event_body(id="rk0homed001"))
    owner.owner_edit_event(event_id, {"location": "Shop"})
    assert owner.event(event_id)["location"] == "Shop"
    owner.owner_delete_event(event_id)
    assert owner.events() == []
    assert [e["status"] for e in owner.events(deleted=True)] == ["cancelled"]
    assert google_emulator.requests == []
