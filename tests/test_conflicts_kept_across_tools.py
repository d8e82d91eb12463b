"""Nothing is lost in a conflict between the sheet and Google Contacts (issue 16, case 4): notes
edited in both are joined, an email changed in both keeps both addresses, a company changed in
both keeps the newer and sets the other aside in `relationkit conflicts`; the sheet's Problems
cell says which value won and where the other came from, and `conflicts use-other` then a sync
writes the other value to both tools. Through the real gspread and People clients on the
emulator (the model: tests/test_conflicts_across_tools.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from google_sync_support import CONTACTS_TAB, GoogleShop, email_of

from relationkit.cli import main
from relationkit.jobs import run_sync_job
from relationkit.testing import GoogleEmulator

ANN = email_of("ann")
NEW_HERE = "ann@sheet.example"
NEW_THERE = "ann@phone.example"


@pytest.fixture
def shop(google_emulator: GoogleEmulator, tmp_path: Path) -> GoogleShop:
    """Ann, typed in the sheet with a note and synced to Google Contacts."""
    shop = GoogleShop(google_emulator, tmp_path)
    shop.set_up(google_calendar={"enabled": False})
    shop.sheet_type_row("ann", company="Old Co")
    _sheet_cell(shop, ANN, "Notes", "likes tea")
    _sync(shop)
    assert shop.people_of(ANN) is not None
    return shop


def _sync(shop: GoogleShop) -> None:
    with shop.open() as ws:
        report = run_sync_job(ws)
        assert report.ok, report.messages


def _header(shop: GoogleShop) -> list[str]:
    return [str(h) for h in shop.emu.sheets.get_values(shop.spreadsheet_id, CONTACTS_TAB)[0]]


def _a1(shop: GoogleShop, email: str, header: str) -> str:
    number = shop.sheet_row_of(email)
    assert number is not None, f"no sheet row has {email}"
    return f"{chr(ord('A') + _header(shop).index(header))}{number}"


def _sheet_cell(shop: GoogleShop, email: str, header: str, value: str | None = None) -> Any:
    """The cell under ``header`` in the row of ``email``; the owner types ``value`` there."""
    cell = _a1(shop, email, header)
    if value is not None:
        shop.emu.sheets.owner_edit(shop.spreadsheet_id, CONTACTS_TAB, cell, value)
    row = dict(zip(_header(shop), [""] * len(_header(shop)), strict=True))
    for _, found in shop.sheet_rows():
        if email in str(found["Email"]).lower():
            row = found
    return row[header]


def _phone_edit(shop: GoogleShop, email: str, changes: dict[str, Any]) -> None:
    """The owner edits the contact on the phone (Google Contacts)."""
    name = shop.people_of(email)
    assert name is not None
    shop.emu.people.edit_person(name, changes)


def _person(shop: GoogleShop, email: str) -> dict[str, Any]:
    name = shop.people_of(email)
    assert name is not None
    return shop.emu.people.person(name)


def _one_after_the_other(
    emu: GoogleEmulator, older: Callable[[], None], newer: Callable[[], None]
) -> None:
    emu.advance(timedelta(minutes=5))
    older()
    emu.advance(timedelta(minutes=5))
    newer()
    emu.advance(timedelta(minutes=5))


def _cli(shop: GoogleShop, *args: str) -> str:
    result = CliRunner(env=shop.environment()).invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_notes_edited_in_the_sheet_and_on_the_phone_are_both_kept(
    shop: GoogleShop, google_emulator: GoogleEmulator
) -> None:
    _one_after_the_other(
        google_emulator,
        lambda: _sheet_cell(shop, ANN, "Notes", "likes tea, allergic to nuts"),
        lambda: _phone_edit(shop, ANN, {"biographies": [{"value": "daughter Mia"}]}),
    )
    _sync(shop)
    with shop.open() as ws:
        notes = ws.get_contact(ANN).notes
        (conflict,) = ws.conflicts()
    assert notes.startswith("daughter Mia\n\n— from Google Sheets, ")
    assert notes.endswith(": likes tea, allergic to nuts")
    assert _sheet_cell(shop, ANN, "Notes") == notes
    assert _person(shop, ANN)["biographies"][0]["value"] == notes
    assert (conflict.field, conflict.lost, conflict.both_kept) == (
        "notes",
        "likes tea, allergic to nuts",
        True,
    )
    assert (conflict.kept_source, conflict.lost_source) == ("google_contacts", "google_sheets")
    problems = _sheet_cell(shop, ANN, "Problems")
    assert "Notes: changed in Google Contacts and in this sheet" in problems
    assert f"relationkit conflicts dismiss {conflict.id}" in problems

    # The owner prefers the sheet's text alone: both tools get it, the note leaves the row.
    assert "the next sync sends it" in _cli(shop, "conflicts", "use-other", str(conflict.id))
    _sync(shop)
    assert _sheet_cell(shop, ANN, "Notes") == "likes tea, allergic to nuts"
    assert _person(shop, ANN)["biographies"][0]["value"] == "likes tea, allergic to nuts"
    assert _sheet_cell(shop, ANN, "Problems") == ""


def test_an_email_changed_in_both_tools_keeps_both_addresses(
    shop: GoogleShop, google_emulator: GoogleEmulator
) -> None:
    _one_after_the_other(
        google_emulator,
        lambda: _phone_edit(shop, ANN, {"emailAddresses": [{"value": NEW_THERE}]}),
        lambda: _sheet_cell(shop, ANN, "Email", NEW_HERE),
    )
    _sync(shop)
    with shop.open() as ws:
        assert ws.get_contact(NEW_HERE).emails == [NEW_HERE, NEW_THERE]  # the newer first
        (conflict,) = ws.conflicts()
    assert [e["value"] for e in _person(shop, NEW_HERE)["emailAddresses"]] == [NEW_HERE, NEW_THERE]
    assert shop.sheet_row_of(NEW_THERE) == shop.sheet_row_of(NEW_HERE)
    assert (conflict.field, conflict.lost, conflict.both_kept) == ("emails", [NEW_THERE], True)
    assert "Email: changed in this sheet and in Google Contacts" in _sheet_cell(
        shop, NEW_HERE, "Problems"
    )


def test_a_company_changed_in_both_tools_sets_the_older_aside(
    shop: GoogleShop, google_emulator: GoogleEmulator
) -> None:
    _one_after_the_other(
        google_emulator,
        lambda: _sheet_cell(shop, ANN, "Company", "Sheet Co"),
        lambda: shop.people_edit(ANN, "company", "Phone Co"),
    )
    _sync(shop)
    listed = _cli(shop, "conflicts")
    assert "Sheet Co  [Google Sheets, " in listed and "Phone Co  [Google Contacts, " in listed
    with shop.open() as ws:
        (conflict,) = ws.conflicts()
        assert ws.get_contact(ANN).company == "Phone Co"
    assert _sheet_cell(shop, ANN, "Company") == "Phone Co"
    problems = _sheet_cell(shop, ANN, "Problems")
    assert "the newer value (from Google Contacts, " in problems
    assert "the one from this sheet is kept aside: “Sheet Co”" in problems
    assert "Sheet Co" in _cli(shop, "contacts", "show", ANN, "--history")

    _cli(shop, "conflicts", "use-other", str(conflict.id))
    _sync(shop)
    assert _sheet_cell(shop, ANN, "Company") == "Sheet Co"
    assert _person(shop, ANN)["organizations"][0]["name"] == "Sheet Co"
    assert _sheet_cell(shop, ANN, "Problems") == ""


@pytest.mark.slow
def test_a_row_shows_its_newest_conflicts_and_counts_the_others(
    shop: GoogleShop, google_emulator: GoogleEmulator
) -> None:
    for round_ in range(4):
        _one_after_the_other(
            google_emulator,
            lambda r=round_: _sheet_cell(shop, ANN, "Company", f"Sheet {r}"),
            lambda r=round_: shop.people_edit(ANN, "company", f"Phone {r}"),
        )
        _sync(shop)
    with shop.open() as ws:
        ids = [c.id for c in ws.conflicts()]
        # The sync's own columns are never read as the customer's (custom) fields.
        assert not {"Problems", "relationkit id"} & ws.get_contact(ANN).custom.keys()
    assert len(ids) > 3
    problems = _sheet_cell(shop, ANN, "Problems")
    assert problems.count("Company: changed in") == 3
    assert f"dismiss {ids[-1]}`" in problems and f"dismiss {ids[0]}`" not in problems
    assert problems.endswith(f"{len(ids) - 3} more: `relationkit conflicts` lists them")
