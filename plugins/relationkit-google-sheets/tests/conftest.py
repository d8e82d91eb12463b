"""Fixtures for the Google Sheets plugin tests: a laid-out spreadsheet, a workspace, syncs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gsheets_support import SheetRemote

import relationkit
from relationkit.config import Config
from relationkit.sync.engine import SyncEngine
from relationkit.sync.report import SyncReport
from relationkit.testing import GoogleEmulator
from relationkit.workspace import Workspace
from relationkit_google_sheets import GoogleSheetsConnector
from relationkit_google_sheets.setup import init


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELATIONKIT_RETRY_ATTEMPTS", "3")


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    url = f"sqlite:///{tmp_path / 'sheets.db'}"
    workspace = relationkit.open(url, config=Config(db_url=url))
    yield workspace
    workspace.close()


@pytest.fixture
def sheet_settings(google_emulator: GoogleEmulator) -> dict[str, Any]:
    """A spreadsheet made by ``sheets init`` (plus a Ref column the tests use), its settings."""
    http = google_emulator.gspread_client().http_client
    spreadsheet_id, sheet_ids = init(http, "Customers")
    contacts = google_emulator.sheets.get_values(spreadsheet_id, "Contacts")[0]
    google_emulator.sheets.set_values(
        spreadsheet_id, "Contacts", [["Ref"]], start=f"{chr(65 + len(contacts))}1"
    )
    google_emulator.reset_requests()
    return {"spreadsheet_id": spreadsheet_id, "sheet_ids": sheet_ids}


@pytest.fixture
def remote(google_emulator: GoogleEmulator, sheet_settings: dict[str, Any]) -> SheetRemote:
    return SheetRemote(google_emulator, sheet_settings["spreadsheet_id"])


@pytest.fixture
def ssync(ws: Workspace, sheet_settings: dict[str, Any]) -> Callable[..., SyncReport]:
    """``ssync(settings=None, **run_options)``: one sync of ``ws`` with a new connector."""

    def run(settings: dict[str, Any] | None = None, **options: Any) -> SyncReport:
        connector = GoogleSheetsConnector(ws, {**sheet_settings, **(settings or {})})
        try:
            return SyncEngine(ws).run([connector], **options)
        finally:
            connector.close()

    return run
