"""A row is a person, not an id: rows whose identity changed wholesale, rows sharing an id and
partial sorts are held for review; two rows of one person are merged without losing a note."""

from __future__ import annotations

from datetime import date
from typing import Any

from gsheets_support import ID, SheetRemote

from relationkit.testing import GoogleEmulator

HELD = "is held"  # what the Problems cell of a held row says (docs/google-sheets.md)


def _row(remote: SheetRemote, number: int) -> dict[str, Any]:
    header = remote.header()
    cells = remote.values()[number - 1]
    return {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)}


def _cells(remote: SheetRemote, number: int) -> list[Any]:
    return list(remote.values()[number - 1])


def _same_as(number: int) -> str:
    return (
        f"same customer as row {number}, which is kept up to date; this row no longer syncs "
        "and what is typed here stays as it is: delete the row when you like"
    )


def _shop(ws: Any, remote: SheetRemote, ssync: Any) -> tuple[Any, Any]:
    ann = ws.add_contact(
        "Ann Lee", email="ann@example.com", phone="+1 415 555 0134", notes="likes roses"
    )
    bob = ws.add_contact("Bob Day", email="bob@example.com", phone="+1 415 555 0199")
    ws.record_purchase(ann.id, 40, on=date(2024, 3, 1))
    assert ssync().ok
    return ann, bob


def test_a_copied_row_retyped_as_someone_else_is_held_and_ann_stays_ann(
    ws, remote: SheetRemote, ssync, google_emulator: GoogleEmulator
) -> None:
    ann, _ = _shop(ws, remote, ssync)
    number = remote.row_number(ann.id)
    copy = _cells(remote, number)
    google_emulator.sheets.insert_rows(remote.sid, "Contacts", number, [copy])
    for header, value in {"Name": "Dan Ross", "Email": "dan@example.com", "Phone": "",
                          "Notes": "new customer"}.items():  # fmt: skip
        remote.type(number, header, value)
    report = ssync()
    kept = ws.get_contact(ann.id)
    assert (kept.name, kept.emails, kept.phones, kept.notes) == (
        "Ann Lee",
        ["ann@example.com"],
        ["+14155550134"],
        "likes roses",
    )
    assert [p.contact_id for p in ws.purchases()] == [ann.id]
    assert ws.count_contacts() == 2
    assert report.connectors["google_sheets"].needs_review >= 1
    held = _row(remote, number)
    assert held["Name"] == "Dan Ross" and held[ID] == ann.id  # the typed row is left as typed
    assert HELD in held["Problems"]
    original = _row(remote, number + 1)
    assert original["Name"] == "Ann Lee" and original["Phone"]
    assert any(p.external_id == ann.id for p in report.problems)
    # The owner clears the id cell: the row becomes a new customer; Ann's row syncs again.
    remote.type(number, ID, "")
    report = ssync()
    assert report.ok, report.messages
    dan = ws.get_contact("dan@example.com")
    assert dan.id != ann.id and dan.name == "Dan Ross" and dan.notes == "new customer"
    assert ws.get_contact(ann.id).name == "Ann Lee"
    assert [p.contact_id for p in ws.purchases()] == [ann.id]
    assert _row(remote, number)[ID] == dan.id
    assert _row(remote, number)["Problems"] == ""
    assert _row(remote, number + 1)["Problems"] == ""


