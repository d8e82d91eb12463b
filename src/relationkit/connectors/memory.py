"""An in-memory connector: a remote tool that lives in the process (tests, examples, demos).

The remote is a :class:`MemoryRemote`, found by name in a registry so that the same remote
survives across connector instances (and syncs) in one process::

    remote = memory_backend("memory")           # [connectors.memory] backend = "memory"
    ext = remote.add(Kind.CONTACT, {"display_name": "Ann Lee", "emails": ["ann@example.com"]})
    ws.sync()
    remote.edit(ext, {"company": "Lee Gardens"})  # as if a user edited it on the other side
    remote.crash_after_writes = 0                 # the next push dies before writing anything

Values are stored as a user typed them and read back through
:func:`relationkit.sync.values.clean_contact_fields`, so a malformed email is reported as a
problem like a real connector would. Each record keeps the relationkit id it was pushed with.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar

from ..models import CONTACT_FIELDS, utcnow
from ..settings import Setting
from ..sync.contract import Change, Connector, Kind, Op, PullResult, PushResult, RemoteItem
from ..sync.values import clean_contact_fields


class SimulatedCrash(BaseException):
    """Raised by a :class:`MemoryRemote` fault: the process "dies" mid-push.

    A BaseException, like a KeyboardInterrupt, so that nothing on the way catches it.
    """


@dataclass
class MemoryRecord:
    """One record of the in-memory remote."""

    kind: Kind
    fields: dict[str, Any]
    etag: str
    changed_at: datetime
    sequence: int
    local_id: str | None = None
    deleted: bool = False


@dataclass
class MemoryRemote:
    """The remote tool: records by external id, a change sequence, and fault switches.

    ``crash_after_writes``: when set, the next push performs at most that many writes and then
    raises :class:`SimulatedCrash` (0: before writing; more than the batch: after writing all of
    it, so the results are lost). It resets after firing. ``pushes`` logs every change received.
    """

    records: dict[str, MemoryRecord] = field(default_factory=dict)
    sequence: int = 0
    crash_after_writes: int | None = None
    pushes: list[Change] = field(default_factory=list)

    def add(self, kind: Kind, fields: dict[str, Any], *, local_id: str | None = None) -> str:
        """Create a record as a user of the remote tool would; returns its external id."""
        external_id = f"m{len(self.records) + 1:05d}"
        self.records[external_id] = self._stamp(
            MemoryRecord(kind, dict(fields), "", utcnow(), 0, local_id)
        )
        return external_id

    def edit(self, external_id: str, fields: dict[str, Any]) -> None:
        """Change some fields of a record (the others stay)."""
        record = self._live(external_id)
        record.fields.update(fields)
        self._stamp(record)

    def delete(self, external_id: str) -> None:
        """Delete a record (incremental pulls then list it as deleted)."""
        record = self._live(external_id)
        record.deleted = True
        self._stamp(record)

    def get(self, external_id: str) -> dict[str, Any] | None:
        """A record's fields, or None when it does not exist (or was deleted)."""
        record = self.records.get(external_id)
        return None if record is None or record.deleted else dict(record.fields)

    def all(self, kind: Kind = Kind.CONTACT) -> dict[str, dict[str, Any]]:
        """Every live record of ``kind``: external id -> fields."""
        return {
            ext: dict(r.fields)
            for ext, r in self.records.items()
            if r.kind == kind and not r.deleted
        }

    def local_id(self, external_id: str) -> str | None:
        """The relationkit id a record carries."""
        return self.records[external_id].local_id

    def _live(self, external_id: str) -> MemoryRecord:
        record = self.records.get(external_id)
        if record is None or record.deleted:
            raise KeyError(f"no record {external_id!r} in the memory remote")
        return record

    def _stamp(self, record: MemoryRecord) -> MemoryRecord:
        self.sequence += 1
        record.sequence = self.sequence
        record.etag = f"e{self.sequence}"
        record.changed_at = utcnow()
        return record

    def _write(self, change: Change) -> PushResult:
        """Apply one change as the remote's API would (stale etags are refused)."""
        self.pushes.append(change)
        if change.op == Op.CREATE:
            external_id = self.add(change.kind, change.fields, local_id=change.local_id)
            return PushResult(change.local_id, external_id, self.records[external_id].etag)
        record = self.records.get(change.external_id or "")
        if record is None or record.deleted:
            return PushResult(change.local_id, change.external_id, error="no such record")
        if change.etag and change.etag != record.etag:
            return PushResult(
                change.local_id, change.external_id, error="changed since the last pull"
            )
        if change.op == Op.DELETE:
            record.deleted = True
        else:
            record.fields.update(change.fields)
            record.local_id = change.local_id
        self._stamp(record)
        return PushResult(change.local_id, change.external_id, record.etag)


