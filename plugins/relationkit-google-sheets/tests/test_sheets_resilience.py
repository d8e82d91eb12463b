"""Faults (429, 500, dropped connections), writes racing the owner, and a 10,000-row sheet."""

from __future__ import annotations

import pytest
from gsheets_support import ID

from relationkit.errors import SyncError
from relationkit.sync.contract import Change, Kind, Op
from relationkit_google_sheets import GoogleSheetsConnector


def test_429_and_500_are_retried(ws, remote, ssync, google_emulator):
    ws.add_contact("Ann Lee", email="ann@example.com")
    google_emulator.inject_fault("sheets", "values.batchGet", status=429, retry_after=0, times=1)
    google_emulator.inject_fault("sheets", "values.batchUpdate", status=500, retry_after=0, times=1)
    report = ssync()
    assert report.ok, report.messages
    assert google_emulator.request_count("sheets", "values.batchGet") == 2
    assert [r["Name"] for r in remote.records()] == ["Ann Lee"]


def test_a_persistent_500_is_a_clear_error_and_nothing_is_lost(ws, remote, ssync, google_emulator):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    remote.type_row({"Name": "Bob Day", "Email": "bob@example.com", "Ref": "bob"})
    google_emulator.inject_fault("sheets", "values.batchUpdate", status=500, retry_after=0, times=3)
    report = ssync()
    assert not report.ok
    (message,) = [m for m in report.messages if "google_sheets" in m]
    assert "Google Sheets: write changes" in message and "HTTP 500" in message
    assert "bob@example.com" not in message
    assert ws.count_contacts() == 2  # Bob was read and kept
    report = ssync()
    assert report.ok, report.messages
    records = remote.records()
    assert sorted(r["Name"] for r in records) == ["Ann Lee", "Bob Day"]
    assert all(r[ID] for r in records)
    assert ws.count_contacts() == 2
    assert ann.id in {r[ID] for r in records}


def test_an_unreadable_spreadsheet_is_a_clear_error(ws, sheet_settings):
    connector = GoogleSheetsConnector(ws, {**sheet_settings, "purchases_tab": "Sales"})
    with pytest.raises(SyncError, match="'Sales'"):
        connector.pull({}, full=True)


def test_rows_the_owner_adds_during_a_sync_are_never_overwritten(
    ws, remote, google_emulator, sheet_settings
):
    remote.type_row({"Name": "Bob Day", "Email": "bob@example.com", "Ref": "bob"})
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    connector = GoogleSheetsConnector(ws, dict(sheet_settings))
    connector.pull({}, full=True)
    remote.type_row({"Name": "Cy Typed-Meanwhile", "Ref": "cy"})  # between pull and push
    fields = {"display_name": "Ann Lee", "emails": ["ann@example.com"]}
    (result,) = connector.push(
        [Change(Op.CREATE, Kind.CONTACT, ann.id, None, "", fields, list(fields))]
    )
    assert result.error is None
    assert [r["Name"] for r in remote.records()] == ["Bob Day", "Ann Lee", "Cy Typed-Meanwhile"]


def test_ten_thousand_rows_take_one_read_and_one_write(ws, remote, google_emulator, sheet_settings):
    block = [
        [f"Customer {i}", "", "", f"c{i}@example.com", "", f"Co {i % 97}"] for i in range(10_000)
    ]
    assert remote.header()[:6] == ["Name", "First name", "Last name", "Email", "Phone", "Company"]
    google_emulator.sheets.set_values(remote.sid, "Contacts", block, start="A2")
    connector = GoogleSheetsConnector(ws, dict(sheet_settings))
    pulled = connector.pull({}, full=True)
    assert len(pulled.items) == 10_000
    assert pulled.items[9_999].fields["emails"] == ["c9999@example.com"]
    changes = [
        Change(Op.UPDATE, Kind.CONTACT, f"c_{n}", item.external_id, item.etag, item.fields, [])
        for n, item in enumerate(pulled.items)
    ]
    results = connector.push(changes)
    assert [r.error for r in results] == [None] * 10_000
    assert google_emulator.request_count() == 2
    ids = [r[ID] for r in remote.records()]
    assert ids == [f"c_{n}" for n in range(10_000)]


def grid_rows_of(google_emulator, remote) -> int:
    tabs = google_emulator.sheets.spreadsheet(remote.sid).sheets
    return next(t.row_count for t in tabs if t.title == remote.tab)


@pytest.mark.parametrize(
    "operation", ["spreadsheets.batchUpdate", "values.batchUpdate", "values.batchGet"]
)
def test_a_lost_reply_adds_each_customer_once(ws, remote, ssync, google_emulator, operation):
    """New rows are inserted with their values in one request: after a lost answer the id
    column says whether they were made, so no row is added (or left blank) twice."""
    made = [ws.add_contact(f"Customer {n}", email=f"c{n}@example.com") for n in range(3)]
    remote.type_row({"Name": "Bob Day", "Email": "bob@example.com", "Ref": "bob"})
    assert ssync().ok
    ws.update_contact(made[0], company="Lee Gardens")  # an update to send with the new rows
    more = [ws.add_contact(f"Newer {n}", email=f"n{n}@example.com") for n in range(2)]
    grid_rows = grid_rows_of(google_emulator, remote)
    google_emulator.inject_fault("sheets", operation, lose_reply=True)
    report = ssync()
    assert report.ok, report.messages
    assert ssync().ok
    assert grid_rows_of(google_emulator, remote) == grid_rows + 2  # no row inserted twice
    records = remote.records()
    ids = [r[ID] for r in records]
    assert sorted(ids) == sorted(c.id for c in ws.contacts())
    assert len(ids) == len(set(ids)) == 6
    assert {c.id for c in made + more} <= set(ids)
    assert next(r for r in records if r[ID] == made[0].id)["Company"] == "Lee Gardens"
