"""The sync engine: the merge rule, guards, merges, history, follow-ups, and a state machine that
edits both sides at random, syncs, crashes mid-push, and checks nothing is lost or doubled."""

from __future__ import annotations

import contextlib
import itertools
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

import relationkit
from relationkit.config import Config
from relationkit.connectors.memory import (
    MemoryConnector,
    SimulatedCrash,
    memory_backend,
    reset_memory_backends,
)
from relationkit.errors import NotFound, SafetyGuardTripped
from relationkit.models import FollowUp, FollowUpStatus
from relationkit.store import schema as t
from relationkit.sync import restore, sync_workspace
from relationkit.sync.conflicts import Stamp, merge_fields
from relationkit.sync.contract import Kind, Op
from relationkit.sync.engine import SyncEngine
from relationkit.sync.report import SyncReport
from relationkit.workspace import Workspace

T0 = datetime(2026, 1, 1, tzinfo=UTC)
_names = itertools.count()


@pytest.fixture
def backend() -> Iterator[str]:
    yield f"engine-{next(_names)}"
    reset_memory_backends()


def _run(ws: Workspace, backend: str, **options: object):
    connector = MemoryConnector(ws, {"backend": backend, **options.pop("settings", {})})
    return SyncEngine(ws).run([connector], **options)


# -- the merge rule -------------------------------------------------------------------------------


def _merge(local, remote, local_base, remote_base, *, local_at=T0, remote_at=T0, prio=(0, 0), **kw):
    return merge_fields(
        local=local,
        remote=remote,
        local_base=local_base,
        remote_base=remote_base,
        local_stamp=lambda _name: Stamp(local_at, prio[0]),
        remote_stamp=Stamp(remote_at, prio[1]),
        **kw,
    )


def test_a_field_changed_only_remotely_is_applied():
    m = _merge({"company": "a"}, {"company": "b"}, {"company": "a"}, {"company": "a"})
    assert (m.to_local, m.conflicts) == ({"company": "b"}, [])


def test_a_field_changed_only_locally_is_left_for_the_push():
    m = _merge({"company": "b"}, {"company": "a"}, {"company": "a"}, {"company": "a"})
    assert (m.to_local, m.local_base) == ({}, {"company": "a"})


def test_a_conflict_goes_to_the_newest_change():
    later = T0 + timedelta(seconds=1)
    remote_newer = _merge({"c": "l"}, {"c": "r"}, {"c": "x"}, {"c": "x"}, remote_at=later)
    local_newer = _merge({"c": "l"}, {"c": "r"}, {"c": "x"}, {"c": "x"}, local_at=later)
    assert (remote_newer.to_local, remote_newer.conflicts) == ({"c": "r"}, ["c"])
    assert (local_newer.to_local, local_newer.local_base) == ({}, {"c": "x"})


def test_a_tie_goes_to_the_higher_priority_then_to_relationkit():
    base = ({"c": "l"}, {"c": "r"}, {"c": "x"}, {"c": "x"})
    assert _merge(*base, prio=(0, 10)).to_local == {"c": "r"}
    assert _merge(*base, prio=(10, 0)).to_local == {}
    assert _merge(*base, prio=(5, 5)).to_local == {}


def test_a_remote_that_reformats_what_it_is_sent_is_not_a_change():
    m = _merge({"p": "555"}, {"p": "+1555"}, {"p": "555"}, {"p": "+1555"})
    assert (m.to_local, m.conflicts) == ({}, [])


def test_first_link_by_identity_never_takes_an_empty_value():
    later = T0 + timedelta(seconds=1)
    by_identity = _merge({"c": "mine"}, {"c": ""}, {}, {}, remote_at=later, empty_is_unknown=True)
    by_our_id = _merge({"c": "mine"}, {"c": ""}, {}, {}, remote_at=later)
    assert by_identity.to_local == {} and by_identity.local_base == {"c": ""}  # pushed
    assert by_our_id.to_local == {"c": ""}


# -- engine behaviour ------------------------------------------------------------------------------


def _people(remote, count: int) -> list[str]:
    return [
        remote.add(Kind.CONTACT, {"display_name": f"P{n}", "emails": [f"p{n}@example.com"]})
        for n in range(count)
    ]


def test_the_guard_stops_a_suddenly_empty_full_pull(ws, backend):
    remote = memory_backend(backend)
    externals = _people(remote, 12)
    _run(ws, backend)
    for ext in externals[:8]:
        remote.delete(ext)
    with pytest.raises(SafetyGuardTripped, match="only 4 of the 12"):
        _run(ws, backend, full=True)
    with ws.transaction() as conn:
        removed = conn.execute(select(t.sync_items.c.removed).where(t.sync_items.c.removed)).all()
    assert removed == []
    report = _run(ws, backend, full=True, force=True)
    assert report.connectors["memory"].removed == 8
    assert ws.count_contacts() == 12


