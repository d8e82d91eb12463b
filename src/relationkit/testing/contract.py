"""The connector contract test suite: subclass :class:`ConnectorContract` to test a connector.

::

    from relationkit.testing.contract import ConnectorContract

    class TestMyConnector(ConnectorContract):
        @pytest.fixture
        def make_connector(self, tmp_path):
            return lambda workspace: MyConnector(workspace, {"path": str(tmp_path / "x")})

        @pytest.fixture
        def remote(self, tmp_path):
            return MyRemoteHandle(...)   # see RemoteHandle

Fixtures to provide:

``make_connector``
    A callable ``(workspace) -> Connector``; called once per sync, so every sync gets a fresh
    instance (state must live in the remote and in relationkit, not in the object).
``remote``
    A :class:`RemoteHandle` acting on the same remote as a user of that tool would.

Fixtures the suite provides (override them if needed): ``workspace`` (a fresh relationkit
database in ``tmp_path``) and ``sync`` (``sync(**run_options) -> SyncReport`` running the engine
once with a new connector). Fields used: ``display_name``, ``emails`` and :attr:`edit_field`
(``company``; set another text field your connector carries). The connector must carry the
relationkit id of the records it creates (see docs/sync.md, crash safety).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pytest

import relationkit
from relationkit.config import Config
from relationkit.connectors.memory import SimulatedCrash
from relationkit.sync.contract import Change, Connector, Kind, PullResult, PushResult
from relationkit.sync.engine import SyncEngine
from relationkit.sync.report import SyncReport
from relationkit.workspace import Workspace

# Timestamps of consecutive edits on two sides must differ: file systems stamp coarsely.
_TICK = 0.03


class RemoteHandle(Protocol):
    """Acts on the remote as its user would. Fields are ``Contact`` field names, JSON form."""

    def add(self, kind: Kind, fields: dict[str, Any]) -> str:
        """Create a record; returns its external id."""
        ...

    def edit(self, external_id: str, fields: dict[str, Any]) -> None:
        """Change some fields of a record."""
        ...

    def delete(self, external_id: str) -> None: ...

    def get(self, external_id: str) -> dict[str, Any] | None:
        """A record's fields (None once deleted)."""
        ...

    def all(self) -> dict[str, dict[str, Any]]:
        """Every contact record: external id -> fields."""
        ...


class _LosesPushResults(Connector):
    """Wraps a connector: pushes go through, then the process "dies" before the engine can
    save the results (the crash the engine must survive without a duplicate)."""

    def __init__(self, inner: Connector) -> None:
        super().__init__(inner.workspace, inner.settings)
        self.inner = inner
        for attribute in (
            "name",
            "description",
            "kinds",
            "fields",
            "can_delete",
            "read_only",
            "priority",
        ):
            setattr(self, attribute, getattr(inner, attribute))

    def pull(self, state: dict[str, str], *, full: bool) -> PullResult:
        return self.inner.pull(state, full=full)

    def push(self, changes: list[Change]) -> list[PushResult]:
        self.inner.push(changes)
        raise SimulatedCrash("results lost")

    def close(self) -> None:
        self.inner.close()


