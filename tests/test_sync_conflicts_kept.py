"""Conflicts keep the loser: the value the rule sets aside is stored with its source and time,
emails and phones changed on both sides keep both new values, two notes are joined, and the
owner can use the other value, which the next sync sends to the tool (the in-memory connector).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from relationkit.cli import main
from relationkit.connectors.memory import (
    MemoryConnector,
    MemoryRemote,
    memory_backend,
    reset_memory_backends,
)
from relationkit.errors import InvalidValue, NotFound
from relationkit.sync.conflicts import keep_both
from relationkit.sync.contract import Kind
from relationkit.sync.engine import SyncEngine
from relationkit.sync.report import SyncReport
from relationkit.workspace import Workspace

_names = itertools.count()
_TICK = 0.01  # apart enough for two change times to differ


@pytest.fixture
def backend() -> Iterator[str]:
    yield f"kept-{next(_names)}"
    reset_memory_backends()


@pytest.fixture
def remote(backend: str) -> MemoryRemote:
    return memory_backend(backend)


@pytest.fixture
def sync(ws: Workspace, backend: str) -> Callable[..., SyncReport]:
    def run(**options: Any) -> SyncReport:
        report = SyncEngine(ws).run([MemoryConnector(ws, {"backend": backend})], **options)
        assert report.ok, report.messages
        return report

    return run


def _linked(ws: Workspace, remote: MemoryRemote, sync, **fields: object) -> tuple[str, str]:
    """Ann, in both places and synced: (remote id, contact id)."""
    ext = remote.add(
        Kind.CONTACT, {"display_name": "Ann Lee", "emails": ["ann@example.com"], **fields}
    )
    sync()
    return ext, ws.get_contact("ann@example.com").id


# -- what a conflict keeps of both values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("winner", "loser", "base", "kept"),
    [
        (["c@x.io"], ["b@x.io"], ["a@x.io"], ["c@x.io", "b@x.io"]),  # both changed: both kept
        ([], ["c@x.io"], ["a@x.io"], ["c@x.io"]),  # removed there, changed here: the change
        (["c@x.io"], [], ["a@x.io"], ["c@x.io"]),
        (["a@x.io"], ["a@x.io", "b@x.io", "c@x.io"], ["a@x.io", "b@x.io"], ["a@x.io", "c@x.io"]),
        (["a@x.io", "b@x.io", "c@x.io"], ["a@x.io"], ["a@x.io", "b@x.io"], ["a@x.io", "c@x.io"]),
        (["c@x.io"], ["b@x.io"], None, ["c@x.io", "b@x.io"]),  # never synced: both kept
    ],
)
def test_emails_changed_on_both_sides_keep_every_new_value(winner, loser, base, kept):
    assert keep_both("emails", winner, loser, base, base, "") == kept


_ADDRESSES = st.lists(st.sampled_from(["a@x.io", "b@x.io", "c@x.io", "d@x.io"]), unique=True)


@given(base=_ADDRESSES, winner=_ADDRESSES, loser=_ADDRESSES)
def test_a_list_conflict_loses_no_new_value_and_revives_no_removed_one(base, winner, loser):
    kept = keep_both("emails", winner, loser, base, base, "")
    first = [v for v in winner if v in kept]
    assert len(kept) == len(set(kept)) and kept[: len(first)] == first  # the winner's first
    added = (set(winner) | set(loser)) - set(base)
    assert added <= set(kept)  # every value either side added
    assert set(winner) & set(loser) <= set(kept)  # every value both kept
    removed_once = {v for v in base if (v in winner) != (v in loser)}
    assert not removed_once & set(kept)  # removed on one side, left on the other: gone


@given(winner=st.text(min_size=1), loser=st.text(min_size=1))
def test_two_notes_both_survive_a_conflict(winner, loser):
    joined = keep_both("notes", winner, loser, "", "", "Memory, 2 Dec")
    assert (winner in joined or not winner.strip()) and (loser in joined or not loser.strip())


def test_two_notes_are_joined_the_winner_first_and_the_other_named():
    joined = keep_both("notes", "likes tea", "allergic to nuts", "x", "x", "Google Sheets, 2 Dec")
    assert joined == "likes tea\n\n— from Google Sheets, 2 Dec: allergic to nuts"
    assert keep_both("notes", "", "allergic", "x", "x", "S") == "allergic"  # cleared vs changed
    assert keep_both("notes", "tea and nuts", "nuts", "x", "x", "S") == "tea and nuts"
    assert keep_both("company", "North", "South", "x", "x", "S") == "North"


# -- through the engine ----------------------------------------------------------------------------


def test_a_losing_company_is_kept_with_its_source_and_used_on_request(ws, remote, sync):
    ext, ann = _linked(ws, remote, sync, company="Old Co")
    remote.edit(ext, {"company": "There Co"})
    remote_at = remote.records[ext].changed_at
    time.sleep(_TICK)
    ws.update_contact(ann, company="Here Co")  # the newer change wins
    report = sync()
    assert report.connectors["memory"].conflicts == 1
    assert ws.get_contact(ann).company == remote.get(ext)["company"] == "Here Co"
    (conflict,) = ws.conflicts()
    assert (conflict.local_id, conflict.field, conflict.kept, conflict.lost) == (
        ann,
        "company",
        "Here Co",
        "There Co",
    )
    assert (conflict.kept_source, conflict.lost_source, conflict.lost_record) == (
        "api",
        "memory",
        ext,
    )
    assert conflict.lost_at == remote_at and not conflict.both_kept and conflict.is_open

    used = ws.resolve_conflict(conflict.id, use="other")
    assert used.resolution == "used_other" and ws.conflicts() == []
    assert ws.get_contact(ann).company == "There Co"
    assert sync().connectors["memory"].pushed_updated == 1
    assert remote.get(ext)["company"] == "There Co"
    assert [c.id for c in ws.conflicts(ann, include_resolved=True)] == [conflict.id]


def test_when_the_remote_wins_relationkits_value_is_kept(ws, remote, sync):
    ext, ann = _linked(ws, remote, sync, company="Old Co")
    ws.update_contact(ann, company="Here Co")
    time.sleep(_TICK)
    remote.edit(ext, {"company": "There Co"})
    sync()
    (conflict,) = ws.conflicts(ann)
    assert (conflict.kept, conflict.kept_source, conflict.lost, conflict.lost_source) == (
        "There Co",
        "memory",
        "Here Co",
        "api",
    )
    ws.resolve_conflict(conflict.id)  # dismissed: stays as it is
    assert ws.get_contact(ann).company == "There Co" and ws.conflicts() == []
    with pytest.raises(InvalidValue, match="already dismissed"):
        ws.resolve_conflict(conflict.id, use="other")
    with pytest.raises(NotFound):
        ws.resolve_conflict(conflict.id + 100)


def test_emails_changed_on_both_sides_keep_both_everywhere(ws, remote, sync):
    ext, ann = _linked(ws, remote, sync)
    ws.update_contact(ann, emails=["ann@here.example"])
    time.sleep(_TICK)
    remote.edit(ext, {"emails": ["ann@there.example"]})
    sync()
    both = ["ann@there.example", "ann@here.example"]  # the newer first
    assert ws.get_contact(ann).emails == both
    assert remote.get(ext)["emails"] == both
    (conflict,) = ws.conflicts()
    assert (conflict.kept, conflict.lost, conflict.both_kept) == (both, ["ann@here.example"], True)
    assert sync().connectors["memory"].pushed_updated == 0  # settled


def test_notes_changed_on_both_sides_are_joined_everywhere(ws, remote, sync):
    ext, ann = _linked(ws, remote, sync, notes="likes tea")
    remote.edit(ext, {"notes": "likes tea; daughter Mia"})
    time.sleep(_TICK)
    ws.update_contact(ann, notes="likes tea; allergic to nuts")
    sync()
    today = datetime.now(UTC)
    joined = (
        f"likes tea; allergic to nuts\n\n— from Memory, {today.day} {today:%b}: "
        "likes tea; daughter Mia"
    )
    assert ws.get_contact(ann).notes == remote.get(ext)["notes"] == joined
    assert ws.get_contact(ann).provenance["notes"].source == "api"  # still relationkit's change
    (conflict,) = ws.conflicts()
    assert conflict.both_kept and conflict.lost == "likes tea; daughter Mia"
    ws.resolve_conflict(conflict.id, use="other")  # the owner prefers the other text alone
    sync()
    assert ws.get_contact(ann).notes == remote.get(ext)["notes"] == "likes tea; daughter Mia"


def test_conflicts_are_logged_by_id_and_field_without_values(ws, remote, sync, caplog):
    ext, ann = _linked(ws, remote, sync, company="Old Co")
    remote.edit(ext, {"company": "There Co"})
    time.sleep(_TICK)
    ws.update_contact(ann, company="Here Co")
    with caplog.at_level(logging.INFO, logger="relationkit.sync"):
        sync()
    (conflict,) = ws.conflicts()
    (line,) = [r.getMessage() for r in caplog.records if "conflict" in r.getMessage()]
    assert ann in line and "company" in line and f"conflicts {conflict.id}" in line
    assert "Co" not in line


def test_a_dry_run_keeps_no_conflict(ws, remote, sync):
    ext, ann = _linked(ws, remote, sync, company="Old Co")
    remote.edit(ext, {"company": "There Co"})
    time.sleep(_TICK)
    ws.update_contact(ann, company="Here Co")
    assert sync(dry_run=True).connectors["memory"].conflicts == 1
    assert ws.conflicts() == []


def test_a_merge_brings_the_conflicts_to_the_survivor(ws, remote, sync):
    ext, ann = _linked(ws, remote, sync, company="Old Co")
    remote.edit(ext, {"company": "There Co"})
    time.sleep(_TICK)
    ws.update_contact(ann, company="Here Co")
    sync()
    other = ws.add_contact("Ann L", email="ann.l@example.com")
    survivor = ws.merge(other, ann)
    assert [c.local_id for c in ws.conflicts(survivor)] == [survivor.id]


# -- the owner's commands -------------------------------------------------------------------------


def test_the_owner_sees_lists_and_uses_the_value_set_aside(db_url, tmp_path, backend, remote):
    (tmp_path / "config.toml").write_text(f'[connectors.memory]\nbackend = "{backend}"\n')
    runner = CliRunner()

    def cli(*args: str) -> str:
        result = runner.invoke(main, ["--db", db_url, *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    ext = remote.add(Kind.CONTACT, {"display_name": "Ann Lee", "emails": ["ann@example.com"]})
    cli("sync")
    remote.edit(ext, {"company": "There Co"})
    time.sleep(_TICK)
    cli("contacts", "edit", "ann@example.com", "--company", "Here Co")
    out = cli("sync")
    assert "Conflicts: 1 field(s) changed in two places" in out
    assert "`relationkit conflicts`" in out
    listed = cli("conflicts")
    (row,) = [line.split("\t") for line in listed.splitlines() if "\tcompany\t" in line]
    assert (row[2], row[5]) == ("company", "open")
    assert row[3].startswith("Here Co  [relationkit, ") and row[4].startswith("There Co  [Memory, ")
    assert "use-other ID" in listed
    assert "There Co" in cli("contacts", "show", "ann@example.com", "--history")
    assert "now 'There Co'" in cli("conflicts", "use-other", row[0])
    assert cli("conflicts") == "No conflicts to look at.\n"
    assert "used_other" in cli("conflicts", "--all")
    cli("sync")
    assert remote.get(ext)["company"] == "There Co"
