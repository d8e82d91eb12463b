"""Google and the network on a bad day, through the real clients and ``relationkit sync``:
a server that accepts and never answers, a revoked sign-in, and an emulator override pointed
where the saved sign-in must not go.

Every sync here runs as a subprocess, as cron would, against the emulator of the test process.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from google.oauth2.credentials import Credentials
from google_sync_support import GoogleShop

from relationkit import google
from relationkit.auth import TOKEN_FILE_NAME, TOKEN_URI, google_scopes
from relationkit.cli import main
from relationkit.errors import ConfigError
from relationkit.jobs import ExitCode
from relationkit.plugins import connector_classes
from relationkit.testing import GoogleEmulator

TIMEOUT = 1.0  # RELATIONKIT_HTTP_TIMEOUT in these tests
ATTEMPTS = 2  # RELATIONKIT_RETRY_ATTEMPTS (google_sync_support's)
REVOKED = "Google sign-in no longer works (revoked or expired): run `relationkit auth google`"


@pytest.fixture
def shop(google_emulator: GoogleEmulator, tmp_path: Path) -> GoogleShop:
    shop = GoogleShop(google_emulator, tmp_path)
    shop.set_up(google_calendar={"calendar_id": "primary"})  # so each sync reads the calendar
    return shop


def sync(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """``relationkit sync`` in a subprocess, and how long it took (seconds)."""
    command = [sys.executable, "-c", "from relationkit.cli import main; main()", "sync", *args]
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    return done, time.monotonic() - started


def timed_env(shop: GoogleShop) -> dict[str, str]:
    return {**shop.environment(), google.TIMEOUT_ENV: str(TIMEOUT)}


# -- timeouts --------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("api", "connector"),
    [("sheets", "google_sheets"), ("people", "google_contacts"), ("calendar", "google_calendar")],
)
def test_a_server_that_never_answers_fails_one_connector_in_bounded_time(
    shop: GoogleShop, google_emulator: GoogleEmulator, api: str, connector: str
) -> None:
    """Each client library (gspread on requests, googleapiclient on httplib2) gives up, retries
    like any transient failure, then reports that one connector; the others sync (exit 3), and
    the next scheduled sync is not held up by the first."""
    google_emulator.inject_fault(api, stall=True, times=ATTEMPTS)
    done, took = sync(timed_env(shop))
    assert done.returncode == ExitCode.PARTIAL, done.stderr[-3000:]
    # Each try waits TIMEOUT, with at most 1 s of backoff between; the rest is start-up.
    assert took < ATTEMPTS * TIMEOUT + 1 + 15
    failed = [line for line in done.stdout.splitlines() if "failed" in line]
    timed_out = "Google kept failing (no answer within 1 s, RELATIONKIT_HTTP_TIMEOUT) after 2 tries"
    assert any(connector in line and timed_out in line for line in failed), done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert google_emulator.faults.pending() == []  # both tries were the stalled ones

    again, _ = sync(timed_env(shop))
    assert again.returncode == ExitCode.OK, again.stdout + again.stderr[-3000:]


def test_the_timeout_setting_is_checked() -> None:
    for bad in ("0", "-5", "soon", "inf", "nan"):
        with pytest.MonkeyPatch.context() as env:
            env.setenv(google.TIMEOUT_ENV, bad)
            with pytest.raises(ConfigError, match=google.TIMEOUT_ENV):
                google.http_timeouts()
    with pytest.MonkeyPatch.context() as env:
        env.setenv(google.TIMEOUT_ENV, "2.5")
        assert google.http_timeouts() == google.Timeouts(2.5, 2.5)
        env.delenv(google.TIMEOUT_ENV)
        assert google.http_timeouts() == google.Timeouts(10.0, 60.0)


def test_clients_for_google_itself_time_out_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the emulator nothing can be sent (no network in tests): check what was built."""
    monkeypatch.delenv(google.EMULATOR_ENV, raising=False)
    monkeypatch.setenv(google.TIMEOUT_ENV, "7")
    creds = Credentials(
        token="ya29.x", refresh_token="1//x", client_id="c", client_secret="s", token_uri=TOKEN_URI
    )
    people = google.build_service("people", "v1", creds)
    try:
        assert people._http.http.timeout == 7
        assert people._http.http.proxy_info is not None  # a real network may need its proxy
        assert people._http.credentials.refresh.bounded
        sheets = google.gspread_client(creds)
        assert sheets.http_client.timeout == (7, 7)
        monkeypatch.setenv(google.TIMEOUT_ENV, "90")
        assert google.gspread_client(creds).http_client.timeout == (10, 90)
    finally:
        google.clear_service_cache()