def test_the_guard_is_quiet_below_its_minimum_and_configurable(ws, backend):
    remote = memory_backend(backend)
    externals = _people(remote, 12)
    _run(ws, backend)
    for ext in externals[:5]:
        remote.delete(ext)
    strict = {"max_removed_fraction": 0.25}
    with pytest.raises(SafetyGuardTripped):
        _run(ws, backend, full=True, settings=strict)
    assert _run(ws, backend, full=True).connectors["memory"].removed == 5


def test_the_guard_judges_each_kind_on_its_own(ws, backend):
    remote = memory_backend(backend)
    externals = _people(remote, 12)
    purchases = [
        remote.add(Kind.PURCHASE, {"contact_external_id": ext, "amount": "5", "date": "2026-05-02"})
        for ext in externals[:3]
    ]
    _run(ws, backend)
    for ext in purchases:
        remote.delete(ext)
    remote.delete(externals[0])  # one contact of twelve: a delete
    with pytest.raises(SafetyGuardTripped, match="purchases: none of the 3 records") as tripped:
        _run(ws, backend, full=True)
    assert "contacts" not in str(tripped.value)
    report = _run(ws, backend, full=True, force=True)
    assert report.connectors["memory"].removed == 4
    assert [m for m in report.messages if "restore" in m] == [
        "memory: 4 records were removed there and kept here: "
        "`relationkit restore --all memory` brings them back"
    ]
    assert (
        sorted(r.kind for r in ws.removed_records("memory")) == [Kind.CONTACT] + [Kind.PURCHASE] * 3
    )
    assert ws.restore_removed("memory") == 4
    assert ws.removed_records() == []


def test_a_removed_record_can_be_restored(ws, backend):
    remote = memory_backend(backend)
    (ext,) = _people(remote, 1)
    _run(ws, backend)
    remote.delete(ext)
    _run(ws, backend)
    contact = ws.get_contact("p0@example.com")
    assert restore(ws, "memory", contact.id) == 1
    assert _run(ws, backend).connectors["memory"].pushed_created == 1
    assert len(remote.all()) == 1


def test_merged_contacts_keep_both_records_linked_without_duplicates(ws, backend):
    remote = memory_backend(backend)
    first, second = _people(remote, 2)
    _run(ws, backend)
    a, b = ws.get_contact("p0@example.com"), ws.get_contact("p1@example.com")
    merged = ws.merge(a, b)
    report = _run(ws, backend)
    assert report.ok and report.connectors["memory"].pushed_created == 0
    assert any("has 2 records" in m for m in report.messages)
    for ext in (first, second):
        assert remote.local_id(ext) == merged.id
        assert sorted(remote.get(ext)["emails"]) == ["p0@example.com", "p1@example.com"]
    assert _run(ws, backend).connectors["memory"].pushed_updated == 0


def test_propagate_deletes_removes_the_redundant_record_after_a_merge(ws, backend):
    remote = memory_backend(backend)
    _people(remote, 2)
    _run(ws, backend)
    ws.merge(ws.get_contact("p0@example.com"), ws.get_contact("p1@example.com"))
    report = _run(ws, backend, settings={"propagate_deletes": True})
    assert report.connectors["memory"].pushed_deleted == 1
    assert len(remote.all()) == 1 and ws.count_contacts() == 1


def test_a_failed_push_is_reported_and_retried(ws, backend):
    remote = memory_backend(backend)
    (ext,) = _people(remote, 1)
    _run(ws, backend)
    contact = ws.get_contact("p0@example.com")
    contact.set("company", "Acme", source="api")
    ws.save_contact(contact, changed=["company"])
    remote.crash_after_writes = 0
    with pytest.raises(SimulatedCrash):
        _run(ws, backend)
    report = _run(ws, backend)
    assert report.connectors["memory"].pushed_updated == 1
    assert remote.get(ext)["company"] == "Acme"


def test_a_synced_edit_giving_two_contacts_one_email_goes_to_review(ws, backend):
    remote = memory_backend(backend)
    first, _ = _people(remote, 2)
    _run(ws, backend)
    remote.edit(first, {"emails": ["p1@example.com"]})
    report = _run(ws, backend)
    assert report.ok
    pairs = [{c.a, c.b} for c in ws.duplicates()]
    ids = {ws.get_contact("p1@example.com").id, remote.local_id(first)}
    assert ids in pairs


def test_messages_carry_ids_not_customer_data(ws, backend):
    remote = memory_backend(backend)
    _people(remote, 2)
    _run(ws, backend)
    ws.merge(ws.get_contact("p0@example.com"), ws.get_contact("p1@example.com"))
    report = _run(ws, backend)
    assert report.messages and not any("@" in m or "P0" in m for m in report.messages)


