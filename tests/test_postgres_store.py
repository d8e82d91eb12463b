"""The store on a real PostgreSQL server, and two syncs at once against one database.

Tests taking ``db_url`` run on SQLite and on PostgreSQL (``BOTH_BACKENDS`` in conftest.py); the
server is started by the session (skipped, saying why, only when none is installed).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text

import relationkit
from relationkit import plugins
from relationkit.cli import main
from relationkit.config import Config
from relationkit.jobs import ExitCode, sync_lock
from relationkit.store.database import create_db_engine, current_revision, head_revision, migrate
from relationkit.store.schema import metadata


def test_a_fresh_database_gets_the_whole_schema(db_url: str) -> None:
    with relationkit.open(db_url) as ws:
        assert current_revision(ws.engine) == head_revision()
        assert set(metadata.tables) <= set(inspect(ws.engine).get_table_names())


def test_upgrading_from_the_first_migration_keeps_data(db_url: str) -> None:
    engine = create_db_engine(db_url)
    migrate(engine, "0001")
    data = (
        '{"id": "c_old", "display_name": "Ann Lee", "emails": ["ann@example.com"], '
        '"created_at": "2024-01-01T00:00:00+00:00", "updated_at": "2024-01-01T00:00:00+00:00"}'
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (id, display_name, search_name, data, created_at, updated_at)"
                " VALUES ('c_old', 'Ann Lee', 'ann lee', :data, :at, :at)"
            ),
            {"data": data, "at": "2024-01-01 00:00:00+00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO contact_keys (kind, value, contact_id)"
                " VALUES ('email', 'ann@example.com', 'c_old')"
            )
        )
    engine.dispose()
    with relationkit.open(db_url) as ws:
        assert current_revision(ws.engine) == head_revision()
        assert ws.get_contact("ann@example.com").name == "Ann Lee"


def test_one_email_cannot_belong_to_two_contacts_even_from_two_connections(db_url: str) -> None:
    """The identity keys' primary key is what stops concurrent writers from duplicating."""
    first = relationkit.open(db_url, config=Config(db_url=db_url))
    second = relationkit.open(db_url, config=Config(db_url=db_url))
    try:
        first.add_contact("Ann Lee", emails=["ann@example.com"])
        second.add_contact("Ann L.", emails=["ann@example.com"])
        assert first.count_contacts() == 1
    finally:
        first.close()
        second.close()


def test_a_sync_on_another_machine_holds_the_database(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the lock is also in the database: another data directory (another
    machine, another lock file) is still turned away."""
    monkeypatch.setenv("RELATIONKIT_LOAD_PLUGINS", "")
    plugins.reset_plugin_manager()
    (tmp_path / "config.toml").write_text(
        f"[connectors.csv]\npath = '{tmp_path / 'c.csv'}'\n", encoding="utf-8"
    )
    with relationkit.open(postgres_url, config=Config(db_url=postgres_url)) as ws:
        with sync_lock(ws):
            monkeypatch.setenv("RELATIONKIT_DATA_DIR", str(tmp_path / "other-machine"))
            result = CliRunner().invoke(main, ["--db", postgres_url, "sync"])
        assert result.exit_code == ExitCode.LOCKED, result.output
        assert "another relationkit sync is running on this PostgreSQL database (" in result.stderr
        assert "pid " in result.stderr  # the holder is named
        assert CliRunner().invoke(main, ["--db", postgres_url, "sync"]).exit_code == 0
    plugins.reset_plugin_manager()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_two_syncs_at_once_duplicate_nothing(db_url: str, tmp_path: Path) -> None:
    """Two ``relationkit sync`` processes started together on one database and one shared
    remote (each with its own data directory, as on two machines): each either syncs or is
    turned away by the lock, and the end state has everyone once on each side."""
    sheet = tmp_path / "shared.csv"
    emails = [f"person{n}@example.com" for n in range(30)]
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["display_name", "emails"])
        writer.writerows([[f"Person {n}", email] for n, email in enumerate(emails[:15])])
    with relationkit.open(db_url, config=Config(db_url=db_url)) as ws:
        for n, email in enumerate(emails[15:], start=15):
            ws.add_contact(f"Person {n}", emails=[email])
    (tmp_path / "config.toml").write_text(
        f"[connectors.csv]\npath = '{sheet}'\nbatch_size = 2\n", encoding="utf-8"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("RELATIONKIT_")}
    base |= {"RELATIONKIT_CONFIG": str(tmp_path / "config.toml"), "RELATIONKIT_LOAD_PLUGINS": ""}
    command = [sys.executable, "-c", "from relationkit.cli import main; main()", "--db", db_url]
    runs = [
        subprocess.Popen(
            [*command, "sync"],
            env={**base, "RELATIONKIT_DATA_DIR": str(tmp_path / f"machine-{n}")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    outcomes = [(run.wait(timeout=120), run.communicate()[1]) for run in runs]
    codes = sorted(code for code, _ in outcomes)
    assert codes in ([0, 0], [0, ExitCode.LOCKED]), outcomes
    again = subprocess.run(
        [*command, "sync"],
        env={**base, "RELATIONKIT_DATA_DIR": str(tmp_path / "machine-0")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    rows = _rows(sheet)
    assert sorted(r["emails"] for r in rows) == sorted(emails)
    with relationkit.open(db_url, config=Config(db_url=db_url)) as ws:
        contacts = list(ws.contacts())
    assert Counter(e for c in contacts for e in c.emails) == Counter(emails)
    assert sorted(r["relationkit_id"] for r in rows) == sorted(c.id for c in contacts)


def test_machines_opening_a_new_database_at_once_upgrade_it_once(db_url: str) -> None:
    def open_and_count() -> int:
        with relationkit.open(db_url, config=Config(db_url=db_url)) as ws:
            return ws.count_contacts()

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda _: open_and_count(), range(4))) == [0, 0, 0, 0]
    engine = create_db_engine(db_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
