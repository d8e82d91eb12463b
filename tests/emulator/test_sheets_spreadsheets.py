"""spreadsheets.create / get / batchUpdate and the owner's helpers, through gspread and directly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gspread
import pytest
from sheets_support import Emulated, call, fresh

from relationkit.testing.emulator.server import GoogleEmulator


@pytest.fixture(scope="module")
def server() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as running:
        yield running


@pytest.fixture
def emu(server: GoogleEmulator) -> Emulated:
    return fresh(server)


@pytest.fixture
def sh(emu: Emulated) -> gspread.Spreadsheet:
    return emu.gc.create("Customers")


def batch(emu: Emulated, spreadsheet_id: str, *requests: dict[str, Any]) -> tuple[int, Any]:
    return call(
        emu.sheets,
        "POST",
        f"/v4/spreadsheets/{spreadsheet_id}:batchUpdate",
        body={"requests": list(requests)},
    )


# -- create / get -------------------------------------------------------------------------------


def test_create_keeps_frozen_rows_and_columns(emu: Emulated) -> None:
    grid = {"rowCount": 50, "columnCount": 5, "frozenRowCount": 1, "frozenColumnCount": 2}
    body = {"sheets": [{"properties": {"title": "Contacts", "gridProperties": grid}}]}
    status, created = call(emu.sheets, "POST", "/v4/spreadsheets", body=body)
    assert status == 200
    assert created["sheets"][0]["properties"]["gridProperties"] == grid


def test_create_and_get_metadata(emu: Emulated) -> None:
    status, created = call(
        emu.sheets,
        "POST",
        "/v4/spreadsheets",
        body={
            "properties": {"title": "CRM", "timeZone": "Europe/Paris"},
            "sheets": [{"properties": {"title": "Contacts"}}],
        },
    )
    assert status == 200
    assert created["properties"] == {
        "title": "CRM",
        "locale": "en_US",
        "autoRecalc": "ON_CHANGE",
        "timeZone": "Europe/Paris",
    }
    assert created["sheets"] == [
        {
            "properties": {
                "sheetId": 0,
                "title": "Contacts",
                "index": 0,
                "sheetType": "GRID",
                "gridProperties": {"rowCount": 1000, "columnCount": 26},
            }
        }
    ]
    assert (
        created["spreadsheetUrl"]
        == f"https://docs.google.com/spreadsheets/d/{created['spreadsheetId']}/edit"
    )
    sh = emu.gc.open_by_key(created["spreadsheetId"])
    assert (sh.title, sh.timezone, sh.locale) == ("CRM", "Europe/Paris", "en_US")
    assert [ws.title for ws in sh.worksheets()] == ["Contacts"]


def test_fields_mask_on_get(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    sh.add_worksheet("Second", 5, 5)
    got = sh.fetch_sheet_metadata({"fields": "sheets.properties(title,gridProperties.rowCount)"})
    assert got == {
        "sheets": [
            {"properties": {"title": "Sheet1", "gridProperties": {"rowCount": 1000}}},
            {"properties": {"title": "Second", "gridProperties": {"rowCount": 5}}},
        ]
    }
    assert sh.fetch_sheet_metadata({"fields": "namedRanges"}) == {}
    status, body = call(
        emu.sheets, "GET", f"/v4/spreadsheets/{sh.id}", {"fields": "sheets(properties"}
    )
    assert status == 400
    assert body["error"]["message"] == "Invalid field selection sheets(properties"


def test_ranges_limit_the_sheets_returned(sh: gspread.Spreadsheet) -> None:
    sh.add_worksheet("Second", 5, 5)
    got = sh.fetch_sheet_metadata({"ranges": "Second!A1:B2"})
    assert [s["properties"]["title"] for s in got["sheets"]] == ["Second"]


def test_include_grid_data(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["name", "since"], ["Ann", "2024-03-05"]], value_input_option="USER_ENTERED")
    ws.update_note("B1", "first contact")
    got = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A1:B2"})
    data = got["sheets"][0]["data"][0]
    assert "startRow" not in data
    assert len(data["rowMetadata"]) == 2
    assert len(data["columnMetadata"]) == 2
    first, second = data["rowData"]
    assert first["values"][1] == {
        "userEnteredValue": {"stringValue": "since"},
        "effectiveValue": {"stringValue": "since"},
        "formattedValue": "since",
        "note": "first contact",
    }
    date_cell = second["values"][1]
    assert date_cell["userEnteredValue"] == {"numberValue": 45356}
    assert date_cell["formattedValue"] == "2024-03-05"
    assert date_cell["userEnteredFormat"]["numberFormat"] == {
        "type": "DATE",
        "pattern": "yyyy-mm-dd",
    }
    offset = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!B2:C3"})
    assert offset["sheets"][0]["data"][0]["startRow"] == 1
    assert offset["sheets"][0]["data"][0]["startColumn"] == 1


def test_notes_like_gspread_reads_them(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    assert ws.get_notes() == [[]]
    ws.update_notes({"A1": "read my note", "B2": "Or don't", "A3": "another note", "C3": "test"})
    assert ws.get_note("B2") == "Or don't"
    # the live API's answer, as recorded in gspread's WorksheetTest.test_get_notes cassette
    assert ws.get_notes() == [["read my note"], ["", "Or don't"], ["another note", "", "test"]]
    ws.clear_note("A1")
    assert ws.get_note("A1") == ""


# -- batchUpdate: sheets ------------------------------------------------------------------------


def test_add_and_delete_worksheet(sh: gspread.Spreadsheet) -> None:
    ws = sh.add_worksheet("Leads", rows=10, cols=4, index=0)
    assert ws.title == "Leads"
    assert ws.index == 0
    assert isinstance(ws.id, int)
    assert [w.title for w in sh.worksheets()] == ["Leads", "Sheet1"]
    sh.del_worksheet(ws)
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]


def test_add_sheet_reply_shape(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    status, body = batch(
        emu,
        sh.id,
        {"addSheet": {"properties": {"title": "New", "gridProperties": {"rowCount": 3}}}},
    )
    assert status == 200
    properties = body["replies"][0]["addSheet"]["properties"]
    assert properties["title"] == "New"
    assert properties["index"] == 1
    assert properties["gridProperties"] == {"rowCount": 3, "columnCount": 26}


def test_sheet_title_clash_is_400(sh: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.add_worksheet("sheet1", 5, 5)
    assert caught.value.error["message"] == (
        'Invalid requests[0].addSheet: A sheet with the name "sheet1" already exists. '
        "Please enter another name."
    )
    second = sh.add_worksheet("Second", 5, 5)
    with pytest.raises(gspread.exceptions.APIError):
        second.update_title("Sheet1")


def test_cannot_delete_or_hide_the_last_sheet(sh: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.del_worksheet(sh.sheet1)
    assert "You can't remove all the sheets in a document." in caught.value.error["message"]
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.sheet1.hide()
    assert caught.value.error["message"] == (
        "Invalid requests[0].updateSheetProperties: You can't hide all the sheets in a document."
    )


def test_update_titles_index_freeze_resize(sh: gspread.Spreadsheet) -> None:
    sh.update_title("CRM")
    ws = sh.sheet1
    ws.update_title("Contacts")
    ws.freeze(rows=1, cols=2)
    ws.resize(rows=50, cols=5)
    other = sh.add_worksheet("Other", 5, 5)
    other.update_index(0)
    meta = sh.fetch_sheet_metadata()
    assert meta["properties"]["title"] == "CRM"
    contacts = next(
        s["properties"] for s in meta["sheets"] if s["properties"]["title"] == "Contacts"
    )
    assert contacts["index"] == 1
    assert contacts["gridProperties"] == {
        "rowCount": 50,
        "columnCount": 5,
        "frozenRowCount": 1,
        "frozenColumnCount": 2,
    }
    ws.freeze(rows=0)
    assert "frozenRowCount" not in sh.worksheet("Contacts")._properties["gridProperties"]


def test_shrinking_the_grid_drops_cells(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["a", "b"], ["c", "d"]])
    ws.resize(rows=1, cols=1)
    ws.resize(rows=5, cols=5)
    assert ws.get_all_values() == [["a"]]


def test_duplicate_sheet(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["x"]])
    copy = ws.duplicate(new_sheet_name="Backup")
    assert copy.get_all_values() == [["x"]]
    assert [w.title for w in sh.worksheets()] == ["Sheet1", "Backup"]


# -- batchUpdate: dimensions and cells ----------------------------------------------------------


def test_insert_delete_append_move_dimensions(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["r1"], ["r2"], ["r3"], ["r4"]])
    ws.delete_rows(2, 3)
    assert ws.get_all_values() == [["r1"], ["r4"]]
    ws.insert_cols([["c"]], 1)
    assert ws.get_all_values() == [["c", "r1"], ["", "r4"]]
    ws.delete_columns(1)
    ws.add_rows(5)
    assert sh.worksheet("Sheet1").row_count == 1003
    status, _ = batch(
        emu,
        sh.id,
        {
            "moveDimension": {
                "source": {"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 1},
                "destinationIndex": 2,
            }
        },
    )
    assert status == 200
    assert ws.get_all_values() == [["r4"], ["r1"]]
    status, _ = batch(
        emu, sh.id, {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 2}}
    )
    assert sh.worksheet("Sheet1").col_count == 28


def test_cannot_delete_every_row(sh: gspread.Spreadsheet) -> None:
    ws = sh.add_worksheet("Tiny", 2, 2)
    with pytest.raises(gspread.exceptions.APIError) as caught:
        ws.delete_rows(1, 2)
    assert "You can't delete all the rows on the sheet." in caught.value.error["message"]


def test_format_and_repeat_cell_masks(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["name"]])
    ws.format("A1:B1", {"textFormat": {"bold": True}, "backgroundColor": {"red": 1}})
    cell = emu.sheets.get_cell(sh.id, "Sheet1", "A1")
    assert cell["userEnteredFormat"] == {
        "textFormat": {"bold": True},
        "backgroundColor": {"red": 1},
    }
    assert cell["userEnteredValue"] == {"stringValue": "name"}
    ws.format("A1", {"backgroundColor": {"green": 1}})
    assert emu.sheets.get_cell(sh.id, "Sheet1", "A1")["userEnteredFormat"] == {
        "textFormat": {"bold": True},
        "backgroundColor": {"green": 1},
    }
    status, _ = batch(
        emu,
        sh.id,
        {
            "repeatCell": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 1,
                    "endRowIndex": 3,
                    "startColumnIndex": 2,
                    "endColumnIndex": 3,
                },
                "cell": {
                    "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}
                },
                "fields": "userEnteredFormat.numberFormat",
            }
        },
    )
    assert status == 200
    ws.update([[45356]], "C2")
    assert ws.get("C2") == [["2024-03-05"]]


def test_update_cells_with_range_clears_uncovered_cells(
    emu: Emulated, sh: gspread.Spreadsheet
) -> None:
    ws = sh.sheet1
    ws.update([["a", "b"], ["c", "d"]])
    status, _ = batch(
        emu,
        sh.id,
        {
            "updateCells": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 0,
                    "endRowIndex": 2,
                    "startColumnIndex": 0,
                    "endColumnIndex": 2,
                },
                "rows": [{"values": [{"userEnteredValue": {"stringValue": "=not formula"}}]}],
                "fields": "userEnteredValue",
            }
        },
    )
    assert status == 200
    assert ws.get_all_values() == [["=not formula"]]


def test_data_validation_dropdown_and_checkbox(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.add_validation(
        "C2:C5",
        gspread.utils.ValidationConditionType.one_of_list,
        ["lead", "customer"],
        showCustomUi=True,
    )
    status, _ = batch(
        emu,
        sh.id,
        {
            "setDataValidation": {
                "range": {
                    "sheetId": 0,
                    "startRowIndex": 1,
                    "endRowIndex": 5,
                    "startColumnIndex": 3,
                    "endColumnIndex": 4,
                },
                "rule": {"condition": {"type": "BOOLEAN"}},
            }
        },
    )
    assert status == 200
    dropdown = emu.sheets.get_cell(sh.id, "Sheet1", "C3")["dataValidation"]
    assert dropdown["condition"] == {
        "type": "ONE_OF_LIST",
        "values": [{"userEnteredValue": "lead"}, {"userEnteredValue": "customer"}],
    }
    assert "inputMessage" not in dropdown
    assert emu.sheets.get_cell(sh.id, "Sheet1", "D5")["dataValidation"] == {
        "condition": {"type": "BOOLEAN"}
    }
    grid = sh.fetch_sheet_metadata(
        {"fields": "sheets.data.rowData.values.dataValidation", "ranges": "Sheet1!D2"}
    )
    assert (
        grid["sheets"][0]["data"][0]["rowData"][0]["values"][0]["dataValidation"]["condition"][
            "type"
        ]
        == "BOOLEAN"
    )
    status, _ = batch(
        emu,
        sh.id,
        {
            "setDataValidation": {
                "range": {"sheetId": 0},
                "rule": {"condition": {"type": "ONE_OF_LIST"}},
            }
        },
    )
    assert status == 400


def test_protected_ranges(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    reply = ws.add_protected_range("A1:B1", ["boss@example.com"], description="ids")
    protected = reply["replies"][0]["addProtectedRange"]["protectedRange"]
    assert protected["range"] == {
        "startRowIndex": 0,
        "endRowIndex": 1,
        "startColumnIndex": 0,
        "endColumnIndex": 2,
        "sheetId": 0,
    }
    assert protected["description"] == "ids"
    assert "boss@example.com" in protected["editors"]["users"]
    listed = sh.list_protected_ranges(ws.id)
    assert [p["protectedRangeId"] for p in listed] == [protected["protectedRangeId"]]
    ws.delete_protected_range(protected["protectedRangeId"])
    assert sh.list_protected_ranges(ws.id) == []
    with pytest.raises(gspread.exceptions.APIError) as caught:
        ws.delete_protected_range(123)
    assert "No protected range with id: 123" in caught.value.error["message"]


def test_sort_like_the_owner(sh: gspread.Spreadsheet) -> None:
    ws = sh.add_worksheet("Sort", rows=7, cols=3)
    ws.update(
        [
            ["name", "year", "n"],
            ["Apple", 2012, 4],
            ["Banana", 2013, 3],
            ["Canada", 2007, 1],
            ["Dino", "", 6],
            ["Fox", 2077, 5],
        ]
    )
    ws.freeze(rows=1)
    ws.sort((3, "asc"))
    assert [r[0] for r in ws.get_all_values()] == [
        "name",
        "Canada",
        "Banana",
        "Apple",
        "Fox",
        "Dino",
    ]
    ws.sort((2, "des"))
    assert [r[0] for r in ws.get_all_values()] == [
        "name",
        "Fox",
        "Banana",
        "Apple",
        "Canada",
        "Dino",
    ]


def test_merges_show_in_metadata(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.merge_cells("A1:B2")
    merges = sh.fetch_sheet_metadata()["sheets"][0]["merges"]
    assert merges == [
        {
            "sheetId": 0,
            "startRowIndex": 0,
            "endRowIndex": 2,
            "startColumnIndex": 0,
            "endColumnIndex": 2,
        }
    ]
    ws.unmerge_cells("A1:B2")
    assert "merges" not in sh.fetch_sheet_metadata()["sheets"][0]


def test_find_replace(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    sh.sheet1.update([["lead", "Lead"], ["customer", "lead"]])
    status, body = batch(
        emu, sh.id, {"findReplace": {"find": "lead", "replacement": "prospect", "allSheets": True}}
    )
    assert status == 200
    assert body["replies"][0]["findReplace"] == {
        "valuesChanged": 3,
        "occurrencesChanged": 3,
        "rowsChanged": 2,
        "sheetsChanged": 1,
    }
    assert sh.sheet1.get_all_values() == [["prospect", "prospect"], ["customer", "prospect"]]


def test_update_dimension_properties_and_auto_resize(
    emu: Emulated, sh: gspread.Spreadsheet
) -> None:
    ws = sh.sheet1
    ws.hide_rows(1, 2)
    ws.columns_auto_resize(0, 3)
    got = sh.fetch_sheet_metadata({"includeGridData": "true", "ranges": "Sheet1!A1:A3"})
    rows = got["sheets"][0]["data"][0]["rowMetadata"]
    assert [r.get("hiddenByUser", False) for r in rows] == [False, True, False]


def test_unknown_request_kinds_are_refused(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    status, body = batch(
        emu, sh.id, {"addSheet": {"properties": {"title": "Kept?"}}}, {"sortCells": {}}
    )
    assert status == 400
    assert body["error"]["message"] == (
        "Invalid JSON payload received. Unknown name \"sortCells\" at 'requests[1]': "
        "Cannot find field."
    )
    status, body = batch(emu, sh.id, {"addChart": {"chart": {}}})
    assert status == 400
    assert "does not implement 'addChart'" in body["error"]["message"]
    status, body = batch(emu, sh.id)
    assert (status, body["error"]["message"]) == (400, "Must specify at least one request.")
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]


def test_batch_update_is_atomic(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.batch_update(
            {
                "requests": [
                    {"addSheet": {"properties": {"title": "A"}}},
                    {"deleteSheet": {"sheetId": 99}},
                ]
            }
        )
    assert caught.value.error["message"] == "Invalid requests[1].deleteSheet: No grid with id: 99"
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]


def test_include_spreadsheet_in_response(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    status, body = call(
        emu.sheets,
        "POST",
        f"/v4/spreadsheets/{sh.id}:batchUpdate",
        body={"requests": [{"addSheet": {}}], "includeSpreadsheetInResponse": True},
    )
    assert status == 200
    assert [s["properties"]["title"] for s in body["updatedSpreadsheet"]["sheets"]] == [
        "Sheet1",
        "Sheet2",
    ]


def test_copy_to_another_spreadsheet(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    sh.sheet1.update([["x"]])
    other = emu.gc.create("Other")
    copied = sh.sheet1.copy_to(other.id)
    assert copied["title"] == "Copy of Sheet1"
    assert other.worksheet("Copy of Sheet1").get_all_values() == [["x"]]


# -- the owner's helpers ------------------------------------------------------------------------


def test_owner_helpers(emu: Emulated) -> None:
    sheets = emu.sheets
    spreadsheet_id = sheets.create_spreadsheet(
        "CRM", {"Contacts": [["id", "name"], ["3", "Cid"], ["1", "Ann"], ["2", "Bob"]], "Notes": []}
    )
    sheets.sort_rows(spreadsheet_id, "Contacts", "A")
    assert sheets.get_values(spreadsheet_id, "Contacts") == [
        ["id", "name"],
        ["1", "Ann"],
        ["2", "Bob"],
        ["3", "Cid"],
    ]
    sheets.sort_rows(spreadsheet_id, "Contacts", 2, descending=True)
    assert [r[1] for r in sheets.get_values(spreadsheet_id, "Contacts")] == [
        "name",
        "Cid",
        "Bob",
        "Ann",
    ]
    sheets.insert_rows(spreadsheet_id, "Contacts", 2, [["9", "Zoe"]])
    sheets.delete_rows(spreadsheet_id, "Contacts", 3, 2)
    assert sheets.get_values(spreadsheet_id, "Contacts") == [
        ["id", "name"],
        ["9", "Zoe"],
        ["1", "Ann"],
    ]
    sheets.rename_tab(spreadsheet_id, "Notes", "Journal")
    sheet_id = sheets.add_tab(spreadsheet_id, "Extra", rows=5, cols=2)
    sheets.set_values(spreadsheet_id, sheet_id, [["a", "b", "c"]], "B7")
    extra = sheets.spreadsheet(spreadsheet_id).sheet_by_id(sheet_id)
    assert extra is not None
    assert (extra.row_count, extra.col_count) == (7, 4)
    gc_view = emu.gc.open_by_key(spreadsheet_id)
    assert [w.title for w in gc_view.worksheets()] == ["Contacts", "Journal", "Extra"]
    with pytest.raises(KeyError):
        sheets.get_values(spreadsheet_id, "Missing")


def test_ten_million_cell_limit(sh: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.add_worksheet("Huge", rows=400_000, cols=26)
    assert caught.value.error["message"] == (
        "Invalid requests[0].addSheet: This action would increase the number of cells in the "
        "workbook above the limit of 10000000 cells."
    )
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]