def test_history_is_recorded_once_both_ways(ws, backend):
    remote = memory_backend(backend)
    (ext,) = _people(remote, 1)
    _run(ws, backend)
    remote.add(
        Kind.PURCHASE,
        {"contact_external_id": ext, "amount": "19.90", "date": "2026-05-02", "category": "seeds"},
    )
    contact = ws.get_contact("p0@example.com")
    ws.record_interaction(contact, "call", "spring service", on=date(2026, 5, 3))
    report = _run(ws, backend)
    assert report.ok, report.messages
    assert [(str(p.amount), p.source) for p in ws.purchases(contact)] == [("19.90", "memory")]
    assert len(remote.all(Kind.PURCHASE)) == 1  # not echoed back
    (interaction,) = remote.all(Kind.INTERACTION).values()
    assert interaction["summary"] == "spring service"
    again = _run(ws, backend)
    assert again.connectors["memory"].pushed_created == 0 and len(ws.purchases(contact)) == 1


def test_followups_go_out_and_the_owners_decisions_come_back(ws, backend):
    remote = memory_backend(backend)
    _people(remote, 1)
    _run(ws, backend)
    contact = ws.get_contact("p0@example.com")
    (followup,) = ws.save_followups(
        [FollowUp(contact.id, "birthday", "birthday:2026", "Card", "birthday", date(2026, 3, 14))]
    )
    _run(ws, backend)
    ((ext, fields),) = remote.all(Kind.FOLLOWUP).items()
    assert fields["title"] == "Card" and remote.local_id(ext) == followup.id
    assert ws.get_followup(followup.id).published == {"memory": ext}
    remote.edit(ext, {"status": "done", "title": "Card (edited there)"})
    report = _run(ws, backend)
    assert report.connectors["memory"].updated == 1
    assert ws.get_followup(followup.id).status == FollowUpStatus.DONE
    assert remote.get(ext)["title"] == "Card (edited there)"  # relationkit's title not forced


def test_dry_run_plans_without_writing(ws, backend):
    remote = memory_backend(backend)
    _people(remote, 1)
    ws.add_contact("Ann Lee", email="ann@example.com")
    report = _run(ws, backend, dry_run=True)
    planned = report.connectors["memory"].planned
    assert sorted(c.op for c in planned) == [Op.CREATE, Op.UPDATE]
    assert ws.count_contacts() == 1 and len(remote.all()) == 1
    assert len(remote.pushes) == 0


def test_sync_workspace_uses_the_configured_connectors(tmp_path, backend):
    url = f"sqlite:///{tmp_path / 'cfg.db'}"
    config = Config(db_url=url, connectors={"memory": {"backend": backend}})
    with relationkit.open(url, config=config) as ws:
        ws.add_contact("Ann Lee", email="ann@example.com")
        report = sync_workspace(ws)
        assert report.connectors["memory"].pushed_created == 1
        with pytest.raises(NotFound, match="nope"):
            sync_workspace(ws, only=["nope"])


# -- the state machine -----------------------------------------------------------------------------

PEOPLE = ("ann", "bob", "cy")
FIELDS = ("company", "position")
VALUES = ("north", "south", "")


def _email(person: str) -> str:
    return f"{person}@example.com"


