"""The sync engine: pull every connector, check the guards, apply, then push every connector.

1. Pull each connector (network only, nothing written).
2. Check the safety guard of every full pull; if one trips, nothing at all is applied.
3. Apply each pull in one transaction together with its new cursor: new remote records are
   linked (by the relationkit id they carry, else by identity keys through ``Workspace.upsert``)
   or created; changed ones are merged field by field (:mod:`relationkit.sync.conflicts`);
   deleted ones are marked removed, never deleted here.
4. Run the ``between`` step, if given (the scheduled job regenerates follow-ups there, so
   new ones reach every tool in this same run).
5. Push to each connector what changed here since its last sync, batch by batch, saving each
   batch's results at once. A write refused as stale (the record changed there since the pull)
   comes back with the record as it is now: it is merged like a pulled record and sent again.

An ``observer(step, connector)`` is told each step as it starts (progress displays, and the
crash-safety test's kill points): ``pull``, ``apply``, ``applied`` (inside the apply
transaction, just before it commits), ``between`` (connector ""), ``push`` (before a batch is
sent), ``pushed`` (the batch was written remotely, its results not yet saved) and ``saved``.

A crash anywhere leaves a state the next run converges from; docs/sync.md has the protocol.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from ..errors import ConfigError, describe
from ..logs import CUSTOMER_DATA
from ..models import utcnow
from . import status
from .apply import PullApplier
from .contract import Change, Connector, Kind, PullResult, PushResult, RemoteItem
from .guards import check_full_pull
from .local import LocalSide, local_sides
from .push import failure_note, plan_changes, save_results
from .report import ConnectorReport, SyncReport

if TYPE_CHECKING:
    from ..workspace import Workspace

log = logging.getLogger("relationkit.sync")

DEFAULT_BATCH_SIZE = 100
# How many times a write refused as stale is merged again and resent in one run.
STALE_ROUNDS = 3

Observer = Callable[[str, str], None]  # (step, connector name)
Between = Callable[[SyncReport], None]


class _DryRunDone(Exception):
    """Raised at the end of a dry run so that its transaction rolls back."""


@dataclass
class _Pulled:
    connector: Connector
    result: PullResult
    at: datetime


class SyncEngine:
    """Syncs a workspace with connectors: ``SyncEngine(ws).run([connector, ...])``.

    ``observer(step, connector)`` hears of each step as it starts (see the module docstring).
    """

    def __init__(self, workspace: Workspace, observer: Observer | None = None) -> None:
        self.ws = workspace
        self._observer = observer

    def _step(self, step: str, name: str = "") -> None:
        if self._observer is not None:
            self._observer(step, name)

    def run(
        self,
        connectors: Sequence[Connector],
        *,
        dry_run: bool = False,
        full: bool = False,
        force: bool = False,
        between: Between | None = None,
        today: date | None = None,
    ) -> SyncReport:
        """Sync once with every connector and report what happened.

        ``full`` asks every connector for a complete listing instead of changes since the last
        sync. ``dry_run`` works out and reports the same changes (the planned writes in
        ``ConnectorReport.planned``) but writes nothing, here or remotely. ``force`` lets a pull
        through that the safety guard would stop. ``between(report)`` runs after every pull is
        applied and before the first push (in a dry run, inside its rolled-back transaction); if
        it raises, that is noted in ``report.failed_steps`` and the pushes still happen.
        ``today`` is the run's date, given to every connector as ``connector.today`` before
        the pulls (default: the computer's date). Raises
        :class:`~relationkit.errors.SafetyGuardTripped` (nothing applied); any other failure of
        one connector is reported (``errors``) and the others go on.
        """
        report = SyncReport(dry_run=dry_run)
        day = today or date.today()
        for connector in connectors:
            connector.today = day
        priorities = {c.name: _priority(c) for c in connectors}
        sides = local_sides(self.ws, priorities)
        if not dry_run:
            self._run(connectors, sides, report, full=full, force=force, between=between)
            return report
        try:
            with self.ws.transaction():
                self._run(connectors, sides, report, full=full, force=force, between=between)
                raise _DryRunDone
        except _DryRunDone:
            pass
        return report

    def _run(
        self,
        connectors: Sequence[Connector],
        sides: dict[Kind, LocalSide],
        report: SyncReport,
        *,
        full: bool,
        force: bool,
        between: Between | None,
    ) -> None:
        pulled = [p for c in connectors if (p := self._pull(c, report, full=full)) is not None]
        if not force:
            for p in pulled:
                if not p.result.full:
                    continue
                with self.ws.transaction() as conn:
                    links = status.load_links(conn, p.connector.name)
                known = {key: link.local_id for key, link in links.items() if not link.removed}
                check_full_pull(p.connector, p.result, known)
        self._date_crossing_changes(pulled, report)
        applied = {p.connector.name for p in pulled if self._apply(p, sides, report)}
        _note_removed(report)
        if between is not None:
            self._step("between")
            try:
                self._between(between, report)
            except Exception as exc:
                step = getattr(between, "__name__", "between")
                report.failed_steps.append(step)
                report.note(f"{step} failed: {describe(exc)}")
                log.warning("%s failed: %s", step, type(exc).__name__)
                log.debug("%s failed", step, exc_info=exc, extra=CUSTOMER_DATA)
        for connector in connectors:
            if connector.name in applied and not connector.read_only:
                self._push(connector, sides, report)

    def _between(self, between: Between, report: SyncReport) -> None:
        """Run ``between``; in a dry run on a server database, inside a savepoint, so that a
        failure does not abort the dry run's transaction (SQLite statements fail alone)."""
        if not report.dry_run:
            between(report)
            return
        with self.ws.transaction() as conn:
            if conn.dialect.name == "sqlite":
                between(report)
                return
            with conn.begin_nested():
                between(report)

    def _date_crossing_changes(self, pulled: list[_Pulled], report: SyncReport) -> None:
        """Have changes without a change time dated (:meth:`Connector.date_changes`) where
        another connector's pull changes the same record: the newest must win, and a change
        counted at the moment of the pull would always look newest."""
        listing = [p for p in pulled if p.result.items]
        if len(listing) < 2 or not any(
            i.changed_at is None for p in listing for i in p.result.items
        ):
            return
        changed: dict[str, dict[tuple[Kind, str], RemoteItem]] = {}  # connector -> record -> item
        with self.ws.transaction() as conn:
            for p in listing:
                keys = [(i.kind, i.external_id) for i in p.result.items]
                links = status.load_links(conn, p.connector.name, keys)
                changed[p.connector.name] = {
                    (item.kind, link.local_id): item
                    for item in p.result.items
                    if (link := links.get((item.kind, item.external_id))) is not None
                    and item.etag != link.etag
                }
        for p in listing:
            name = p.connector.name
            elsewhere = {key for other, mine in changed.items() if other != name for key in mine}
            undated = [
                i for k, i in changed[name].items() if i.changed_at is None and k in elsewhere
            ]
            if not undated:
                continue
            try:
                p.connector.date_changes(undated)
            except Exception as exc:  # the changes still apply, as of the pull
                report.note(f"{name}: could not tell when its records changed ({describe(exc)})")
                log.warning("%s: date_changes failed: %s", name, type(exc).__name__)

    def _pull(self, connector: Connector, report: SyncReport, *, full: bool) -> _Pulled | None:
        report.of(connector.name)
        self._step("pull", connector.name)
        with self.ws.transaction() as conn:
            state = status.load_state(conn, connector.name)
        at = utcnow()
        try:
            result = connector.pull(state, full=full or not state)
        except Exception as exc:
            _failed(report, connector.name, "pull", exc)
            return None
        log.info("%s: pulled %d items (full=%s)", connector.name, len(result.items), result.full)
        return _Pulled(connector, result, at)

    def _apply(self, pulled: _Pulled, sides: dict[Kind, LocalSide], report: SyncReport) -> bool:
        """Apply one pull and save its cursor, all or nothing; False when it failed."""
        name = pulled.connector.name
        self._step("apply", name)
        try:
            with self.ws.transaction() as conn:
                applier = PullApplier(
                    conn,
                    pulled.connector,
                    sides,
                    report,
                    pulled_at=pulled.at,
                    priority=_priority(pulled.connector),
                )
                applier.apply(pulled.result)
                self._step("applied", name)
        except Exception as exc:
            for side in sides.values():
                side.discard()
            report.connectors[name] = ConnectorReport(name)
            _failed(report, name, "apply (nothing from it was kept)", exc)
            return False
        return True

    def _push(
        self,
        connector: Connector,
        sides: dict[Kind, LocalSide],
        report: SyncReport,
    ) -> None:
        """Push what changed here; a write refused as stale (the record changed remotely since
        the pull) is merged with what the remote holds now and sent again, a few rounds at most."""
        counts = report.of(connector.name)
        with self.ws.transaction() as conn:
            changes = plan_changes(
                conn, connector, sides, notes=report.messages, held=report.held_by(connector.name)
            )
        if report.dry_run:
            counts.planned = changes
            for change in changes:
                field = f"pushed_{change.op.value}d"
                setattr(counts, field, getattr(counts, field) + 1)
            return
        stale = self._send(connector, sides, report, changes)
        for _ in range(STALE_ROUNDS):
            if not stale:
                return
            try:
                changes = self._merge_stale(connector, sides, report, stale)
            except Exception as exc:
                for side in sides.values():
                    side.discard()
                _failed(report, connector.name, "merging records changed during the push", exc)
                return
            stale = self._send(connector, sides, report, changes)
        for change, result in stale:
            counts.errors += 1
            why = result.error or "changed there while being written"
            report.note(failure_note(connector.name, change, why))

    def _merge_stale(
        self,
        connector: Connector,
        sides: dict[Kind, LocalSide],
        report: SyncReport,
        stale: list[tuple[Change, PushResult]],
    ) -> list[Change]:
        """Merge the records as the remote holds them now into relationkit (one transaction);
        the writes those records need after that."""
        only: dict[Kind, set[str]] = {}
        for change, _ in stale:
            only.setdefault(change.kind, set()).add(change.local_id)
        with self.ws.transaction() as conn:
            applier = PullApplier(
                conn, connector, sides, report, pulled_at=utcnow(), priority=_priority(connector)
            )
            applier.refresh([result.current for _, result in stale if result.current])
            return plan_changes(
                conn,
                connector,
                sides,
                notes=report.messages,
                only=only,
                held=report.held_by(connector.name),
            )

    def _send(
        self,
        connector: Connector,
        sides: dict[Kind, LocalSide],
        report: SyncReport,
        changes: list[Change],
    ) -> list[tuple[Change, PushResult]]:
        """Push ``changes`` batch by batch, saving each batch's results at once; the stale
        ones (results carrying ``current``) are returned with their changes."""
        counts = report.of(connector.name)
        size = _int_setting(connector.settings, "batch_size", DEFAULT_BATCH_SIZE)
        stale: list[tuple[Change, PushResult]] = []
        for start in range(0, len(changes), size):
            batch = changes[start : start + size]
            self._step("push", connector.name)
            try:
                results = connector.push(batch)
                if len(results) != len(batch):
                    raise ValueError(f"{len(results)} results for {len(batch)} changes")
            except Exception as exc:
                _failed(report, connector.name, "push (the next sync links what was written)", exc)
                return stale  # earlier batches' stale writes are still reported
            self._step("pushed", connector.name)
            with self.ws.transaction() as conn:
                save_results(conn, connector, sides, batch, results, counts, report.messages)
            self._step("saved", connector.name)
            stale.extend(
                (change, result)
                for change, result in zip(batch, results, strict=True)
                if result.current is not None
            )
        return stale


def _priority(connector: Connector) -> int:
    return _int_setting(connector.settings, "priority", connector.priority)


def _int_setting(settings: dict[str, object], key: str, default: int) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"[connectors] {key} = {value!r}: a whole number is needed")
    return value


def _note_removed(report: SyncReport) -> None:
    """One line per connector that marked records removed, with the command to write them back
    (``relationkit restore --list NAME`` names each one)."""
    for name, counts in report.connectors.items():
        if counts.removed:
            records = "1 record" if counts.removed == 1 else f"{counts.removed} records"
            what = "would be" if report.dry_run else "was" if counts.removed == 1 else "were"
            report.note(
                f"{name}: {records} {what} removed there and kept here: "
                f"`relationkit restore --all {name}` brings them back"
            )


def _failed(report: SyncReport, name: str, what: str, exc: Exception) -> None:
    counts = report.of(name)
    counts.errors += 1
    counts.failed = True
    report.note(f"{name}: {what} failed: {describe(exc)}")
    log.warning("%s: %s failed: %s", name, what, type(exc).__name__)
    log.debug("%s: %s failed", name, what, exc_info=exc, extra=CUSTOMER_DATA)
