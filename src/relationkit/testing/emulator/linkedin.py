"""LinkedIn's v2 profile endpoints and OAuth token endpoint, with LinkedIn's error format.

``GET /v2/me`` and ``GET /v2/userinfo`` take the token as ``Authorization: Bearer`` or as the
``oauth2_access_token`` query parameter (which python-linkedin-v2 sends). Errors look like
``{"serviceErrorCode": 65600, "message": "Invalid access token", "status": 401}``; injected
faults (429 and others) come back in the same format.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from ._base import ApiError, EmulatedClock, EmulatorRequest, EmulatorResponse, Route

TOKEN_LIFETIME = timedelta(days=60)

# LinkedIn's documented service error codes for token problems.
INVALID_TOKEN = 65600
REVOKED_TOKEN = 65601
EXPIRED_TOKEN = 65602
EMPTY_TOKEN = 65604

DEFAULT_MEMBER: dict[str, Any] = {
    "id": "emuMember01",
    "given_name": "Alex",
    "family_name": "Owner",
    "email": "alex.owner@example.com",
    "headline": "Owner at Example Bakery",
    "vanity_name": "alex-owner",
    "picture": "https://media.licdn.com/dms/image/emulated/profile.jpg",
}


class LinkedInError(ApiError):
    """An error LinkedIn answers with ``serviceErrorCode``, ``message`` and ``status``."""

    def __init__(
        self, code: int, message: str, service_error_code: int, symbol: str | None = None
    ) -> None:
        super().__init__(code, message, None, "linkedin")
        self.service_error_code = service_error_code
        self.symbol = symbol


@dataclass
class LinkedInToken:
    token: str
    expires: datetime
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class LinkedInAPI:
    """The signed-in member's profile and the tokens that reach it."""

    clock: EmulatedClock
    name: str = "linkedin"
    member: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_MEMBER))
    tokens: dict[str, LinkedInToken] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/v2/me", "linkedin.me", self.me),
            Route("GET", "/v2/userinfo", "linkedin.userinfo", self.userinfo),
            Route("POST", "/oauth/v2/accessToken", "linkedin.accessToken", self.access_token),
            # python-linkedin-v2 still posts to the older path.
            Route("POST", "/uas/oauth2/accessToken", "linkedin.accessToken", self.access_token),
            Route("GET", "/oauth/v2/authorization", "linkedin.authorize", self.authorize),
        ]

    def render_error(self, error: ApiError) -> dict[str, Any]:
        """LinkedIn's error body, also for injected faults."""
        service_code = error.service_error_code if isinstance(error, LinkedInError) else 0
        body: dict[str, Any] = {
            "serviceErrorCode": service_code,
            "message": error.message,
            "status": error.code,
        }
        if isinstance(error, LinkedInError) and error.symbol:
            body["code"] = error.symbol
        if error.code == 429:
            body["code"] = "TOO_MANY_REQUESTS"
            body["message"] = "Resource level throttle APPLICATION DAY limit for calls to this "
            body["message"] += "resource is reached."
        return body

    # -- helpers for tests -------------------------------------------------------------------

    def issue_token(self, scopes: tuple[str, ...] = ("openid", "profile", "email")) -> str:
        token = f"AQV-emu-{secrets.token_urlsafe(32)}"
        self.tokens[token] = LinkedInToken(token, self.clock.now() + TOKEN_LIFETIME, scopes)
        return token

    def issue_authorization_code(self, redirect_uri: str = "") -> str:
        code = f"AQT-emu-{secrets.token_urlsafe(24)}"
        self.codes[code] = redirect_uri
        return code

    def revoke_token(self, token: str) -> None:
        if token in self.tokens:
            self.tokens[token].revoked = True

    # -- handlers ----------------------------------------------------------------------------

    def _authenticate(self, req: EmulatorRequest) -> LinkedInToken:
        scheme, _, bearer = req.headers.get("authorization", "").partition(" ")
        token = bearer if scheme.lower() == "bearer" else req.param("oauth2_access_token", "")
        if not token:
            raise LinkedInError(401, "Empty oauth2_access_token", EMPTY_TOKEN)
        found = self.tokens.get(token)
        if found is None:
            raise LinkedInError(401, "Invalid access token", INVALID_TOKEN)
        if found.revoked:
            raise LinkedInError(
                401,
                "The token used in the request has been revoked by the user",
                REVOKED_TOKEN,
                "REVOKED_ACCESS_TOKEN",
            )
        if found.expires <= self.clock.now():
            raise LinkedInError(
                401,
                "The token used in the request has expired",
                EXPIRED_TOKEN,
                "EXPIRED_ACCESS_TOKEN",
            )
        return found

    def me(self, req: EmulatorRequest) -> dict[str, Any]:
        self._authenticate(req)
        m = self.member
        locale = {"country": "US", "language": "en"}
        return {
            "id": m["id"],
            "localizedFirstName": m["given_name"],
            "localizedLastName": m["family_name"],
            "localizedHeadline": m["headline"],
            "vanityName": m["vanity_name"],
            "firstName": {"localized": {"en_US": m["given_name"]}, "preferredLocale": locale},
            "lastName": {"localized": {"en_US": m["family_name"]}, "preferredLocale": locale},
        }

    def userinfo(self, req: EmulatorRequest) -> dict[str, Any]:
        self._authenticate(req)
        m = self.member
        return {
            "sub": m["id"],
            "email_verified": True,
            "name": f"{m['given_name']} {m['family_name']}",
            "locale": {"country": "US", "language": "en"},
            "given_name": m["given_name"],
            "family_name": m["family_name"],
            "email": m["email"],
            "picture": m["picture"],
        }

    def access_token(self, req: EmulatorRequest) -> EmulatorResponse:
        form = {k: v[0] for k, v in parse_qs(req.body.decode(), keep_blank_values=True).items()}
        if form.get("grant_type") != "authorization_code":
            return EmulatorResponse(400, {
                "error": "unsupported_grant_type",
                "error_description": "A required parameter \"grant_type\" is missing or invalid",
            })  # fmt: skip
        redirect_uri = self.codes.pop(form.get("code", ""), None)
        if redirect_uri is None or (redirect_uri and redirect_uri != form.get("redirect_uri")):
            return EmulatorResponse(400, {
                "error": "invalid_request",
                "error_description": "Unable to retrieve access token: appid/redirect uri/code "
                "verifier does not match authorization code. Or authorization code expired.",
            })  # fmt: skip
        token = self.issue_token()
        return EmulatorResponse(200, {
            "access_token": token,
            "expires_in": int(TOKEN_LIFETIME.total_seconds()),
            "scope": " ".join(self.tokens[token].scopes),
            "token_type": "Bearer",
        })  # fmt: skip

    def authorize(self, req: EmulatorRequest) -> EmulatorResponse:
        """The consent page, always granting: 302 back with ``code`` and ``state``."""
        redirect_uri = req.param("redirect_uri") or ""
        query = {"code": self.issue_authorization_code(redirect_uri)}
        if req.param("state") is not None:
            query["state"] = req.param("state") or ""
        return EmulatorResponse(302, b"", {"Location": f"{redirect_uri}?{urlencode(query)}"})