class SyncMachine(RuleBasedStateMachine):
    """Random edits on both sides, syncs and crashes; ``expected`` is the newest edit per field
    under the documented rule (docs/sync.md): a remote change is as new as its record's last
    change, and a blank in a record added remotely, when first linked to a contact already
    here, does not empty it (a record we never wrote says "unknown")."""

    def __init__(self, make_workspace: Callable[[], Workspace]) -> None:
        super().__init__()
        self.ws = make_workspace()
        self.backend = f"machine-{next(_names)}"
        self.remote = memory_backend(self.backend)
        self.expected: dict[tuple[str, str], str] = {}
        self.cleared_remotely: set[tuple[str, str]] = set()  # the last edit was a remote clear
        # Fields changed remotely since the last sync. A tool dates a change by record (Google's
        # updateTime), so a later edit of another field of the record makes these newer too.
        self.changed_remotely: set[tuple[str, str]] = set()

    def teardown(self) -> None:
        self.ws.close()

    def _local(self, person: str):
        try:
            return self.ws.get_contact(_email(person))
        except NotFound:
            return None

    def _remote(self, person: str) -> str | None:
        found = [e for e, f in self.remote.all().items() if _email(person) in f.get("emails", [])]
        return found[0] if found else None

    def _sync(self):
        connector = MemoryConnector(self.ws, {"backend": self.backend})
        return SyncEngine(self.ws).run([connector])

    @rule(
        person=st.sampled_from(PEOPLE), field=st.sampled_from(FIELDS), value=st.sampled_from(VALUES)
    )
    def edit_locally(self, person: str, field: str, value: str) -> None:
        contact = self._local(person)
        if contact is None:
            if not value:
                return
            self.ws.add_contact(person.title(), email=_email(person), **{field: value})
        elif contact.set(field, value, source="api"):
            self.ws.save_contact(contact, changed=[field])
        else:
            return  # the value was already there: nothing changed, no newer edit to expect
        self.expected[(person, field)] = value
        self.cleared_remotely.discard((person, field))

    @rule(
        person=st.sampled_from(PEOPLE), field=st.sampled_from(FIELDS), value=st.sampled_from(VALUES)
    )
    def edit_remotely(self, person: str, field: str, value: str) -> None:
        ext = self._remote(person)
        if ext is None:
            if not value:
                return
            fields = {"display_name": person.title(), "emails": [_email(person)], field: value}
            self.remote.add(Kind.CONTACT, fields)
        elif (self.remote.get(ext) or {}).get(field, "") == value:
            return  # the value was already there: nothing changed, no newer edit to expect
        else:
            self.remote.edit(ext, {field: value})
            now = self.remote.get(ext) or {}
            for other in FIELDS:
                if (person, other) in self.changed_remotely and other != field:
                    self.expected[(person, other)] = now.get(other, "")
        self.expected[(person, field)] = value
        self.changed_remotely.add((person, field))
        if value:
            self.cleared_remotely.discard((person, field))
        else:
            self.cleared_remotely.add((person, field))

    def _sync_noting_first_links(self) -> SyncReport:
        """Sync; a remote record it links for the first time keeps the contact's values where
        the record is blank."""
        with self.ws.transaction() as conn:
            linked = set(conn.scalars(select(t.sync_items.c.external_id)))
        first = {  # records added there, not yet linked (one relationkit wrote carries its id)
            p: self._local(p)
            for p in PEOPLE
            if (ext := self._remote(p)) not in (None, *linked) and not self.remote.local_id(ext)
        }
        try:
            return self._sync()
        finally:
            self.changed_remotely.clear()  # the pull was applied: these are the base now
            for person, field in list(self.cleared_remotely):
                before = first.get(person)
                if before is not None and getattr(before, field):
                    self.expected[(person, field)] = getattr(before, field)
                    self.cleared_remotely.discard((person, field))

    @rule(person=st.sampled_from(PEOPLE))
    def delete_remotely(self, person: str) -> None:
        ext = self._remote(person)
        if ext is not None:
            self.remote.delete(ext)
            # Remote edits not yet synced went with the record: stop expecting any value.
            for field in FIELDS:
                self.expected.pop((person, field), None)
                self.changed_remotely.discard((person, field))

    @rule(writes=st.integers(0, 3))
    def crash_mid_push(self, writes: int) -> None:
        self.remote.crash_after_writes = writes
        with contextlib.suppress(SimulatedCrash):
            self._sync_noting_first_links()
        self.remote.crash_after_writes = None

    @rule()
    def sync(self) -> None:
        report = self._sync_noting_first_links()
        assert report.ok, report.messages
        with self.ws.transaction() as conn:
            rows = conn.execute(select(t.sync_items).where(~t.sync_items.c.removed)).all()
        linked = {r.external_id: r.local_id for r in rows if r.kind == "contact"}
        for ext, fields in self.remote.all().items():
            (email,) = fields["emails"]
            local = self.ws.get_contact(email)
            assert linked[ext] == local.id == self.remote.local_id(ext)
        for person in PEOPLE:
            contact, ext = self._local(person), self._remote(person)
            for field in FIELDS:
                want = self.expected.get((person, field))
                if want is None:
                    continue
                if contact is not None:
                    assert getattr(contact, field) == want, (person, field, "local")
                if ext is not None:
                    assert self.remote.get(ext).get(field, "") == want, (person, field, "remote")

    @invariant()
    def no_duplicates_on_either_side(self) -> None:
        local_emails = [e for c in self.ws.contacts() for e in c.emails]
        assert len(local_emails) == len(set(local_emails))
        remote_emails = [e for f in self.remote.all().values() for e in f.get("emails", [])]
        assert len(remote_emails) == len(set(remote_emails))


@pytest.mark.slow
def test_sync_state_machine(template_db: Path, tmp_path: Path) -> None:
    counter = itertools.count()

    def make_workspace() -> Workspace:
        path = tmp_path / f"example-{next(counter)}.db"
        shutil.copy(template_db, path)
        url = f"sqlite:///{path}"
        return relationkit.open(url, config=Config(db_url=url))

    try:
        run_state_machine_as_test(
            lambda: SyncMachine(make_workspace),
            settings=settings(
                max_examples=25,
                stateful_step_count=15,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        reset_memory_backends()
