"""relationkit.google: building real clients, pointed at the emulator by URL or environment."""

from __future__ import annotations

import http.client
import time
from datetime import timedelta

import gspread
import httplib2
import pytest
import requests
from google.auth.exceptions import InvalidOperation
from google.oauth2.credentials import Credentials

from relationkit import google
from relationkit.errors import AuthError
from relationkit.testing import GoogleEmulator


def test_emulator_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(google.EMULATOR_ENV, raising=False)
    assert google.emulator_url() is None
    monkeypatch.setenv(google.EMULATOR_ENV, "")
    assert google.emulator_url() is None
    monkeypatch.setenv(google.EMULATOR_ENV, "http://127.0.0.1:9999/")
    assert google.emulator_url() == "http://127.0.0.1:9999"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://people.googleapis.com/v1/people/me", "http://e/v1/people/me"),
        ("https://www.googleapis.com/calendar/v3/x?y=1", "http://e/calendar/v3/x?y=1"),
        ("https://sheets.googleapis.com/v4/spreadsheets", "http://e/v4/spreadsheets"),
        ("https://oauth2.googleapis.com/token", "http://e/token"),
        ("https://example.com/googleapis.com/x", "https://example.com/googleapis.com/x"),
        ("https://evilgoogleapis.com.example/x", "https://evilgoogleapis.com.example/x"),
    ],
)
def test_rewrite(url: str, expected: str) -> None:
    assert google.rewrite(url, "http://e") == expected


def test_build_service_is_cached_per_api_version_and_credentials(
    google_emulator: GoogleEmulator,
) -> None:
    url = google_emulator.url
    first = google.build_service("people", "v1", emulator=url)
    assert google.build_service("people", "v1", emulator=url) is first
    assert google.build_service("calendar", "v3", emulator=url) is not first
    creds = Credentials(token="t")
    assert google.build_service("people", "v1", creds, emulator=url) is not first
    assert google.build_service("people", "v1", creds, emulator=url) is google.build_service(
        "people", "v1", creds, emulator=url
    )


def test_build_service_uses_the_environment(google_emulator: GoogleEmulator) -> None:
    people = google.build_service("people", "v1")
    people.contactGroups().list().execute()
    assert google_emulator.request_count("people") == 1


def test_gspread_client_through_the_emulator(google_emulator: GoogleEmulator) -> None:
    client = google.gspread_client()
    sheet = client.create("Customers")
    sheet.sheet1.update([["Name", "Email"], ["Ada", "ada@example.com"]], "A1")
    assert sheet.sheet1.get_all_values()[1] == ["Ada", "ada@example.com"]
    assert google_emulator.request_count("sheets") >= 2
    assert isinstance(google_emulator.gspread_client(), gspread.Client)


def test_gspread_client_without_emulator_needs_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(google.EMULATOR_ENV, raising=False)
    with pytest.raises(AuthError, match=google.EMULATOR_ENV):
        google.gspread_client()


def test_refresh_token_flow_against_the_emulator(google_emulator: GoogleEmulator) -> None:
    """With tokens enforced, real google-auth credentials refresh through /token."""
    google_emulator.oauth.enforce = True
    refresh_token = google_emulator.oauth.issue_refresh_token()
    creds = Credentials(
        token=None,
        refresh_token=refresh_token,
        client_id=google.EMULATOR_CLIENT_ID,
        client_secret=google.EMULATOR_CLIENT_SECRET,
        token_uri="https://oauth2.googleapis.com/token",
    )
    people = google_emulator.service("people", "v1", creds)
    people.contactGroups().list().execute()
    used = people._http.credentials  # a copy of creds that refreshes at the emulator
    assert used.token_uri == f"{google_emulator.url}/token"
    assert used.token and used.token.startswith("ya29.")
    assert google_emulator.request_count("oauth", "oauth.token") == 1

    # The access token runs out (emulated time): a 401, a refresh, a retry.
    google_emulator.advance(timedelta(hours=2))
    people.contactGroups().list().execute()
    assert google_emulator.request_count("oauth", "oauth.token") == 2
    statuses = [r.status for r in google_emulator.requests if r.api == "people"]
    assert statuses == [200, 401, 200]

    # The user revokes access: refreshing fails with invalid_grant.
    google_emulator.oauth.revoke(refresh_token)
    google_emulator.advance(timedelta(hours=2))
    with pytest.raises(AuthError, match=r"no longer works \(revoked or expired\): run `relation"):
        people.contactGroups().list().execute()


