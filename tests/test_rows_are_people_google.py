"""A row is a person, not an id, across the sheet and Google Contacts in one sync: a copied row
retyped as a new customer, or a Google contact retyped as someone else, is held for review and
changes nobody, anywhere (docs/sync.md, "A record is a person, not an id")."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from google_sync_support import CONTACTS_TAB, ID, GoogleShop

from relationkit.jobs import run_sync_job
from relationkit.testing import GoogleEmulator

ANN = "ann@example.com"
DAN = "dan@example.com"


def _person(shop: GoogleShop, email: str) -> dict[str, Any] | None:
    for name in shop.emu.people.group_members(shop.group_id):
        person = shop.emu.people.person(name)
        if email in [e["value"].lower() for e in person.get("emailAddresses") or []]:
            return person
    return None


def _display(person: dict[str, Any]) -> str:
    return str((person.get("names") or [{}])[0].get("displayName", ""))


def _letter(header: list[str], name: str) -> str:
    return chr(ord("A") + header.index(name))


def _shop_with_ann(emu: GoogleEmulator, tmp_path: Path) -> tuple[GoogleShop, str]:
    shop = GoogleShop(emu, tmp_path)
    shop.set_up()
    with shop.open() as ws:
        ann = ws.add_contact("Ann Lee", email=ANN, phone="+1 415 555 0134", notes="likes roses")
        ws.record_purchase(ann.id, 40, on=date(2024, 3, 1))
        assert run_sync_job(ws).ok
    person = _person(shop, ANN)
    assert person is not None and person.get("phoneNumbers")
    return shop, ann.id


def _assert_ann_everywhere(shop: GoogleShop, ann_id: str) -> None:
    with shop.open() as ws:
        ann = ws.get_contact(ann_id)
        assert (ann.name, ann.emails, ann.phones, ann.notes) == (
            "Ann Lee",
            [ANN],
            ["+14155550134"],
            "likes roses",
        )
        assert [p.contact_id for p in ws.purchases()] == [ann_id]
    person = _person(shop, ANN)
    assert person is not None
    assert _display(person) == "Ann Lee"
    assert [p["value"] for p in person.get("phoneNumbers") or []]


@pytest.mark.slow
def test_a_copied_row_retyped_as_a_new_customer_changes_nobody_in_any_tool(
    google_emulator: GoogleEmulator, tmp_path: Path
) -> None:
    shop, ann_id = _shop_with_ann(google_emulator, tmp_path)
    sheets = google_emulator.sheets
    rows = shop.sheet_rows()
    [(number, row)] = [(n, r) for n, r in rows if r[ID] == ann_id]
    header = list(row)
    copy = [row[h] for h in header]
    sheets.insert_rows(shop.spreadsheet_id, CONTACTS_TAB, number, [copy])
    retyped = {"Name": "Dan Ross", "First name": "Dan", "Last name": "Ross", "Email": DAN,
               "Phone": "", "Notes": "new"}  # fmt: skip
    for name, value in retyped.items():
        sheets.owner_edit(
            shop.spreadsheet_id, CONTACTS_TAB, f"{_letter(header, name)}{number}", value
        )
    with shop.open() as ws:
        report = run_sync_job(ws)
        assert report.connectors["google_sheets"].needs_review == 1
        assert ws.count_contacts() == 1
    _assert_ann_everywhere(shop, ann_id)
    assert _person(shop, DAN) is None
    held = dict(shop.sheet_rows())[number]
    assert (held["Name"], held[ID]) == ("Dan Ross", ann_id)
    assert "is held" in held["Problems"]
    # A second sync changes nothing either (the row is held until the owner fixes it).
    with shop.open() as ws:
        assert run_sync_job(ws).connectors["google_sheets"].needs_review == 1
    _assert_ann_everywhere(shop, ann_id)
    # The owner clears the id cell: Dan becomes a new customer, in Google Contacts too.
    sheets.owner_edit(shop.spreadsheet_id, CONTACTS_TAB, f"{_letter(header, ID)}{number}", "")
    with shop.open() as ws:
        report = run_sync_job(ws)
        assert report.ok, report.messages
        dan = ws.get_contact(DAN)
        assert dan.id != ann_id and dan.name == "Dan Ross"
    _assert_ann_everywhere(shop, ann_id)
    person = _person(shop, DAN)
    assert person is not None and _display(person) == "Dan Ross"
    assert all(r["Problems"] == "" for _, r in shop.sheet_rows())


@pytest.mark.slow
def test_a_google_contact_retyped_as_someone_else_is_held(
    google_emulator: GoogleEmulator, tmp_path: Path
) -> None:
    shop, ann_id = _shop_with_ann(google_emulator, tmp_path)
    person = _person(shop, ANN)
    assert person is not None
    google_emulator.people.edit_person(
        person["resourceName"],
        {
            "names": [{"givenName": "Dan", "familyName": "Ross"}],
            "emailAddresses": [{"value": DAN}],
            "phoneNumbers": [],
        },
    )
    with shop.open() as ws:
        report = run_sync_job(ws)
        assert report.connectors["google_contacts"].needs_review == 1
        assert any(p.connector == "google_contacts" for p in report.problems)
        ann = ws.get_contact(ann_id)
        assert (ann.name, ann.emails, ann.phones) == ("Ann Lee", [ANN], ["+14155550134"])
    [(_, row)] = [(n, r) for n, r in shop.sheet_rows() if r[ID] == ann_id]
    assert (row["Name"], row["Email"]) == ("Ann Lee", ANN)
    retyped = _person(shop, DAN)
    assert retyped is not None and _display(retyped) == "Dan Ross"  # left as the owner made it
