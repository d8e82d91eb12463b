"""The pieces every emulated API module shares: requests, responses, errors, routes, the clock.

An API module (Sheets, Drive, People, Calendar, OAuth, LinkedIn) is a class with a ``name`` and a
``routes()`` method; the server matches each incoming HTTP request against the routes of every
module, calls the handler under the emulator's lock and turns what it returns (or the
``ApiError`` it raises) into an HTTP response in Google's format.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qs


@dataclass
class EmulatorRequest:
    """One HTTP request as an API handler sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    path_params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_parts(
        cls, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> EmulatorRequest:
        path, _, raw_query = target.partition("?")
        return cls(
            method=method.upper(),
            path=path,
            query=parse_qs(raw_query, keep_blank_values=True),
            headers={k.lower(): v for k, v in headers.items()},
            body=body,
        )

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def params(self, name: str) -> list[str]:
        """Every value of a repeated query parameter (``ranges=A&ranges=B``)."""
        return list(self.query.get(name, []))

    def bool_param(self, name: str, default: bool = False) -> bool:
        value = self.param(name)
        return default if value is None else value.lower() in ("true", "1")

    def json(self) -> Any:
        """The body parsed as JSON (``{}`` for an empty body); a 400 when it is not JSON."""
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            message = f"Invalid JSON payload received. {exc}"
            raise ApiError(400, message, "INVALID_ARGUMENT") from exc


@dataclass
class EmulatorResponse:
    """What a handler returns: a status, a JSON-able body (or raw bytes) and extra headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """An error the emulator answers in Google's format.

    ``{"error": {"code": 400, "message": ..., "status": "FAILED_PRECONDITION",
    "errors": [{"message": ..., "domain": "global", "reason": ...}]}}``

    ``status`` may be None: Calendar's older error bodies (410 ``fullSyncRequired``, 409
    ``duplicate``) carry no ``status``, and then ``reason`` must be given.
    """

    def __init__(
        self,
        code: int,
        message: str,
        status: str | None,
        reason: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.reason = reason or (status or "").lower()
        self.headers = headers or {}
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "errors": [{"message": self.message, "domain": "global", "reason": self.reason}],
        }
        if self.status:
            error["status"] = self.status
        if self.details:
            error["details"] = self.details
        return {"error": error}


Handler = Callable[[EmulatorRequest], EmulatorResponse | dict[str, Any] | None]


@dataclass
class Route:
    """``method`` + a path pattern with ``{name}`` placeholders, bound to a handler.

    ``operation`` is the dotted API method id (``people.connections.list``) used in the request
    log and to target injected faults. A placeholder matches one path segment; ``{name+}``
    matches the rest of the path (for ``people/c123`` style resource names and A1 ranges).
    """

    method: str
    pattern: str
    operation: str
    handler: Handler
    _regex: re.Pattern[str] | None = field(default=None, repr=False)

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        if self._regex is None:
            regex = re.sub(
                r"\{(\w+)(\+?)\}",
                lambda m: f"(?P<{m.group(1)}>.+)" if m.group(2) else f"(?P<{m.group(1)}>[^/]+)",
                self.pattern,
            )
            self._regex = re.compile(f"^{regex}$")
        found = self._regex.match(path)
        return found.groupdict() if found else None


class ApiModule(Protocol):
    """One emulated API: its ``name`` ("sheets", "drive", "people", "calendar", "oauth",
    "linkedin") is the key for fault injection and quotas."""

    name: str

    def routes(self) -> list[Route]: ...


class EmulatedClock:
    """The emulator's notion of now: real time plus an offset tests can advance."""

    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta
