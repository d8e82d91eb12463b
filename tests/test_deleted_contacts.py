"""Deleting a customer: out of every list and tool, history kept, brought back whole; deletes
cross between relationkit and a tool only with ``propagate_deletes``."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date

import pytest
from click.testing import CliRunner

from relationkit.cli import main
from relationkit.connectors.memory import (
    MemoryConnector,
    MemoryRemote,
    memory_backend,
    reset_memory_backends,
)
from relationkit.models import Contact, FollowUp, FollowUpStatus
from relationkit.sync.contract import Kind
from relationkit.sync.engine import SyncEngine
from relationkit.sync.report import SyncReport
from relationkit.workspace import Workspace

_names = itertools.count()


@pytest.fixture
def backend() -> Iterator[str]:
    yield f"deletes-{next(_names)}"
    reset_memory_backends()


def _sync(ws: Workspace, backend: str, **settings: object) -> SyncReport:
    return SyncEngine(ws).run([MemoryConnector(ws, {"backend": backend, **settings})])


def test_a_deleted_customer_leaves_every_list_and_keeps_its_history(ws: Workspace) -> None:
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    ws.add_contact("Bob Day", email="bob@example.com")
    ws.record_purchase(ann, "40.00", on=date(2026, 3, 1))
    (followup,) = ws.save_followups(
        [FollowUp(ann.id, "thank", "k", "Thank Ann", "top spender", date.today())]
    )

    deleted = ws.delete_contact("ann@example.com")

    assert deleted.deleted_at is not None and deleted.deleted_by == "api"
    assert [c.name for c in ws.contacts()] == ["Bob Day"]
    assert ws.count_contacts() == 1
    assert [c.name for c in ws.find_contacts("Lee")] == []
    assert [c.name for c in ws.find_contacts(deleted=True)] == ["Ann Lee"]
    assert ws.get_contact(ann.id).deleted_at is not None  # still found by id, for undelete
    assert ws.get_followup(followup.id).status == FollowUpStatus.SKIPPED
    assert len(ws.purchases(ann)) == 1

    back = ws.undelete_contact(ann.id)

    assert back.deleted_at is None
    assert ws.count_contacts() == 2
    assert len(ws.purchases(back)) == 1


def test_the_same_person_added_again_brings_the_deleted_customer_back(ws: Workspace) -> None:
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    ws.delete_contact(ann)
    result = ws.upsert(Contact(display_name="Ann Lee", emails=["ann@example.com"]), source="csv")
    assert (result.contact.id, result.action) == (ann.id, "updated")
    assert result.contact.deleted_at is None
    assert ws.count_contacts() == 1


def test_merging_a_deleted_customer_into_a_live_one_keeps_a_live_customer(ws: Workspace) -> None:
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    anne = ws.add_contact("Anne Lee", email="anne@work.example")
    ws.delete_contact(anne)
    merged = ws.merge(ann, anne)
    assert merged.deleted_at is None
    assert [c.id for c in ws.contacts()] == [merged.id]


def _deleted_there_after_a_sync(ws: Workspace, backend: str, **settings: object) -> MemoryRemote:
    """Bob, synced once, then deleted in the memory remote."""
    remote = memory_backend(backend)
    ext = remote.add(Kind.CONTACT, {"display_name": "Bob Day", "emails": ["bob@example.com"]})
    _sync(ws, backend, **settings)
    remote.delete(ext)
    return remote


def test_a_remote_delete_only_marks_removed_by_default(ws: Workspace, backend: str) -> None:
    _deleted_there_after_a_sync(ws, backend)
    report = _sync(ws, backend)
    assert report.connectors["memory"].removed == 1
    assert ws.get_contact("bob@example.com").deleted_at is None
    assert ws.count_contacts() == 1


def test_a_remote_delete_deletes_here_with_propagate_deletes_and_undelete_writes_back(
    ws: Workspace, backend: str
) -> None:
    remote = _deleted_there_after_a_sync(ws, backend, propagate_deletes=True)

    report = _sync(ws, backend, propagate_deletes=True)

    assert report.ok, report.messages
    bob = ws.get_contact("bob@example.com")
    assert (bob.deleted_by, ws.count_contacts()) == ("memory", 0)
    assert any(f"contacts undelete {bob.id}" in m for m in report.messages)
    assert remote.all() == {}  # nothing created again
    assert _sync(ws, backend, propagate_deletes=True).connectors["memory"].pushed_created == 0

    ws.undelete_contact(bob.id)
    again = _sync(ws, backend, propagate_deletes=True)

    assert again.connectors["memory"].pushed_created == 1
    (record,) = remote.all().values()
    assert record["emails"] == ["bob@example.com"]


def test_a_record_only_missing_from_a_full_listing_is_never_deleted_here(
    ws: Workspace, backend: str
) -> None:
    _deleted_there_after_a_sync(ws, backend, propagate_deletes=True)
    report = SyncEngine(ws).run(
        [MemoryConnector(ws, {"backend": backend, "propagate_deletes": True})], full=True
    )
    assert report.connectors["memory"].removed == 1
    assert ws.get_contact("bob@example.com").deleted_at is None


@pytest.mark.parametrize("propagate", [False, True])
def test_a_customer_deleted_here_leaves_the_tool_only_with_propagate_deletes(
    ws: Workspace, backend: str, propagate: bool
) -> None:
    remote = memory_backend(backend)
    ws.add_contact("Ann Lee", email="ann@example.com")
    _sync(ws, backend)
    ws.update_contact("ann@example.com", company="Lee Gardens")
    ws.delete_contact("ann@example.com")

    report = _sync(ws, backend, propagate_deletes=propagate)

    assert report.ok, report.messages
    counts = report.connectors["memory"]
    if propagate:
        assert (counts.pushed_deleted, remote.all()) == (1, {})
    else:  # kept there as it was: neither deleted nor updated
        (record,) = remote.all().values()
        assert (counts.pushed_deleted, counts.pushed_updated) == (0, 0)
        assert record.get("company", "") == ""
    rerun = _sync(ws, backend, propagate_deletes=propagate)
    assert (rerun.connectors["memory"].pushed_created, rerun.connectors["memory"].errors) == (0, 0)


def test_cli_delete_list_show_and_undelete(db_url: str, ws: Workspace) -> None:
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, ["--db", db_url, *args])
        assert result.exit_code == code, result.output
        return result.output

    assert f"contacts undelete {ann.id}" in run("contacts", "delete", "ann@example.com")
    assert "Ann Lee" not in run("contacts", "list")
    assert "Ann Lee" in run("contacts", "list", "--deleted")
    assert "Deleted on " in run("contacts", "show", ann.id)
    assert "Brought back Ann Lee" in run("contacts", "undelete", ann.id)
    assert "is not deleted" in run("contacts", "undelete", ann.id, code=1)
    assert "Ann Lee" in run("contacts", "list")
