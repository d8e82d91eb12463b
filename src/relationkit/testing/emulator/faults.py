"""Injected faults and per-minute quotas: the failures real Google produces on a bad day.

A fault targets an API (``"people"``) and optionally one operation
(``"people.connections.list"``) and fires for the next ``times`` matching calls. Quotas count
calls per API in a sliding minute of the emulated clock, so ``clock.advance`` refills them.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ._base import ApiError, EmulatedClock

_MESSAGES = {
    429: (
        "Resource has been exhausted (e.g. check quota).",
        "RESOURCE_EXHAUSTED",
        "rateLimitExceeded",
    ),
    500: ("Internal error encountered.", "INTERNAL", "backendError"),
    503: ("The service is currently unavailable.", "UNAVAILABLE", "backendError"),
}


@dataclass
class Fault:
    """One queued failure. ``status`` answers with an error; ``drop`` closes the connection
    without answering; ``stall`` keeps the connection open without ever answering (until the
    emulator is reset or stopped, or the client gives up); ``lose_reply`` runs the call, then
    closes the connection without the answer (inside a batch: the batch's other calls run too,
    and the whole answer is lost); ``delay`` (seconds) only slows the call down before it runs
    normally; ``before`` runs just before the call does (under the emulator's lock): another
    device's edit racing this request, say. ``after`` lets that many matching calls through
    first (a fault at the third write)."""

    api: str
    operation: str | None = None
    status: int | None = None
    retry_after: int | None = None
    drop: bool = False
    delay: float = 0.0
    times: int = 1
    before: Callable[[], None] | None = None
    stall: bool = False
    lose_reply: bool = False
    after: int = 0

    def matches(self, api: str, operation: str) -> bool:
        return self.api == api and operation_matches(operation, self.operation)

    def error(self) -> ApiError:
        """The error this fault answers with (a status fault only)."""
        assert self.status is not None
        message, status, reason = _MESSAGES.get(
            self.status, ("Injected failure.", "UNKNOWN", "backendError")
        )
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        return ApiError(self.status, message, status, reason, headers=headers)


def operation_matches(operation: str | None, wanted: str | None) -> bool:
    """Whether ``wanted`` names ``operation``: the full discovery method id
    (``people.people.connections.list``) or a dotted suffix of it (``people.connections.list``,
    ``connections.list``); None matches everything."""
    if wanted is None:
        return True
    return operation is not None and (operation == wanted or operation.endswith("." + wanted))


class DroppedConnection(Exception):
    """Raised through the dispatcher so the HTTP handler closes the socket without a response."""


class ReplyLost(DroppedConnection):
    """A call was made, and its answer is lost with the connection (``Fault.lose_reply``)."""


class Faults:
    """The queue of pending faults."""

    def __init__(self) -> None:
        self._pending: list[Fault] = []
        self._lock = threading.Lock()
        self._released = threading.Event()

    def add(self, fault: Fault) -> Fault:
        if fault.times < 1 or fault.after < 0:
            raise ValueError("times must be at least 1 and after at least 0")
        acts = fault.status is not None or fault.drop or fault.stall or fault.lose_reply
        if not acts and fault.before is None and fault.delay <= 0:
            raise ValueError(
                "a fault needs a status, drop=True, stall=True, lose_reply=True, a delay or a "
                "before action"
            )
        if fault.lose_reply and (fault.status is not None or fault.drop or fault.stall):
            raise ValueError("lose_reply runs the call: it cannot also answer an error or drop")
        with self._lock:
            self._pending.append(fault)
        return fault

    def take(self, api: str, operation: str) -> Fault | None:
        """The first pending fault for this call, used up once."""
        with self._lock:
            for fault in self._pending:
                if fault.matches(api, operation):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1
                    if fault.times == 0:
                        self._pending.remove(fault)
                    return fault
        return None

    def stall(self) -> None:
        """Hold a stalled call until :meth:`release` (the emulator reset or stopped)."""
        self._released.wait()

    def release(self) -> None:
        """Let every stalled call end (its connection is then closed without an answer)."""
        self._released.set()

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._pending)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()


class Quotas:
    """Per-API calls-per-minute limits, counted against the emulated clock."""

    def __init__(self, clock: EmulatedClock) -> None:
        self.clock = clock
        self._limits: dict[str, int] = {}
        self._calls: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def set(self, api: str, per_minute: int | None) -> None:
        """Limit ``api`` to ``per_minute`` calls; None removes the limit."""
        with self._lock:
            if per_minute is None:
                self._limits.pop(api, None)
            else:
                self._limits[api] = per_minute
            self._calls.pop(api, None)

    def check(self, api: str) -> None:
        """Count one call; a 429 when the minute's quota is already used up (not counted)."""
        with self._lock:
            limit = self._limits.get(api)
            if limit is None:
                return
            now = self.clock.now()
            calls = self._calls.setdefault(api, deque())
            while calls and calls[0] <= now - timedelta(minutes=1):
                calls.popleft()
            if len(calls) >= limit:
                raise ApiError(
                    429,
                    f"Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' "
                    f"of service '{api}.googleapis.com' (limit {limit} per minute).",
                    "RESOURCE_EXHAUSTED",
                    "rateLimitExceeded",
                    details=[
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "RATE_LIMIT_EXCEEDED",
                            "domain": "googleapis.com",
                            "metadata": {"service": f"{api}.googleapis.com"},
                        }
                    ],
                )
            calls.append(now)
