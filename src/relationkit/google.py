"""The one place that builds Google API clients, for production code and for tests alike.

With ``RELATIONKIT_GOOGLE_EMULATOR`` set (or an ``emulator`` URL passed), every request meant for
``https://*.googleapis.com`` goes to that URL instead: the emulator in
``relationkit.testing`` then plays Google. Rewriting happens in the HTTP layer, not through
``client_options``, because googleapiclient's batch requests ignore ``api_endpoint``. The URL must
be a loopback address (:func:`emulator_url` refuses any other before a connection is made), so a
saved sign-in can never be sent off the machine by pointing it elsewhere.

Every client built here gives up on a silent server: ``RELATIONKIT_HTTP_TIMEOUT`` seconds
(default 60) to wait for an answer, at most 10 s to connect (:func:`http_timeouts`); token
refreshes are bounded the same way.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import logging
import os
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import google_auth_httplib2
import gspread
import httplib2
import requests
import tenacity
from google.auth import exceptions as auth_exceptions
from google.auth.credentials import AnonymousCredentials, Credentials
from gspread.http_client import HTTPClient
from requests import Response
from urllib3.util import wait_for_read

from relationkit.errors import AuthError, ConfigError, SyncError

T = TypeVar("T")
log = logging.getLogger("relationkit.google")

EMULATOR_ENV = "RELATIONKIT_GOOGLE_EMULATOR"
TIMEOUT_ENV = "RELATIONKIT_HTTP_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 60.0
MAX_CONNECT_SECONDS = 10.0
SIGN_IN_AGAIN = "run `relationkit auth google`"
# The OAuth client relationkit signs in with at the emulator (which knows it from the start).
EMULATOR_CLIENT_ID = "relationkit-emulator.apps.googleusercontent.com"
EMULATOR_CLIENT_SECRET = "emulator"

_GOOGLE_URL = re.compile(r"^https://[a-z0-9.-]*googleapis\.com(?=[/?]|$)")

_services: dict[tuple[str, str, int, str | None], tuple[Any, Any]] = {}
_services_lock = threading.Lock()


def emulator_url() -> str | None:
    """The emulator base URL from ``RELATIONKIT_GOOGLE_EMULATOR`` (None when unset or empty).

    Raises :class:`ConfigError` unless it is a loopback ``http(s)://`` address (see
    :func:`checked_emulator`).
    """
    url = os.environ.get(EMULATOR_ENV, "").rstrip("/")
    return checked_emulator(url) if url else None


def checked_emulator(url: str) -> str:
    """``url`` when it is ``http(s)://HOST[:PORT]`` with HOST on this machine (127.0.0.0/8, ::1
    or ``localhost``); else :class:`ConfigError`, before anything is sent there.

    The emulator only ever listens on the loopback: any other address would be another machine
    receiving the sign-in and customer data, over plain http at that. Nothing else is allowed in
    the URL (no user, path or query), so no URL parser can read another host into it.
    """
    found = _EMULATOR_URL.fullmatch(url)
    host = (found["host"] or found["ip6"] or "") if found else ""
    if not (found and _is_loopback(host) and int(found["port"] or 80) <= 65535):
        raise ConfigError(
            f"{EMULATOR_ENV} must be the address of the emulator on this machine, such as "
            "http://127.0.0.1:8765 (any 127.x.x.x, [::1] or localhost); other addresses are "
            "refused so that no sign-in or customer data leaves the machine. Unset it to use "
            "Google itself"
        )
    return url.rstrip("/")


_EMULATOR_URL = re.compile(
    r"https?://(?:(?P<host>[A-Za-z0-9.-]+)|\[(?P<ip6>[0-9A-Fa-f:.]+)\])(?::(?P<port>\d{1,5}))?/?"
)


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Timeouts:
    """How long a request may take: ``connect`` to reach the server, ``read`` for each wait on
    its answer (seconds)."""

    connect: float
    read: float

    def for_requests(self) -> tuple[float, float]:
        """The ``(connect, read)`` tuple requests takes."""
        return (self.connect, self.read)


def http_timeouts() -> Timeouts:
    """``RELATIONKIT_HTTP_TIMEOUT`` seconds (default 60) to wait for an answer; connecting waits
    at most 10 s (less when the timeout is shorter). A bad value is a :class:`ConfigError`."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        read = float(raw) if raw else DEFAULT_TIMEOUT_SECONDS
    except ValueError:
        read = -1.0
    if not 0 < read < float("inf"):
        raise ConfigError(
            f"{TIMEOUT_ENV} must be a number of seconds above 0 (such as 60), not {raw!r}"
        )
    return Timeouts(min(MAX_CONNECT_SECONDS, read), read)


