"""Google sign-in against the emulator's OAuth endpoints, refresh, revocation, service accounts,
``doctor``'s auth check, and plugin groups merged into built-in ones (``auth linkedin``)."""

from __future__ import annotations

import json
import stat
import threading
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import click
import pytest
import requests
from click.testing import CliRunner, Result

from relationkit import plugins
from relationkit.auth import (
    CONSOLE_REDIRECT,
    SERVICE_ACCOUNT_ENV,
    TOKEN_URI,
    google_credentials,
    google_scopes,
    google_token_path,
)
from relationkit.cli import main
from relationkit.config import load_config
from relationkit.errors import AuthError
from relationkit.google import EMULATOR_ENV, TIMEOUT_ENV
from relationkit.hookspecs import hookimpl
from relationkit.sync.contract import Connector
from relationkit.testing.emulator.server import GoogleEmulator

SHEETS = "https://www.googleapis.com/auth/spreadsheets"
CALENDAR = "https://www.googleapis.com/auth/calendar"
CONTACTS = "https://www.googleapis.com/auth/contacts"


class SheetLike(Connector):
    name = "sheet_like"
    description = "needs Sheets"
    scopes = (SHEETS, "r_liteprofile")  # a LinkedIn-style scope is not Google's: never asked


class CalendarLike(Connector):
    name = "calendar_like"
    description = "needs Calendar"
    scopes = (CALENDAR,)


class ContactsLike(Connector):
    name = "contacts_like"
    description = "needs Contacts"
    scopes = (CONTACTS,)


class _Plugin:
    @hookimpl
    def register_connectors(self, register: Callable[[type], None]) -> None:
        for cls in (SheetLike, CalendarLike, ContactsLike):
            register(cls)

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        @cli.group()
        def auth() -> None:
            """A plugin's auth group."""

        @auth.command()
        def linkedin() -> None:
            """Sign in to LinkedIn (a plugin command)."""
            click.echo("plugin linkedin ran")

        @auth.command()
        def google() -> None:
            click.echo("the plugin's google: must never run")


@pytest.fixture(autouse=True)
def _plugin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "")
    plugins.reset_plugin_manager()
    plugins.get_plugin_manager().register(_Plugin(), name="google-like")
    (tmp_path / "config.toml").write_text(
        "[connectors.sheet_like]\n[connectors.calendar_like]\n"
        "[connectors.contacts_like]\nenabled = false\n",
        encoding="utf-8",
    )
    yield
    plugins.reset_plugin_manager()


def _cli(*args: str, code: int = 0, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), input=stdin)
    assert result.exit_code == code, (result.output, result.exception)
    return result


def _saved() -> dict[str, Any]:
    return json.loads(google_token_path().read_text(encoding="utf-8"))


def test_only_the_enabled_connectors_google_scopes_are_asked() -> None:
    assert google_scopes([SheetLike, CalendarLike, SheetLike]) == [CALENDAR, SHEETS]


def test_sign_in_without_a_browser(google_emulator: GoogleEmulator, tmp_path: Path) -> None:
    code = google_emulator.oauth.issue_authorization_code(
        (CALENDAR, SHEETS), redirect_uri=CONSOLE_REDIRECT
    )
    pasted = f"{CONSOLE_REDIRECT}?code={code}&scope=x\n"
    out = _cli("auth", "google", "--no-browser", stdin=pasted).output
    asked = next(line for line in out.splitlines() if "/o/oauth2/auth?" in line)
    query = parse_qs(urlparse(asked).query)
    assert sorted(query["scope"][0].split()) == [CALENDAR, SHEETS]
    assert query["access_type"] == ["offline"]
    assert "Signed in to Google" in out and f"access: {SHEETS}" in out
    path = google_token_path()
    assert path == tmp_path / "google-token.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = _saved()
    assert token["refresh_token"] in google_emulator.oauth.refresh_tokens
    assert token["token_uri"] == TOKEN_URI  # Google's, not the emulator's port
    assert token["refresh_token"] not in out
    assert google_emulator.request_count("oauth", "oauth.token") == 1


