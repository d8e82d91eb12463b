"""Route one request to its API module: faults, quota, the lock, the log, Google's error format.

The HTTP handler and the batch endpoint both come through ``Dispatcher.call``, so a call inside a
batch is logged, faulted and quota-counted exactly like one sent on its own.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from ._base import ApiError, ApiModule, EmulatorRequest, EmulatorResponse, Route
from .faults import DroppedConnection, Faults, Quotas, ReplyLost


@dataclass
class LoggedRequest:
    """One entry of the request log.

    ``in_batch`` marks a call that travelled inside a batch request; the batch request itself
    is logged too, with operation ``<api>.batch``.
    """

    api: str | None
    operation: str | None
    method: str
    path: str
    params: dict[str, list[str]]
    body: Any
    status: int
    in_batch: bool = False


@dataclass
class Reply:
    """A finished response: status, headers and the encoded body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


BatchHandler = Callable[["Dispatcher", EmulatorRequest], tuple[str | None, Reply]]
Authorizer = Callable[[ApiModule, EmulatorRequest], None]


class Dispatcher:
    """Matches requests against the modules' routes and runs them."""

    def __init__(
        self, lock: threading.RLock, faults: Faults, quotas: Quotas, batch: BatchHandler
    ) -> None:
        self.lock = lock
        self.faults = faults
        self.quotas = quotas
        self.batch = batch
        self.log: list[LoggedRequest] = []
        # Called before each API call; raises ApiError (401) to refuse it.
        self.authorize: Authorizer | None = None
        self._routes: list[tuple[ApiModule, Route]] = []

    def mount(self, modules: list[ApiModule]) -> None:
        """Replace the routing table with these modules' routes (in this order)."""
        self._routes = [(module, route) for module in modules for route in module.routes()]

    def handle(self, req: EmulatorRequest) -> Reply:
        """Answer one HTTP request (a batch or a single call)."""
        if req.path == "/batch" or req.path.startswith("/batch/"):
            api, reply = self.batch(self, req)
            self._record(req, api, f"{api}.batch" if api else None, reply.status, False)
            return reply
        return self.call(req)

    def api_for(self, req: EmulatorRequest) -> str | None:
        """Which API a request is for (None when no route matches)."""
        found = self._match(req)
        return found[0].name if found else None

    def call(self, req: EmulatorRequest, *, in_batch: bool = False) -> Reply:
        """Run one API call; raises ``DroppedConnection`` when a fault says so (``ReplyLost``
        after running it)."""
        found = self._match(req)
        if found is None:
            error = ApiError(404, f"Method not found: {req.method} {req.path}", "NOT_FOUND")
            reply = error_reply(error, None)
            self._record(req, None, None, reply.status, in_batch)
            return reply
        module, route = found
        fault = self.faults.take(module.name, route.operation)
        if fault is not None and fault.delay > 0:
            time.sleep(fault.delay)
        if fault is not None and fault.stall:
            self.faults.stall()
        if fault is not None and (fault.drop or fault.stall):
            self._record(req, module.name, route.operation, 0, in_batch)
            raise DroppedConnection(route.operation)
        try:
            if fault is not None and fault.status is not None:
                raise fault.error()
            if self.authorize is not None:
                self.authorize(module, req)
            self.quotas.check(module.name)
            with self.lock:
                if fault is not None and fault.before is not None:
                    fault.before()
                result = route.handler(req)
            reply = _reply(result)
        except ApiError as error:
            reply = error_reply(error, module)
        self._record(req, module.name, route.operation, reply.status, in_batch)
        if fault is not None and fault.lose_reply:
            raise ReplyLost(route.operation)
        return reply

    def _match(self, req: EmulatorRequest) -> tuple[ApiModule, Route] | None:
        _apply_method_override(req)
        for module, route in self._routes:
            params = route.match(req.method, req.path)
            if params is not None:
                req.path_params = params
                return module, route
        return None

    def _record(
        self,
        req: EmulatorRequest,
        api: str | None,
        operation: str | None,
        status: int,
        in_batch: bool,
    ) -> None:
        entry = LoggedRequest(
            api, operation, req.method, req.path, req.query, _json_or_none(req), status, in_batch
        )
        with self.lock:
            self.log.append(entry)


def _apply_method_override(req: EmulatorRequest) -> None:
    """googleapiclient turns a GET whose URL exceeds 2048 characters into a POST with
    ``X-HTTP-Method-Override: GET`` and the query in a form body; Google honours that."""
    override = req.headers.pop("x-http-method-override", None)
    if override is None or req.method != "POST":
        return
    req.method = override.upper()
    if req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        for key, values in parse_qs(req.body.decode(), keep_blank_values=True).items():
            req.query.setdefault(key, []).extend(values)
        req.body = b""


def _json_or_none(req: EmulatorRequest) -> Any:
    if not req.body or "json" not in req.headers.get("content-type", "application/json"):
        return None
    try:
        return json.loads(req.body)
    except ValueError:
        return None


def _reply(result: EmulatorResponse | dict[str, Any] | None) -> Reply:
    if not isinstance(result, EmulatorResponse):
        result = EmulatorResponse(200, result if result is not None else {})
    headers = dict(result.headers)
    if isinstance(result.body, bytes):
        headers.setdefault("Content-Type", "application/octet-stream")
        return Reply(result.status, headers, result.body)
    if result.status == 204 or result.body is None:
        return Reply(result.status, headers, b"")
    headers.setdefault("Content-Type", "application/json; charset=UTF-8")
    return Reply(result.status, headers, json.dumps(result.body).encode())


def error_reply(error: ApiError, module: ApiModule | None) -> Reply:
    """Google's error body, or the module's own format (LinkedIn) when it has one."""
    render = getattr(module, "render_error", None)
    body = render(error) if render is not None else error.body()
    headers = {"Content-Type": "application/json; charset=UTF-8", **error.headers}
    return Reply(error.code, headers, json.dumps(body).encode())
