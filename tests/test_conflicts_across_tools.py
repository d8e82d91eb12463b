"""The conflict rule across tools in one sync: the same field changed in the sheet and in Google
Contacts since the last sync takes the newer change, whichever tool is pulled first.

The sheet dates its rows by the file's last modification (Drive ``modifiedTime``), Google
Contacts by the contact's ``updateTime`` (docs/sync.md, docs/google-sheets.md).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from google_sync_support import GoogleShop, email_of

from relationkit.jobs import run_sync_job
from relationkit.testing import GoogleEmulator

ANN = email_of("ann")


@pytest.mark.parametrize("newer", ["sheet", "contacts"])
def test_the_newer_of_two_tools_edits_wins_everywhere(
    google_emulator: GoogleEmulator, tmp_path: Path, newer: str
) -> None:
    shop = GoogleShop(google_emulator, tmp_path)
    shop.set_up()
    shop.sheet_type_row("ann", company="Old Co")
    with shop.open() as ws:
        assert run_sync_job(ws).ok
    assert shop.people_of(ANN) is not None
    edits = {
        "sheet": lambda: shop.sheet_edit(ANN, "company", "From the sheet"),
        "contacts": lambda: shop.people_edit(ANN, "company", "From Contacts"),
    }
    older = "contacts" if newer == "sheet" else "sheet"
    google_emulator.advance(timedelta(minutes=5))
    edits[older]()
    google_emulator.advance(timedelta(minutes=5))
    edits[newer]()
    google_emulator.advance(timedelta(minutes=5))
    with shop.open() as ws:
        report = run_sync_job(ws)
        assert report.ok, report.messages
        winner = "From the sheet" if newer == "sheet" else "From Contacts"
        assert ws.get_contact(ANN).company == winner
    [row] = [r for r in shop.sheet_records() if ANN in r.emails]
    [person] = [r for r in shop.people_records() if ANN in r.emails]
    assert row.company == person.company == winner
