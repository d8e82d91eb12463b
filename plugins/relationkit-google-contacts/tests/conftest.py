"""Fixtures for the Google Contacts plugin tests: a workspace, a connector, one sync at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gcontacts_support import PeopleRemote

import relationkit
from relationkit.config import Config
from relationkit.sync.engine import SyncEngine
from relationkit.sync.report import SyncReport
from relationkit.testing import GoogleEmulator
from relationkit.workspace import Workspace
from relationkit_google_contacts import GoogleContactsConnector


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELATIONKIT_RETRY_ATTEMPTS", "3")


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    url = f"sqlite:///{tmp_path / 'gc.db'}"
    workspace = relationkit.open(url, config=Config(db_url=url))
    yield workspace
    workspace.close()


@pytest.fixture
def remote(google_emulator: GoogleEmulator) -> PeopleRemote:
    return PeopleRemote(google_emulator)


@pytest.fixture
def gsync(ws: Workspace, google_emulator: GoogleEmulator) -> Callable[..., SyncReport]:
    """``gsync(settings=None, **run_options)``: one sync of ``ws`` with a new connector."""

    def run(settings: dict[str, Any] | None = None, **options: Any) -> SyncReport:
        connector = GoogleContactsConnector(ws, settings or {})
        try:
            return SyncEngine(ws).run([connector], **options)
        finally:
            connector.close()

    return run
