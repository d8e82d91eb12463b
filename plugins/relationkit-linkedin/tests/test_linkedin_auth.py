"""Sign-in and profile with the real python-linkedin-v2 against the emulator's LinkedIn."""

from __future__ import annotations

import json
import logging
import socket
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from click.testing import CliRunner

from relationkit.cli import main
from relationkit.errors import AuthError
from relationkit.testing import GoogleEmulator
from relationkit_linkedin import cli as linkedin_cli
from relationkit_linkedin.client import LinkedInAPIError, get_profile
from relationkit_linkedin.signin import (
    _Authentication,
    load_token,
    save_token,
    sign_in,
    signed_in_profile,
    token_path,
)


@pytest.fixture
def redirect_uri() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://localhost:{port}/linkedin/callback"


def browser(url: str) -> None:
    """The owner's browser: open the consent page, follow LinkedIn's redirect back."""
    session = requests.Session()
    session.trust_env = False
    assert session.get(url, timeout=10).status_code == 200


def answering(**query: str) -> Callable[[str], None]:
    """A browser that comes back to the redirect URI with ``query`` (state kept unless given)."""

    def come_back(url: str) -> None:
        params = parse_qs(urlsplit(url).query)
        back = {"state": params["state"][0], **query}
        session = requests.Session()
        session.trust_env = False
        session.get(f"{params['redirect_uri'][0]}?{urlencode(back)}", timeout=10)

    return come_back


def saved_token() -> str:
    return json.loads(token_path().read_text())["access_token"]


