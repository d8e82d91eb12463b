"""The safety guard judges each tab of the sheet on its own, and what it let through comes back
with ``restore --all`` / ``--since``: through gspread and the emulator, and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from gsheets_support import ID, SheetRemote

from relationkit.cli import main
from relationkit.config import update_config
from relationkit.errors import SafetyGuardTripped
from relationkit.models import FollowUp, FollowUpStatus
from relationkit.sync.report import SyncReport
from relationkit.testing import GoogleEmulator
from relationkit.workspace import Workspace

NAME = "google_sheets"


def _shop(ws: Workspace, customers: int, purchases: int, followups: int) -> list[str]:
    """Customers (their ids), the first ``purchases`` of them with a purchase and the first
    ``followups`` with an open follow-up due today (so it gets a row)."""
    ids = [ws.add_contact(f"Customer {n}", email=f"c{n}@example.com").id for n in range(customers)]
    for contact_id in ids[:purchases]:
        ws.record_purchase(contact_id, "12.50", on=date(2026, 5, 2))
    ws.save_followups(
        FollowUp(i, "check_in", f"check:{i}", "Check in", "test", date.today())
        for i in ids[:followups]
    )
    return ids


def _ids(emu: GoogleEmulator, remote: SheetRemote, tab: str) -> list[str]:
    return [str(r.get(ID, "")) for r in SheetRemote(emu, remote.sid, tab).records()]


def _clear(emu: GoogleEmulator, remote: SheetRemote, tab: str) -> None:
    """The owner selects every data row of ``tab`` and presses Delete (contents cleared)."""
    values = emu.sheets.get_values(remote.sid, tab)
    width = len(values[0])
    emu.sheets.set_values(remote.sid, tab, [[""] * width for _ in values[1:]], start="A2")


def _writes(emu: GoogleEmulator) -> list[str]:
    return [r.operation for r in emu.requests if r.method != "GET"]


def _removed_marks(ws: Workspace) -> int:
    return sum(ref.removed for c in ws.contacts() for ref in c.sources.values())


def test_a_cleared_customer_tab_stops_the_sync_whatever_the_other_tabs_hold(
    ws: Workspace,
    remote: SheetRemote,
    ssync: Callable[..., SyncReport],
    google_emulator: GoogleEmulator,
) -> None:
    ids = _shop(ws, customers=16, purchases=3, followups=2)
    assert ssync().ok
    assert len(_ids(google_emulator, remote, "Purchases")) == 3
    _clear(google_emulator, remote, "Contacts")
    google_emulator.reset_requests()
    with pytest.raises(SafetyGuardTripped) as tripped:
        ssync()
    message = str(tripped.value)
    assert "the 'Contacts' tab: none of the 16 records synced before is there" in message
    assert "`relationkit sync --force`" in message
    assert "`relationkit restore --all google_sheets`" in message
    assert "Purchases" not in message and "Follow-ups" not in message
    assert _writes(google_emulator) == [] and _removed_marks(ws) == 0  # nothing applied
    assert ws.removed_records(NAME) == []

    report = ssync(force=True)
    assert report.ok, report.messages
    assert report.connectors[NAME].removed == 16
    assert [m for m in report.messages if "restore" in m] == [
        "google_sheets: 16 records were removed there and kept here: "
        "`relationkit restore --all google_sheets` brings them back"
    ]
    assert ws.count_contacts() == 16 and _removed_marks(ws) == 16
    assert remote.records() == []  # not written back by itself
    assert sorted(r.local_id for r in ws.removed_records(NAME)) == sorted(ids)

    assert ws.restore_removed(NAME) == 16
    assert ssync().connectors[NAME].pushed_created == 16
    assert sorted(_ids(google_emulator, remote, "Contacts")) == sorted(ids)  # the same ids
    assert len(_ids(google_emulator, remote, "Purchases")) == 3
    again = ssync()
    assert (again.connectors[NAME].removed, again.connectors[NAME].pushed_created) == (0, 0)
    assert _removed_marks(ws) == 0 and ws.removed_records() == []


def test_a_small_tab_emptied_stops_the_sync_too_and_comes_back(
    ws: Workspace,
    remote: SheetRemote,
    ssync: Callable[..., SyncReport],
    google_emulator: GoogleEmulator,
) -> None:
    _shop(ws, customers=4, purchases=3, followups=0)
    ssync()
    before = _ids(google_emulator, remote, "Purchases")
    google_emulator.sheets.delete_rows(remote.sid, "Purchases", 2, count=3)
    with pytest.raises(SafetyGuardTripped, match="the 'Purchases' tab: none of the 3 records"):
        ssync()
    assert ssync(force=True).connectors[NAME].removed == 3
    assert len(ws.purchases()) == 3  # kept here
    assert ws.restore_removed(NAME) == 3
    assert ssync().connectors[NAME].pushed_created == 3
    assert sorted(_ids(google_emulator, remote, "Purchases")) == sorted(before)


def test_one_row_deleted_is_a_delete_but_most_of_a_tab_gone_is_not(
    ws: Workspace,
    remote: SheetRemote,
    ssync: Callable[..., SyncReport],
    google_emulator: GoogleEmulator,
) -> None:
    _shop(ws, customers=16, purchases=10, followups=0)
    ssync()
    google_emulator.sheets.delete_rows(remote.sid, "Purchases", 2)
    assert ssync().connectors[NAME].removed == 1
    # 9 of 16 customers: more than half of the tab, though 9 of the sheet's 25 rows.
    google_emulator.sheets.delete_rows(remote.sid, "Contacts", 2, count=9)
    with pytest.raises(SafetyGuardTripped, match="'Contacts' tab: only 7 of the 16 records"):
        ssync()
    assert ssync({"max_removed_fraction": 0.6}).connectors[NAME].removed == 9


def test_rows_of_closed_follow_ups_may_go_but_open_ones_may_not_all_vanish(
    ws: Workspace,
    remote: SheetRemote,
    ssync: Callable[..., SyncReport],
    google_emulator: GoogleEmulator,
) -> None:
    _shop(ws, customers=4, purchases=0, followups=4)
    ssync()
    followups = sorted(ws.followups(), key=lambda f: f.id)
    for followup in followups[:2]:
        ws.complete_followup(followup, "called")
    ssync()
    tab = SheetRemote(google_emulator, remote.sid, "Follow-ups")
    for followup in followups[:2]:
        google_emulator.sheets.delete_rows(remote.sid, "Follow-ups", tab.row_number(followup.id))
    assert ssync().connectors[NAME].removed == 2  # done: the owner tidies them away
    google_emulator.sheets.delete_rows(remote.sid, "Follow-ups", 2, count=2)
    with pytest.raises(SafetyGuardTripped, match="the 'Follow-ups' tab: none of the 2 records"):
        ssync()
    assert [ws.get_followup(f.id).status for f in followups[2:]] == [FollowUpStatus.OPEN] * 2


def test_restore_since_brings_back_only_what_was_removed_since(
    ws: Workspace,
    remote: SheetRemote,
    ssync: Callable[..., SyncReport],
    google_emulator: GoogleEmulator,
) -> None:
    ids = _shop(ws, customers=4, purchases=0, followups=0)
    ssync()
    google_emulator.sheets.delete_rows(remote.sid, "Contacts", remote.row_number(ids[0]))
    ssync()
    (first,) = ws.removed_records(NAME)
    google_emulator.sheets.delete_rows(remote.sid, "Contacts", remote.row_number(ids[1]))
    ssync()
    later = [r for r in ws.removed_records(NAME) if r.removed_at > first.removed_at]
    assert [r.local_id for r in later] == [ids[1]]
    assert ws.restore_removed(since=later[0].removed_at) == 1
    assert ssync().connectors[NAME].pushed_created == 1
    assert sorted(_ids(google_emulator, remote, "Contacts")) == sorted(ids[1:])
    assert [r.local_id for r in ws.removed_records()] == [ids[0]]


# -- the CLI ---------------------------------------------------------------------------------------


@pytest.fixture
def cli(
    ws: Workspace,
    sheet_settings: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Result]:
    """``cli(*args, code=0)``: ``relationkit --db <ws> ARGS`` with only the sheet enabled."""
    config = tmp_path / "config.toml"
    update_config(f"connectors.{NAME}", sheet_settings, config)
    monkeypatch.setenv("RELATIONKIT_CONFIG", str(config))
    monkeypatch.setenv("RELATIONKIT_DATA_DIR", str(tmp_path / "data"))
    url = str(ws.engine.url)

    def invoke(*args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(main, ["--db", url, *args])
        assert result.exit_code == code, (result.output, result.stderr)
        return result

    return invoke


@pytest.mark.slow
def test_the_cli_stops_names_one_restore_command_and_restores_in_bulk(
    ws: Workspace,
    remote: SheetRemote,
    cli: Callable[..., Result],
    google_emulator: GoogleEmulator,
) -> None:
    ids = _shop(ws, customers=4, purchases=2, followups=0)
    cli("sync")
    google_emulator.sheets.delete_rows(remote.sid, "Contacts", remote.row_number(ids[0]))
    assert "1 record was removed there" in cli("sync").stdout
    _clear(google_emulator, remote, "Contacts")
    stopped = cli("sync", code=1)
    assert (
        "Error: google_sheets: stopped before changing anything: the 'Contacts' tab: none of "
        in (stopped.stderr)
    )
    assert "relationkit sync --force" in stopped.stderr and stopped.stdout == ""
    forced = cli("sync", "--force").stdout
    assert [line for line in forced.splitlines() if "restore" in line] == [
        "google_sheets: 3 records were removed there and kept here: "
        "`relationkit restore --all google_sheets` brings them back"
    ]
    listing = cli("restore", "--list", "sheets").stdout
    assert all(i in listing for i in ids) and "Customer 0" in listing

    (first,) = [r for r in ws.removed_records() if r.local_id == ids[0]]
    since = min(r.removed_at for r in ws.removed_records() if r.local_id != ids[0])
    assert first.removed_at < since
    out = cli("restore", "--since", since.isoformat()).stdout
    assert "3 records will be written to the tools they were removed from" in out
    assert [r.local_id for r in ws.removed_records()] == [ids[0]]
    assert "Customer 0" in cli("restore", "--list").stdout

    assert "1 record will be written to google_sheets" in cli("restore", "--all", "sheets").stdout
    assert "Nothing to restore" in cli("restore", "--since", "2h", NAME).stdout
    cli("sync")
    assert sorted(_ids(google_emulator, remote, "Contacts")) == sorted(ids)

    assert "neither a date" in cli("restore", "--since", "yesterday", code=2).stderr
    assert "--all needs the CONNECTOR" in cli("restore", "--all", code=2).stderr
    assert "no connector called nope" in cli("restore", "--all", "nope", code=1).stderr
