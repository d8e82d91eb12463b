"""Batch requests (multipart/mixed) exactly as googleapiclient's BatchHttpRequest sends them."""

from __future__ import annotations

from typing import Any

import httplib2
import pytest
from googleapiclient.errors import HttpError
from schema import assert_matches_schema

from relationkit.testing import GoogleEmulator


def event(i: int) -> dict[str, Any]:
    return {
        "id": f"rk0batch{i:04d}",
        "summary": f"Event {i}",
        "start": {"date": "2026-06-01"},
        "end": {"date": "2026-06-02"},
    }


def run_batch(service: Any, requests: list[Any]) -> dict[str, tuple[Any, Any]]:
    results: dict[str, tuple[Any, Any]] = {}
    batch = service.new_batch_http_request(
        callback=lambda rid, response, exc: results.__setitem__(rid, (response, exc))
    )
    for request in requests:
        batch.add(request)
    batch.execute()
    return results


def test_calendar_batch_runs_each_call(google_emulator: GoogleEmulator) -> None:
    calendar = google_emulator.service("calendar", "v3")
    events = calendar.events()
    results = run_batch(calendar, [events.insert(calendarId="primary", body=event(i))
                                   for i in range(50)])  # fmt: skip
    assert len(results) == 50
    for response, exc in results.values():
        assert exc is None
        assert_matches_schema("calendar", "v3", "Event", response)
    assert results["7"][0]["id"] == "rk0batch0006"
    assert len(google_emulator.calendar.events()) == 50


def test_errors_are_per_call(google_emulator: GoogleEmulator) -> None:
    calendar = google_emulator.service("calendar", "v3")
    events = calendar.events()
    results = run_batch(calendar, [
        events.insert(calendarId="primary", body=event(1)),
        events.insert(calendarId="primary", body=event(1)),
        events.get(calendarId="primary", eventId="missing01"),
    ])  # fmt: skip
    assert results["1"][1] is None
    assert isinstance(results["2"][1], HttpError) and results["2"][1].status_code == 409
    assert isinstance(results["3"][1], HttpError) and results["3"][1].status_code == 404


def test_people_batch_uses_the_people_batch_path(google_emulator: GoogleEmulator) -> None:
    people = google_emulator.service("people", "v1")
    results = run_batch(people, [
        people.people().createContact(body={"names": [{"givenName": "Zoë"}]}),
        people.people().connections().list(resourceName="people/me", personFields="names"),
    ])  # fmt: skip
    assert results["1"][0]["names"][0]["givenName"] == "Zoë"
    outer = [r for r in google_emulator.requests if not r.in_batch]
    assert [(r.path, r.operation) for r in outer] == [("/batch", "people.batch")]


def test_log_counts_http_requests_and_api_calls(google_emulator: GoogleEmulator) -> None:
    calendar = google_emulator.service("calendar", "v3")
    events = calendar.events()
    run_batch(calendar, [events.insert(calendarId="primary", body=event(i)) for i in range(3)])
    events.list(calendarId="primary").execute()
    assert google_emulator.request_count("calendar") == 2
    assert google_emulator.call_count("calendar") == 4
    assert google_emulator.call_count("calendar", "events.insert") == 3
    inner = [r for r in google_emulator.requests if r.in_batch]
    assert [r.body["id"] for r in inner] == ["rk0batch0000", "rk0batch0001", "rk0batch0002"]


def test_faults_apply_to_calls_inside_a_batch(google_emulator: GoogleEmulator) -> None:
    calendar = google_emulator.service("calendar", "v3")
    events = calendar.events()
    google_emulator.inject_fault("calendar", "events.insert", status=429, retry_after=3)
    results = run_batch(calendar, [events.insert(calendarId="primary", body=event(i))
                                   for i in range(2)])  # fmt: skip
    failed = results["1"][1]
    assert isinstance(failed, HttpError) and failed.status_code == 429
    assert failed.resp["retry-after"] == "3"
    assert results["2"][1] is None


def test_a_dropped_call_drops_the_whole_connection(google_emulator: GoogleEmulator) -> None:
    calendar = google_emulator.service("calendar", "v3")
    events = calendar.events()
    # A batch is a POST: relationkit's Http sends it once (see relationkit.google.OnceHttp).
    google_emulator.inject_fault("calendar", "events.insert", drop=True)
    with pytest.raises((ConnectionError, httplib2.HttpLib2Error)):
        run_batch(calendar, [events.insert(calendarId="primary", body=event(1))])


def raw_batch(google_emulator: GoogleEmulator, path: str, parts: list[str]) -> tuple[Any, bytes]:
    boundary = "===============7330845974216740156=="
    body = (
        "".join(
            f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <part+{i}>\r\n\r\n"
            f"{part}\r\n"
            for i, part in enumerate(parts)
        )
        + f"--{boundary}--"
    )
    return httplib2.Http().request(
        google_emulator.url + path,
        "POST",
        body=body,
        headers={"content-type": f'multipart/mixed; boundary="{boundary}"'},
    )


def test_content_ids_are_echoed_with_response_prefix(google_emulator: GoogleEmulator) -> None:
    response, content = raw_batch(google_emulator, "/batch/calendar/v3", [
        "GET /calendar/v3/users/me/calendarList HTTP/1.1\r\n",
        "GET /calendar/v3/calendars/primary/events/nope0 HTTP/1.1\r\n",
    ])  # fmt: skip
    assert response.status == 200
    assert response["content-type"].startswith("multipart/mixed; boundary=")
    text = content.decode()
    assert "Content-ID: <response-part+0>" in text and "Content-ID: <response-part+1>" in text
    assert "HTTP/1.1 200 OK" in text and "HTTP/1.1 404 Not Found" in text


def test_more_than_1000_calls_is_refused(google_emulator: GoogleEmulator) -> None:
    parts = ["GET /calendar/v3/users/me/calendarList HTTP/1.1\r\n"] * 1001
    response, _ = raw_batch(google_emulator, "/batch/calendar/v3", parts)
    assert response.status == 400
    assert google_emulator.call_count("calendar", "calendarList.list") == 0


def test_calls_to_another_api_are_refused(google_emulator: GoogleEmulator) -> None:
    response, _ = raw_batch(google_emulator, "/batch/calendar/v3", [
        "GET /v1/contactGroups HTTP/1.1\r\n",
    ])  # fmt: skip
    assert response.status == 400


def test_a_batch_must_be_multipart(google_emulator: GoogleEmulator) -> None:
    response, _ = httplib2.Http().request(
        google_emulator.url + "/batch",
        "POST",
        body="{}",
        headers={"content-type": "application/json"},
    )
    assert response.status == 400
