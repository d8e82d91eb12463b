"""Test support for the Sheets and Drive emulator tests.

``emulated()`` starts a ``GoogleEmulator`` and hands a test its Sheets and Drive modules, a real
``gspread.Client`` and a googleapiclient service factory, all talking to the loopback server.
``call()`` runs one module handler directly (no HTTP) for checks on exact response shapes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import gspread

from relationkit.testing.emulator._base import ApiError, EmulatorRequest, EmulatorResponse
from relationkit.testing.emulator.drive import DriveAPI
from relationkit.testing.emulator.server import GoogleEmulator
from relationkit.testing.emulator.sheets import SheetsAPI


@dataclass
class Emulated:
    sheets: SheetsAPI
    drive: DriveAPI
    gc: gspread.Client
    service: Callable[[str, str], Any]
    server: GoogleEmulator


@contextmanager
def emulated() -> Iterator[Emulated]:
    """The Sheets and Drive emulators plus real clients talking to them over HTTP."""
    with GoogleEmulator() as emu:
        yield fresh(emu)


def fresh(server: GoogleEmulator) -> Emulated:
    """A running emulator with all state forgotten (cheaper than a new server per test)."""
    server.reset()
    return Emulated(server.sheets, server.drive, server.gspread_client(), server.service, server)


def call(
    module: Any,
    method: str,
    path: str,
    query: dict[str, Any] | None = None,
    body: Any = None,
) -> tuple[int, Any]:
    """Run a module's handler directly with an ``EmulatorRequest``: (status, JSON body)."""
    target = path + ("?" + urlencode(query, doseq=True) if query else "")
    raw = json.dumps(body).encode() if body is not None else b""
    req = EmulatorRequest.from_parts(method, target, {"Content-Type": "application/json"}, raw)
    for route in module.routes():
        params = route.match(req.method, req.path)
        if params is None:
            continue
        req.path_params = params
        try:
            result = route.handler(req)
        except ApiError as exc:
            return exc.code, exc.body()
        if isinstance(result, EmulatorResponse):
            return result.status, result.body
        return 200, result
    raise AssertionError(f"no route for {method} {path}")