def test_a_sort_of_some_columns_moves_nobodys_data(
    ws, remote: SheetRemote, ssync, google_emulator: GoogleEmulator
) -> None:
    people = [
        ws.add_contact(name, email=f"{name.split()[0].lower()}@example.com", notes=f"{name} note")
        for name in ("Cat Ames", "Dan Bo", "Eve Cole", "Fay Dunn")
    ]
    assert ssync().ok
    before = {c.id: (c.name, c.emails, c.notes) for c in people}
    names_before = [r["Name"] for r in remote.records()]
    block = remote.emu.sheets.get_values(
        remote.sid, "Contacts", "A2:D5", render="UNFORMATTED_VALUE"
    )
    sheet = google_emulator.sheets.spreadsheet(remote.sid)
    sheet_id = next(s.id for s in sheet.sheets if s.title == "Contacts")
    google_emulator.sheets.batch_update(
        remote.sid,
        [{"sortRange": {
            "range": {"sheetId": sheet_id, "startRowIndex": 1, "endRowIndex": 5,
                      "startColumnIndex": 0, "endColumnIndex": 4},
            "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "DESCENDING"}],
        }}],
    )  # fmt: skip
    moved = sum(a != r["Name"] for a, r in zip(names_before, remote.records(), strict=True))
    assert moved >= 2
    report = ssync()
    after = {c.id: (c.name, c.emails, c.notes) for c in ws.contacts()}
    assert after == before
    assert report.connectors["google_sheets"].needs_review == moved
    assert any("sort" in m for m in report.messages)
    assert sum(HELD in str(r["Problems"]) for r in remote.records()) == moved
    # Undo: the rows are as relationkit wrote them, the problems go away.
    google_emulator.sheets.set_values(remote.sid, "Contacts", block, "A2")
    report = ssync()
    assert report.ok and report.connectors["google_sheets"].needs_review == 0
    assert all(r["Problems"] == "" for r in remote.records())


def test_two_rows_with_one_id_are_held(ws, remote: SheetRemote, ssync, google_emulator) -> None:
    ann, _ = _shop(ws, remote, ssync)
    number = remote.row_number(ann.id)
    copy = _cells(remote, number)
    google_emulator.sheets.insert_rows(remote.sid, "Contacts", number + 1, [copy])
    remote.type(number + 1, "Notes", "second note")
    assert ssync().ok
    assert f"same relationkit id is on row {number}" in str(_row(remote, number + 1)["Problems"])
    assert _row(remote, number + 1)["Notes"] == "second note"  # held, as typed
    assert (ws.get_contact(ann.id).name, ws.get_contact(ann.id).notes) == ("Ann Lee", "likes roses")
    # The owner deletes the copy: nothing is held any more.
    google_emulator.sheets.delete_rows(remote.sid, "Contacts", number + 1)
    assert ssync().ok
    assert all(r["Problems"] == "" for r in remote.records())


def test_two_new_rows_of_one_person_keep_both_notes(ws, remote: SheetRemote, ssync) -> None:
    assert ssync().ok
    first = remote.type_row({"Name": "Eve Park", "Email": "eve@example.com", "Notes": "note A"})
    second = remote.type_row({"Name": "Eve Park", "Email": "eve@example.com", "Notes": "note B"})
    report = ssync()
    assert report.ok, report.messages
    eve = ws.get_contact("eve@example.com")
    assert "note A" in eve.notes and "note B" in eve.notes
    assert ws.count_contacts() == 1
    assert _row(remote, first)["Notes"] == "note A"
    assert _row(remote, second)["Notes"] == "note B"
    problems = {str(_row(remote, n)["Problems"]) for n in (first, second)}
    assert problems in (
        {"", _same_as(second)},  # the first row is the one that leaves the sync, or
        {"", _same_as(first)},
    )
    ssync()
    eve = ws.get_contact("eve@example.com")
    assert "note A" in eve.notes and "note B" in eve.notes
    assert _row(remote, first)["Notes"] == "note A"
    assert _row(remote, second)["Notes"] == "note B"


def test_a_known_customer_typed_again_keeps_her_note(ws, remote: SheetRemote, ssync) -> None:
    ann, _ = _shop(ws, remote, ssync)
    number = remote.row_number(ann.id)
    again = remote.type_row(
        {"Name": "Ann Lee", "Email": "ann@example.com", "Notes": "wants tulips"}
    )
    report = ssync()
    assert report.ok, report.messages
    notes = ws.get_contact(ann.id).notes
    assert "likes roses" in notes and "wants tulips" in notes
    # Her row shows what relationkit wrote there and the new note (it wrote "likes roses"
    # there itself); the new row keeps what was typed and leaves the sync.
    assert _row(remote, number)["Notes"] == "likes roses\n\nwants tulips"
    assert _row(remote, again)["Notes"] == "wants tulips"
    assert _row(remote, again)["Problems"] == _same_as(number)
    assert ssync().ok
    assert _row(remote, number)["Notes"] == "likes roses\n\nwants tulips"
    assert "likes roses" in ws.get_contact(ann.id).notes
