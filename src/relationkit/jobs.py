"""The scheduled sync job: one lock-protected run of pull, apply, follow-ups, push.

``relationkit sync`` calls :func:`run_sync_job`. It holds a file lock (filelock) next to a SQLite
database, or in the data directory for a server database, and on PostgreSQL also a session
advisory lock, so two runs against one database never overlap, even from two machines: the
second stops at once with :class:`SyncLocked`, naming the run that holds the lock
(:class:`LockHolder`: pid, host, start time, command; kept in ``<lock file>.holder`` and, on
PostgreSQL, in the locking session's ``application_name``). Both locks belong to the operating
system or the server, so a killed run's lock is taken over at once by the next run. Between the
pulls and the pushes it regenerates the follow-ups (the playbook), so new ones reach the sheet
and the calendar in the same run.

Exit codes of the job are :class:`ExitCode` (documented in docs/scheduling.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shlex
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
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


@dataclass(frozen=True)
class LockHolder:
    """Which run holds a sync lock: its process id, host, start time (UTC) and command line."""

    pid: int
    host: str
    started: str
    command: str

    @classmethod
    def this_process(cls) -> LockHolder:
        return cls(
            pid=os.getpid(),
            host=socket.gethostname(),
            started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            command=shlex.join(["relationkit", *sys.argv[1:]]),
        )

    def running(self) -> bool | None:
        """Whether the process still runs (None: it is on another host, or on Windows, where
        signal 0 is Ctrl-C rather than a probe, so this cannot tell)."""
        if self.host != socket.gethostname() or os.name == "nt":
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another user's process
            return True
        return True

    def describe(self) -> str:
        gone = " (that process has ended)" if self.running() is False else ""
        return f"pid {self.pid} on {self.host}, started {self.started}, `{self.command}`{gone}"


def holder_path(lock: Path) -> Path:
    """The file naming the holder of ``lock``: ``<lock file>.holder`` (JSON)."""
    return lock.with_name(lock.name + ".holder")


def read_holder(lock: Path) -> LockHolder | None:
    """The run recorded as holding ``lock`` (None when none is, or the record is unreadable)."""
    try:
        return LockHolder(**json.loads(holder_path(lock).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _record_holder(lock: Path, holder: LockHolder) -> None:
    """Write the holder record atomically (a reader sees the old one or the new one)."""
    path = holder_path(lock)
    tmp = path.with_name(f"{path.name}.{holder.pid}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(asdict(holder), fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextmanager
def sync_lock(ws: Workspace) -> Iterator[None]:
    """Hold this database's sync lock for the block; :class:`SyncLocked` naming the holder if
    another run has it.

    The file lock is the operating system's (``flock``): it is released when its process ends,
    however it ends, so a run killed with SIGKILL never blocks the next one, which takes the
    lock over and replaces the stale holder record.
    """
    path = lock_path(ws.config.db_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        holder = read_holder(path)
        who = holder.describe() if holder else "a run that has not said who it is yet"
        raise SyncLocked(
            f"another relationkit sync is running on this database ({who}; lock file {path}); "
            "this run stopped without changing anything"
        ) from None
    holder = LockHolder.this_process()
    try:
        _record_holder(path, holder)
        with _advisory_lock(ws, holder):
            yield
    finally:
        with contextlib.suppress(OSError):
            holder_path(path).unlink()
        lock.release()


@contextmanager
def _advisory_lock(ws: Workspace, holder: LockHolder) -> Iterator[None]:
    """On PostgreSQL, a session advisory lock (released when the connection ends, even if the
    process is killed), its session named after ``holder`` so that a run on another machine can
    say who holds it; elsewhere nothing more than the file lock."""
    if ws.engine.dialect.name != "postgresql":
        yield
        return
    with ws.engine.connect() as conn:
        name = f"relationkit sync pid {holder.pid} on {holder.host}"[:63]
        conn.execute(text("SELECT set_config('application_name', :name, false)"), {"name": name})
        taken = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
        conn.commit()
        if not taken.scalar():
            raise SyncLocked(
                f"another relationkit sync is running on this PostgreSQL database "
                f"({_advisory_holder(conn)}); this run stopped without changing anything"
            )
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
            conn.commit()


def _advisory_holder(conn: Any) -> str:
    """Who holds the advisory lock, as the server sees it: the session's name (pid and host of
    the relationkit run), its client address and when it connected."""
    row = conn.execute(
        text(
            "SELECT a.application_name, host(a.client_addr), a.backend_start "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.classid::bigint = :high AND l.objid::bigint = :low"
        ),
        {"high": _ADVISORY_KEY >> 32, "low": _ADVISORY_KEY & 0xFFFFFFFF},
    ).first()
    conn.rollback()
    if row is None:
        return "a run that has just ended"
    name, address, since = row
    where = f" from {address}" if address else ""
    return f"{name or 'an unnamed session'}{where}, connected since {since:%Y-%m-%d %H:%M:%S %Z}"


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
    :func:`relationkit.sync.sync_workspace` raises (an unknown connector, a bad setting, the
    safety guard); a bad value in a playbook table (the follow-ups it regenerates) is a
    ConfigError before anything runs.
    """
    from .settings import playbook_problems, raise_if_bad
    from .sync import settings_problems

    used = playbook_problems(ws.config, unknown_tables=False)
    raise_if_bad(settings_problems(ws, only) + used)
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
    "LockHolder",
    "SyncLocked",
    "exit_code",
    "holder_path",
    "lock_path",
    "read_holder",
    "regenerate_followups",
    "run_sync_job",
    "sync_lock",
]
