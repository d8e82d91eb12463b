"""Bad input: the row keeps its data, the Problems column says why, the rest still syncs."""

from __future__ import annotations

from datetime import date

import pytest
from gsheets_support import ID

from relationkit.errors import ConfigError
from relationkit_google_sheets import GoogleSheetsConnector


def _problems(remote, key: str) -> str:
    row = next(r for r in remote.records() if key in (str(r.get("Ref")), str(r.get(ID))))
    return str(row.get("Problems", ""))


@pytest.mark.parametrize(
    ("header", "value", "field", "words"),
    [
        ("Email", "bob@@example", "emails", "Email:"),
        ("Phone", "call me maybe", "phones", "Phone:"),
        ("Birthday", "31/31/1990", "birthday", "Birthday:"),
        ("Preferred channel", "carrier pigeon", "preferred_channel", "Preferred channel:"),
        ("Marketing consent", "perhaps", "consent", "Marketing consent:"),
    ],
)
def test_a_bad_value_is_reported_in_the_row_and_the_rest_syncs(
    ws, remote, ssync, google_emulator, header, value, field, words
):
    remote.type_row({"Name": "Bob Day", "Company": "Day & Co", header: value, "Ref": "bob"})
    report = ssync()
    assert [p.field for p in report.problems] == [field]
    assert value not in " ".join(report.messages)
    (bob,) = ws.contacts()
    assert (bob.name, bob.company) == ("Bob Day", "Day & Co")
    assert _problems(remote, "bob").startswith(words)
    number = remote.row_number("bob")
    problems_col = remote.column("Problems")
    cell = google_emulator.sheets.get_cell(
        remote.sid, "Contacts", f"{chr(65 + problems_col)}{number}"
    )
    assert cell["note"] == _problems(remote, "bob")
    assert remote.records()[0][header] == value  # the owner's text is kept


def test_a_problem_clears_when_fixed_even_when_nothing_else_changes(
    ws, remote, ssync, google_emulator
):
    remote.type_row({"Name": "Bob Day", "Email": "bob@example.com", "Ref": "bob"})
    ssync()
    remote.type(remote.row_number("bob"), "Email", "bob@@example")
    report = ssync()
    assert [p.field for p in report.problems] == ["emails"]
    assert _problems(remote, "bob").startswith("Email:")
    assert ws.get_contact("bob@example.com").name == "Bob Day"  # the old email is not lost
    google_emulator.reset_requests()
    assert ssync().problems  # still reported, and nothing more to write
    assert google_emulator.request_count() == 1
    remote.type(remote.row_number("bob"), "Email", "bob@day.example")
    report = ssync()
    assert report.problems == []
    assert _problems(remote, "bob") == ""
    assert ws.contacts().__next__().emails == ["bob@day.example"]


def test_a_dry_run_writes_no_problems(ws, remote, ssync, google_emulator):
    remote.type_row({"Name": "Bob Day", "Email": "bob@@example", "Ref": "bob"})
    google_emulator.reset_requests()
    ssync(dry_run=True)
    assert google_emulator.request_count() == 1
    assert _problems(remote, "bob") == ""


@pytest.mark.parametrize(
    "typed",
    [
        "1990-05-14",
        "14 May 1990",
        "May 14, 1990",
        "5/14/1990",
        "14.05.1990",
        (date(1990, 5, 14) - date(1899, 12, 30)).days,
    ],
)
def test_dates_are_read_whatever_the_form(ws, remote, ssync, google_emulator, typed):
    number = remote.type_row({"Name": "Bob Day", "Ref": "bob"})
    col = chr(65 + remote.column("Birthday"))
    # Typed as text in a plain-text cell, or as a date cell (a serial number).
    google_emulator.sheets.set_values(
        remote.sid, "Contacts", [[typed]], start=f"{col}{number}", value_input="RAW"
    )
    report = ssync()
    assert report.problems == []
    assert ws.get_contact(next(ws.contacts()).id).birthday.iso() == "1990-05-14"


def test_a_row_saying_nothing_about_who_it_is_is_not_a_customer(ws, remote, ssync):
    remote.type_row({"Company": "Somebody Ltd", "Ref": "x"})
    ssync()
    assert ws.count_contacts() == 0
    assert "nothing tells who this is" in _problems(remote, "x")


def test_a_copied_id_is_reported_and_not_synced_twice(ws, remote, ssync):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    ssync()
    remote.type_row({"Name": "Ann Copy", "Email": "copy@example.com", ID: ann.id, "Ref": "copy"})
    report = ssync()
    assert ws.count_contacts() == 1
    assert ws.get_contact(ann.id).name == "Ann Lee"
    assert "same relationkit id" in _problems(remote, "copy")
    assert report.ok


def test_a_missing_spreadsheet_id_says_what_to_run(ws):
    with pytest.raises(ConfigError, match=r"\[connectors.google_sheets\].*relationkit sheets init"):
        GoogleSheetsConnector(ws, {})