def test_a_batch_refreshes_its_token_at_the_emulator_too(google_emulator: GoogleEmulator) -> None:
    """googleapiclient refreshes a batch's credentials through an Http of its own: the
    credentials handed to the service must already point at the emulator's token endpoint."""
    google_emulator.oauth.enforce = True
    creds = Credentials(
        token=None,
        refresh_token=google_emulator.oauth.issue_refresh_token(),
        client_id=google.EMULATOR_CLIENT_ID,
        client_secret=google.EMULATOR_CLIENT_SECRET,
        token_uri="https://oauth2.googleapis.com/token",
    )
    calendar = google_emulator.service("calendar", "v3", creds)
    calendar.calendarList().list().execute()
    google_emulator.advance(timedelta(hours=2))  # the access token runs out
    batch = calendar.new_batch_http_request()
    batch.add(calendar.calendarList().list())
    batch.execute()
    assert google_emulator.request_count("oauth", "oauth.token") == 2
    calls = [(r.operation, r.status) for r in google_emulator.requests if r.in_batch]
    assert calls == [("calendar.calendarList.list", 401), ("calendar.calendarList.list", 200)]


def test_enforced_tokens_refuse_calls_without_a_live_token(
    google_emulator: GoogleEmulator,
) -> None:
    google_emulator.oauth.enforce = True
    url = google_emulator.url + "/calendar/v3/users/me/calendarList"
    refused = requests.get(url, headers={"Authorization": "Bearer ya29.unknown"})
    assert refused.status_code == 401
    assert refused.json()["error"]["status"] == "UNAUTHENTICATED"
    assert "WWW-Authenticate" in refused.headers
    live = google_emulator.oauth.issue_access_token()
    assert requests.get(url, headers={"Authorization": f"Bearer {live}"}).ok
    # Anonymous credentials cannot answer a 401 with a refresh: the client says so.
    with pytest.raises(InvalidOperation):
        google_emulator.service("calendar", "v3").calendarList().list().execute()


def test_a_create_whose_reply_is_lost_is_sent_once(google_emulator: GoogleEmulator) -> None:
    """httplib2 sends a request again when the connection drops before the answer: for a create
    that would make a second contact. relationkit's Http sends it once and raises."""
    people = google_emulator.service("people", "v1").people()
    google_emulator.inject_fault("people", "createContact", lose_reply=True)
    with pytest.raises((ConnectionError, httplib2.HttpLib2Error, http.client.HTTPException)):
        people.createContact(body={"names": [{"givenName": "Ann"}]}).execute()
    assert google_emulator.call_count("people", "createContact") == 1
    assert len(google_emulator.people.contacts()) == 1
    # The connection is opened again for the next request.
    assert people.createContact(body={"names": [{"givenName": "Bo"}]}).execute()["resourceName"]


def test_a_read_whose_connection_drops_is_still_retried(google_emulator: GoogleEmulator) -> None:
    groups = google_emulator.service("people", "v1").contactGroups()
    google_emulator.inject_fault("people", "contactGroups.list", drop=True)
    assert "contactGroups" in groups.list().execute()
    assert google_emulator.call_count("people", "contactGroups.list") == 2


def test_gspread_sends_a_post_whose_reply_is_lost_once(google_emulator: GoogleEmulator) -> None:
    client = google_emulator.gspread_client()
    sheet = client.create("Shop").sheet1
    google_emulator.inject_fault("sheets", "values.append", lose_reply=True)
    with pytest.raises(requests.ConnectionError):
        sheet.append_row(["Ann"])
    assert google_emulator.call_count("sheets", "values.append") == 1
    assert sheet.get_all_values() == [["Ann"]]


def test_a_create_after_the_server_closed_an_idle_connection_goes_through(
    google_emulator: GoogleEmulator,
) -> None:
    """Sent once, a create must still not fail on a kept-alive connection the server closed
    while it was idle: it is sent on a fresh one."""
    people = google_emulator.service("people", "v1").people()
    people.createContact(body={"names": [{"givenName": "Ann"}]}).execute()
    google_emulator._server.close_connections()  # as a server's idle timeout does
    time.sleep(0.05)  # the server's FIN reaches the client
    people.createContact(body={"names": [{"givenName": "Bo"}]}).execute()
    assert google_emulator.call_count("people", "createContact") == 2
    assert len(google_emulator.people.contacts()) == 2
