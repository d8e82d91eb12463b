"""The sync engine's bulk paths: many contacts saved and loaded at once, status rows in batches,
new records created up front, unchanged records skipped unread, and the run's date."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from relationkit import plugins
from relationkit.connectors.memory import MemoryConnector, memory_backend, reset_memory_backends
from relationkit.hookspecs import hookimpl
from relationkit.models import Contact
from relationkit.store import schema as t
from relationkit.sync import status
from relationkit.sync.contract import Kind
from relationkit.sync.engine import SyncEngine
from relationkit.workspace import Workspace

_names = itertools.count()


@pytest.fixture
def backend() -> Iterator[str]:
    yield f"scale-{next(_names)}"
    reset_memory_backends()


def _run(ws: Workspace, backend: str, **options: object):
    connector = MemoryConnector(ws, {"backend": backend})
    return connector, SyncEngine(ws).run([connector], **options)


def _contact(name: str, email: str) -> Contact:
    contact = Contact()
    contact.set("display_name", name, source="test")
    contact.set("emails", [email], source="test")
    return contact


class _Heard:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.events: list[tuple[str, str, bool]] = []  # hook, contact id, committed

    def committed(self, contact_id: str) -> bool:
        with self.ws.engine.connect() as conn:
            query = select(t.contacts.c.id).where(t.contacts.c.id == contact_id)
            return conn.execute(query).first() is not None

    @hookimpl
    def contact_created(self, workspace: Workspace, contact: Contact) -> None:
        self.events.append(("created", contact.id, self.committed(contact.id)))

    @hookimpl
    def contact_updated(self, workspace: Workspace, contact: Contact, changed: list[str]) -> None:
        self.events.append(("updated", contact.id, self.committed(contact.id)))


def test_save_contacts_stores_many_claims_keys_in_order_and_hooks_fire_after_commit(ws):
    kept = ws.add_contact("Ann", email="ann@example.com")
    heard = _Heard(ws)
    manager = plugins.get_plugin_manager()
    manager.register(heard, name="heard")
    try:
        first, second = _contact("Bo", "bo@example.com"), _contact("Bo 2", "bo@example.com")
        kept.set("company", "Lee Gardens", source="test")
        ws.save_contacts([first, second, kept], changed={kept.id: ["company"]})
    finally:
        manager.unregister(heard)
    assert heard.events == [
        ("created", first.id, True),
        ("created", second.id, True),
        ("updated", kept.id, True),
    ]
    assert ws.get_contact("bo@example.com").id == first.id  # the first save keeps the key
    assert ws.get_contact(kept.id).company == "Lee Gardens"


def test_get_contacts_follows_merges_and_leaves_unknown_ids_out(ws):
    a = ws.add_contact("Ann", email="ann@example.com")
    b = ws.add_contact("Annie", email="annie@example.com")
    survivor = ws.merge(a, b)
    absorbed = b.id if survivor.id == a.id else a.id
    found = ws.get_contacts([absorbed, survivor.id, "c-nobody"])
    assert {k: v.id for k, v in found.items()} == {absorbed: survivor.id, survivor.id: survivor.id}


def test_status_rows_are_saved_in_batches_the_later_row_of_a_record_winning(ws):
    rows = [status.Status("x", Kind.CONTACT, f"e{n}", f"c{n}", "1") for n in range(3)]
    rows.append(status.Status("x", Kind.CONTACT, "e1", "c9", "2", removed=True))
    with ws.transaction() as conn:
        status.save_many(conn, rows)
        some = status.load(conn, "x", [(Kind.CONTACT, "e1"), (Kind.CONTACT, "e7")])
        links = status.load_links(conn, "x")
    assert list(some) == [(Kind.CONTACT, "e1")] and some[(Kind.CONTACT, "e1")].local_id == "c9"
    assert links[(Kind.CONTACT, "e1")] == status.Link("c9", True, "2") and len(links) == 3


def test_new_records_sharing_an_email_or_matching_a_contact_make_no_duplicate(ws, backend):
    remote = memory_backend(backend)
    known = ws.add_contact("Ann", email="ann@example.com", company="Old Co")
    for n in range(20):
        remote.add(Kind.CONTACT, {"display_name": f"P{n}", "emails": [f"p{n}@example.com"]})
    twin_a = remote.add(Kind.CONTACT, {"display_name": "Twin", "emails": ["twin@example.com"]})
    twin_b = remote.add(Kind.CONTACT, {"display_name": "Twin B", "emails": ["twin@example.com"]})
    ann = remote.add(Kind.CONTACT, {"display_name": "Ann", "emails": ["ann@example.com"]})
    _, report = _run(ws, backend)
    assert report.connectors["memory"].created == 21  # 20 alone + one twin
    assert ws.count_contacts() == 22
    twin = ws.get_contact("twin@example.com")
    assert {r.external_id for r in twin.sources.values()} == {twin_a, twin_b}
    assert ws.get_contact(known.id).sources["memory"].external_id == ann
    assert remote.get(ann)["company"] == "Old Co"  # relationkit's value was pushed


def test_an_unchanged_record_is_skipped_but_a_merge_still_relinks(ws, backend):
    remote = memory_backend(backend)
    a = remote.add(Kind.CONTACT, {"display_name": "A", "emails": ["a@example.com"]})
    b = remote.add(Kind.CONTACT, {"display_name": "B", "emails": ["b@example.com"]})
    _run(ws, backend)
    _, quiet = _run(ws, backend, full=True)
    assert quiet.connectors["memory"].unchanged == 2 and quiet.connectors["memory"].updated == 0
    survivor = ws.merge("a@example.com", "b@example.com")
    _run(ws, backend, full=True)
    assert {remote.local_id(a), remote.local_id(b)} == {survivor.id}


def test_the_engine_gives_connectors_the_runs_date(ws, backend):
    connector, _ = _run(ws, backend, today=date(2030, 1, 2))
    assert connector.today == date(2030, 1, 2)
    _, _ = _run(ws, backend)
    assert MemoryConnector(ws, {"backend": backend}).today == date.today()
