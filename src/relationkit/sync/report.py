"""What a sync did (or, in a dry run, would do), per connector."""

from __future__ import annotations

from dataclasses import dataclass, field

from .contract import Change, Kind


@dataclass
class Problem:
    """A value a remote record holds that could not be read; the rest of the record synced.

    The value itself is left out on purpose (reports end up in logs): ``where`` says which
    record, row or cell to look at.
    """

    connector: str
    kind: Kind
    external_id: str
    field: str
    why: str
    where: str = ""

    def __str__(self) -> str:
        place = self.where or f"{self.kind.value} {self.external_id}"
        return f"{self.connector}: {place}: {self.field}: {self.why}"


@dataclass
class ConnectorReport:
    """Counts for one connector. ``pulled``: records listed; ``created``/``updated``/``unchanged``:
    what that did locally; ``merged``: of those, new records of the tool found to be a customer
    already known here (same email, phone, LinkedIn profile...) and linked to them instead of
    added; ``removed``: records gone remotely (kept locally); ``pushed_*``: writes to the remote
    (planned ones in a dry run); ``needs_review``: uncertain matches queued."""

    name: str
    pulled: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    conflicts: int = 0
    removed: int = 0
    pushed_created: int = 0
    pushed_updated: int = 0
    pushed_deleted: int = 0
    needs_review: int = 0
    errors: int = 0  # records that failed (retried next time), and whole steps that failed
    failed: bool = False  # a whole step failed: set-up, pull, apply or a push batch
    planned: list[Change] = field(default_factory=list)  # dry run: the writes it would make


@dataclass
class SyncReport:
    """The whole run: one :class:`ConnectorReport` per connector, messages and problems.

    Messages name connectors and ids only, never customer data (an error message a connector
    raised is quoted as it is: connectors should follow the same rule).
    """

    dry_run: bool = False
    connectors: dict[str, ConnectorReport] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)  # steps outside any connector
    # Remote records held for review, (connector, kind, external id): they now read as another
    # person than the customer of their id; nothing from them is applied, nothing pushed to them.
    held: set[tuple[str, Kind, str]] = field(default_factory=set)
    followups_created: int = 0  # new follow-ups from the playbook step (the scheduled job)

    def of(self, name: str) -> ConnectorReport:
        """The report of connector ``name`` (created empty on first use)."""
        return self.connectors.setdefault(name, ConnectorReport(name))

    @property
    def ok(self) -> bool:
        """True when no connector had an error and every other step worked."""
        return not self.failed_steps and not any(c.errors for c in self.connectors.values())

    def held_by(self, name: str) -> set[tuple[Kind, str]]:
        """The records of connector ``name`` held for review, as (kind, external id)."""
        return {(kind, external_id) for c, kind, external_id in self.held if c == name}

    def note(self, message: str) -> None:
        self.messages.append(message)