def _emulator_credentials(emulator: GoogleEmulator) -> Credentials:
    return Credentials(
        token=None,
        refresh_token=emulator.oauth.issue_refresh_token(),
        client_id=google.EMULATOR_CLIENT_ID,
        client_secret=google.EMULATOR_CLIENT_SECRET,
        token_uri=TOKEN_URI,
    )


def test_a_batch_token_refresh_gives_up_on_a_silent_token_endpoint(
    google_emulator: GoogleEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """googleapiclient refreshes a batch's token through an httplib2.Http() of its own that
    would wait forever: the refresh still times out, as a transient failure."""
    monkeypatch.setenv(google.TIMEOUT_ENV, "0.5")
    google_emulator.oauth.enforce = True
    calendar = google_emulator.service("calendar", "v3", _emulator_credentials(google_emulator))
    calendar.calendarList().list().execute()
    google_emulator.advance(timedelta(hours=2))  # the access token runs out
    google_emulator.inject_fault("oauth", "oauth.token", stall=True)
    batch = calendar.new_batch_http_request()
    batch.add(calendar.calendarList().list())
    started = time.monotonic()
    with pytest.raises(Exception) as raised:
        batch.execute()
    assert time.monotonic() - started < 5
    assert google.is_transient(raised.value), repr(raised.value)


# -- a revoked sign-in ----------------------------------------------------------------------------


def save_sign_in(shop: GoogleShop, **fields: str) -> dict[str, Any]:
    """A sign-in saved as ``relationkit auth google`` does, its access token still alive."""
    emulator = shop.emu
    scopes = google_scopes(connector_classes().values())
    info = {
        "token": emulator.oauth.issue_access_token(tuple(scopes)),
        "refresh_token": emulator.oauth.issue_refresh_token(tuple(scopes)),
        "client_id": google.EMULATOR_CLIENT_ID,
        "client_secret": google.EMULATOR_CLIENT_SECRET,
        "token_uri": TOKEN_URI,
        "scopes": scopes,
        "expiry": "2999-01-01T00:00:00Z",
        **fields,
    }
    (shop.folder / TOKEN_FILE_NAME).write_text(json.dumps(info), encoding="utf-8")
    return info


@pytest.mark.slow
def test_a_sign_in_revoked_mid_life_fails_each_connector_with_the_fix(
    shop: GoogleShop, google_emulator: GoogleEmulator
) -> None:
    """The owner removed relationkit's access in the Google account: the saved access token
    looks alive until Google says 401, then the refresh is refused (invalid_grant)."""
    saved = save_sign_in(shop)
    google_emulator.oauth.enforce = True
    first, _ = sync(shop.environment())
    assert first.returncode == ExitCode.OK, first.stdout + first.stderr[-3000:]

    google_emulator.oauth.revoke(saved["refresh_token"])
    google_emulator.oauth.revoke(saved["token"])
    done, _ = sync(shop.environment())
    assert done.returncode == ExitCode.FAILED  # every connector is a Google one
    output = done.stdout + done.stderr
    for connector in ("google_sheets", "google_contacts", "google_calendar"):
        assert f"{connector}: pull failed: AuthError: {REVOKED}" in output, output
    assert "RefreshError" not in output and "Traceback" not in output
    assert saved["refresh_token"] not in output and saved["token"] not in output

    doctor = subprocess.run(
        [sys.executable, "-c", "from relationkit.cli import main; main()", "doctor"],
        env=shop.environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert doctor.returncode == 1
    assert f"✗ Google access: {REVOKED}" in doctor.stdout and "Traceback" not in doctor.stderr


# -- the emulator override -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://10.255.255.1",
        "https://10.255.255.1:8443",
        "http://example.com:8765",
        "http://127.0.0.1.nip.io:8765",
        "http://localhost.example.com",
        "http://[fe80::1]:8765",
        "ftp://127.0.0.1:8765",
        "127.0.0.1:8765",
        "http://127.0.0.1:notaport",
        "http://127.0.0.1:99999",
        "http://127.0.0.1@10.255.255.1",
        "http://127.0.0.1:80@10.255.255.1",
        "http://127.0.0.1:80\\@10.255.255.1",
        "http://10.255.255.1#@127.0.0.1",
        "http://10.255.255.1/?@127.0.0.1",
        "http://127.0.0.1/x/../@10.255.255.1",
        "http://127.0.0.1 .10.255.255.1",
        "http://0x7f.1:8765",
    ],
)
def test_an_emulator_url_off_this_machine_is_refused_before_any_connection(
    url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    connections: list[object] = []

    def no_network(self: socket.socket, address: object) -> None:
        connections.append(address)
        raise AssertionError(f"a connection was attempted to {address}")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setenv(google.EMULATOR_ENV, url)
    with pytest.raises(ConfigError, match="must be the address of the emulator on this machine"):
        google.emulator_url()
    with pytest.raises(ConfigError):
        google.build_service("people", "v1", emulator=url)
    with pytest.raises(ConfigError):
        google.gspread_client(emulator=url)
    (tmp_path / "config.toml").write_text(
        "[connectors.google_contacts]\ngroup = 'Customers'\n", encoding="utf-8"
    )
    db = ["--db", f"sqlite:///{tmp_path / 'crm.db'}"]
    doctor = CliRunner().invoke(main, [*db, "doctor"])
    assert doctor.exit_code == 1
    assert "✗ Google access: RELATIONKIT_GOOGLE_EMULATOR must be the address" in doctor.output
    assert f"fix: correct or unset {google.EMULATOR_ENV}" in doctor.output
    synced = CliRunner().invoke(main, [*db, "sync"])
    assert synced.exit_code == ExitCode.FAILED and "emulator on this machine" in synced.output
    assert connections == []


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765", "http://127.3.2.1:1/", "http://localhost:9", "http://[::1]:80"]
)
def test_loopback_emulator_urls_are_accepted(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(google.EMULATOR_ENV, url)
    assert google.emulator_url() == url.rstrip("/")


class Recorder:
    """A loopback server that accepts connections and keeps every byte sent to it (answering
    nothing), for at most ``lifetime`` seconds."""

    def __init__(self, lifetime: float = 60.0) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.received = bytearray()
        self.deadline = time.monotonic() + lifetime
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while time.monotonic() < self.deadline and self.listener.fileno() != -1:
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(0.5)
                try:
                    while chunk := conn.recv(65536):
                        self.received += chunk
                except OSError:
                    pass

    def close(self) -> None:
        self.deadline = 0
        self.thread.join(timeout=5)
        self.listener.close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    yield server
    server.close()


@pytest.mark.slow
def test_a_real_sign_in_is_never_sent_to_the_emulator(shop: GoogleShop, recorder: Recorder) -> None:
    """A shop owner with a real sign-in saved tries the emulator URL someone gave them (or an
    attacker sets it): the refresh token and client secret stay on the machine."""
    real = save_sign_in(
        shop,
        token="ya29.real-access-token",
        refresh_token="1//real-refresh-token",
        client_id="123456-real.apps.googleusercontent.com",
        client_secret="GOCSPX-real-client-secret",
        expiry="2020-01-01T00:00:00Z",
    )
    env = {**shop.environment(), google.EMULATOR_ENV: recorder.url}
    done, _ = sync(env)
    assert done.returncode == ExitCode.FAILED
    assert "is a real Google one: relationkit never sends it to the emulator" in done.stdout
    doctor = subprocess.run(
        [sys.executable, "-c", "from relationkit.cli import main; main()", "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert doctor.returncode == 1 and "is a real Google one" in doctor.stdout
    time.sleep(0.3)  # anything sent has arrived
    for secret in ("token", "refresh_token", "client_secret"):
        assert real[secret].encode() not in recorder.received
    assert bytes(recorder.received) == b""
