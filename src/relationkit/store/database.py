"""Opening a database: the engine, SQLite pragmas, bringing the schema up to date (Alembic)."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import filelock
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout. Every engine
    removes NUL characters from the text it writes (:func:`_without_nul_characters`).

    Its errors leave out the statement's parameters (``hide_parameters``): they are customer
    data, and a database error may reach a log or a traceback.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return _without_nul_characters(create_engine(url, pool_pre_ping=True, hide_parameters=True))
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return _without_nul_characters(engine)


def _switch_to_wal(cursor: Any) -> None:
    """Put the database in WAL mode. Switching takes a lock that SQLite does not wait for (its
    busy timeout does not cover it): several processes opening one new database at once retry
    for up to 30 s instead of failing with "database is locked"."""
    deadline = time.monotonic() + 30
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _without_nul_characters(engine: Engine) -> Engine:
    """The last guard for NUL characters (U+0000), which PostgreSQL refuses in text: the ways in
    (CSV files, the API's parsing, connectors' values) remove them and report a problem; any
    that still reach a statement's parameters are removed there, with a warning (no value)."""

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _drop_nul(_conn, _cursor, statement, parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        cleaned = _clean_parameters(parameters)
        if cleaned is not parameters:
            log.warning("NUL character(s) (U+0000) removed from a value written to the database")
        return statement, cleaned

    return engine


def _clean_parameters(parameters: Any) -> Any:
    """``parameters`` with NUL characters removed from its text; the same object when none."""
    if isinstance(parameters, str):
        return parameters.replace("\x00", "") if "\x00" in parameters else parameters
    if isinstance(parameters, dict):
        cleaned = {key: _clean_parameters(value) for key, value in parameters.items()}
        changed = any(cleaned[key] is not value for key, value in parameters.items())
        return cleaned if changed else parameters
    if isinstance(parameters, list | tuple):
        items = [_clean_parameters(value) for value in parameters]
        changed = any(new is not old for new, old in zip(items, parameters, strict=True))
        return type(parameters)(items) if changed else parameters
    return parameters


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite database URL; None for another database or an in-memory one
    (where every connection sees a database of its own)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database)).expanduser()


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


# Any fixed 64-bit number: the PostgreSQL advisory lock held while the schema is upgraded.
_MIGRATION_LOCK = 0x726B6D6967726174


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (creating it on first use); data is kept.

    Several processes (cron jobs, machines of a team) opening a new or older database at once
    upgrade it once: the others wait, then find it up to date. On PostgreSQL they wait on an
    advisory lock held by the upgrade's transaction; on a SQLite file, on a file lock beside it
    (``<database>.migrate.lock``), taken only when there is something to upgrade.
    """
    if revision == "head" and current_revision(engine) == head_revision():
        return
    with _sqlite_file_lock(engine):
        config = alembic_config()
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                connection.execute(lock, {"key": _MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    path = sqlite_file(engine.url)
    if path is None:
        yield
        return
    with filelock.FileLock(str(path.with_name(path.name + ".migrate.lock"))):
        yield
