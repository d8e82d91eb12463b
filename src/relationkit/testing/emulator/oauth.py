"""Google's OAuth 2.0 endpoints: the token endpoint, consent that always says yes, revocation.

``POST /token`` exchanges a refresh token or an authorization code for an access token exactly
as ``https://oauth2.googleapis.com/token`` does (form-encoded in, JSON out, RFC 6749 error bodies
such as ``{"error": "invalid_grant", ...}``). ``GET /o/oauth2/auth`` stands in for the consent
page: it redirects straight back with a code, so installed-app flows can run unattended.

Like Google, the token endpoint checks the OAuth client (form fields or HTTP Basic): an unknown
client id or a wrong secret is 401 ``invalid_client``; a refresh token used by another client
than the one it was issued to is 400 ``unauthorized_client``; a revoked one is 400
``invalid_grant`` (:meth:`OAuthAPI.revoke`). The client relationkit uses with the emulator
(``relationkit.google.EMULATOR_CLIENT_ID``) is registered from the start; tests add others with
:meth:`OAuthAPI.register_client`.

With ``enforce = True`` the other Google APIs require ``Authorization: Bearer`` with a live access
token issued here, and answer 401 otherwise, so credential refresh paths get exercised.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode

from relationkit.google import EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET

from ._base import ApiError, EmulatedClock, EmulatorRequest, EmulatorResponse, Route

ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
DEFAULT_SCOPES = (
    "https://www.googleapis.com/auth/contacts",
    "https://www.googleapis.com/auth/calendar",
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.file",
)


@dataclass
class Grant:
    """What the user consented to: the client and scopes behind a code or refresh token."""

    scopes: tuple[str, ...]
    client_id: str | None = None
    redirect_uri: str | None = None
    revoked: bool = False


@dataclass
class AccessToken:
    token: str
    scopes: tuple[str, ...]
    expires: datetime
    revoked: bool = False


@dataclass
class OAuthAPI:
    """Google's authorization server, with helpers to issue and revoke tokens directly."""

    clock: EmulatedClock
    enforce: bool = False
    name: str = "oauth"
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    clients: dict[str, str] = field(
        default_factory=lambda: {EMULATOR_CLIENT_ID: EMULATOR_CLIENT_SECRET}
    )

    def routes(self) -> list[Route]:
        return [
            Route("POST", "/token", "oauth.token", self.token),
            Route("POST", "/revoke", "oauth.revoke", self.revoke_handler),
            Route("GET", "/o/oauth2/auth", "oauth.authorize", self.authorize),
            Route("GET", "/o/oauth2/v2/auth", "oauth.authorize", self.authorize),
        ]

    # -- helpers for tests -------------------------------------------------------------------

    def register_client(self, client_id: str, client_secret: str) -> None:
        """An OAuth client the token endpoint accepts (as created in the Cloud console)."""
        self.clients[client_id] = client_secret

    def issue_refresh_token(
        self, scopes: tuple[str, ...] = DEFAULT_SCOPES, client_id: str | None = None
    ) -> str:
        """A refresh token the token endpoint will honour (as if the user consented); with
        ``client_id``, only for that client."""
        token = f"1//emu-{secrets.token_urlsafe(24)}"
        self.refresh_tokens[token] = Grant(tuple(scopes), client_id)
        return token

    def issue_authorization_code(
        self, scopes: tuple[str, ...] = DEFAULT_SCOPES, redirect_uri: str | None = None
    ) -> str:
        """A one-time authorization code, as the consent page would hand back."""
        code = f"4/emu-{secrets.token_urlsafe(24)}"
        self.codes[code] = Grant(tuple(scopes), redirect_uri=redirect_uri)
        return code

    def issue_access_token(self, scopes: tuple[str, ...] = DEFAULT_SCOPES) -> str:
        token = f"ya29.emu-{secrets.token_urlsafe(32)}"
        expires = self.clock.now() + ACCESS_TOKEN_LIFETIME
        self.access_tokens[token] = AccessToken(token, tuple(scopes), expires)
        return token

    def revoke(self, token: str) -> None:
        """Revoke a refresh or access token (the user removed the app's access)."""
        if token in self.refresh_tokens:
            self.refresh_tokens[token].revoked = True
        if token in self.access_tokens:
            self.access_tokens[token].revoked = True

    def check_bearer(self, req: EmulatorRequest) -> None:
        """With ``enforce``, a 401 unless the request carries a live access token."""
        if not self.enforce:
            return
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        found = self.access_tokens.get(token) if scheme.lower() == "bearer" else None
        if found is None or found.revoked or found.expires <= self.clock.now():
            raise ApiError(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
                "UNAUTHENTICATED",
                "authError",
                headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
            )

    # -- handlers ----------------------------------------------------------------------------

    def token(self, req: EmulatorRequest) -> EmulatorResponse:
        form = _form(req)
        grant_type = form.get("grant_type")
        client_id, secret = _client_of(req, form)
        if client_id not in self.clients:
            return _oauth_error("invalid_client", "The OAuth client was not found.", 401)
        if secret != self.clients[client_id]:
            return _oauth_error("invalid_client", "Unauthorized", 401)
        if grant_type == "refresh_token":
            grant = self.refresh_tokens.get(form.get("refresh_token", ""))
            if grant is None or grant.revoked:
                return _oauth_error("invalid_grant", "Token has been expired or revoked.")
            if grant.client_id is not None and grant.client_id != client_id:
                return _oauth_error("unauthorized_client", "Unauthorized")
            return EmulatorResponse(200, self._token_body(grant.scopes))
        if grant_type == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            if grant is None:
                return _oauth_error("invalid_grant", "Malformed auth code.")
            if grant.redirect_uri and form.get("redirect_uri") != grant.redirect_uri:
                return _oauth_error("redirect_uri_mismatch", "Bad Request")
            body = self._token_body(grant.scopes)
            body["refresh_token"] = self.issue_refresh_token(grant.scopes, client_id)
            return EmulatorResponse(200, body)
        return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant_type or ''}")

    def _token_body(self, scopes: tuple[str, ...]) -> dict[str, Any]:
        return {
            "access_token": self.issue_access_token(scopes),
            "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()) - 1,
            "scope": " ".join(scopes),
            "token_type": "Bearer",
        }

    def revoke_handler(self, req: EmulatorRequest) -> EmulatorResponse:
        token = _form(req).get("token") or req.param("token") or ""
        if token not in self.refresh_tokens and token not in self.access_tokens:
            return _oauth_error("invalid_token", "Token expired or revoked")
        self.revoke(token)
        return EmulatorResponse(200, {})

    def authorize(self, req: EmulatorRequest) -> EmulatorResponse:
        """The consent page, always granting: 302 back to ``redirect_uri`` with a code."""
        redirect_uri = req.param("redirect_uri")
        if not redirect_uri:
            return _oauth_error("invalid_request", "Missing required parameter: redirect_uri")
        scopes = tuple((req.param("scope") or " ".join(DEFAULT_SCOPES)).split())
        code = self.issue_authorization_code(scopes, redirect_uri)
        query = {"code": code, "scope": " ".join(scopes)}
        if req.param("state") is not None:
            query["state"] = req.param("state") or ""
        separator = "&" if "?" in redirect_uri else "?"
        location = f"{redirect_uri}{separator}{urlencode(query)}"
        return EmulatorResponse(302, b"", {"Location": location})


def _form(req: EmulatorRequest) -> dict[str, str]:
    """A form-encoded body's fields (first value of each)."""
    parsed = parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
    return {key: values[0] for key, values in parsed.items()}


def _client_of(req: EmulatorRequest, form: dict[str, str]) -> tuple[str, str]:
    """The client id and secret a token request authenticates with: HTTP Basic (what
    requests-oauthlib sends) or the form's ``client_id`` and ``client_secret``."""
    scheme, _, encoded = req.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return unquote(client_id), unquote(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def _oauth_error(error: str, description: str, status: int = 400) -> EmulatorResponse:
    return EmulatorResponse(status, {"error": error, "error_description": description})
