"""LinkedIn's API through python-linkedin-v2, with the library's defects wrapped.

What the library gets wrong, and what this module does instead:

- it puts the access token in the query string (where request logs and proxies keep it): here
  every request sends it as ``Authorization: Bearer`` and URLs never carry it;
- it raises ``AttributeError`` on LinkedIn's JSON error bodies (``serviceErrorCode``,
  ``message``, ``status``) and a bare ``LinkedInError`` on 429: here an error answer never reaches
  it; it becomes :class:`LinkedInAPIError` (or :class:`~relationkit.errors.AuthError` for a
  missing, expired or revoked token) with LinkedIn's own message;
- it does not retry: 429, 5xx, dropped connections and timeouts are retried here with tenacity,
  honouring ``Retry-After``; every request gives up after ``RELATIONKIT_HTTP_TIMEOUT`` like
  Google's (:func:`relationkit.google.http_timeouts`);
- its base URLs are constants: with ``RELATIONKIT_GOOGLE_EMULATOR`` set, :func:`endpoints` sends
  everything to the emulator instead (requests are relocated in :meth:`_Application.make_request`
  and the OAuth URLs are set per instance, so the library's module stays untouched).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import tenacity
from linkedin_v2.linkedin import LinkedInApplication

from relationkit.errors import AuthError, RelationkitError
from relationkit.google import (
    DEFAULT_ATTEMPTS,
    RETRY_ATTEMPTS_ENV,
    RETRY_STATUSES,
    emulator_url,
    http_timeouts,
)

log = logging.getLogger("relationkit.linkedin")

API_BASE = "https://api.linkedin.com"
OAUTH_BASE = "https://www.linkedin.com"
MAX_WAIT_SECONDS = 60.0
SIGN_IN_AGAIN = "run `relationkit auth linkedin` to sign in again"
# LinkedIn's serviceErrorCode values for token problems: invalid, revoked, expired, empty.
TOKEN_ERRORS = {
    65600: "is not valid",
    65601: "was revoked",
    65602: "has expired",
    65604: "is missing",
}


class LinkedInAPIError(RelationkitError):
    """LinkedIn answered with an error; the message says what was asked and LinkedIn's reason."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Endpoints:
    api: str  # where /v2/... lives
    oauth: str  # where /oauth/v2/... lives


def endpoints() -> Endpoints:
    """LinkedIn's base URLs, or the emulator's when ``RELATIONKIT_GOOGLE_EMULATOR`` is set."""
    base = emulator_url()
    return Endpoints(base, base) if base else Endpoints(API_BASE, OAUTH_BASE)


def send(
    method: str, url: str, what: str, *, session: requests.Session | None = None, **kwargs: Any
) -> requests.Response:
    """One request to LinkedIn, retried while transient; an error answer raises a clear error.

    ``what`` (e.g. ``"your profile"``) names the request in messages and logs; it must not hold
    customer data or the token. Neither URLs nor tokens are ever logged.
    """
    http = session or requests
    if kwargs.get("timeout") is None:  # connect and read, as for Google (RELATIONKIT_HTTP_TIMEOUT)
        kwargs["timeout"] = http_timeouts().for_requests()

    def attempt() -> requests.Response:
        return http.request(method, url, **kwargs)

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_result(lambda r: r.status_code in RETRY_STATUSES)
        | tenacity.retry_if_exception_type((requests.ConnectionError, requests.Timeout)),
        wait=_wait,
        stop=tenacity.stop_after_attempt(_attempts()),
        before_sleep=lambda state: log.warning(
            "LinkedIn, %s: %s, retry %d in %.1f s",
            what,
            _outcome(state),
            state.attempt_number,
            state.next_action.sleep if state.next_action else 0.0,
        ),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
    )
    try:
        response = retrying(attempt)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise LinkedInAPIError(
            f"LinkedIn could not be reached for {what} ({type(exc).__name__}) after "
            f"{_attempts()} tries; check the internet connection and try again"
        ) from None
    if response.status_code >= 400:
        raise _error(response, what)
    return response


