"""Every Sheets and Drive response shape the emulator produces matches the discovery documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from schema import assert_response_matches
from sheets_support import Emulated, call, fresh

from relationkit.testing.emulator.server import GoogleEmulator


@pytest.fixture(scope="module")
def server() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as running:
        yield running


@pytest.fixture
def emu(server: GoogleEmulator) -> Emulated:
    return fresh(server)


def ok(
    emu: Emulated, module: str, method: str, path: str, query: Any = None, body: Any = None
) -> Any:
    status, result = call(getattr(emu, module), method, path, query, body)
    assert status == 200, result
    return result


def test_sheets_responses_match_the_discovery_schemas(emu: Emulated) -> None:
    created = ok(emu, "sheets", "POST", "/v4/spreadsheets", body={"properties": {"title": "CRM"}})
    assert_response_matches("sheets", "v4", "sheets.spreadsheets.create", created)
    sid = created["spreadsheetId"]
    base = f"/v4/spreadsheets/{sid}"
    replies = ok(
        emu,
        "sheets",
        "POST",
        base + ":batchUpdate",
        body={
            "requests": [
                {
                    "addSheet": {
                        "properties": {"title": "My Sheet", "gridProperties": {"frozenRowCount": 1}}
                    }
                },
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {"sheetId": 0, "endRowIndex": 1},
                            "description": "ids",
                        }
                    }
                },
                {
                    "mergeCells": {
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": 5,
                            "endRowIndex": 6,
                            "endColumnIndex": 2,
                        }
                    }
                },
                {
                    "setDataValidation": {
                        "range": {
                            "sheetId": 0,
                            "startRowIndex": 1,
                            "endRowIndex": 3,
                            "startColumnIndex": 3,
                            "endColumnIndex": 4,
                        },
                        "rule": {"condition": {"type": "BOOLEAN"}},
                    }
                },
                {
                    "updateCells": {
                        "start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
                        "rows": [{"values": [{"note": "n"}]}],
                        "fields": "note",
                    }
                },
                {"duplicateSheet": {"sourceSheetId": 0}},
                {"findReplace": {"find": "zzz", "replacement": "y", "allSheets": True}},
                {
                    "addNamedRange": {
                        "namedRange": {"name": "ids", "range": {"sheetId": 0, "endColumnIndex": 1}}
                    }
                },
            ]
        },
    )
    assert_response_matches("sheets", "v4", "sheets.spreadsheets.batchUpdate", replies)
    update = ok(
        emu,
        "sheets",
        "PUT",
        base + "/values/Sheet1!A1",
        {"valueInputOption": "USER_ENTERED", "includeValuesInResponse": "true"},
        {"values": [["id", "since", "=1/0", "TRUE"], [1, "2024-03-05", "12%", "x"]]},
    )
    assert_response_matches("sheets", "v4", "sheets.spreadsheets.values.update", update)
    full = ok(
        emu,
        "sheets",
        "GET",
        base,
        {"includeGridData": "true", "ranges": ["Sheet1!A1:F6", "'My Sheet'"]},
    )
    assert full["sheets"][0]["data"][0]["rowData"]
    assert_response_matches("sheets", "v4", "sheets.spreadsheets.get", full)
    assert_response_matches(
        "sheets", "v4", "sheets.spreadsheets.get", ok(emu, "sheets", "GET", base)
    )
    got = ok(
        emu, "sheets", "GET", base + "/values/Sheet1", {"valueRenderOption": "UNFORMATTED_VALUE"}
    )
    assert_response_matches("sheets", "v4", "sheets.spreadsheets.values.get", got)
    batch_got = ok(
        emu, "sheets", "GET", base + "/values:batchGet", {"ranges": ["A1:B2", "Sheet1!C:C"]}
    )
    assert_response_matches("sheets", "v4", "sheets.spreadsheets.values.batchGet", batch_got)
    batch_update = ok(
        emu,
        "sheets",
        "POST",
        base + "/values:batchUpdate",
        body={
            "valueInputOption": "RAW",
            "data": [{"range": "B5", "values": [["a"]]}],
            "includeValuesInResponse": True,
        },
    )
    assert_response_matches("sheets", "v4", "sheets.spreadsheets.values.batchUpdate", batch_update)
    appended = ok(
        emu,
        "sheets",
        "POST",
        base + "/values/Sheet1:append",
        {"valueInputOption": "RAW", "includeValuesInResponse": "true"},
        {"values": [["z"]]},
    )
    assert "tableRange" in appended
    assert_response_matches("sheets", "v4", "sheets.spreadsheets.values.append", appended)
    cleared = ok(emu, "sheets", "POST", base + "/values/Sheet1!A1:B2:clear")
    assert_response_matches("sheets", "v4", "sheets.spreadsheets.values.clear", cleared)
    batch_cleared = ok(emu, "sheets", "POST", base + "/values:batchClear", body={"ranges": ["C:C"]})
    assert_response_matches("sheets", "v4", "sheets.spreadsheets.values.batchClear", batch_cleared)
    other = emu.sheets.create_spreadsheet("Other")
    copied = ok(
        emu, "sheets", "POST", base + "/sheets/0:copyTo", body={"destinationSpreadsheetId": other}
    )
    assert_response_matches("sheets", "v4", "sheets.spreadsheets.sheets.copyTo", copied)


def test_drive_responses_match_the_discovery_schemas(emu: Emulated) -> None:
    folder = ok(
        emu,
        "drive",
        "POST",
        "/drive/v3/files",
        {"fields": "*"},
        {"name": "F", "mimeType": "application/vnd.google-apps.folder"},
    )
    assert_response_matches("drive", "v3", "drive.files.create", folder)
    created = ok(
        emu,
        "drive",
        "POST",
        "/drive/v3/files",
        {"fields": "*"},
        {
            "name": "CRM",
            "mimeType": "application/vnd.google-apps.spreadsheet",
            "parents": [folder["id"]],
            "description": "d",
        },
    )
    assert_response_matches("drive", "v3", "drive.files.create", created)
    fid = created["id"]
    assert_response_matches(
        "drive",
        "v3",
        "drive.files.list",
        ok(emu, "drive", "GET", "/drive/v3/files", {"fields": "*", "pageSize": 1}),
    )
    assert_response_matches(
        "drive", "v3", "drive.files.list", ok(emu, "drive", "GET", "/drive/v3/files")
    )
    assert_response_matches(
        "drive",
        "v3",
        "drive.files.get",
        ok(emu, "drive", "GET", f"/drive/v3/files/{fid}", {"fields": "*"}),
    )
    assert_response_matches(
        "drive",
        "v3",
        "drive.files.copy",
        ok(emu, "drive", "POST", f"/drive/v3/files/{fid}/copy", body={}),
    )
    assert_response_matches(
        "drive",
        "v3",
        "drive.files.update",
        ok(emu, "drive", "PATCH", f"/drive/v3/files/{fid}", {"fields": "*"}, {"starred": True}),
    )
    permission = ok(
        emu,
        "drive",
        "POST",
        f"/drive/v3/files/{fid}/permissions",
        {"fields": "*"},
        {"type": "user", "role": "reader", "emailAddress": "a@example.com"},
    )
    assert_response_matches("drive", "v3", "drive.permissions.create", permission)
    assert_response_matches(
        "drive",
        "v3",
        "drive.permissions.list",
        ok(emu, "drive", "GET", f"/drive/v3/files/{fid}/permissions", {"fields": "*"}),
    )
    comment = ok(
        emu,
        "drive",
        "POST",
        f"/drive/v3/files/{fid}/comments",
        body={"content": "c", "anchor": "x"},
    )
    assert_response_matches("drive", "v3", "drive.comments.create", comment)
    assert_response_matches(
        "drive",
        "v3",
        "drive.comments.list",
        ok(emu, "drive", "GET", f"/drive/v3/files/{fid}/comments"),
    )