class ConnectorContract:
    """Behaviour every connector must show with the sync engine (subclass it, see module doc)."""

    edit_field: ClassVar[str] = "company"

    @pytest.fixture
    def workspace(self, tmp_path: Path) -> Iterator[Workspace]:
        url = f"sqlite:///{tmp_path / 'contract.db'}"
        ws = relationkit.open(url, config=Config(db_url=url))
        yield ws
        ws.close()

    @pytest.fixture
    def sync(
        self, workspace: Workspace, make_connector: Callable[[Workspace], Connector]
    ) -> Callable[..., SyncReport]:
        def run(**options: Any) -> SyncReport:
            connector = make_connector(workspace)
            try:
                return SyncEngine(workspace).run([connector], **options)
            finally:
                connector.close()

        return run

    # -- helpers ---------------------------------------------------------------------------------

    def _by_email(self, remote: RemoteHandle, email: str) -> list[dict[str, Any]]:
        return [f for f in remote.all().values() if email in (f.get("emails") or [])]

    def _local(self, workspace: Workspace, email: str) -> Any:
        return workspace.get_contact(email)

    # -- the contract ----------------------------------------------------------------------------

    def test_first_sync_goes_both_ways(self, workspace, remote, sync):
        workspace.add_contact("Ann Lee", email="ann@example.com")
        remote.add(Kind.CONTACT, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
        report = sync()
        assert report.ok, report.messages
        assert self._local(workspace, "bob@example.com").name == "Bob Day"
        assert len(self._by_email(remote, "ann@example.com")) == 1
        assert workspace.count_contacts() == 2

    def test_rerun_without_changes_pushes_nothing(self, workspace, remote, sync):
        workspace.add_contact("Ann Lee", email="ann@example.com")
        remote.add(Kind.CONTACT, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
        sync()
        before = remote.all()
        report = sync()
        counts = next(iter(report.connectors.values()))
        assert (counts.pushed_created, counts.pushed_updated, counts.created, counts.updated) == (
            0,
            0,
            0,
            0,
        )
        assert remote.all() == before
        assert workspace.count_contacts() == 2

    def test_local_edit_is_pushed(self, workspace, remote, sync):
        ann = workspace.add_contact("Ann Lee", email="ann@example.com")
        sync()
        workspace.update_contact(ann.id, **{self.edit_field: "Lee Gardens"})
        sync()
        (record,) = self._by_email(remote, "ann@example.com")
        assert record[self.edit_field] == "Lee Gardens"

    def test_remote_edit_is_pulled(self, workspace, remote, sync):
        ext = remote.add(Kind.CONTACT, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
        sync()
        remote.edit(ext, {self.edit_field: "Day & Co"})
        report = sync()
        assert getattr(self._local(workspace, "bob@example.com"), self.edit_field) == "Day & Co"
        assert report.ok

    def test_conflict_newest_remote_change_wins(self, workspace, remote, sync):
        ext = remote.add(Kind.CONTACT, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
        sync()
        bob = self._local(workspace, "bob@example.com")
        workspace.update_contact(bob.id, **{self.edit_field: "local"})
        time.sleep(_TICK)
        remote.edit(ext, {self.edit_field: "remote"})
        report = sync()
        assert getattr(self._local(workspace, "bob@example.com"), self.edit_field) == "remote"
        assert sum(c.conflicts for c in report.connectors.values()) == 1
        assert remote.get(ext)[self.edit_field] == "remote"

    def test_conflict_newest_local_change_wins(self, workspace, remote, sync):
        ext = remote.add(Kind.CONTACT, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
        sync()
        remote.edit(ext, {self.edit_field: "remote"})
        time.sleep(_TICK)
        bob = self._local(workspace, "bob@example.com")
        workspace.update_contact(bob.id, **{self.edit_field: "local"})
        sync()
        assert getattr(self._local(workspace, "bob@example.com"), self.edit_field) == "local"
        assert remote.get(ext)[self.edit_field] == "local"

    def test_remote_edit_during_the_push_is_not_overwritten(
        self, workspace, remote, sync, make_connector
    ):
        ext = remote.add(Kind.CONTACT, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
        sync()
        bob = self._local(workspace, "bob@example.com")
        workspace.update_contact(bob.id, **{self.edit_field: "Day & Co"})
        edited: list[str] = []

        def owner_edits_before_the_write(step: str, _connector: str) -> None:
            if step == "push" and not edited:
                edited.append(step)
                remote.edit(ext, {"display_name": "Robert Day"})

        connector = make_connector(workspace)
        try:
            SyncEngine(workspace, observer=owner_edits_before_the_write).run([connector])
        finally:
            connector.close()
        assert edited
        assert sync().ok  # a connector that refuses the stale write settles it now at the latest
        bob = self._local(workspace, "bob@example.com")
        assert (bob.display_name, getattr(bob, self.edit_field)) == ("Robert Day", "Day & Co")
        record = remote.get(ext)
        assert (record["display_name"], record[self.edit_field]) == ("Robert Day", "Day & Co")

    def test_remote_deletion_does_not_delete_locally(self, workspace, remote, sync):
        ext = remote.add(Kind.CONTACT, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
        sync()
        remote.delete(ext)
        report = sync()
        bob = self._local(workspace, "bob@example.com")
        assert sum(c.removed for c in report.connectors.values()) == 1
        assert [ref.removed for ref in bob.sources.values()] == [True]
        sync()
        assert self._by_email(remote, "bob@example.com") == []  # not created again

    def test_crash_between_push_and_status_save_makes_no_duplicate(
        self, workspace, remote, make_connector
    ):
        workspace.add_contact("Ann Lee", email="ann@example.com")
        crashing = _LosesPushResults(make_connector(workspace))
        with pytest.raises(SimulatedCrash):
            SyncEngine(workspace).run([crashing])
        assert len(self._by_email(remote, "ann@example.com")) == 1
        for _ in range(2):
            connector = make_connector(workspace)
            report = SyncEngine(workspace).run([connector])
            connector.close()
            assert report.ok, report.messages
        assert len(self._by_email(remote, "ann@example.com")) == 1
        assert workspace.count_contacts() == 1

    def test_new_remote_record_matching_a_contact_links_to_it(self, workspace, remote, sync):
        ann = workspace.add_contact("Ann Lee", email="ann@example.com")
        remote.add(Kind.CONTACT, {"display_name": "Ann Lee", "emails": ["ANN@example.com"]})
        report = sync()
        assert sum(c.merged for c in report.connectors.values()) == 1
        sync()
        assert workspace.count_contacts() == 1
        assert self._local(workspace, "ann@example.com").id == ann.id
        assert len(self._by_email(remote, "ann@example.com")) == 1

    def test_bad_values_are_reported_and_the_rest_syncs(self, workspace, remote, sync):
        remote.add(Kind.CONTACT, {"display_name": "Bob Day", "emails": ["bob@@example"]})
        report = sync()
        assert [p.field for p in report.problems] == ["emails"]
        assert "bob@@example" not in " ".join(report.messages)
        assert [c.name for c in workspace.contacts()] == ["Bob Day"]

    def test_dry_run_changes_nothing_anywhere(self, workspace, remote, sync):
        workspace.add_contact("Ann Lee", email="ann@example.com")
        remote.add(Kind.CONTACT, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
        before = remote.all()
        report = sync(dry_run=True)
        counts = next(iter(report.connectors.values()))
        assert (counts.created, counts.pushed_created) == (1, 1)
        assert remote.all() == before
        assert [c.name for c in workspace.contacts()] == ["Ann Lee"]
        real = sync()
        assert next(iter(real.connectors.values())).created == 1
