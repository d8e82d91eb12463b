"""Credentials for Google: signing in, where the sign-in is kept, how connectors get it.

``relationkit auth google`` runs Google's installed-app OAuth flow (google-auth-oauthlib) for the
scopes the enabled connectors declare (``Connector.scopes``) and keeps the result, refresh token
included, in ``google-token.json`` beside the config file, mode 0600. Connectors call
:func:`google_credentials` with the scopes they need: it loads that sign-in and refreshes it
when it has expired, or uses a service account key (Google Workspace domains) named by
``RELATIONKIT_GOOGLE_SERVICE_ACCOUNT`` or ``service_account`` in the config's ``[google]`` table,
acting for ``subject`` when set (domain-wide delegation).

With the emulator (``RELATIONKIT_GOOGLE_EMULATOR``, a loopback address only) no credentials are
needed: it returns None, unless a sign-in was saved, which is then used with its token endpoint
sent to the emulator (the flow itself talks to the emulator's consent page and token endpoint
too). Only a sign-in the emulator issued is ever sent there: a real Google sign-in saved in the
same place is refused with an error (its refresh token and client secret stay on the machine).
Tokens are never logged nor put in error messages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from .config import Config, config_dir, load_config
from .errors import AuthError, ConfigError
from .files import write_text_atomically
from .google import (
    EMULATOR_CLIENT_ID,
    EMULATOR_CLIENT_SECRET,
    EMULATOR_ENV,
    emulator_url,
    for_emulator,
    http_timeouts,
    refresh_credentials,
    rewrite,
)

SERVICE_ACCOUNT_ENV = "RELATIONKIT_GOOGLE_SERVICE_ACCOUNT"
CLIENT_SECRETS_ENV = "RELATIONKIT_GOOGLE_CLIENT_SECRETS"
TOKEN_FILE_NAME = "google-token.json"
GOOGLE_SCOPE_PREFIX = "https://www.googleapis.com/auth/"
TOKEN_URI = "https://oauth2.googleapis.com/token"
FIX = "run `relationkit auth google`"
# Where the consent page sends the browser with --no-browser: nothing needs to listen there; the
# owner copies the address the browser ends on (or just its code) back into the terminal.
CONSOLE_REDIRECT = "http://localhost:8085/"


def google_token_path() -> Path:
    """Where ``relationkit auth google`` keeps the sign-in (beside the config file)."""
    return config_dir() / TOKEN_FILE_NAME


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), atomically."""
    write_text_atomically(path, text, mode=0o600)


def google_scopes(connector_classes: Iterable[type]) -> list[str]:
    """The Google OAuth scopes the given connector classes declare, sorted, each once."""
    found = {
        scope
        for cls in connector_classes
        for scope in getattr(cls, "scopes", ())
        if scope.startswith(GOOGLE_SCOPE_PREFIX)
    }
    return sorted(found)


def enabled_google_scopes(config: Config) -> list[str]:
    """The Google scopes of the connectors enabled in ``config`` (installed ones only)."""
    from .plugins import connector_classes

    classes = connector_classes()
    return google_scopes(classes[n] for n in config.enabled_connectors() if n in classes)


def _service_account(config: Config) -> str | None:
    return os.environ.get(SERVICE_ACCOUNT_ENV) or config.google.get("service_account") or None


def google_credentials(scopes: list[str], config: Config | None = None) -> Any | None:
    """Credentials for ``scopes``; None with the emulator and no saved sign-in.

    Raises :class:`AuthError` naming the command that fixes it when there is no sign-in, when it
    lacks a scope, or when Google refuses it (expired or revoked).
    """
    config = config or load_config()
    emulator = emulator_url()
    key_file = _service_account(config)
    if key_file and emulator is None:
        return _service_account_credentials(key_file, scopes, config.google.get("subject"))
    path = google_token_path()
    if not path.exists():
        if emulator is not None:
            return None
        raise AuthError(f"relationkit is not connected to a Google account yet: {FIX}")
    creds = _load_token(path, emulator)
    missing = sorted(set(scopes) - set(creds.scopes or ()))
    if missing:
        raise AuthError(
            "the saved Google sign-in does not allow " + ", ".join(missing) + f": {FIX} again "
            "to grant access for the enabled plugins"
        )
    if not creds.valid:
        _refresh(creds, emulator)
        _save(creds, emulator)
    return creds


