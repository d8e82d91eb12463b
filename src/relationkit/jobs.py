"""The scheduled sync job: one lock-protected run of pull, apply, follow-ups, push.

``relationkit sync`` calls :func:`run_sync_job`. It holds a file lock (filelock) next to a SQLite
database, or in the data directory for a server database, and on PostgreSQL also a session
advisory lock, so two runs against one database never overlap, even from two machines: the
second stops at once with :class:`SyncLocked`. Between the pulls and the pushes it regenerates
the follow-ups (the playbook), so new ones reach the sheet and the calendar in the same run.

Exit codes of the job are :class:`ExitCode` (documented in docs/scheduling.md).
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import filelock
from sqlalchemy import text
from sqlalchemy.engine import make_url

from .config import data_dir
from .errors import RelationkitError
from .store.database import sqlite_file
from .sync import sync_workspace
from .sync.engine import Observer
from .sync.report import SyncReport

if TYPE_CHECKING:
    from .workspace import Workspace

log = logging.getLogger("relationkit.job")

# A test hook: "<step>:<connector>#<n>" kills this process with SIGKILL when the engine starts
# that step for the nth time (tests/test_crash_safety.py). Steps: see relationkit.sync.engine.
CRASH_AT_ENV = "RELATIONKIT_TEST_CRASH_AT"
# Any fixed 64-bit number: the key of the PostgreSQL advisory lock every relationkit sync takes.
_ADVISORY_KEY = 0x72656C6174696F6E


class ExitCode(IntEnum):
    """What ``relationkit sync`` exits with."""

    OK = 0  # every connector synced
    FAILED = 1  # nothing synced: every connector failed, or the safety guard stopped the run
    USAGE = 2  # a wrong option, setting or connector name: a person must fix something
    PARTIAL = 3  # some connectors (or the follow-up step) failed, the others synced
    LOCKED = 4  # another sync is running against the same database


class SyncLocked(RelationkitError):
    """Another sync holds the lock of this database."""


def lock_path(db_url: str) -> Path:
    """The lock file: ``<database>.sync.lock`` beside a SQLite file, else in the data directory
    (one per database URL)."""
    url = make_url(db_url)
    database = sqlite_file(url)
    if database is not None:
        return database.with_name(database.name + ".sync.lock")
    digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return data_dir() / f"sync-{digest}.lock"


@contextmanager
def sync_lock(ws: Workspace) -> Iterator[None]:
    """Hold this database's sync lock for the block; :class:`SyncLocked` if another run has it."""
    path = lock_path(ws.config.db_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise SyncLocked(
            f"another relationkit sync is running on this database (lock file {path}); "
            "this run stopped without changing anything"
        ) from None
    try:
        with _advisory_lock(ws):
            yield
    finally:
        lock.release()


@contextmanager
def _advisory_lock(ws: Workspace) -> Iterator[None]:
    """On PostgreSQL, a session advisory lock (released when the connection ends, even if the
    process is killed); elsewhere nothing more than the file lock."""
    if ws.engine.dialect.name != "postgresql":
        yield
        return
    with ws.engine.connect() as conn:
        taken = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
        conn.commit()
        if not taken.scalar():
            raise SyncLocked(
                "another relationkit sync (maybe on another machine) is running on this "
                "PostgreSQL database; this run stopped without changing anything"
            )
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
            conn.commit()


def regenerate_followups(ws: Workspace, today: date | None) -> Callable[[SyncReport], None]:
    """The step between pulls and pushes: run the playbook as of ``today`` and store what is new."""
    from .followups.engine import generate

    def regenerate_followups(report: SyncReport) -> None:
        result = generate(ws, today)
        report.followups_created = len(result.created)
        for rule, why in result.failed.items():
            report.note(f"follow-up rule {rule} failed: {why}")
        log.info("playbook: %d new follow-up(s)", len(result.created))
        for followup in result.created:
            log.debug(
                "new follow-up %s (%s) for %s", followup.id, followup.rule, followup.contact_id
            )
        if result.failed:
            report.failed_steps.append("follow-ups")

    return regenerate_followups


def crash_observer(spec: str | None) -> Observer | None:
    """The ``RELATIONKIT_TEST_CRASH_AT`` hook as an observer (None when unset)."""
    if not spec:
        return None
    label, _, nth = spec.partition("#")
    remaining = [int(nth or 1)]

    def observe(step: str, connector: str) -> None:
        if f"{step}:{connector}" == label or step == label:
            remaining[0] -= 1
            if remaining[0] == 0:
                os.kill(os.getpid(), signal.SIGKILL)

    return observe


def both(*observers: Observer | None) -> Observer:
    """One observer calling each given one in turn."""
    present = [o for o in observers if o is not None]

    def observe(step: str, connector: str) -> None:
        for observer in present:
            observer(step, connector)

    return observe


def run_sync_job(
    ws: Workspace,
    *,
    only: Sequence[str] | None = None,
    dry_run: bool = False,
    full: bool = False,
    force: bool = False,
    today: date | None = None,
    observer: Observer | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> SyncReport:
    """One scheduled run under the sync lock: pull all, apply, regenerate follow-ups, push all.

    ``settings`` override connectors' settings for this run (see ``sync_workspace``). Raises
    :class:`SyncLocked` when another run holds the lock, and what
    :func:`relationkit.sync.sync_workspace` raises (an unknown connector, the safety guard).
    """
    with sync_lock(ws):
        return sync_workspace(
            ws,
            only=only,
            dry_run=dry_run,
            full=full,
            force=force,
            between=regenerate_followups(ws, today),
            observer=both(observer, crash_observer(os.environ.get(CRASH_AT_ENV))),
            today=today,
            settings=settings,
        )


def exit_code(report: SyncReport) -> ExitCode:
    """OK when everything worked; PARTIAL when something failed and something synced (a few
    records refused, one tool down); FAILED when every connector failed as a whole."""
    if report.ok:
        return ExitCode.OK
    if report.connectors and all(c.failed for c in report.connectors.values()):
        return ExitCode.FAILED
    return ExitCode.PARTIAL


__all__ = [
    "ExitCode",
    "SyncLocked",
    "exit_code",
    "lock_path",
    "regenerate_followups",
    "run_sync_job",
    "sync_lock",
]
