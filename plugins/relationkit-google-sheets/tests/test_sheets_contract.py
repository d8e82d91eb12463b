"""The Google Sheets connector passes the connector contract suite, against the emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from gsheets_support import SheetRemote

from relationkit.sync.contract import Connector
from relationkit.testing import GoogleEmulator
from relationkit.testing.contract import ConnectorContract
from relationkit.workspace import Workspace
from relationkit_google_sheets import GoogleSheetsConnector


class TestSheetsContract(ConnectorContract):
    @pytest.fixture
    def make_connector(self, sheet_settings: dict[str, Any]) -> Callable[[Workspace], Connector]:
        return lambda workspace: GoogleSheetsConnector(workspace, dict(sheet_settings))

    @pytest.fixture
    def remote(
        self, google_emulator: GoogleEmulator, sheet_settings: dict[str, Any]
    ) -> SheetRemote:
        return SheetRemote(google_emulator, sheet_settings["spreadsheet_id"])
