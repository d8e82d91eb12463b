"""`relationkit sheets init` and `relationkit sheets adopt`, then syncing what they set up."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from gsheets_support import ID, SheetRemote

import relationkit
from relationkit.cli import main
from relationkit.testing import GoogleEmulator
from relationkit_google_sheets import GoogleSheetsConnector


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("RELATIONKIT_CONFIG", str(path))
    monkeypatch.setenv("RELATIONKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RELATIONKIT_DB", f"sqlite:///{tmp_path / 'cli.db'}")
    return path


def _settings(path: Path) -> dict:
    return tomllib.loads(path.read_text())["connectors"]["google_sheets"]


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_init_lays_out_the_spreadsheet_in_two_requests(config, google_emulator: GoogleEmulator):
    output = _run("sheets", "init", "--title", "Rose & Thorn customers")
    settings = _settings(config)
    sid = settings["spreadsheet_id"]
    assert sid in output
    assert google_emulator.request_count() == 2  # spreadsheets.create + one batchUpdate
    book = google_emulator.sheets.spreadsheet(sid)
    titles = [s.title for s in book.sheets]
    assert titles == ["Contacts", "Purchases", "Interactions", "Follow-ups", "LinkedIn",
                      "Duplicates", "How to use"]  # fmt: skip
    assert settings["sheet_ids"]["Contacts"] == book.sheets[0].id
    header = google_emulator.sheets.get_values(sid, "Contacts")[0]
    assert header[0] == "Name" and header[-2:] == ["Problems", ID]
    assert google_emulator.sheets.get_cell(sid, "Contacts", "A1")["note"]
    channel = google_emulator.sheets.get_cell(
        sid, "Contacts", f"{chr(65 + header.index('Preferred channel'))}2"
    )
    assert channel["dataValidation"]["condition"]["type"] == "ONE_OF_LIST"
    followups = google_emulator.sheets.get_values(sid, "Follow-ups")[0]
    done = google_emulator.sheets.get_cell(
        sid, "Follow-ups", f"{chr(65 + followups.index('Done'))}2"
    )
    assert done["dataValidation"]["condition"]["type"] == "BOOLEAN"
    birthday = google_emulator.sheets.get_cell(
        sid, "Contacts", f"{chr(65 + header.index('Birthday'))}9"
    )
    assert birthday["userEnteredFormat"]["numberFormat"]["type"] == "DATE"
    assert "0 to review" in _run("sheets", "review")
    meta = google_emulator.gspread_client().open_by_key(sid).fetch_sheet_metadata()
    contacts = meta["sheets"][0]
    assert contacts["properties"]["gridProperties"]["frozenRowCount"] == 1
    (protected,) = contacts["protectedRanges"]
    assert protected["range"]["startColumnIndex"] == header.index(ID)


MESSY = [
    ["Our customers (do not share)"],
    [],
    ["Customer Name ", "E-mail", "E-mail", "Tel.", "DOB", "Notes", "", "Fav flower", "",
     "Since"],
    ["Zoë Müller", "ZOE@example.com ", "zoe.m@example.com", "+49 30 1234567", 33007, "likes tea",
     "second note", "tulips", "", "2019"],
    [],
    ["  Ann  Lee ", "ann@example.com", "", "(415) 555-0134", "14 Mar 1984", "", "", "roses"],
    ["山田 太郎", "taro@example.jp", "", "", "1975-02-03", "", "", ""],
]  # fmt: skip


def test_adopt_keeps_the_owners_columns_and_adds_two(config, google_emulator, tmp_path):
    sid = google_emulator.sheets.create_spreadsheet("Old list", {"Clients": MESSY})
    merges = [(0, 0, 4), (2, 5, 7)]  # the title across A1:D1, "Notes" across F3:G3
    google_emulator.sheets.batch_update(
        sid,
        [
            {"mergeCells": {"range": {"sheetId": 0, "startRowIndex": row, "endRowIndex": row + 1,
                                      "startColumnIndex": first, "endColumnIndex": last},
                            "mergeType": "MERGE_ALL"}}
            for row, first, last in merges
        ],
    )  # fmt: skip
    url = f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0"
    output = _run("sheets", "adopt", url, "--map", "Fav flower=interests")
    assert "Fav flower -> interests" in output
    settings = _settings(config)
    assert (settings["spreadsheet_id"], settings["contacts_tab"]) == (sid, "Clients")
    assert settings["map"] == {"Fav flower": "interests"}
    assert settings["purchases_tab"] == ""
    header = google_emulator.sheets.get_values(sid, "Clients")[2]
    assert header == [*MESSY[2][:8], "", "Since", "Problems", ID]
    _run("sync", "--only", "google_sheets")
    ws = relationkit.open()
    zoe = ws.get_contact("zoe@example.com")
    assert zoe.emails == ["zoe@example.com", "zoe.m@example.com"]
    assert zoe.birthday.iso() == "1990-05-14"
    assert zoe.notes == "likes tea"
    assert zoe.interests == ["tulips"]
    assert zoe.custom["column 7"] == "second note"  # under the merged header: kept
    assert zoe.custom["Since"] == "2019"
    assert ws.get_contact("ann@example.com").name == "Ann Lee"
    assert ws.get_contact("ann@example.com").birthday.iso() == "1984-03-14"
    assert ws.get_contact("taro@example.jp").name == "山田 太郎"
    remote = SheetRemote(google_emulator, sid, "Clients")
    values = remote.values()
    assert values[0] == ["Our customers (do not share)"] and values[1] == []
    ids = [row[-1] for row in values[3:] if row]
    assert len(ids) == 3 and all(i.startswith("c_") for i in ids)
    assert values[5][0] == "  Ann  Lee "  # the owner's text is left as typed
    ws.close()


def test_check_finds_what_a_sync_would_trip_on(ws, google_emulator, sheet_settings):
    spreadsheet_id = sheet_settings["spreadsheet_id"]
    connector = GoogleSheetsConnector(ws, dict(sheet_settings))
    assert connector.check() == []
    owners = google_emulator.sheets.create_spreadsheet(
        "Own list", {"Clients": [["Name", "E-mail", "relationkit id"]]}
    )
    only_contacts = {f"{tab}_tab": "" for tab in ("purchases", "interactions", "followups")}
    own = GoogleSheetsConnector(
        ws,
        {"spreadsheet_id": owners, "contacts_tab": "Clients", "linkedin_tab": "", **only_contacts},
    )
    assert own.check() == []  # one Name column is a name column
    header = google_emulator.sheets.get_values(spreadsheet_id, "Contacts")[0]
    renamed = [
        "" if h == "relationkit id" else "Mail address" if h == "Email" else h for h in header
    ]
    renamed = ["Kind" if h in ("Phone", "Mobile") else h for h in renamed]
    google_emulator.sheets.set_values(spreadsheet_id, "Contacts", [renamed])
    problems = connector.check()
    assert problems == [
        "Google Sheets: the tab 'Contacts' has no 'relationkit id' column; run "
        "`relationkit sheets adopt` to add it",
        "Google Sheets: the tab 'Contacts' has no Email or Phone column: customers cannot be "
        "told apart or matched to Google Contacts",
    ]
    connector.close()


def test_adopt_says_which_columns_are_kept_as_they_are(config, google_emulator):
    rows = [
        ["Name", "Email", "Spouse", "Code", "Code"],
        ["Ann Lee", "ann@example.com", "Bob Lee", "A-1", "B-2"],
    ]
    sid = google_emulator.sheets.create_spreadsheet("List", {"Clients": rows})
    output = _run("sheets", "adopt", sid)
    assert "Spouse kept as a custom field (a sheet column for spouse is not synced)" in output
    _run("sync", "--only", "sheets")
    ws = relationkit.open()
    ann = ws.get_contact("ann@example.com")
    assert (ann.custom["Spouse"], ann.custom["Code"], ann.custom["Code (2)"]) == (
        "Bob Lee",
        "A-1",
        "B-2",
    )  # the second Code column is kept too, not dropped
    ws.close()