def _timed_http(base: str | None) -> httplib2.Http:
    """An ``httplib2.Http`` that gives up after :func:`http_timeouts` (httplib2 has one timeout
    for connecting and reading: the read one). With ``base``, it sends to the emulator."""
    timeout = http_timeouts().read
    http = _RewritingHttp(base, timeout) if base else OnceHttp(timeout=timeout)
    # As googleapiclient's own: 308 means "resume upload" in Google's APIs, not a redirect.
    http.redirect_codes = http.redirect_codes - {308}
    return http


def bounded_refreshes(credentials: Any, *, emulator: str | None = None) -> Any:
    """``credentials`` (changed in place) whose every token refresh times out like the other
    requests and, when Google refuses it, raises :class:`AuthError` naming the fix.

    googleapiclient refreshes a batch's credentials through an ``httplib2.Http()`` of its own,
    which waits forever on a silent server; the refresh is therefore made here, whatever
    transport it is handed. Anonymous credentials are returned as they are.
    """
    refresh = getattr(credentials, "refresh", None)
    anonymous = isinstance(credentials, AnonymousCredentials)
    if anonymous or refresh is None or getattr(refresh, "bounded", False):
        return credentials

    @functools.wraps(refresh)
    def bounded(request: Any) -> None:
        refresh_credentials(refresh, emulator=emulator)

    bounded.bounded = True  # type: ignore[attr-defined]
    credentials.refresh = bounded
    return credentials


def refresh_credentials(refresh: Callable[[Any], None], *, emulator: str | None = None) -> None:
    """Call a credentials' ``refresh`` with a transport that times out (:func:`http_timeouts`).

    Raises :class:`AuthError` naming the fix when Google refuses the sign-in (revoked, expired,
    a wrong client secret); a network failure or timeout is raised as it is (transient).
    """
    from google.auth.transport.requests import Request

    session = requests.Session()
    session.trust_env = emulator is None  # no proxy detour to a local emulator
    try:
        refresh(functools.partial(Request(session), timeout=http_timeouts().for_requests()))
    except auth_exceptions.RefreshError as exc:
        if exc.retryable:
            raise
        raise AuthError(refusal(exc)) from None
    finally:
        session.close()


def refusal(exc: auth_exceptions.RefreshError) -> str:
    """What a refused token refresh means and the command that fixes it (never the token)."""
    details = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
    error = str(details.get("error", ""))
    if error in ("invalid_client", "unauthorized_client"):
        return (
            f"Google does not accept the OAuth client of the saved sign-in ({error}: the client "
            f"was deleted or its secret changed): {SIGN_IN_AGAIN} --client-secrets FILE with the "
            "client's current JSON"
        )
    return f"Google sign-in no longer works (revoked or expired): {SIGN_IN_AGAIN}"


def rewrite(url: str, base: str) -> str:
    """``https://people.googleapis.com/v1/x`` -> ``{base}/v1/x``; other URLs are left alone."""
    return _GOOGLE_URL.sub(base.rstrip("/"), url, count=1)


# Methods httplib2 may send twice; a create (POST) must never be, see ``OnceHttp``.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class OnceHttp(httplib2.Http):
    """An ``httplib2.Http`` that never sends a non-idempotent request (POST, PATCH) twice.

    httplib2 sends a request again when the connection drops before the answer (even on a first
    ``BadStatusLine``, whatever its module-level ``RETRIES``): for a create whose reply was lost
    that makes a second record. Here such a request goes out once, on a connection checked to be
    still open, and a failure is raised for the caller, which knows how to find out whether the
    write was made (see :func:`create_with_retries`). Other methods behave as in httplib2.
    """

    def _conn_request(
        self, conn: Any, request_uri: str, method: str, body: Any, headers: Any
    ) -> tuple[httplib2.Response, bytes]:
        if method in IDEMPOTENT_METHODS:
            return super()._conn_request(conn, request_uri, method, body, headers)
        if conn.sock is not None and _closed_by_peer(conn.sock):
            conn.close()  # a kept-alive connection the server closed: open a fresh one
        try:
            if conn.sock is None:
                conn.connect()
            conn.request(method, request_uri, body, headers)
            answer = conn.getresponse()
            content = answer.read()
        except socket.gaierror as exc:
            conn.close()
            raise httplib2.ServerNotFoundError(f"Unable to find the server at {conn.host}") from exc
        except (OSError, http.client.HTTPException):
            conn.close()
            raise
        response = httplib2.Response(answer)
        return response, httplib2._decompressContent(response, content, self.limit_kwargs)


def _closed_by_peer(sock: socket.socket) -> bool:
    """Whether an idle kept-alive socket was closed by the server (readable with no request
    pending means end of file or an error)."""
    try:
        return bool(wait_for_read(sock, timeout=0.0))
    except (OSError, ValueError):
        return True