def test_sign_in_shows_the_profile_and_keeps_the_token_private(
    google_emulator: GoogleEmulator, redirect_uri: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    profile = sign_in("client-id", "secret", redirect_uri=redirect_uri, open_browser=browser)
    assert (profile.id, profile.name, profile.headline) == (
        "emuMember01",
        "Alex Owner",
        "Owner at Example Bakery",
    )
    token = saved_token()
    assert token in google_emulator.linkedin.tokens
    assert stat.S_IMODE(token_path().stat().st_mode) == 0o600
    assert google_emulator.request_count("linkedin", "linkedin.authorize") == 1
    assert google_emulator.request_count("linkedin", "linkedin.accessToken") == 1
    me = [r for r in google_emulator.requests if r.operation == "linkedin.me"]
    assert len(me) == 1 and "oauth2_access_token" not in me[0].params  # sent as a header
    assert signed_in_profile().name == "Alex Owner"
    assert token not in caplog.text and "secret" not in caplog.text
    assert load_token().expires_at > datetime.now(UTC) + timedelta(days=59)
    assert token not in repr(load_token())


def test_auth_command(
    google_emulator: GoogleEmulator,
    redirect_uri: str,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(linkedin_cli.webbrowser, "open", browser)
    monkeypatch.setenv("RELATIONKIT_LINKEDIN_CLIENT_SECRET", "s3cret")
    args = ["linkedin", "--client-id", "cid", "--redirect-uri", redirect_uri]
    direct = CliRunner().invoke(linkedin_cli.auth, args)
    assert direct.exit_code == 0, direct.output
    assert "Signed in to LinkedIn as Alex Owner (Owner at Example Bakery)." in direct.output
    assert "Sign in to LinkedIn at:" in direct.output
    for command in (["auth", *args], ["linkedin", "auth", *args[1:]]):
        result = CliRunner().invoke(main, ["--db", db_url, *command])
        assert result.exit_code == 0, result.output
        assert "Alex Owner" in result.output
        assert saved_token() not in result.output and "s3cret" not in result.output
    whoami = CliRunner().invoke(main, ["--db", db_url, "linkedin", "whoami"])
    assert whoami.output == "Signed in to LinkedIn as Alex Owner.\n"
    google_emulator.linkedin.revoke_token(saved_token())
    revoked = CliRunner().invoke(main, ["--db", db_url, "linkedin", "whoami"])
    assert revoked.exit_code == 1
    assert "LinkedIn sign-in was revoked" in revoked.output
    assert "run `relationkit auth linkedin` to sign in again" in revoked.output
    assert saved_token() not in revoked.output and saved_token() not in caplog.text


def test_a_real_token_is_never_sent_to_the_emulator(google_emulator: GoogleEmulator) -> None:
    real = {"access_token": "AQV-real-token", "expires_at": "2999-01-01T00:00:00+00:00"}
    token_path().write_text(json.dumps(real))
    with pytest.raises(AuthError, match="is a real LinkedIn one: relationkit never sends it"):
        signed_in_profile()
    assert google_emulator.request_count("linkedin") == 0
    save_token(google_emulator.linkedin.issue_token(), 60 * 86400)  # issued by the emulator
    assert json.loads(token_path().read_text())["issuer"] == "emulator"
    assert signed_in_profile().name


def test_expired_token_asks_to_sign_in_again(google_emulator: GoogleEmulator) -> None:
    token = google_emulator.linkedin.issue_token()
    save_token(token, 60 * 86400)
    google_emulator.advance(timedelta(days=61))  # LinkedIn says it has expired
    with pytest.raises(
        AuthError, match=r"has expired .*HTTP 401.*relationkit auth linkedin"
    ) as exc:
        signed_in_profile()
    assert token not in str(exc.value)
    save_token(token, -1)  # we know it has expired without asking
    with pytest.raises(AuthError, match=r"expired on .*relationkit auth linkedin"):
        load_token()
    token_path().unlink()
    with pytest.raises(AuthError, match="not signed in to LinkedIn yet"):
        load_token()
    token_path().write_text("{not json")
    with pytest.raises(AuthError, match="cannot be read"):
        load_token()


def test_rate_limit_is_retried_then_explained(
    google_emulator: GoogleEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = google_emulator.linkedin.issue_token()
    google_emulator.inject_fault("linkedin", "linkedin.me", status=429, retry_after=0, times=2)
    assert get_profile(token).name == "Alex Owner"  # two 429s, then an answer
    assert google_emulator.request_count("linkedin", "linkedin.me") == 3
    assert "LinkedIn, your profile: HTTP 429, retry 1" in caplog.text

    google_emulator.inject_fault("linkedin", "linkedin.me", status=429, retry_after=0, times=3)
    with pytest.raises(LinkedInAPIError, match="limiting requests for your profile") as exc:
        get_profile(token)
    assert "APPLICATION DAY limit" in str(exc.value) and "after 3 tries" in str(exc.value)
    assert google_emulator.request_count("linkedin", "linkedin.me") == 6
    assert token not in caplog.text


def test_error_bodies_become_clear_messages(google_emulator: GoogleEmulator) -> None:
    token = google_emulator.linkedin.issue_token()
    google_emulator.inject_fault("linkedin", "linkedin.me", status=500, retry_after=0, times=3)
    with pytest.raises(LinkedInAPIError, match=r"error for your profile \(HTTP 500: "):
        get_profile(token)
    with pytest.raises(AuthError, match=r"sign-in is not valid \(HTTP 401: Invalid access token\)"):
        get_profile("AQV-not-a-token")
    auth = _Authentication("cid", "secret", "http://localhost:1/cb", ["openid"])
    auth.authorization_code = "AQT-never-issued"
    with pytest.raises(LinkedInAPIError, match="HTTP 400: Unable to retrieve access token") as exc:
        auth.get_access_token()
    assert "secret" not in str(exc.value)


def test_profile_falls_back_to_userinfo_without_me_permission(
    google_emulator: GoogleEmulator,
) -> None:
    token = google_emulator.linkedin.issue_token()
    google_emulator.inject_fault("linkedin", "linkedin.me", status=403)
    profile = get_profile(token)
    assert (profile.name, profile.email) == ("Alex Owner", "alex.owner@example.com")


def test_sign_in_refusals(google_emulator: GoogleEmulator, redirect_uri: str) -> None:
    cancelled = answering(error="user_cancelled_login", error_description="The user cancelled")
    with pytest.raises(AuthError, match="did not complete: The user cancelled"):
        sign_in("cid", "s", redirect_uri=redirect_uri, open_browser=cancelled)
    with pytest.raises(AuthError, match="state mismatch"):
        sign_in("cid", "s", redirect_uri=redirect_uri, open_browser=answering(state="x", code="c"))
    with pytest.raises(AuthError, match="must be http://localhost"):
        sign_in("cid", "s", redirect_uri="https://example.com/cb", open_browser=browser)
    with pytest.raises(AuthError, match="no answer from LinkedIn within 0 s"):
        sign_in("cid", "s", redirect_uri=redirect_uri, open_browser=lambda url: None, timeout=0.2)
    assert not token_path().exists()


def test_dropped_connections_are_retried_then_explained(google_emulator: GoogleEmulator) -> None:
    token = google_emulator.linkedin.issue_token()
    google_emulator.inject_fault("linkedin", "linkedin.me", drop=True)
    assert get_profile(token).id == "emuMember01"
    google_emulator.inject_fault("linkedin", "linkedin.me", drop=True, times=3)
    with pytest.raises(LinkedInAPIError, match="could not be reached for your profile"):
        get_profile(token)
