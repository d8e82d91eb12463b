"""``GoogleEmulator``: the loopback HTTP server that plays Google (and LinkedIn) for tests.

Every Google host is rewritten to this one server (see ``relationkit.google``), so requests are
told apart by path alone: ``/v4/spreadsheets`` is Sheets, ``/drive/v3`` Drive, ``/v1`` People,
``/calendar/v3`` Calendar, ``/batch...`` a batch, ``/token`` OAuth, ``/v2`` and ``/oauth/v2``
LinkedIn.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from . import batch
from ._base import ApiError, ApiModule, EmulatedClock, EmulatorRequest
from .calendar import CalendarAPI
from .dispatch import Dispatcher, LoggedRequest, Reply, error_reply
from .drive import DriveAPI
from .faults import DroppedConnection, Fault, Faults, Quotas, operation_matches
from .linkedin import LinkedInAPI
from .oauth import OAuthAPI
from .people import PeopleAPI
from .sheets import SheetsAPI

HOST = "127.0.0.1"
# The APIs whose calls need a Google access token when ``oauth.enforce`` is on.
GOOGLE_APIS = frozenset({"sheets", "drive", "people", "calendar"})


class GoogleEmulator:
    """A stateful in-memory Google API server on ``127.0.0.1``.

    ``with GoogleEmulator() as emu:`` starts it on a free port; ``emu.url`` is its base URL,
    ``emu.service("people", "v1")`` and ``emu.gspread_client()`` are real clients talking to it.
    The API modules (``sheets``, ``drive``, ``people``, ``calendar``, ``oauth``, ``linkedin``)
    hold the state and the owner-side helpers; ``clock`` is the emulated time they all use.
    """

    def __init__(self, port: int = 0, seed: str | None = None) -> None:
        self.port = port
        self.seed_name = seed
        self.lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._build()

    def _build(self) -> None:
        """Fresh state: clock, modules, log, faults and quotas."""
        self.clock = EmulatedClock()
        self.sheets = SheetsAPI(self.clock)
        self.drive = DriveAPI(self.clock, self.sheets)
        self.people = PeopleAPI(self.clock)
        self.calendar = CalendarAPI(self.clock)
        self.oauth = OAuthAPI(self.clock)
        self.linkedin = LinkedInAPI(self.clock)
        self.faults = Faults()
        self.quotas = Quotas(self.clock)
        self._dispatcher = Dispatcher(self.lock, self.faults, self.quotas, batch.handle)
        self._dispatcher.mount(self.modules())
        self._dispatcher.authorize = self._authorize

    def _authorize(self, module: ApiModule, req: EmulatorRequest) -> None:
        if module.name in GOOGLE_APIS:
            self.oauth.check_bearer(req)

    def modules(self) -> list[ApiModule]:
        """The emulated APIs, in routing order."""
        return [self.sheets, self.drive, self.people, self.calendar, self.oauth, self.linkedin]

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> GoogleEmulator:
        """Listen (on a free port unless one was given) and serve from a background thread."""
        if self._server is not None:
            return self
        self._server = _Server((HOST, self.port), _Handler)
        self._server.emulator = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"google-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        if self.seed_name is not None:
            self.seed(self.seed_name)
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection."""
        from relationkit.google import clear_service_cache

        if self._server is None:
            return
        self.faults.release()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        clear_service_cache(emulator=self.url)
        self._server = self._thread = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> GoogleEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``; valid once started."""
        if self._server is None:
            raise RuntimeError("the emulator is not started: call start() or use it in a with")
        return f"http://{HOST}:{self.port}"

    def reset(self) -> None:
        """Forget all state, log, faults and quotas (the server keeps running on its port)."""
        with self.lock:
            self.faults.release()
            self._build()

    def seed(self, name: str) -> None:
        """Load a named data set (``relationkit.testing.seeds.SEEDS``), e.g. "empty" or "demo"."""
        from relationkit.testing.seeds import SEEDS

        if name not in SEEDS:
            raise ValueError(
                f"unknown emulator seed {name!r}; available: {', '.join(sorted(SEEDS))}"
            )
        with self.lock:
            SEEDS[name](self)

    # -- clients -----------------------------------------------------------------------------

    def service(self, api: str, version: str, credentials: Any = None) -> Any:
        """A real googleapiclient service (``build_service``) talking to this emulator."""
        from relationkit.google import build_service

        return build_service(api, version, credentials, emulator=self.url)

    def gspread_client(self, credentials: Any = None) -> Any:
        """A real ``gspread.Client`` talking to this emulator."""
        from relationkit.google import gspread_client

        return gspread_client(credentials, emulator=self.url)

    # -- request log -------------------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request so far, oldest first (a copy)."""
        with self.lock:
            return list(self._dispatcher.log)

    def request_count(self, api: str | None = None, operation: str | None = None) -> int:
        """HTTP requests that reached the server: a batch counts once, its calls not at all."""
        return sum(
            1 for entry in self.requests if not entry.in_batch and _selected(entry, api, operation)
        )

    def call_count(self, api: str | None = None, operation: str | None = None) -> int:
        """API calls made: each call in a batch counts, the batch envelope does not."""
        return sum(
            1
            for entry in self.requests
            if not (entry.operation or "").endswith(".batch") and _selected(entry, api, operation)
        )

    def reset_requests(self) -> None:
        with self.lock:
            self._dispatcher.log.clear()

    # -- faults and quotas -------------------------------------------------------------------

    def inject_fault(
        self,
        api: str,
        operation: str | None = None,
        *,
        status: int | None = None,
        retry_after: int | None = None,
        drop: bool = False,
        delay: float = 0.0,
        times: int = 1,
        before: Callable[[], None] | None = None,
        stall: bool = False,
        lose_reply: bool = False,
        after: int = 0,
    ) -> Fault:
        """Make the next ``times`` calls to ``api`` (or one ``operation``) fail or slow down.

        ``status`` 429/500/503 answers with Google's error (``Retry-After`` when
        ``retry_after`` is given); ``drop=True`` closes the connection without an answer;
        ``stall=True`` accepts the request and never answers, as a hung server does (the call is
        let go when the emulator is reset or stopped); ``lose_reply=True`` makes the call, then
        closes the connection without its answer (a reply lost on the way back: the client
        cannot tell whether the write was made);
        ``delay`` seconds slows the call, which then runs normally unless combined with the others;
        ``before()`` runs just before the call is handled: an edit made elsewhere (the owner's
        phone) between a client's read and its write, for example. ``after`` lets that many
        matching calls through before the fault fires.
        """
        return self.faults.add(
            Fault(
                api,
                operation,
                status,
                retry_after,
                drop,
                delay,
                times,
                before,
                stall=stall,
                lose_reply=lose_reply,
                after=after,
            )
        )

    def set_quota(self, api: str, per_minute: int | None) -> None:
        """At most ``per_minute`` calls to ``api`` per emulated minute, then 429
        ``rateLimitExceeded``; None removes the limit."""
        self.quotas.set(api, per_minute)

    def advance(self, delta: timedelta) -> None:
        """Move the emulated clock forward (sync-token expiry, quotas, propagation delay)."""
        self.clock.advance(delta)

    # -- HTTP --------------------------------------------------------------------------------

    def handle(self, req: EmulatorRequest) -> Reply:
        """Answer one request without HTTP (what the server does for each request it reads)."""
        return self._dispatcher.handle(req)


