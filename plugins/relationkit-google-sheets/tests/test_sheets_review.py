"""`relationkit sheets review`: the Duplicates tab as the owner's review queue."""

from __future__ import annotations

from gsheets_support import SheetRemote

from relationkit_google_sheets.review import review


def test_the_owner_decides_duplicates_in_the_sheet(ws, google_emulator, sheet_settings):
    sid = sheet_settings["spreadsheet_id"]
    http = google_emulator.gspread_client().http_client
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    ann2 = ws.add_contact("Ann Lee", email="ann.lee@work.example")
    bob = ws.add_contact("Bob Day", email="bob@example.com")
    bobby = ws.add_contact("Bobby Day", phone="+1 415 555 0100")
    ws.queue_review(ann.id, ann2.id, 0.8, ["same name"], "test")
    ws.queue_review(bob.id, bobby.id, 0.7, ["similar names"], "test")
    done = review(ws, http, sid)
    tab = SheetRemote(google_emulator, sid, "Duplicates")
    rows = tab.records()
    assert done.queued == len(rows) == 2
    pairs = {frozenset((r["First id"], r["Second id"])): r for r in rows}
    assert pairs[frozenset((bob.id, bobby.id))]["Why"] == "similar names"
    assert frozenset((ann.id, ann2.id)) in pairs
    for number, row in enumerate(tab.values()[1:], start=2):
        decision = "merge" if ann.id in (row[5], row[6]) else "different"
        tab.type(number, "Decision", decision)
    google_emulator.reset_requests()
    done = review(ws, http, sid)
    assert (done.merged, done.different, done.queued) == (1, 1, 0)
    assert ws.count_contacts() == 3
    assert sorted(ws.get_contact(ann.id).emails) == ["ann.lee@work.example", "ann@example.com"]
    assert tab.records() == []  # the queue is empty: the old rows are blanked
    assert google_emulator.request_count() == 2  # one read, one write
