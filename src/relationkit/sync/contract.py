"""The connector contract: what a connector gives the sync engine and what it gets back.

A connector is a thin translation layer between one tool (a sheet, an address book, a calendar)
and relationkit's model. It lists what the tool holds (:meth:`Connector.pull`) and writes what the
engine asks for (:meth:`Connector.push`). Everything else (diffing, per-item status, conflict
rules, safety guards, identity) belongs to the engine in :mod:`relationkit.sync.engine`.

Values travel in the JSON form of :mod:`relationkit.store.codec` (``to_jsonable``): a contact's
``emails`` is a list of normalised addresses, its ``birthday`` an ISO partial date such as
``"--03-14"``, its ``address`` a dict. A connector reads loose values in its tool (a sheet cell)
into that form and reports what it cannot read in :attr:`RemoteItem.problems` instead of
dropping the item. See docs/sync.md for the whole protocol and
:mod:`relationkit.testing.contract` for the test suite every connector should pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import InvalidValue
from ..settings import Setting

if TYPE_CHECKING:
    from ..workspace import Workspace


class Kind(StrEnum):
    """What a remote item is."""

    CONTACT = "contact"
    PURCHASE = "purchase"
    INTERACTION = "interaction"
    FOLLOWUP = "followup"


class Op(StrEnum):
    """What a :class:`Change` asks the connector to do."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass
class RemoteItem:
    """One record as the remote tool holds it.

    ``fields`` holds model field names (``Contact`` fields for contacts) in JSON form, and only
    the fields this record carries: a key that is absent is *unknown*, never *cleared* (a cleared
    value is present and empty). ``local_id`` is the relationkit id the record carries (Google
    ``clientData``, a sheet's id column, ``extendedProperties``); it lets the engine link the
    record after a crash instead of creating a duplicate, so connectors must write it on push.
    ``changed_at`` is when the record last changed, if the tool says (else the pull time counts).
    A value that cannot be read goes to ``problems`` and is left out of ``fields``. ``deleted``
    says the record was deleted there; with ``left`` too, it still exists but left what the
    connector syncs (a contact taken out of the label): both are marked removed, but only a
    real delete deletes the customer here, and only with ``propagate_deletes``.
    """

    kind: Kind
    external_id: str
    etag: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    local_id: str | None = None
    deleted: bool = False
    left: bool = False
    changed_at: datetime | None = None
    problems: list[InvalidValue] = field(default_factory=list)


@dataclass
class PullResult:
    """What a pull found.

    ``full`` is True when ``items`` is everything the remote holds (anything known but missing
    was deleted there); False for an incremental listing of what changed since ``state``.
    ``state`` is the new cursor (a sync token, a revision): the engine saves it in the same
    transaction as the applied items, never before, and passes it to the next pull.
    """

    items: list[RemoteItem]
    full: bool
    state: dict[str, str] = field(default_factory=dict)


@dataclass
class Change:
    """One write the engine asks for.

    ``fields`` carries the full desired values of every field the connector carries (so a
    connector can write a whole record), ``changed`` names the ones that differ from what the
    remote had. ``external_id`` and ``etag`` are None/empty for a create. A create or update must
    store ``local_id`` in the remote record (see :attr:`RemoteItem.local_id`); an update of a
    record that does not carry it yet (or carries a merged-away id) is sent with ``changed``
    possibly empty just so that it does. ``synced`` (updates only) is what the remote record
    held at the last sync, as its connector reported it: a connector that finds the record
    changed since (another etag) can tell its own earlier write, which a crash kept from being
    recorded, from an edit made there.
    """

    op: Op
    kind: Kind
    local_id: str
    external_id: str | None
    etag: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    synced: dict[str, Any] = field(default_factory=dict)