_BACKENDS: dict[str, MemoryRemote] = {}


def memory_backend(name: str) -> MemoryRemote:
    """The in-memory remote called ``name`` (created empty on first use)."""
    return _BACKENDS.setdefault(name, MemoryRemote())


def reset_memory_backends() -> None:
    """Forget every in-memory remote (between tests)."""
    _BACKENDS.clear()


class MemoryConnector(Connector):
    """Syncs with an in-memory remote. Settings: ``backend`` (the remote's name, default the
    connector's name)."""

    name = "memory"
    description = "An in-memory remote, for tests and examples"
    kinds = frozenset(Kind)
    fields = frozenset(CONTACT_FIELDS)
    can_delete = True
    settings_schema: ClassVar[dict[str, Setting]] = {
        "backend": Setting(str, doc="the in-process remote's name (default: the connector's)"),
    }

    def __init__(self, workspace: Any, settings: dict[str, Any]) -> None:
        super().__init__(workspace, settings)
        self.remote = memory_backend(str(settings.get("backend", self.name)))

    def pull(self, state: dict[str, str], *, full: bool) -> PullResult:
        since = 0 if full or "sequence" not in state else int(state["sequence"])
        items = [
            self._item(ext, record)
            for ext, record in self.remote.records.items()
            if record.kind in self.kinds
            and record.sequence > since
            and not (full and record.deleted)
        ]
        return PullResult(items, full=since == 0, state={"sequence": str(self.remote.sequence)})

    def push(self, changes: list[Change]) -> list[PushResult]:
        budget, self.remote.crash_after_writes = self.remote.crash_after_writes, None
        results = []
        for change in changes:
            if budget is not None and len(results) >= budget:
                raise SimulatedCrash(f"{self.name}: crashed after {len(results)} writes")
            result = self.remote._write(self._outgoing(change))
            record = self.remote.records.get(change.external_id or "")
            if result.error and record is not None and not record.deleted and change.etag:
                result.current = self._item(change.external_id or "", record)  # stale etag
            results.append(result)
        if budget is not None:
            raise SimulatedCrash(f"{self.name}: crashed before saving {len(results)} results")
        return results

    def _outgoing(self, change: Change) -> Change:
        if change.kind != Kind.CONTACT:
            return change
        return replace(change, fields={k: v for k, v in change.fields.items() if k in self.fields})

    def _item(self, external_id: str, record: MemoryRecord) -> RemoteItem:
        fields, problems = record.fields, []
        if record.kind == Kind.CONTACT:
            carried = {k: v for k, v in record.fields.items() if k in self.fields}
            fields, problems = clean_contact_fields(
                carried,
                region=self.workspace.config.region,
                where=f"{self.name} record {external_id}",
            )
        return RemoteItem(
            kind=record.kind,
            external_id=external_id,
            etag=record.etag,
            fields=dict(fields),
            local_id=record.local_id,
            deleted=record.deleted,
            changed_at=record.changed_at,
            problems=problems,
        )