def test_sign_in_with_a_browser_and_a_local_server(
    google_emulator: GoogleEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Browser:
        """Follows the consent page's redirect back to the local server, as a browser does."""

        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            session = requests.Session()
            session.trust_env = False
            threading.Thread(target=session.get, args=(url,), daemon=True).start()
            return True

    monkeypatch.setattr(webbrowser, "get", lambda *_: Browser())
    out = _cli("auth", "google").output
    assert "Signed in to Google" in out
    assert google_emulator.oauth.refresh_tokens[_saved()["refresh_token"]].scopes == (
        CALENDAR,
        SHEETS,
    )


def test_a_silent_token_endpoint_ends_the_sign_in_with_a_message(
    google_emulator: GoogleEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "0.5")
    code = google_emulator.oauth.issue_authorization_code(redirect_uri=CONSOLE_REDIRECT)
    google_emulator.inject_fault("oauth", "oauth.token", stall=True)
    result = _cli("auth", "google", "--no-browser", stdin=f"{code}\n", code=1)
    assert "cannot reach Google to finish signing in (ReadTimeout)" in result.output
    assert not google_token_path().exists()


def test_a_pasted_answer_without_a_code_is_a_message(google_emulator: GoogleEmulator) -> None:
    result = _cli(
        "auth", "google", "--no-browser", stdin=f"{CONSOLE_REDIRECT}?error=access_denied\n", code=1
    )
    assert "Google said access_denied: run `relationkit auth google` again" in result.output
    assert not google_token_path().exists()


def _signed_in(emulator: GoogleEmulator, scopes: tuple[str, ...] = (CALENDAR, SHEETS)) -> str:
    code = emulator.oauth.issue_authorization_code(scopes, redirect_uri=CONSOLE_REDIRECT)
    _cli("auth", "google", "--no-browser", stdin=f"{code}\n")
    return str(_saved()["refresh_token"])


def test_an_expired_access_token_is_renewed_and_saved(google_emulator: GoogleEmulator) -> None:
    _signed_in(google_emulator)
    token = _saved()
    token["expiry"] = "2020-01-01T00:00:00Z"
    google_token_path().write_text(json.dumps(token), encoding="utf-8")
    creds = google_credentials([SHEETS])
    assert creds is not None and creds.valid
    assert creds.token != token["token"] and creds.token in google_emulator.oauth.access_tokens
    assert _saved()["token"] == creds.token
    assert stat.S_IMODE(google_token_path().stat().st_mode) == 0o600


REVOKED = "Google sign-in no longer works (revoked or expired): run `relationkit auth google`"


def test_a_revoked_sign_in_names_the_command_that_fixes_it(
    google_emulator: GoogleEmulator,
) -> None:
    refresh_token = _signed_in(google_emulator)
    google_emulator.oauth.revoke(refresh_token)
    token = _saved()
    token["expiry"] = "2020-01-01T00:00:00Z"
    google_token_path().write_text(json.dumps(token), encoding="utf-8")
    with pytest.raises(AuthError) as raised:
        google_credentials([SHEETS])
    assert str(raised.value) == REVOKED
    out = _cli("doctor", code=1).output
    assert f"✗ Google access: {REVOKED}" in out
    assert "fix: run `relationkit auth google`" in out
    assert refresh_token not in out


def test_doctor_finds_a_revoked_sign_in_whose_access_token_looks_alive(
    google_emulator: GoogleEmulator,
) -> None:
    """Revoked in the Google account's settings an hour before the access token runs out:
    the token file still looks valid, so doctor must ask Google rather than trust it."""
    refresh_token = _signed_in(google_emulator)
    google_emulator.oauth.revoke(refresh_token)
    google_emulator.oauth.revoke(_saved()["token"])
    out = _cli("doctor", code=1).output
    assert f"✗ Google access: {REVOKED}" in out and "✓ Google access" not in out
    assert "Traceback" not in out and refresh_token not in out


@pytest.mark.parametrize(
    "damage",
    ["{not json", "[]", '{"refresh_token": 1}', '{"client_id": "x"}', ""],
    ids=["corrupt", "a list", "a number", "missing fields", "empty"],
)
def test_doctor_reports_a_damaged_token_file(google_emulator: GoogleEmulator, damage: str) -> None:
    _signed_in(google_emulator)
    google_token_path().write_text(damage, encoding="utf-8")
    out = _cli("doctor", code=1).output
    assert "✗ Google access: the saved Google sign-in" in out and "cannot be read" in out
    assert "fix: run `relationkit auth google`" in out


def test_a_wrong_client_secret_names_the_client(google_emulator: GoogleEmulator) -> None:
    _signed_in(google_emulator)
    token = _saved()
    token["client_secret"] = "an old secret"
    token["expiry"] = "2020-01-01T00:00:00Z"
    google_token_path().write_text(json.dumps(token), encoding="utf-8")
    out = _cli("doctor", code=1).output
    assert "✗ Google access: Google does not accept the OAuth client" in out
    assert "run `relationkit auth google` --client-secrets FILE" in out
    assert "an old secret" not in out


@pytest.mark.parametrize("damage", ["invalid TOML", "a folder", "not UTF-8"])
def test_an_unreadable_config_file_is_reported(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "config.toml"
    if damage == "a folder":
        path.unlink()
        path.mkdir()
    else:
        path.write_bytes(b"[connectors.sheet_like\n" if damage == "invalid TOML" else b"\xff\xfe")
    out = _cli("doctor", code=1).output
    assert out.startswith(f"✗ {path}: ") and "Traceback" not in out


def test_a_scope_not_granted_asks_to_sign_in_again(google_emulator: GoogleEmulator) -> None:
    _signed_in(google_emulator, (SHEETS,))
    with pytest.raises(AuthError, match=r"does not allow .*calendar.*relationkit auth google"):
        google_credentials([SHEETS, CALENDAR])


def test_without_a_sign_in(
    google_emulator: GoogleEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert google_credentials([SHEETS]) is None  # the emulator needs none
    assert "✓ Google access: using the emulator" in _cli("doctor").output
    monkeypatch.delenv(EMULATOR_ENV)
    with pytest.raises(AuthError, match=r"not connected .*: run `relationkit auth google`"):
        google_credentials([SHEETS])
    out = _cli("doctor", code=1).output
    assert out.count("fix: ") == 1 and "fix: run `relationkit auth google`" in out


def test_doctor_shows_a_working_sign_in(google_emulator: GoogleEmulator) -> None:
    refresh_token = _signed_in(google_emulator)
    out = _cli("doctor").output
    assert "✓ Google access: signed in" in out and "2 scope(s)" in out
    assert refresh_token not in out and _saved()["token"] not in out


def test_signing_in_outside_the_emulator_needs_an_oauth_client() -> None:
    result = _cli("auth", "google", code=1)
    assert 'OAuth client ID of type "Desktop app"' in result.output


def _service_account_key(path: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "shop",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": "relationkit@shop.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": TOKEN_URI,
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


def test_a_service_account_from_the_environment_or_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _service_account_key(tmp_path / "key.json")
    monkeypatch.setenv(SERVICE_ACCOUNT_ENV, str(key))
    creds = google_credentials([SHEETS])
    assert creds.service_account_email == "relationkit@shop.iam.gserviceaccount.com"
    assert creds.scopes == [SHEETS]
    assert "✓ Google access: service account relationkit@shop" in _cli("doctor").output

    monkeypatch.delenv(SERVICE_ACCOUNT_ENV)
    with (tmp_path / "config.toml").open("a", encoding="utf-8") as fh:
        fh.write(f"[google]\nservice_account = '{key}'\nsubject = 'owner@shop.example'\n")
    creds = google_credentials([SHEETS], load_config())
    assert creds._subject == "owner@shop.example"

    monkeypatch.setenv(SERVICE_ACCOUNT_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(AuthError, match="cannot read the service account key"):
        google_credentials([SHEETS])


# -- plugin groups merged into built-in groups ----------------------------------------------------


def test_a_plugin_group_named_like_a_built_in_one_is_merged() -> None:
    listed = _cli("auth", "--help").output
    assert "google" in listed and "linkedin" in listed
    assert "plugin linkedin ran" in _cli("auth", "linkedin").output
    assert "Sign in to Google for the enabled connectors" in _cli("auth", "google", "--help").output


def test_the_example_plugin_adds_its_command_beside_the_merged_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    example = Path(__file__).parent / "example_plugin" / "src"
    monkeypatch.syspath_prepend(str(example))
    import relationkit_welcome

    plugins.get_plugin_manager().register(relationkit_welcome, name="welcome")
    commands = _cli("--help").output
    assert "welcome" in commands and "auth" in commands
    assert "Nobody new to welcome." in _cli("welcome").output
    assert "linkedin" in _cli("auth", "--help").output