def _selected(entry: LoggedRequest, api: str | None, operation: str | None) -> bool:
    return (api is None or entry.api == api) and operation_matches(entry.operation, operation)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Idle keep-alive connections must not make server_close() wait for their threads.
    block_on_close = False
    allow_reuse_address = True
    emulator: GoogleEmulator

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without it, Nagle's algorithm and delayed ACKs cost ~40 ms per loopback round trip.
    disable_nagle_algorithm = True
    server: _Server

    def do_request(self) -> None:
        try:
            body = self._read_body()
            req = EmulatorRequest.from_parts(self.command, self.path, dict(self.headers), body)
            reply = self.server.emulator.handle(req)
        except DroppedConnection:
            self.close_connection = True
            return
        except Exception as exc:  # an emulator bug: answer 500 rather than hang the client
            traceback.print_exc()
            reply = error_reply(ApiError(500, f"Emulator error: {exc!r}", "INTERNAL"), None)
        self._write(reply)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_request

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _write(self, reply: Reply) -> None:
        # One write for status, headers and body: a single segment on the wire.
        lines = [f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}"]
        lines += [f"{name}: {value}" for name, value in reply.headers.items()]
        lines += [f"Content-Length: {len(reply.body)}", f"Date: {self.date_time_string()}", "", ""]
        if self.close_connection:
            lines.insert(-2, "Connection: close")
        self.wfile.write("\r\n".join(lines).encode("latin-1") + reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log (``GoogleEmulator.requests``) is the record."""
