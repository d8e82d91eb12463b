"""Unmerge: a merge followed by an unmerge gives back what was there; merges are listed."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import relationkit
from relationkit.config import Config
from relationkit.errors import InvalidValue, NotFound
from relationkit.models import CONTACT_FIELDS, Contact, FollowUp, PartialDate, SourceRef
from relationkit.store import schema as t
from relationkit.store.codec import contact_to_dict
from relationkit.sync import status
from relationkit.sync.contract import Kind
from relationkit.workspace import Workspace

_serial = itertools.count()
_TEXT = st.text(alphabet="abcdeé XY\n", max_size=12)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder: Path = tmp_path_factory.mktemp("unmerge")
    url = f"sqlite:///{folder / 'crm.db'}"
    with relationkit.open(url, config=Config(db_url=url)) as ws:
        yield ws


@st.composite
def people(draw: st.DrawFn) -> dict[str, Any]:
    """A small random contact with its history and tool links (unique keys per example)."""
    n = next(_serial)
    tag = st.sampled_from(["vip", "VIP", "roses", "mowers", "b2b"])
    return {
        "contact": Contact(
            display_name=draw(st.sampled_from(["Ann Lee", "Ann Li", "Anne Lee", ""])),
            given_name=draw(st.sampled_from(["Ann", "Anne", ""])),
            family_name=draw(st.sampled_from(["Lee", "Li", ""])),
            emails=[f"p{n}-{i}@example.com" for i in range(draw(st.integers(0, 2)))],
            phones=[f"+1415555{n % 10000:04d}"] if draw(st.booleans()) else [],
            company=draw(st.sampled_from(["", "Lee Gardens", "Acme"])),
            birthday=draw(
                st.none() | st.builds(PartialDate, st.integers(1, 12), st.integers(1, 28))
            ),
            tags=draw(st.lists(tag, max_size=3, unique_by=str.casefold)),
            notes=draw(_TEXT),
            custom=draw(st.dictionaries(st.sampled_from(["card", "size"]), _TEXT, max_size=2)),
            sources={
                connector: SourceRef(connector, f"{connector}-{n}")
                for connector in draw(st.sets(st.sampled_from(["google_contacts", "csv"])))
            },
        ),
        "purchases": draw(st.lists(st.integers(1, 500), max_size=3)),
        "interactions": draw(st.lists(_TEXT, max_size=2)),
        "followups": draw(st.lists(st.sampled_from(["birthday", "lapsed"]), unique=True)),
    }


def _store(ws: Workspace, person: dict[str, Any]) -> Contact:
    contact = ws.save_contact(person["contact"])
    for amount in person["purchases"]:
        ws.record_purchase(contact, amount, on=date(2024, 5, 1))
    for summary in person["interactions"]:
        ws.record_interaction(contact, "note", summary, on=date(2024, 5, 2))
    ws.save_followups(
        FollowUp(contact.id, rule, "2024", rule, "why", date(2024, 6, 1))
        for rule in person["followups"]
    )
    with ws.transaction() as conn:
        status.save_many(
            conn,
            [
                status.Status(ref.connector, Kind.CONTACT, ref.external_id, contact.id, "e1")
                for ref in contact.sources.values()
            ],
        )
    return contact


def _everything(ws: Workspace, contact_id: str) -> dict[str, Any]:
    """What a contact is and owns: fields, sources, history, keys and tool links."""
    contact = ws.get_contact(contact_id)
    data = contact_to_dict(contact)
    with ws.transaction() as conn:

        def owned(table: Any, column: Any, *what: Any) -> set[Any]:
            return {tuple(r) for r in conn.execute(select(*what).where(column == contact_id))}

        return {
            "id": contact.id,
            "fields": {name: data.get(name) for name in CONTACT_FIELDS},
            "sources": data["sources"],
            "created_at": contact.created_at,
            "deleted_at": contact.deleted_at,
            "purchases": owned(t.purchases, t.purchases.c.contact_id, t.purchases.c.id),
            "interactions": owned(t.interactions, t.interactions.c.contact_id, t.interactions.c.id),
            "followups": owned(t.followups, t.followups.c.contact_id, t.followups.c.id),
            "keys": owned(
                t.contact_keys,
                t.contact_keys.c.contact_id,
                t.contact_keys.c.kind,
                t.contact_keys.c.value,
            ),
            "links": owned(
                t.sync_items,
                t.sync_items.c.local_id,
                t.sync_items.c.connector,
                t.sync_items.c.external_id,
            ),
        }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=people(), second=people(), by_survivor=st.booleans())
def test_merge_then_unmerge_gives_back_what_was_there(
    shop: Workspace, first: dict[str, Any], second: dict[str, Any], by_survivor: bool
) -> None:
    a, b = _store(shop, first), _store(shop, second)
    before = {c.id: _everything(shop, c.id) for c in (a, b)}

    survivor = shop.merge(a, b)
    absorbed = b.id if survivor.id == a.id else a.id
    assert _everything(shop, absorbed)["id"] == survivor.id  # the merge happened
    done = shop.unmerge(survivor.id if by_survivor else absorbed)

    assert {done.survivor.id, done.restored.id} == {a.id, b.id}
    assert {c.id: _everything(shop, c.id) for c in (a, b)} == before
    assert frozenset((a.id, b.id)) not in {frozenset((d.a, d.b)) for d in shop.duplicates()}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=people(), second=people(), extra_tag=st.sampled_from(["later", "new"]))
def test_edits_after_the_merge_stay_on_the_survivor(
    shop: Workspace, first: dict[str, Any], second: dict[str, Any], extra_tag: str
) -> None:
    a, b = _store(shop, first), _store(shop, second)
    survivor = shop.merge(a, b)
    absorbed = b if survivor.id == a.id else a
    shop.update_contact(survivor, tags=[*survivor.tags, extra_tag], position="owner")
    later = shop.record_purchase(survivor, 99, on=date(2024, 7, 1))

    done = shop.unmerge(absorbed.id)

    kept = shop.get_contact(survivor.id)
    assert extra_tag in kept.tags and kept.position == "owner"
    assert later.id in {p.id for p in shop.purchases(kept)}
    brought = {x.casefold() for x in absorbed.tags} - {x.casefold() for x in survivor.tags}
    assert not brought & ({x.casefold() for x in kept.tags} - {extra_tag})
    assert [e for e in kept.emails if e in absorbed.emails] == []
    restored = shop.get_contact(absorbed.id)
    assert restored.id == done.restored.id == absorbed.id
    for name in CONTACT_FIELDS:
        assert getattr(restored, name) == getattr(absorbed, name), name


def test_unmerge_refuses_what_no_merge_made(ws: Workspace) -> None:
    ann = ws.add_contact("Ann Lee", emails=["ann@example.com"])
    with pytest.raises(NotFound, match="not made by a merge"):
        ws.unmerge(ann.id)


def test_a_merge_is_undone_once(ws: Workspace) -> None:
    ann = ws.add_contact("Ann Lee", emails=["ann@example.com"])
    bob = ws.add_contact("Ann Lee", emails=["ann.lee@example.com"])
    ws.merge(ann, bob)
    ws.unmerge(bob.id)
    with pytest.raises(NotFound):
        ws.unmerge(bob.id)
    assert [m.undone_at is not None for m in ws.merges()] == [True]


def test_merges_recorded_before_full_records_cannot_be_undone(ws: Workspace) -> None:
    ann = ws.add_contact("Ann Lee", emails=["ann@example.com"])
    old = ws.add_contact("Ann Lee", emails=["ann.lee@example.com"])
    ws.merge(ann, old)
    with ws.transaction() as conn:  # what a merge made before revision 0004 left behind
        conn.execute(t.merges.update().values(survivor=None, merged=None, moved=None))
    (record,) = ws.merges()
    assert not record.can_undo
    with pytest.raises(InvalidValue, match="cannot be unmerged"):
        ws.unmerge(old.id)


def test_a_survivor_merged_again_is_unmerged_from_the_top_first(ws: Workspace) -> None:
    ann = ws.add_contact("Ann Lee", emails=["ann@example.com"])
    ann_too = ws.add_contact("Ann Lee", emails=["a.lee@example.com"])
    ws.merge(ann, ann_too)  # ann survives (older)
    oldest = ws.save_contact(
        Contact(
            display_name="Ann Lee",
            emails=["lee@example.com"],
            created_at=datetime(2020, 1, 1, tzinfo=UTC),
        )
    )
    ws.merge(oldest, ann)  # ann goes into the oldest

    with pytest.raises(InvalidValue, match="unmerge that first"):
        ws.unmerge(ann_too.id)
    ws.unmerge(ann.id)
    ws.unmerge(ann_too.id)
    assert {c.id for c in ws.contacts()} == {ann.id, ann_too.id, oldest.id}
    assert ws.get_contact("a.lee@example.com").id == ann_too.id


def test_merges_are_listed_with_source_and_kind(ws: Workspace) -> None:
    ws.add_contact("Ann Lee", emails=["ann@example.com"])
    ws.add_contact("Ann Lee", emails=["ann.lee@example.com"])
    ws.add_contact("Bob Ray", emails=["bob@example.com"])
    ws.add_contact("Bob Ray", emails=["bob.ray@example.com"])
    ws.merge("ann@example.com", "ann.lee@example.com", source="cli")
    cut = datetime.now(UTC)
    ws.merge("bob@example.com", "bob.ray@example.com", source="google_contacts", automatic=True)

    assert [(m.source, m.automatic) for m in ws.merges()] == [
        ("cli", False),
        ("google_contacts", True),
    ]
    assert [m.source for m in ws.merges(automatic=True)] == ["google_contacts"]
    assert [m.source for m in ws.merges(since=cut)] == ["google_contacts"]
