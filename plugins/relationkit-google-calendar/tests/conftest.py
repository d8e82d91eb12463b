"""Fixtures for the Calendar plugin's tests: an isolated workspace, follow-ups, and syncing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from gcal_support import DUE, connector

import relationkit
from relationkit.config import Config
from relationkit.sync.engine import SyncEngine
from relationkit.sync.report import SyncReport
from relationkit.workspace import Workspace


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the developer's config; retries quick."""
    monkeypatch.setenv("RELATIONKIT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("RELATIONKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RELATIONKIT_RETRY_ATTEMPTS", "3")
    monkeypatch.delenv("RELATIONKIT_DB", raising=False)


@pytest.fixture(autouse=True)
def _today(time_machine: Any) -> None:
    """Today is :data:`DUE` (a Monday), here and in the emulator; the clock keeps ticking."""
    time_machine.move_to(datetime.combine(DUE, datetime.min.time(), UTC) + timedelta(hours=8))


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    url = f"sqlite:///{tmp_path / 'gcal.db'}"
    workspace = relationkit.open(url, config=Config(db_url=url))
    yield workspace
    workspace.close()


@pytest.fixture
def sync(ws: Workspace) -> Callable[..., SyncReport]:
    def run(**options: Any) -> SyncReport:
        settings = options.pop("settings", {})
        made = connector(ws, **settings)
        try:
            return SyncEngine(ws).run([made], **options)
        finally:
            made.close()

    return run
