"""The emulator server: lifecycle, routing, request log, faults, quotas, clock, seeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import requests
from googleapiclient.errors import HttpError

from relationkit.google import EMULATOR_ENV
from relationkit.testing import GoogleEmulator
from relationkit.testing.seeds import SEEDS


def list_groups(emulator: GoogleEmulator) -> dict[str, Any]:
    return emulator.service("people", "v1").contactGroups().list().execute()


def test_start_stop_and_free_port() -> None:
    with GoogleEmulator() as first, GoogleEmulator() as second:
        assert first.port != second.port
        url = first.url
        assert url == f"http://127.0.0.1:{first.port}"
        assert requests.get(url + "/calendar/v3/users/me/calendarList").status_code == 200
    assert not first.running
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/calendar/v3/users/me/calendarList", timeout=5)


def test_url_needs_a_started_server() -> None:
    with pytest.raises(RuntimeError):
        _ = GoogleEmulator().url


def test_fixture_points_the_environment_at_the_emulator(google_emulator: GoogleEmulator) -> None:
    assert os.environ[EMULATOR_ENV] == google_emulator.url
    assert google_emulator.requests == []


def test_unknown_path_is_404_in_google_format(google_emulator: GoogleEmulator) -> None:
    response = requests.get(google_emulator.url + "/v9/nothing")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == 404 and error["status"] == "NOT_FOUND"
    assert error["errors"][0]["domain"] == "global"


def test_keep_alive_reuses_one_connection(google_emulator: GoogleEmulator) -> None:
    session = requests.Session()
    for _ in range(5):
        session.get(google_emulator.url + "/calendar/v3/users/me/calendarList")
    pool = session.get_adapter(google_emulator.url).poolmanager
    assert sum(p.num_connections for p in pool.pools._container.values()) == 1


def test_request_log_entries(google_emulator: GoogleEmulator) -> None:
    people = google_emulator.service("people", "v1")
    people.people().createContact(body={"names": [{"givenName": "A"}]}).execute()
    with pytest.raises(HttpError):
        people.people().connections().list(resourceName="people/me").execute()
    first, second = google_emulator.requests
    assert (first.api, first.operation, first.method, first.status) == (
        "people", "people.people.createContact", "POST", 200,
    )  # fmt: skip
    assert first.path == "/v1/people:createContact"
    assert first.body == {"names": [{"givenName": "A"}]}
    assert second.status == 400 and second.body is None
    assert second.params == {"alt": ["json"]}
    assert google_emulator.request_count("people", "people.connections.list") == 1
    assert google_emulator.request_count(operation="createContact") == 1
    google_emulator.reset_requests()
    assert google_emulator.request_count() == 0


@pytest.mark.parametrize(("status", "name"), [(429, "RESOURCE_EXHAUSTED"), (500, "INTERNAL"),
                                              (503, "UNAVAILABLE")])  # fmt: skip
def test_status_faults_fire_times_then_stop(
    google_emulator: GoogleEmulator, status: int, name: str
) -> None:
    google_emulator.inject_fault("people", "contactGroups.list", status=status, retry_after=1,
                                 times=2)  # fmt: skip
    for _ in range(2):
        with pytest.raises(HttpError) as exc:
            list_groups(google_emulator)
        assert exc.value.status_code == status
        assert exc.value.resp["retry-after"] == "1"
        assert json.loads(exc.value.content)["error"]["status"] == name
    assert list_groups(google_emulator)["contactGroups"]
    assert google_emulator.faults.pending() == []


def test_fault_targets_only_its_api_and_operation(google_emulator: GoogleEmulator) -> None:
    google_emulator.inject_fault("people", "people.connections.list", status=500)
    assert list_groups(google_emulator)  # other operation: untouched
    calendar = google_emulator.service("calendar", "v3")
    calendar.calendarList().list().execute()  # other API: untouched
    assert len(google_emulator.faults.pending()) == 1


def test_dropped_connection(google_emulator: GoogleEmulator) -> None:
    google_emulator.inject_fault("calendar", drop=True)
    with pytest.raises(requests.ConnectionError):
        requests.get(google_emulator.url + "/calendar/v3/users/me/calendarList")
    assert requests.get(google_emulator.url + "/calendar/v3/users/me/calendarList").ok
    assert google_emulator.requests[0].status == 0


def test_slow_response(google_emulator: GoogleEmulator) -> None:
    google_emulator.inject_fault("calendar", "calendarList.list", delay=0.3)
    started = time.perf_counter()
    response = requests.get(google_emulator.url + "/calendar/v3/users/me/calendarList")
    assert response.ok
    assert time.perf_counter() - started >= 0.3


def test_fault_needs_an_effect(google_emulator: GoogleEmulator) -> None:
    with pytest.raises(ValueError):
        google_emulator.inject_fault("people")


def test_quota_per_minute_against_the_emulated_clock(google_emulator: GoogleEmulator) -> None:
    google_emulator.set_quota("people", per_minute=3)
    for _ in range(3):
        list_groups(google_emulator)
    with pytest.raises(HttpError) as exc:
        list_groups(google_emulator)
    error = json.loads(exc.value.content)["error"]
    assert exc.value.status_code == 429
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert error["errors"][0]["reason"] == "rateLimitExceeded"
    google_emulator.advance(timedelta(seconds=61))
    list_groups(google_emulator)
    google_emulator.set_quota("people", None)
    for _ in range(5):
        list_groups(google_emulator)


def test_clock_advance(google_emulator: GoogleEmulator) -> None:
    before = google_emulator.clock.now()
    google_emulator.advance(timedelta(days=3))
    assert google_emulator.clock.now() - before >= timedelta(days=3)


def test_reset_forgets_everything(google_emulator: GoogleEmulator) -> None:
    google_emulator.people.add_person({"names": [{"givenName": "A"}]})
    google_emulator.inject_fault("people", status=500)
    google_emulator.set_quota("people", 1)
    google_emulator.advance(timedelta(days=1))
    url = google_emulator.url
    google_emulator.reset()
    assert google_emulator.url == url
    assert google_emulator.people.contacts() == []
    assert google_emulator.faults.pending() == []
    assert abs(google_emulator.clock.now() - GoogleEmulator().clock.now()) < timedelta(hours=1)
    list_groups(google_emulator)
    list_groups(google_emulator)


def test_seeds(google_emulator: GoogleEmulator) -> None:
    assert "empty" in SEEDS
    google_emulator.seed("empty")
    assert google_emulator.people.contacts() == []
    with pytest.raises(ValueError, match="unknown emulator seed 'nope'"):
        google_emulator.seed("nope")


def test_concurrent_clients_are_serialised(google_emulator: GoogleEmulator) -> None:
    url = google_emulator.url + "/v1/people:createContact"

    def create(n: int) -> None:
        with requests.Session() as session:
            for i in range(10):
                body = {"names": [{"givenName": f"T{n}-{i}"}]}
                assert session.post(url, json=body).ok

    threads = [threading.Thread(target=create, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    contacts = google_emulator.people.contacts()
    assert len(contacts) == 60
    assert len({c["resourceName"] for c in contacts}) == 60


def test_long_get_sent_as_post_with_method_override(google_emulator: GoogleEmulator) -> None:
    people = google_emulator.service("people", "v1")
    names = [google_emulator.people.add_person({"names": [{"givenName": str(i)}]})
             for i in range(120)]  # fmt: skip
    result = people.people().getBatchGet(resourceNames=names, personFields="names").execute()
    assert len(result["responses"]) == 120
    entry = google_emulator.requests[-1]
    assert entry.method == "GET" and entry.operation == "people.people.getBatchGet"


def test_handle_without_http(google_emulator: GoogleEmulator) -> None:
    from relationkit.testing.emulator._base import EmulatorRequest

    reply = google_emulator.handle(
        EmulatorRequest.from_parts("GET", "/calendar/v3/users/me/calendarList", {}, b"")
    )
    assert reply.status == 200 and json.loads(reply.body)["kind"] == "calendar#calendarList"


@pytest.mark.slow
def test_standalone_module_serves_until_terminated() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "relationkit.testing.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "/calendar/v3/users/me/calendarList", timeout=30).ok
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_lost_reply_runs_the_call_and_answers_nothing(google_emulator: GoogleEmulator) -> None:
    google_emulator.inject_fault("calendar", "calendars.insert", lose_reply=True, after=1)
    url = google_emulator.url + "/calendar/v3/calendars"
    assert requests.post(url, json={"summary": "First"}).ok  # let through
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json={"summary": "Second"})
    listed = requests.get(google_emulator.url + "/calendar/v3/users/me/calendarList").json()
    assert {"First", "Second"} <= {c["summary"] for c in listed["items"]}
    assert google_emulator.faults.pending() == []
    with pytest.raises(ValueError):
        google_emulator.inject_fault("calendar", lose_reply=True, status=500)
