"""A Customer number column on the Contacts tab: read as an external id, written back, merged
by, and never read as clearing the ids of kinds the sheet has no column for."""

from __future__ import annotations

from gsheets_support import ID, SheetRemote

from relationkit.models import ExternalId


def _add_column(google_emulator, sheet_settings, remote: SheetRemote, header: str) -> None:
    column = chr(65 + len(remote.header()))
    google_emulator.sheets.set_values(
        sheet_settings["spreadsheet_id"], "Contacts", [[header]], start=f"{column}1"
    )


def _row(remote: SheetRemote, key: str) -> dict:
    return next(r for r in remote.records() if key in (str(r.get("Ref")), str(r.get(ID))))


def test_a_customer_number_column_syncs_both_ways(
    ws, remote, ssync, google_emulator, sheet_settings
):
    _add_column(google_emulator, sheet_settings, remote, "Customer number")
    ann = ws.add_contact(
        "Ann Lee", email="ann@example.com", external_ids={"customer number": "C-77", "card": "L1"}
    )
    remote.type_row({"Name": "Bob Day", "Email": "bob@example.com", "Customer number": 10234})
    report = ssync()
    assert report.ok, report.messages
    bob = ws.get_contact("bob@example.com")
    assert bob.external_ids == [ExternalId("customer number", "10234")]
    assert "Customer number" not in bob.custom
    assert _row(remote, ann.id)["Customer number"] == "C-77"

    remote.type(remote.row_number(ann.id), "Customer number", "C-78; C-77")
    report = ssync()
    assert report.ok, report.messages
    ann = ws.get_contact(ann.id)
    # The sheet's column replaces the customer numbers; the card it has no column for stays.
    assert [str(x) for x in ann.external_ids] == [
        "card L1",
        "customer number C-78",
        "customer number C-77",
    ]


def test_a_row_with_a_known_number_joins_its_customer_unless_the_names_conflict(
    ws, remote, ssync, google_emulator, sheet_settings
):
    _add_column(google_emulator, sheet_settings, remote, "Member #")
    robert = ws.add_contact("Robert Day", external_ids={"member number": "M-5"})
    remote.type_row({"Name": "Bob Day", "Email": "bob@example.com", "Member #": "m5"})
    remote.type_row({"Name": "Jane Day", "Email": "jane@example.com", "Member #": "M-5"})
    report = ssync()
    assert report.ok, report.messages
    assert ws.get_contact("bob@example.com").id == robert.id  # Bob is Robert
    jane = ws.get_contact("jane@example.com")
    assert jane.id != robert.id  # another member of the household
    queued = [d for d in ws.duplicates() if {d.a, d.b} == {jane.id, robert.id}]
    assert queued and queued[0].reasons[0] == "same member number M-5"
