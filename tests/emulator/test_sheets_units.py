"""The Sheets emulator's building blocks: A1 notation, typed input, number/date formats, masks."""

from __future__ import annotations

import pytest

from relationkit.testing.emulator import fieldmask
from relationkit.testing.emulator._base import ApiError
from relationkit.testing.emulator.a1 import (
    A1Error,
    CellRange,
    column_index,
    column_letters,
    format_range,
    parse_cells,
    quote_title,
    split_sheet,
)
from relationkit.testing.emulator.sheets_cells import (
    format_number,
    format_serial,
    formatted_value,
    general_number,
    parse_input,
)


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters_round_trip(index: int, letters: str) -> None:
    assert column_letters(index) == letters
    assert column_index(letters) == index
    assert column_index(letters.lower()) == index


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'My Sheet'!A1:B2", ("My Sheet", "A1:B2")),
        ("'It''s'!A:A", ("It's", "A:A")),
        ("'My Sheet'", ("My Sheet", None)),
        ("Sheet1!B3", ("Sheet1", "B3")),
        ("Sheet1", (None, "Sheet1")),
        ("A1:B2", (None, "A1:B2")),
    ],
)
def test_split_sheet(text: str, expected: tuple[str | None, str | None]) -> None:
    assert split_sheet(text) == expected


@pytest.mark.parametrize("text", ["'unterminated!A1", "'a'b!A1"])
def test_split_sheet_rejects_bad_quoting(text: str) -> None:
    with pytest.raises(A1Error):
        split_sheet(text)


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("A1", CellRange(0, 1, 0, 1)),
        ("B2:C5", CellRange(1, 5, 1, 3)),
        ("$B$2:$C$5", CellRange(1, 5, 1, 3)),
        ("C5:B2", CellRange(1, 5, 1, 3)),
        ("A:A", CellRange(0, None, 0, 1)),
        ("A:C", CellRange(0, None, 0, 3)),
        ("2:5", CellRange(1, 5, 0, None)),
        ("A2:Z", CellRange(1, None, 0, 26)),
        ("A2:2", CellRange(1, 2, 0, None)),
    ],
)
def test_parse_cells(text: str, bounds: CellRange) -> None:
    assert parse_cells(text) == bounds


@pytest.mark.parametrize("text", ["", "A", "5", "A0", "1A", "A:5", "2:C", "AAAA1", "A1:B2:C3"])
def test_parse_cells_rejects(text: str) -> None:
    with pytest.raises(A1Error):
        parse_cells(text)


@pytest.mark.parametrize(
    ("title", "quoted"),
    [
        ("Sheet1", "Sheet1"),
        ("Contacts", "Contacts"),
        ("My Sheet", "'My Sheet'"),
        ("It's", "'It''s'"),
        ("D3", "'D3'"),
        ("R1C1", "'R1C1'"),
        ("🌵 cactus", "'🌵 cactus'"),
        ("2024", "'2024'"),
    ],
)
def test_quote_title_only_when_needed(title: str, quoted: str) -> None:
    assert quote_title(title) == quoted


def test_format_range_single_cell_and_block() -> None:
    assert format_range("Sheet1", 0, 1, 1, 2) == "Sheet1!B1"
    assert format_range("My Sheet", 0, 1000, 0, 26) == "'My Sheet'!A1:Z1000"


@pytest.mark.parametrize(
    ("raw", "value", "fmt"),
    [
        (42, {"numberValue": 42}, None),
        (True, {"boolValue": True}, None),
        ("", None, None),
        ("hello", {"stringValue": "hello"}, None),
        ("0042", {"numberValue": 42}, None),
        ("-3.5", {"numberValue": -3.5}, None),
        ("1,234", {"numberValue": 1234}, {"type": "NUMBER", "pattern": "#,##0"}),
        ("true", {"boolValue": True}, None),
        ("12%", {"numberValue": 0.12}, {"type": "PERCENT", "pattern": "0%"}),
        ("$1,234.50", {"numberValue": 1234.5}, {"type": "CURRENCY", "pattern": '"$"#,##0.00'}),
        ("2024-03-05", {"numberValue": 45356}, {"type": "DATE", "pattern": "yyyy-mm-dd"}),
        ("3/5/2024", {"numberValue": 45356}, {"type": "DATE", "pattern": "M/d/yyyy"}),
        ("12 Mar 2024", {"numberValue": 45363}, {"type": "DATE", "pattern": "d mmm yyyy"}),
        (
            "2024-03-05 12:00",
            {"numberValue": 45356.5},
            {"type": "DATE_TIME", "pattern": "yyyy-mm-dd H:mm:ss"},
        ),
        ("2024-02-30", {"stringValue": "2024-02-30"}, None),
        ("=SUM(A1:A3)", {"formulaValue": "=SUM(A1:A3)"}, None),
        ("'=not a formula", {"stringValue": "=not a formula"}, None),
        ("-foo", {"formulaValue": "=-foo"}, None),
        ("+1+2", {"formulaValue": "=+1+2"}, None),
        ("@mention", {"stringValue": "@mention"}, None),
    ],
)
def test_user_entered_parsing(raw: object, value: object, fmt: object) -> None:
    assert parse_input(raw, "USER_ENTERED") == (value, fmt)


