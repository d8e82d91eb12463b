"""Calendar conditional modification: ``If-Match`` with a stale etag gets 412."""

from __future__ import annotations

import json
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from relationkit.testing import GoogleEmulator

BODY = {"summary": "Call Ada", "start": {"date": "2026-05-11"}, "end": {"date": "2026-05-12"}}


def with_if_match(request: Any, etag: str) -> Any:
    request.headers["If-Match"] = etag
    return request


@pytest.mark.parametrize("method", ["patch", "update", "delete"])
def test_a_stale_etag_is_refused_and_the_current_one_accepted(
    google_emulator: GoogleEmulator, method: str
) -> None:
    events = google_emulator.service("calendar", "v3").events()
    created = events.insert(calendarId="primary", body={**BODY, "id": "rk0cond001"}).execute()
    google_emulator.calendar.owner_edit_event("rk0cond001", {"location": "Shop"})
    kwargs: dict[str, Any] = {"calendarId": "primary", "eventId": "rk0cond001"}
    if method != "delete":
        kwargs["body"] = {**BODY, "summary": "Call Ada today"}
    with pytest.raises(HttpError) as caught:
        with_if_match(getattr(events, method)(**kwargs), created["etag"]).execute()
    assert caught.value.status_code == 412
    assert json.loads(caught.value.content)["error"]["errors"][0]["reason"] == "conditionNotMet"
    assert google_emulator.calendar.event("rk0cond001")["summary"] == "Call Ada"
    current = google_emulator.calendar.event("rk0cond001")["etag"]
    with_if_match(getattr(events, method)(**kwargs), current).execute()


def test_if_match_works_inside_a_batch(google_emulator: GoogleEmulator) -> None:
    service = google_emulator.service("calendar", "v3")
    events = service.events()
    created = events.insert(calendarId="primary", body={**BODY, "id": "rk0cond002"}).execute()
    google_emulator.calendar.owner_edit_event("rk0cond002", {"location": "Shop"})
    answers: list[Any] = []
    batch = service.new_batch_http_request(callback=lambda _id, r, e: answers.append(e or r))
    patch = events.patch(calendarId="primary", eventId="rk0cond002", body={"summary": "x"})
    batch.add(with_if_match(patch, created["etag"]))
    batch.add(events.patch(calendarId="primary", eventId="rk0cond002", body={"summary": "y"}))
    batch.execute()
    assert isinstance(answers[0], HttpError) and answers[0].status_code == 412
    assert answers[1]["summary"] == "y"