@dataclass
class PushResult:
    """The outcome of one :class:`Change`, in the order the changes were given.

    ``external_id`` and ``etag`` are what the remote record has now (a connector may give a
    record a new id, e.g. a CSV row that had none: the engine follows). ``fields`` is what the
    remote now holds, when it says (a tool that trims or reformats); None means "as sent".
    ``error`` is a plain message when this change failed (the others still count); the engine
    retries it on the next sync. ``current`` goes with an error when the write was refused
    because the record changed remotely since the last pull (a stale etag): it is the record as
    the remote holds it now, which the engine merges field by field as a pull would, then asks
    again in the same run.
    """

    local_id: str
    external_id: str | None
    etag: str = ""
    fields: dict[str, Any] | None = None
    error: str | None = None
    current: RemoteItem | None = None


class Connector:
    """Base class of every connector; subclass it and register it with ``register_connectors``.

    Class attributes describe the connector: ``name`` (its config table
    ``[connectors.<name>]`` and the ``source`` recorded on what it changes), ``label`` (how
    people call the tool, in notes joined by a conflict and the conflicts list: "Google
    Contacts"; default: the name in title case), ``description``,
    ``kinds`` it syncs, ``fields`` (the ``Contact`` fields it can represent: any other field is
    never read as cleared and never sent), ``can_delete`` (whether :meth:`push` accepts deletes),
    ``one_record_each`` (the tool must hold one record per relationkit record, as a sheet holds
    one row per id: after a merge the extra records are deleted there even without
    ``propagate_deletes``; its push decides what deleting means), ``read_only`` (a pull-only
    source such as an export file: nothing is pushed) and ``priority`` (who wins a conflict
    whose two changes happened at the same moment; settings may override it with
    ``priority = <int>``; the owner's own UI, the sheet, should have the highest), and
    ``scopes``: the OAuth scopes it needs (Google's ``https://www.googleapis.com/auth/...``);
    ``relationkit auth google`` asks for the union of the enabled connectors' Google scopes and
    nothing more. ``flags`` are boolean settings that ``relationkit sync`` offers as options for
    one run: setting name -> help (``{"all_contacts": "..."}`` gives ``--all-contacts``).

    Settings common to every connector (the engine reads them, :data:`COMMON_SETTINGS`):
    ``enabled``, ``priority``, ``propagate_deletes`` (default false), ``max_removed_fraction``
    (default 0.5), ``guard_min_items`` (default 10) and ``batch_size``; ``flags`` are booleans.
    ``settings_schema`` declares the connector's own (:class:`relationkit.settings.Setting`:
    type, default, doc, range or choices): ``relationkit doctor`` reports every value that does
    not fit, and every key neither common nor declared, with its file and line, and ``sync``
    refuses to run with one. A connector that leaves it ``None`` gets only the common settings
    checked (its own keys are not known, so none is called unknown).

    :attr:`today` is the run's date (``relationkit sync --today``): the engine sets it before
    the first pull; it is the computer's date when nobody set it. A connector whose choices
    depend on the date (which follow-ups a calendar shows) reads it instead of
    ``date.today()``.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""  # how people call the tool; default: the name in title case
    description: ClassVar[str] = ""
    kinds: ClassVar[frozenset[Kind]] = frozenset({Kind.CONTACT})
    fields: ClassVar[frozenset[str]] = frozenset()
    can_delete: ClassVar[bool] = False
    one_record_each: ClassVar[bool] = False
    read_only: ClassVar[bool] = False
    priority: ClassVar[int] = 0
    scopes: ClassVar[tuple[str, ...]] = ()
    flags: ClassVar[dict[str, str]] = {}
    settings_schema: ClassVar[dict[str, Setting] | None] = None

    _today: date | None = None

    def __init__(self, workspace: Workspace, settings: dict[str, Any]) -> None:
        self.workspace = workspace
        self.settings = settings

    @property
    def today(self) -> date:
        """The run's date (set by the engine; the computer's date until then)."""
        return self._today or date.today()

    @today.setter
    def today(self, value: date) -> None:
        self._today = value

    def pull(self, state: dict[str, str], *, full: bool) -> PullResult:
        """List what changed since ``state`` (everything when ``full`` or ``state`` is empty).

        Must not write anything. A connector whose incremental cursor has expired (People API
        ``EXPIRED_SYNC_TOKEN``, Calendar ``410``) returns a full listing with ``full=True``.
        """
        raise NotImplementedError

    def push(self, changes: list[Change]) -> list[PushResult]:
        """Apply ``changes`` (batching as the API allows); one result per change, same order.

        A change that fails gets a result with ``error``; raising means the whole batch's outcome
        is unknown (the engine then relies on :attr:`RemoteItem.local_id` on the next pull).
        """
        raise NotImplementedError

    def wants(self, kind: Kind, fields: dict[str, Any]) -> bool:
        """Whether a record relationkit has and this tool lacks should be created there.

        ``fields`` are the values a create would carry. Default: every record of ``kinds``. A
        calendar, say, takes only open follow-ups; records it already holds are always updated.
        """
        return True

    def collection(self, kind: Kind, external_id: str, local_id: str) -> str | None:
        """Which part of the tool holds a record it listed at the last sync: a tab of a sheet,
        a file, a list. The safety guard judges each collection on its own, so one emptied
        tab stops the sync whatever the others hold. ``local_id`` is the relationkit record it
        is linked to. None: a record the owner is expected to delete there (the guard ignores
        it). Must answer for records the last pull listed and this one does not, without the
        network. Default: one collection per kind (``"contacts"``, ``"purchases"``...)."""
        return f"{kind.value}s"

    def date_changes(self, items: list[RemoteItem]) -> None:
        """Set ``changed_at`` on these items of the last pull: records it lists as changed
        without a change time, that another tool changed too in this run (the conflict rule
        needs both times). Default: they stay undated and count as changed at the pull."""

    def held(self, item: RemoteItem, why: str) -> None:
        """The engine holds this item of the last pull for review (it now reads as another
        person than the customer of its relationkit id: ``why``, plain words without customer
        data); nothing from it was applied and nothing is pushed to it in this run. A tool with
        a place to say so (the sheet's Problems column) shows ``why`` there. Default: nothing."""

    def close(self) -> None:
        """Release connections and files; called once after the sync."""

    def check(self) -> list[str]:
        """Problems with the set-up, in plain words, for ``relationkit doctor`` (empty: fine)."""
        return []


COMMON_SETTINGS: dict[str, Setting] = {
    "enabled": Setting(bool, True, "false leaves the connector out of `relationkit sync`"),
    "priority": Setting(int, doc="who wins a conflict of two changes made at the same moment"),
    "propagate_deletes": Setting(bool, False, "let deletes cross between relationkit and the tool"),
    "max_removed_fraction": Setting(
        float, 0.5, "the safety guard: the share of known records a full listing may miss",
        minimum=0, maximum=1,
    ),
    "guard_min_items": Setting(int, 10, "records linked before the guard applies", minimum=0),
    "batch_size": Setting(int, 100, "changes pushed per request batch", minimum=1),
}  # fmt: skip


def connector_schema(connector: type[Connector]) -> dict[str, Setting]:
    """Every setting ``[connectors.<name>]`` of ``connector`` may hold: the common ones (its own
    ``priority`` as that one's default), its flags (booleans, default false), its own."""
    flags = {name: Setting(bool, False, doc) for name, doc in connector.flags.items()}
    priority = Setting(int, connector.priority, COMMON_SETTINGS["priority"].doc)
    own = connector.settings_schema or {}
    return {**COMMON_SETTINGS, "priority": priority, **flags, **own}


__all__ = [
    "COMMON_SETTINGS",
    "Change",
    "Connector",
    "Kind",
    "Op",
    "PullResult",
    "PushResult",
    "RemoteItem",
    "connector_schema",
]