class _RewritingHttp(OnceHttp):
    """An ``httplib2.Http`` that sends Google API requests to the emulator."""

    def __init__(self, base: str, timeout: float) -> None:
        # No proxy from the environment: loopback traffic must not detour through one.
        super().__init__(proxy_info=None, timeout=timeout)
        self.base = base

    def request(self, uri: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
        return super().request(rewrite(uri, self.base), method, *args, **kwargs)


def for_emulator(credentials: Any, base: str) -> Any:
    """Credentials that refresh their token at the emulator instead of Google's token endpoint.

    Rewriting requests is not enough for refreshes: googleapiclient refreshes a batch's
    credentials through a plain ``httplib2.Http`` of its own. Credentials without a Google
    token endpoint (anonymous, a service account's own) are returned as they are.
    """
    token_uri = getattr(credentials, "token_uri", None)
    if not (token_uri and _GOOGLE_URL.match(token_uri) and hasattr(credentials, "with_token_uri")):
        return credentials
    moved = credentials.with_token_uri(rewrite(token_uri, base))
    moved.expiry = credentials.expiry  # the copy would otherwise never expire
    return moved


def build_service(
    api: str, version: str, credentials: Credentials | None = None, *, emulator: str | None = None
) -> Any:
    """A googleapiclient service from the discovery document shipped with the library.

    Built once per (api, version, credentials, emulator) in this process, because building costs
    ~20 ms. ``emulator`` defaults to ``emulator_url()``. The service keeps one ``httplib2.Http``
    (one kept-alive connection), which like httplib2 itself is not thread-safe: share a service
    between threads only under a lock. Retries are not configured here; every request times
    out (:func:`http_timeouts`).
    """
    from googleapiclient.discovery import build

    base = checked_emulator(emulator) if emulator else emulator_url()
    key = (api, version, id(credentials), base)
    with _services_lock:
        cached = _services.get(key)
        if cached is not None:
            return cached[1]
        if credentials is not None:
            signed = bounded_refreshes(
                for_emulator(credentials, base) if base else credentials, emulator=base
            )
        elif base is not None:
            signed = AnonymousCredentials()
        else:
            raise AuthError(
                f"No Google credentials for {api}: connect a Google account first "
                f"({SIGN_IN_AGAIN}), or set {EMULATOR_ENV} to use the emulator."
            )
        http = google_auth_httplib2.AuthorizedHttp(signed, http=_timed_http(base))
        service = build(api, version, http=http, static_discovery=True, cache_discovery=False)
        # The credentials are kept alongside so their id() is not reused while cached.
        _services[key] = (credentials, service)
        return service


def clear_service_cache(*, emulator: str | None = None) -> None:
    """Forget built services: all of them, or those talking to one stopped emulator."""
    with _services_lock:
        for key in [k for k in _services if emulator is None or k[3] == emulator]:
            del _services[key]


def gspread_client(
    credentials: Credentials | None = None, *, emulator: str | None = None
) -> gspread.Client:
    """A ``gspread.Client`` whose requests time out (:func:`http_timeouts`); with an emulator
    URL, one whose requests all go to the emulator."""
    base = checked_emulator(emulator) if emulator else emulator_url()
    if base is None:
        if credentials is None:
            raise AuthError(
                "No Google credentials for Google Sheets: connect a Google account first, or set "
                f"{EMULATOR_ENV} to use the emulator."
            )
        client = gspread.Client(bounded_refreshes(credentials))
    else:
        signed = bounded_refreshes(credentials, emulator=base) if credentials else None
        client = gspread.Client(
            signed or AnonymousCredentials(), http_client=_emulator_http_client(base)
        )
    client.set_timeout(http_timeouts().for_requests())
    return client


def _emulator_http_client(base: str) -> type[HTTPClient]:
    class EmulatorHTTPClient(HTTPClient):
        """gspread's one HTTP class, sending Sheets and Drive requests to the emulator."""

        def __init__(self, auth: Any, session: Any = None) -> None:
            super().__init__(auth, session)
            # Skip proxy and .netrc lookups: they cost more than a loopback round trip.
            self.session.trust_env = False

        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Response:
            return super().request(method, rewrite(endpoint, base), *args, **kwargs)

    return EmulatorHTTPClient


RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RETRY_ATTEMPTS_ENV = "RELATIONKIT_RETRY_ATTEMPTS"
DEFAULT_ATTEMPTS = 6
MAX_WAIT_SECONDS = 64.0


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of a googleapiclient ``HttpError`` or gspread ``APIError`` (else None)."""
    resp = getattr(exc, "resp", None)  # googleapiclient.errors.HttpError
    if resp is not None and getattr(resp, "status", None) is not None:
        return int(resp.status)
    response = getattr(exc, "response", None)  # gspread.exceptions.APIError, requests errors
    code = getattr(response, "status_code", None)
    return int(code) if code is not None else None


def _retry_after(exc: BaseException) -> float | None:
    headers: Any = getattr(exc, "resp", None) or getattr(
        getattr(exc, "response", None), "headers", None
    )
    if headers is None:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            from datetime import datetime

            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def is_transient(exc: BaseException) -> bool:
    """True for what is worth retrying: 408/429/5xx answers, timeouts, dropped connections."""
    status = http_status(exc)
    if status is not None:
        return status in RETRY_STATUSES
    if isinstance(exc, auth_exceptions.RefreshError):
        return bool(exc.retryable)  # a 5xx from the token endpoint, not a refused sign-in
    return isinstance(
        exc,
        (
            TimeoutError,
            auth_exceptions.TransportError,  # the token endpoint unreachable or timing out
            socket.timeout,
            ConnectionError,
            httplib2.HttpLib2Error,
            requests.ConnectionError,
            requests.Timeout,
        ),
    )


class _Wait(tenacity.wait.wait_base):
    """Exponential backoff with jitter, or the server's ``Retry-After`` when it gives one."""

    def __init__(self) -> None:
        self.backoff = tenacity.wait_random_exponential(multiplier=0.5, max=MAX_WAIT_SECONDS)

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        after = _retry_after(exc) if exc is not None else None
        if after is not None:
            return min(after, MAX_WAIT_SECONDS)
        return float(self.backoff(retry_state))


def _attempts() -> int:
    raw = os.environ.get(RETRY_ATTEMPTS_ENV, "")
    try:
        return max(1, int(raw)) if raw else DEFAULT_ATTEMPTS
    except ValueError:
        return DEFAULT_ATTEMPTS


def call_with_retries(call: Callable[[], T], what: str, *, attempts: int | None = None) -> T:
    """Run ``call`` (one Google API request), retrying transient failures with backoff.

    429, 408 and 5xx answers, timeouts and dropped connections are retried up to ``attempts``
    times in all (``RELATIONKIT_RETRY_ATTEMPTS``, default 6), waiting what ``Retry-After`` says or
    an exponential backoff with jitter (at most 64 s). When they persist, raises
    :class:`~relationkit.errors.SyncError` naming ``what`` (e.g. ``"Google Contacts: list
    connections"``) and the last status. Other errors are raised unchanged at once. ``what`` must
    not contain customer data: it goes into logs.
    """

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        log.warning(
            "%s: %s, retry %d in %.1f s",
            what,
            _describe(exc),
            state.attempt_number,
            state.next_action.sleep if state.next_action else 0.0,
        )

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_transient),
        wait=_Wait(),
        stop=tenacity.stop_after_attempt(attempts or _attempts()),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return retrying(call)
    except Exception as exc:
        if is_transient(exc):
            raise SyncError(
                f"{what}: Google kept failing ({_describe(exc)}) after "
                f"{attempts or _attempts()} tries; nothing was lost, run the sync again later"
            ) from exc
        raise


