"""Shared fixtures: a fresh workspace on a temporary SQLite file, with plugins limited to built-ins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import relationkit
from relationkit.config import Config

if TYPE_CHECKING:
    from relationkit.workspace import Workspace


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the developer's real config, data directory or installed third-party plugins."""
    monkeypatch.setenv("RELATIONKIT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("RELATIONKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RELATIONKIT_DB", raising=False)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture
def ws(db_url: str) -> Iterator[Workspace]:
    workspace = relationkit.open(db_url, config=Config(db_url=db_url))
    yield workspace
    workspace.close()
