"""``relationkit auth linkedin``: OAuth 2.0 sign-in with python-linkedin-v2, token kept 0600.

The browser opens LinkedIn's consent page (the library's ``authorization_url``); LinkedIn sends
it back to ``redirect_uri``, a loopback address this module listens on for that one request
(``linkedin_v2.server`` does not import on Python 3). The code is exchanged for an access token,
the profile shows who signed in, and the token is saved as ``linkedin-token.json`` in the user
config directory, readable by its owner only. LinkedIn issues no refresh token to ordinary apps:
when the token expires (60 days) the owner signs in again. The token never reaches a log line,
an error message or the terminal. A token the emulator issued is saved marked so; with
``RELATIONKIT_GOOGLE_EMULATOR`` set, a saved real LinkedIn token is refused rather than sent to
the emulator.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from linkedin_v2.linkedin import LinkedInAuthentication
from linkedin_v2.models import AccessToken

from relationkit.auth import write_private
from relationkit.config import config_dir
from relationkit.errors import AuthError
from relationkit.google import EMULATOR_ENV, emulator_url

from .client import SIGN_IN_AGAIN, LinkedInAPIError, Profile, endpoints, get_profile, send

TOKEN_FILE_NAME = "linkedin-token.json"
DEFAULT_REDIRECT_URI = "http://localhost:8765/linkedin/callback"
SCOPES = ("openid", "profile", "email")


def token_path() -> Path:
    """Where the LinkedIn access token is kept."""
    return config_dir() / TOKEN_FILE_NAME


@dataclass
class SavedToken:
    access_token: str
    expires_at: datetime

    def __repr__(self) -> str:  # never show the token itself
        return f"SavedToken(expires_at={self.expires_at.isoformat()})"


class _Authentication(LinkedInAuthentication):
    """The library's OAuth helper with today's URLs, a kept state, and clear token errors."""

    def __init__(self, key: str, secret: str, redirect_uri: str, permissions: list[str]) -> None:
        super().__init__(key, secret, redirect_uri, permissions)
        base = endpoints().oauth
        # The library's class constants still name the retired /uas/oauth2/ paths.
        self.AUTHORIZATION_URL = f"{base}/oauth/v2/authorization"
        self.ACCESS_TOKEN_URL = f"{base}/oauth/v2/accessToken"
        # The library makes a new random state on every read of authorization_url and keeps
        # none, so the answer could not be checked: fix one.
        self.state = secrets.token_urlsafe(24)

    def get_access_token(self, timeout: float | None = None) -> AccessToken:
        """The library's exchange, sent through :func:`send` so LinkedIn's errors read clearly."""
        form = {
            "grant_type": "authorization_code",
            "code": self.authorization_code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.key,
            "client_secret": self.secret,
        }
        response = send("POST", self.ACCESS_TOKEN_URL, "the sign-in", data=form, timeout=timeout)
        try:
            body = response.json()
            self.token = AccessToken(body["access_token"], int(body["expires_in"]))
        except (ValueError, KeyError, TypeError):
            raise LinkedInAPIError("LinkedIn's sign-in answer held no access token") from None
        return self.token


def sign_in(
    client_id: str,
    client_secret: str,
    *,
    redirect_uri: str = DEFAULT_REDIRECT_URI,
    open_browser: Callable[[str], Any],
    timeout: float = 300.0,
) -> Profile:
    """Run the whole sign-in; ``open_browser(url)`` shows LinkedIn's consent page to the owner.

    Returns who signed in; the token is saved to :func:`token_path`.
    """
    auth = _Authentication(client_id, client_secret, redirect_uri, list(SCOPES))
    with _Callback(redirect_uri) as callback:
        open_browser(auth.authorization_url)
        answer = callback.wait(timeout)
    if answer.get("error"):
        why = answer.get("error_description") or answer["error"]
        raise AuthError(f"LinkedIn sign-in did not complete: {why}")
    if answer.get("state") != auth.state:
        raise AuthError(
            "LinkedIn's answer did not come from this sign-in (state mismatch); "
            "run `relationkit auth linkedin` again"
        )
    if not answer.get("code"):
        raise AuthError("LinkedIn's answer held no authorization code; try again")
    auth.authorization_code = answer["code"]
    token = auth.get_access_token()
    profile = get_profile(token.access_token)
    save_token(token.access_token, int(token.expires_in))
    return profile


def save_token(access_token: str, expires_in: int) -> SavedToken:
    """Keep the token (0600), marked as the emulator's when the emulator issued it."""
    saved = SavedToken(access_token, datetime.now(UTC) + timedelta(seconds=expires_in))
    data = {"access_token": access_token, "expires_at": saved.expires_at.isoformat()}
    if emulator_url() is not None:
        data["issuer"] = "emulator"
    write_private(token_path(), json.dumps(data))
    return saved


def load_token() -> SavedToken:
    """The saved token; AuthError (naming the command to run) when missing or expired."""
    path = token_path()
    if not path.exists():
        raise AuthError(
            "relationkit is not signed in to LinkedIn yet: run `relationkit auth linkedin`"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        saved = SavedToken(data["access_token"], datetime.fromisoformat(data["expires_at"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AuthError(
            f"the saved LinkedIn sign-in ({path}) cannot be read ({type(exc).__name__}); "
            f"{SIGN_IN_AGAIN}"
        ) from None
    if emulator_url() is not None and data.get("issuer") != "emulator":
        raise AuthError(
            f"the saved LinkedIn sign-in ({path}) is a real LinkedIn one: relationkit never sends "
            f"it to the emulator ({EMULATOR_ENV} is set). Unset {EMULATOR_ENV} to use LinkedIn, "
            "or point RELATIONKIT_CONFIG at another folder to try the emulator"
        )
    if saved.expires_at <= datetime.now(UTC):
        raise AuthError(
            f"the LinkedIn sign-in expired on {saved.expires_at:%d %b %Y}; {SIGN_IN_AGAIN}"
        )
    return saved


def signed_in_profile() -> Profile:
    """Who the saved token belongs to (asks LinkedIn)."""
    return get_profile(load_token().access_token)


class _Callback:
    """A one-request web server on the redirect URI's loopback address."""

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in ("localhost", "127.0.0.1", "::1"):
            raise AuthError(
                f"redirect URI {redirect_uri!r} must be http://localhost:PORT/...; register that "
                "exact address in the LinkedIn app's Auth settings"
            )
        self.path = parts.path or "/"
        self.answer: dict[str, str] = {}
        self.done = threading.Event()
        callback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != callback.path:
                    self.send_error(404)
                    return
                callback.answer = {k: v[0] for k, v in parse_qs(url.query).items()}
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.end_headers()
                self.wfile.write(b"relationkit: LinkedIn sign-in received, you can close this tab.")
                callback.done.set()

            def log_message(self, *args: Any) -> None:
                """Silent: the request line holds the authorization code."""

        try:
            self.server = HTTPServer((parts.hostname, parts.port or 80), Handler)
        except OSError as exc:
            raise AuthError(
                f"cannot listen on {parts.hostname}:{parts.port} for LinkedIn's answer "
                f"({exc.strerror}); close what uses that port or pass another --redirect-uri"
            ) from None
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> _Callback:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, timeout: float) -> dict[str, str]:
        if not self.done.wait(timeout):
            raise AuthError(
                f"no answer from LinkedIn within {timeout:.0f} s; run the command again"
            )
        return self.answer