def outcome_unknown(exc: BaseException) -> bool:
    """Whether a failed write may have been made all the same: a dropped connection, a timeout,
    a 5xx (the reply was lost or Google failed after writing). A 429 or 408 is refused before
    anything is written."""
    return is_transient(exc) and http_status(exc) not in (408, 429)


def create_with_retries(
    create: Callable[[], T],
    recover: Callable[[], T | None],
    what: str,
    *,
    attempts: int | None = None,
) -> T:
    """A create (a request that must not be made twice), retried like :func:`call_with_retries`
    but never blindly: after a failure whose outcome is unknown (:func:`outcome_unknown`),
    ``recover()`` looks up what the failed try may have made, by the relationkit ids stored in
    the records, before ``create()`` is tried again. ``recover`` returns the final answer when
    everything was made (None otherwise); ``create`` and ``recover`` share what is still to be
    made, so a retry creates only the rest.
    """
    unsure = False

    def attempt() -> T:
        nonlocal unsure
        if unsure:
            found = recover()
            unsure = False
            if found is not None:
                return found
        try:
            return create()
        except Exception as exc:
            unsure = outcome_unknown(exc)
            raise

    return call_with_retries(attempt, what, attempts=attempts)


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "no answer"
    status = http_status(exc)
    if status is not None:
        return f"HTTP {status}"
    if isinstance(exc, (TimeoutError, requests.Timeout)):
        return f"no answer within {http_timeouts().read:g} s, {TIMEOUT_ENV}"
    return type(exc).__name__