def _service_account_credentials(key_file: str, scopes: list[str], subject: str | None) -> Any:
    from google.oauth2 import service_account

    try:
        creds = service_account.Credentials.from_service_account_file(key_file, scopes=scopes)
    except (OSError, ValueError) as exc:
        raise AuthError(
            f"cannot read the service account key {key_file} (named by {SERVICE_ACCOUNT_ENV} or "
            f"service_account in [google]): {type(exc).__name__}; download the key again from "
            "the Google Cloud console"
        ) from None
    return creds.with_subject(subject) if subject else creds


def _load_token(path: Path, emulator: str | None) -> Any:
    from google.oauth2.credentials import Credentials

    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        creds = Credentials.from_authorized_user_info(info)
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise AuthError(
            f"the saved Google sign-in ({path}) cannot be read ({type(exc).__name__}): {FIX} again"
        ) from None
    if emulator is None:
        return creds
    if creds.client_id != EMULATOR_CLIENT_ID:
        raise AuthError(
            f"the saved Google sign-in ({path}) is a real Google one: relationkit never sends it "
            f"to the emulator ({EMULATOR_ENV} is set). Unset {EMULATOR_ENV} to use Google, or "
            "point RELATIONKIT_CONFIG at another folder to try the emulator"
        )
    # from_authorized_user_info always sets Google's token endpoint: send it to the emulator.
    return for_emulator(creds, emulator)


def _refresh(creds: Any, emulator: str | None) -> None:
    """Renew the access token (bounded by the HTTP timeout); an :class:`AuthError` naming the
    fix when Google refuses the sign-in or cannot be reached."""
    import requests
    from google.auth.exceptions import RefreshError, TransportError

    try:
        refresh_credentials(creds.refresh, emulator=emulator)
    except (RefreshError, TransportError, requests.RequestException, TimeoutError) as exc:
        raise AuthError(
            f"cannot reach Google to renew the sign-in ({type(exc).__name__}); check the network "
            "and run the command again"
        ) from None


def _save(creds: Any, emulator: str | None) -> None:
    """Keep the sign-in; its token endpoint is stored as Google's even when the emulator issued
    it, so the file never depends on the emulator's port."""
    info = json.loads(creds.to_json())
    granted = getattr(creds, "granted_scopes", None)
    if granted:  # the owner may have unticked some of the scopes asked for
        info["scopes"] = sorted(granted)
    if emulator is not None and info.get("token_uri", "").startswith(emulator):
        info["token_uri"] = TOKEN_URI
    write_private(google_token_path(), json.dumps(info, indent=2))


# -- signing in ----------------------------------------------------------------------------------


def client_config(config: Config, client_secrets: Path | None = None) -> dict[str, Any]:
    """The OAuth client to sign in with: the emulator's, else a "Desktop app" client's JSON from
    ``client_secrets``, ``RELATIONKIT_GOOGLE_CLIENT_SECRETS`` or ``client_secrets`` in
    ``[google]``."""
    emulator = emulator_url()
    if emulator is not None:
        return {
            "installed": {
                "client_id": EMULATOR_CLIENT_ID,
                "client_secret": EMULATOR_CLIENT_SECRET,
                "auth_uri": f"{emulator}/o/oauth2/auth",
                "token_uri": rewrite(TOKEN_URI, emulator),
                "redirect_uris": ["http://localhost"],
            }
        }
    named = (
        client_secrets or os.environ.get(CLIENT_SECRETS_ENV) or config.google.get("client_secrets")
    )
    if not named:
        raise ConfigError(
            "signing in to Google needs an OAuth client: in the Google Cloud console create an "
            'OAuth client ID of type "Desktop app", download its JSON, and pass it with '
            f"--client-secrets FILE (or set {CLIENT_SECRETS_ENV}, or client_secrets in [google])"
        )
    path = Path(str(named)).expanduser()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot read the OAuth client file {path}: {type(exc).__name__}"
        ) from None
    if not isinstance(data, dict) or not ({"installed", "web"} & data.keys()):
        raise ConfigError(
            f'{path} is not an OAuth client file (it has no "installed" section): download the '
            'JSON of an OAuth client ID of type "Desktop app"'
        )
    return data


