"""Syncing relationkit with other tools: the engine, the connector contract, the status database.

``Workspace.sync()`` calls :func:`sync_workspace`; plugin authors read
:mod:`relationkit.sync.contract` and docs/sync.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete

from ..errors import ConfigError, NotFound
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

    A connector that cannot even be set up (a missing setting, no Google sign-in) is reported as
    an error of its own and the others still sync. ``between``, ``observer`` and ``today`` (the
    run's date, ``connector.today``) are passed to :class:`SyncEngine`. ``settings`` override
    the config file for this run only, by connector name (``{"google_contacts":
    {"all_contacts": True}}``); naming a connector that is not in the run is an error.
    """
    from ..plugins import connector_classes

    classes = connector_classes()
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
            report.note(f"{name}: set-up failed: {type(exc).__name__}: {exc}")
        return report
    finally:
        for connector in connectors:
            connector.close()


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
    "SyncEngine",
    "SyncReport",
    "connectors_to_run",
    "restore",
    "source_label",
    "sync_workspace",
]
