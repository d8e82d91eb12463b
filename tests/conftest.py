"""Shared fixtures: a fresh workspace on a temporary database, with plugins limited to built-ins.

``db_url`` (and so ``ws``) is a temporary SQLite file; in the modules named in
``BOTH_BACKENDS`` each test runs twice, on SQLite and on a real PostgreSQL server that the
session starts in a temporary directory (initdb/pg_ctl from the machine's PostgreSQL
installation, which ``.ci/run`` installs when missing). Without a server those PostgreSQL runs
are skipped, saying why, unless ``RELATIONKIT_TEST_POSTGRES=require`` (set by ``.ci/run``).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import relationkit
from relationkit.config import Config
from relationkit.testing.postgres import PostgresServer, find_postgres_bin, start_postgres

if TYPE_CHECKING:
    from relationkit.workspace import Workspace

# Test modules whose database tests also run against PostgreSQL (by module basename).
BOTH_BACKENDS = frozenset(
    {
        "test_workspace",
        "test_sync_engine",
        "test_sync_job",
        "test_postgres_store",
        "test_privacy",
        "test_importers",
        "test_exporters",
        "test_csv_files",
        "test_connectors_memory",
        "test_connectors_csv",
        "test_sync_scale",
        "test_playbook_rules",
        "test_playbook_consent",
        "test_playbook_context",
        "test_playbook_digest",
        "test_cli",
        "test_migrations",
        "test_unmerge",
        "test_purchases",
    }
)
_databases = itertools.count()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rpartition(".")[2]
    if "db_backend" in metafunc.fixturenames and module in BOTH_BACKENDS:
        metafunc.parametrize("db_backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the developer's real config, data directory or installed third-party plugins."""
    monkeypatch.setenv("RELATIONKIT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("RELATIONKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RELATIONKIT_DB", raising=False)
    monkeypatch.delenv("RELATIONKIT_GOOGLE_SERVICE_ACCOUNT", raising=False)


@pytest.fixture
def builtin_plugins_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Only relationkit's built-in plugins load (no installed ones), with a fresh plugin
    manager and fresh in-memory connector backends before and after the test."""
    from relationkit import plugins
    from relationkit.connectors.memory import reset_memory_backends

    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "")
    plugins.reset_plugin_manager()
    yield
    plugins.reset_plugin_manager()
    reset_memory_backends()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server for the whole session (skips when none is installed)."""
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        why = (
            "no PostgreSQL server installed (initdb/pg_ctl not found; .ci/run installs Debian's "
            "postgresql package)"
        )
        if os.environ.get("RELATIONKIT_TEST_POSTGRES") == "require":
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    server = start_postgres(bin_dir)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A new, empty PostgreSQL database on the session's server, dropped afterwards."""
    name = f"test_{next(_databases)}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)


@pytest.fixture
def db_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` unless the module is in ``BOTH_BACKENDS`` (then each in turn)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if db_backend == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture
def ws(db_url: str) -> Iterator[Workspace]:
    workspace = relationkit.open(db_url, config=Config(db_url=db_url))
    yield workspace
    workspace.close()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite database, for tests to copy for each example (migrating each time
    is slow)."""
    path = tmp_path_factory.mktemp("template") / "crm.db"
    url = f"sqlite:///{path}"
    relationkit.open(url, config=Config(db_url=url)).close()
    return path