def _attempts() -> int:
    raw = os.environ.get(RETRY_ATTEMPTS_ENV, "")
    return max(1, int(raw)) if raw.isdigit() else DEFAULT_ATTEMPTS


def _wait(state: tenacity.RetryCallState) -> float:
    """``Retry-After`` when LinkedIn gives one, else exponential backoff with jitter."""
    outcome = state.outcome
    if outcome is not None and not outcome.failed:
        after = outcome.result().headers.get("Retry-After", "")
        try:
            return min(max(0.0, float(after)), MAX_WAIT_SECONDS)
        except ValueError:
            pass
    return float(tenacity.wait_random_exponential(multiplier=0.5, max=MAX_WAIT_SECONDS)(state))


def _outcome(state: tenacity.RetryCallState) -> str:
    if state.outcome is None:
        return "no answer"
    if state.outcome.failed:
        return type(state.outcome.exception()).__name__
    return f"HTTP {state.outcome.result().status_code}"


def _error(response: requests.Response, what: str) -> RelationkitError:
    """A clear error for LinkedIn's answer: its JSON error body, an OAuth error, or none."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = body.get("serviceErrorCode")
    reason = body.get("error_description") or body.get("message") or body.get("error") or ""
    detail = f"HTTP {status}: {reason}" if reason else f"HTTP {status}, no details given"
    if code in TOKEN_ERRORS or (status == 401 and "error" not in body):
        why = TOKEN_ERRORS.get(code, "was refused")
        return AuthError(f"LinkedIn sign-in {why} ({detail}); {SIGN_IN_AGAIN}")
    if status == 429:
        return LinkedInAPIError(
            f"LinkedIn is limiting requests for {what} ({detail}), still after {_attempts()} "
            "tries; LinkedIn's daily limits reset at midnight UTC, try again later",
            status,
        )
    if status == 403:
        return LinkedInAPIError(
            f"LinkedIn refused {what} ({detail}): the app lacks that permission", status
        )
    return LinkedInAPIError(f"LinkedIn returned an error for {what} ({detail})", status)


class _Application(LinkedInApplication):
    """The library's application, sending through :func:`send` (see the module docstring)."""

    def __init__(self, token: str) -> None:
        super().__init__(token=token)
        self._bearer = token
        self._base = endpoints().api
        self._session = requests.Session()
        self._session.trust_env = self._base == API_BASE  # no proxy detour to a local emulator
        self.what = "a LinkedIn request"

    def make_request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        data: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> requests.Response:
        headers = {
            **(headers or {}),
            "x-li-format": "json",
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self._bearer}",
        }
        return send(
            method.upper(),
            url.replace(API_BASE, self._base, 1),
            self.what,
            session=self._session,
            data=data,
            params=params or {},
            headers=headers,
            timeout=timeout,
        )


@dataclass
class Profile:
    """Who is signed in."""

    id: str
    name: str
    headline: str = ""
    email: str = ""


def get_profile(token: str) -> Profile:
    """The signed-in member (``/v2/me`` through the library's ``get_profile``).

    Apps with only the OpenID Connect scopes (``openid profile email``, what LinkedIn grants
    new apps) may not read ``/v2/me``; on 403 the OpenID ``/v2/userinfo`` answers instead.
    """
    app = _Application(token)
    app.what = "your profile"
    try:
        me = _json(lambda: app.get_profile())
    except LinkedInAPIError as exc:
        if exc.status != 403:
            raise
        info = _json(lambda: app.make_request("GET", f"{API_BASE}/v2/userinfo").json())
        return Profile(info.get("sub", ""), info.get("name", ""), "", info.get("email", ""))
    name = " ".join(p for p in (me.get("localizedFirstName"), me.get("localizedLastName")) if p)
    return Profile(me.get("id", ""), name, me.get("localizedHeadline", ""))


def _json(call: Callable[[], Any]) -> dict[str, Any]:
    try:
        found = call()
    except ValueError:  # the body was not JSON
        raise LinkedInAPIError("LinkedIn answered with something that is not JSON") from None
    if not isinstance(found, dict):
        raise LinkedInAPIError("LinkedIn answered with an unexpected shape of data")
    return found
