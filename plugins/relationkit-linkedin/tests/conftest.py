"""Fixtures for the LinkedIn plugin's tests: an isolated environment, a workspace, exports."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from linkedin_support import WriteExport, export_text

import relationkit
from relationkit.config import Config
from relationkit.plugins import reset_plugin_manager
from relationkit.workspace import Workspace


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No real config, data, token or third-party plugin; retries that do not wait long."""
    monkeypatch.setenv("RELATIONKIT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("RELATIONKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "linkedin")
    monkeypatch.setenv("RELATIONKIT_RETRY_ATTEMPTS", "3")
    monkeypatch.delenv("RELATIONKIT_DB", raising=False)
    reset_plugin_manager()
    yield
    reset_plugin_manager()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture
def ws(db_url: str) -> Iterator[Workspace]:
    workspace = relationkit.open(db_url, config=Config(db_url=db_url))
    yield workspace
    workspace.close()


@pytest.fixture
def write_export(tmp_path: Path) -> WriteExport:
    """``write_export(rows, name=..., bom=..., email_column=..., notes=...)`` -> the file."""

    def write(
        rows: Sequence[Sequence[str]],
        *,
        name: str = "Connections.csv",
        bom: bool = False,
        email_column: bool = True,
        notes: bool = True,
    ) -> Path:
        path = tmp_path / name
        text = export_text(rows, email_column=email_column, notes=notes)
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        return path

    return write