@contextmanager
def _oauthlib_settings() -> Iterator[None]:
    """oauthlib's switches for the flow: accept fewer scopes than asked (Google lets the owner
    untick some; :func:`google_credentials` then names what is missing), and plain http for the
    emulator on the loopback."""
    wanted = {"OAUTHLIB_RELAX_TOKEN_SCOPE": "1"}
    if emulator_url() is not None:
        wanted["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass
class SignIn:
    """What ``relationkit auth google`` did: the scopes granted and where the sign-in is kept."""

    scopes: list[str]
    path: Path


def sign_in(
    scopes: list[str],
    client: dict[str, Any],
    *,
    open_browser: bool = True,
    port: int = 0,
    show: Callable[[str], None] = print,
    ask: Callable[[str], str] = input,
) -> SignIn:
    """Run the installed-app flow for ``scopes`` and save the sign-in (0600).

    With ``open_browser`` a browser opens on Google's consent page and a one-off local server
    (``port``, 0: any free one) receives the answer. Without, ``show`` prints the address to
    open on any machine and ``ask`` reads back the address the browser ended on (or its code).
    """
    import requests
    from google_auth_oauthlib.flow import InstalledAppFlow
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error

    if not scopes:
        raise ConfigError(
            "no enabled connector needs Google: enable one first (e.g. [connectors.google_sheets] "
            "in the config file), then sign in"
        )
    flow = InstalledAppFlow.from_client_config(client, scopes)
    try:
        with _oauthlib_settings():
            if open_browser:
                flow.run_local_server(
                    port=port,
                    open_browser=True,
                    authorization_prompt_message="Opening Google's consent page: {url}",
                    success_message="relationkit is connected. You may close this window.",
                    access_type="offline",
                    prompt="consent",
                )
            else:
                flow.redirect_uri = CONSOLE_REDIRECT
                url, _ = flow.authorization_url(access_type="offline", prompt="consent")
                show(
                    "Open this address in a browser on any machine and allow access:\n"
                    f"{url}\nThe browser then fails to load a localhost page: that is expected."
                )
                answer = ask("Paste the address it ended on (or just the code)")
                flow.fetch_token(code=_code(answer), timeout=http_timeouts().for_requests())
    except (OAuth2Error, ValueError) as exc:
        raise AuthError(
            f"Google did not grant access ({type(exc).__name__}): {FIX} again"
        ) from None
    except requests.RequestException as exc:  # no answer within the timeout, a dropped line
        raise AuthError(
            f"cannot reach Google to finish signing in ({type(exc).__name__}): {FIX} again"
        ) from None
    creds = flow.credentials
    _save(creds, emulator_url())
    return SignIn(sorted(creds.granted_scopes or creds.scopes or scopes), google_token_path())


def _code(answer: str) -> str:
    """The authorization code in a pasted redirect address, or the pasted code itself."""
    answer = answer.strip()
    if "://" in answer or answer.startswith("localhost"):
        query = parse_qs(urlparse(answer if "://" in answer else f"http://{answer}").query)
        if "error" in query:
            raise AuthError(f"Google said {query['error'][0]}: {FIX} again")
        if "code" not in query:
            raise AuthError(
                f"that address carries no code: {FIX} again and paste the whole address"
            )
        return query["code"][0]
    if not answer:
        raise AuthError(f"no code was pasted: {FIX} again")
    return answer


@dataclass
class AuthStatus:
    """How Google access stands, for ``relationkit doctor`` (never the token itself)."""

    ok: bool
    message: str
    fix: str = ""


def google_auth_status(scopes: list[str], config: Config) -> AuthStatus:
    """Whether :func:`google_credentials` works for ``scopes``: a saved sign-in is renewed, so
    one Google has revoked is found here rather than by the next sync."""
    try:
        emulator = emulator_url()
    except ConfigError as exc:
        return AuthStatus(False, f"Google access: {exc}", f"correct or unset {EMULATOR_ENV}")
    key_file = _service_account(config)
    try:
        creds = google_credentials(scopes, config)
        if creds is not None and getattr(creds, "refresh_token", None):
            _refresh(creds, emulator)
            _save(creds, emulator)
    except AuthError as exc:
        fix = (
            f"check {SERVICE_ACCOUNT_ENV} or service_account in [google]"
            if key_file and emulator is None
            else FIX
        )
        return AuthStatus(False, f"Google access: {exc}", fix)
    if creds is None:
        return AuthStatus(True, f"Google access: using the emulator at {emulator}")
    if key_file and emulator is None:
        who = getattr(creds, "service_account_email", "a service account")
        return AuthStatus(True, f"Google access: service account {who}")
    expiry = f", renewed until {creds.expiry:%Y-%m-%d %H:%M} UTC" if creds.expiry else ""
    return AuthStatus(
        True, f"Google access: signed in ({google_token_path()}, {len(scopes)} scope(s){expiry})"
    )


__all__ = [
    "AuthStatus",
    "SignIn",
    "client_config",
    "enabled_google_scopes",
    "google_auth_status",
    "google_credentials",
    "google_scopes",
    "google_token_path",
    "sign_in",
    "write_private",
]
