"""Syncing relationkit with other tools: the engine, the connector contract, the status database.

``Workspace.sync()`` calls :func:`sync_workspace`; plugin authors read
:mod:`relationkit.sync.contract` and docs/sync.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, select

from ..errors import ConfigError, NotFound, describe
from ..settings import BadSetting, connector_problems, raise_if_bad
from ..store import schema as t
from .conflict_log import source_label
from .contract import Change, Connector, Kind, Op, PullResult, PushResult, RemoteItem
from .engine import Between, Observer, SyncEngine
from .report import ConnectorReport, Problem, SyncReport

if TYPE_CHECKING:
    from ..workspace import Workspace


def sync_workspace(
    ws: Workspace,
    only: Sequence[str] | None = None,
    dry_run: bool = False,
    full: bool = False,
    force: bool = False,
    *,
    between: Between | None = None,
    observer: Observer | None = None,
    today: date | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> SyncReport:
    """Sync with every enabled connector (or ``only`` the ones named, enabled or not).

    A bad value in the table of a connector it runs (a wrong type, out of range, an unknown key:
    :func:`relationkit.settings.connector_problems`) is a :class:`ConfigError` naming them all,
    raised before anything is read or written.

    A connector that cannot even be set up (a missing setting, no Google sign-in) is reported as
    an error of its own and the others still sync. ``between``, ``observer`` and ``today`` (the
    run's date, ``connector.today``) are passed to :class:`SyncEngine`. ``settings`` override
    the config file for this run only, by connector name (``{"google_contacts":
    {"all_contacts": True}}``); naming a connector that is not in the run is an error.
    """
    from ..plugins import connector_classes

    classes = connector_classes()
    raise_if_bad(settings_problems(ws, only))  # before any connector is set up
    names = connectors_to_run(ws, only)
    overrides = dict(settings or {})
    idle = [name for name in overrides if name not in names]
    if idle:
        raise ConfigError(
            f"settings given for {', '.join(idle)}, which this sync does not run; enable it in "
            "the config file or name it with --only"
        )
    connectors: list[Connector] = []
    broken: dict[str, Exception] = {}
    try:
        for name in names:
            try:
                table = {**ws.config.connector(name), **overrides.get(name, {})}
                connectors.append(classes[name](ws, table))
            except Exception as exc:
                broken[name] = exc
        engine = SyncEngine(ws, observer=observer)
        report = engine.run(
            connectors, dry_run=dry_run, full=full, force=force, between=between, today=today
        )
        for name, exc in broken.items():
            report.of(name).errors += 1
            report.of(name).failed = True
            report.note(f"{name}: set-up failed: {describe(exc)}")
        return report
    finally:
        for connector in connectors:
            connector.close()


def settings_problems(ws: Workspace, only: Sequence[str] | None = None) -> list[BadSetting]:
    """The bad values in the tables of the connectors a sync of ``only`` (else of every
    enabled connector) uses; an enabled table no installed connector has is one too."""
    used = connectors_to_run(ws, only) if only else ws.config.enabled_connectors()
    return connector_problems(ws.config, used)


def restore(ws: Workspace, connector: str, local_id: str) -> int:
    """Let the next sync create again, in ``connector``, a record that was deleted there.

    Returns how many removed records were released.
    """
    contact = ws.get_contact(local_id)
    with ws.transaction() as conn:
        released = conn.execute(
            delete(t.sync_items).where(
                t.sync_items.c.connector == connector,
                t.sync_items.c.kind == Kind.CONTACT.value,
                t.sync_items.c.local_id == contact.id,
                t.sync_items.c.removed.is_(True),
            )
        ).rowcount
    return int(released)


@dataclass(frozen=True)
class Removed:
    """A record a connector reported gone (deleted there, or missing from a full listing),
    kept in relationkit and not written there again until restored."""

    connector: str
    kind: Kind
    external_id: str
    local_id: str
    removed_at: datetime  # when the sync marked it (its status row was last written then)


def removed_records(
    ws: Workspace, connector: str | None = None, *, since: datetime | None = None
) -> list[Removed]:
    """The records marked removed by ``connector`` (every connector when None), only those
    marked at or after ``since`` when given (a naive time is taken as UTC); oldest first."""
    with ws.transaction() as conn:
        rows = conn.execute(
            select(
                t.sync_items.c.connector,
                t.sync_items.c.kind,
                t.sync_items.c.external_id,
                t.sync_items.c.local_id,
                t.sync_items.c.synced_at,
            )
            .where(_removed_filter(connector, since))
            .order_by(t.sync_items.c.synced_at, t.sync_items.c.connector, t.sync_items.c.local_id)
        ).all()
    return [
        Removed(r.connector, Kind(r.kind), r.external_id, r.local_id, r.synced_at) for r in rows
    ]


def restore_removed(
    ws: Workspace, connector: str | None = None, *, since: datetime | None = None
) -> int:
    """Let the next sync write back every record ``connector`` (every connector when None)
    marked removed, or only those marked at or after ``since``: contacts, follow-ups and the
    purchases and interactions relationkit wrote there. Returns how many were released."""
    with ws.transaction() as conn:
        released = conn.execute(delete(t.sync_items).where(_removed_filter(connector, since)))
    return int(released.rowcount)


def _removed_filter(connector: str | None, since: datetime | None) -> Any:
    c = t.sync_items.c
    where = [c.removed.is_(True)]
    if connector is not None:
        where.append(c.connector == connector)
    if since is not None:  # stored in UTC (SQLite keeps no zone); a naive time is taken as UTC
        utc = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        where.append(c.synced_at >= utc)
    return and_(*where)


def connectors_to_run(ws: Workspace, only: Sequence[str] | None = None) -> list[str]:
    """The full names of the connectors a sync runs: ``only`` (short names such as ``sheets``
    allowed), else the enabled ones. Raises when one is not installed."""
    from ..plugins import connector_classes

    classes = connector_classes()
    names = [_full_name(n, classes) for n in only] if only else ws.config.enabled_connectors()
    missing = [name for name in names if name not in classes]
    if missing:
        installed = ", ".join(classes) or "none"
        problem = NotFound if only else ConfigError
        raise problem(
            f"no connector called {', '.join(missing)}; installed: {installed}. Install the plugin "
            "that provides it, or fix the name in [connectors.<name>] of the config file"
        )
    return names


def _full_name(name: str, known: Sequence[str]) -> str:
    """A connector's name from a short one (``sheets`` for ``google_sheets``) when only one
    installed connector's name ends in it; else the name as given."""
    if name in known:
        return name
    matches = [k for k in known if k.endswith(f"_{name}")]
    return matches[0] if len(matches) == 1 else name


__all__ = [
    "Change",
    "Connector",
    "ConnectorReport",
    "Kind",
    "Op",
    "Problem",
    "PullResult",
    "PushResult",
    "RemoteItem",
    "Removed",
    "SyncEngine",
    "SyncReport",
    "connectors_to_run",
    "removed_records",
    "restore",
    "restore_removed",
    "source_label",
    "sync_workspace",
]