@pytest.mark.parametrize("raw", ['=IMPORTXML("http://x","//a")', "2024-03-05", "12%", "TRUE", "'x"])
def test_raw_input_is_stored_as_text(raw: str) -> None:
    assert parse_input(raw, "RAW") == ({"stringValue": raw}, None)


@pytest.mark.parametrize(
    ("serial", "pattern", "text"),
    [
        (45356, "yyyy-mm-dd", "2024-03-05"),
        (45356, "M/d/yyyy", "3/5/2024"),
        (45356, "dd/mm/yy", "05/03/24"),
        (45356, "dddd, mmmm d", "Tuesday, March 5"),
        (45356.75, "yyyy-mm-dd H:mm:ss", "2024-03-05 18:00:00"),
        (45356.75, "h:mm am/pm", "6:00 PM"),
        (45356, "d mmm yyyy", "5 Mar 2024"),
    ],
)
def test_format_serial(serial: float, pattern: str, text: str) -> None:
    assert format_serial(serial, pattern) == text


@pytest.mark.parametrize(
    ("number", "pattern", "text"),
    [
        (1234.5, "#,##0.00", "1,234.50"),
        (1234.5, "#,##0", "1,235"),
        (0.125, "0.00%", "12.50%"),
        (0.12, "0%", "12%"),
        (-5, '"$"#,##0.00', "-$5.00"),
        (7, "000", "007"),
        (1.5, "0.0#", "1.5"),
    ],
)
def test_format_number(number: float, pattern: str, text: str) -> None:
    assert format_number(number, pattern) == text


@pytest.mark.parametrize(
    ("number", "text"), [(42, "42"), (42.0, "42"), (1.5, "1.5"), (1 / 3, "0.3333333333")]
)
def test_general_number(number: float, text: str) -> None:
    assert general_number(number) == text


def test_formatted_value_of_errors_and_booleans() -> None:
    assert formatted_value({"errorValue": {"type": "NAME"}}, None) == "#NAME?"
    assert formatted_value({"boolValue": False}, None) == "FALSE"


def test_field_mask_parse_and_apply() -> None:
    mask = fieldmask.parse(
        "sheets.properties(title,sheetId),sheets/data/rowData/values/note,spreadsheetId"
    )
    doc = {
        "spreadsheetId": "x",
        "properties": {"title": "t"},
        "sheets": [
            {
                "properties": {"title": "A", "sheetId": 0, "index": 0},
                "data": [{"rowData": [{"values": [{"note": "n", "formattedValue": "v"}]}]}],
            }
        ],
    }
    assert fieldmask.apply(doc, mask) == {
        "spreadsheetId": "x",
        "sheets": [
            {
                "properties": {"title": "A", "sheetId": 0},
                "data": [{"rowData": [{"values": [{"note": "n"}]}]}],
            }
        ],
    }


def test_field_mask_rejects_garbage() -> None:
    with pytest.raises(ApiError) as caught:
        fieldmask.parse("sheets(properties")
    assert caught.value.code == 400


def test_copy_paths_sets_and_clears_masked_fields() -> None:
    target = {
        "title": "old",
        "gridProperties": {"rowCount": 10, "frozenRowCount": 1},
        "hidden": True,
    }
    source = {"gridProperties": {"rowCount": 5}}
    fieldmask.copy_paths(
        target,
        source,
        fieldmask.parse("gridProperties/rowCount,gridProperties/frozenRowCount,hidden"),
    )
    assert target == {"title": "old", "gridProperties": {"rowCount": 5}}
