"""The Sheets and Drive emulators through google-api-python-client (``build_service``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from googleapiclient.errors import HttpError
from sheets_support import Emulated, fresh

from relationkit.testing.emulator.server import GoogleEmulator


@pytest.fixture(scope="module")
def server() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as running:
        yield running


@pytest.fixture
def emu(server: GoogleEmulator) -> Emulated:
    return fresh(server)


def test_values_round_trip_with_the_discovery_client(emu: Emulated) -> None:
    sheets = emu.service("sheets", "v4")
    created = sheets.spreadsheets().create(body={"properties": {"title": "CRM"}}).execute()
    spreadsheet_id = created["spreadsheetId"]
    sheets.spreadsheets().batchUpdate(
        spreadsheetId=spreadsheet_id,
        body={"requests": [{"addSheet": {"properties": {"title": "My Contacts"}}}]},
    ).execute()
    update = (
        sheets.spreadsheets()
        .values()
        .batchUpdate(
            spreadsheetId=spreadsheet_id,
            body={
                "valueInputOption": "RAW",
                "data": [
                    {"range": "'My Contacts'!A1", "values": [["id", "since"], ["1", "2024-03-05"]]}
                ],
            },
        )
        .execute()
    )
    assert update["totalUpdatedCells"] == 4
    got = (
        sheets.spreadsheets()
        .values()
        .batchGet(
            spreadsheetId=spreadsheet_id,
            ranges=["'My Contacts'!A:B", "'My Contacts'!B2"],
            valueRenderOption="UNFORMATTED_VALUE",
            dateTimeRenderOption="SERIAL_NUMBER",
        )
        .execute()
    )
    assert got["valueRanges"][0]["range"] == "'My Contacts'!A1:B1000"
    assert got["valueRanges"][0]["values"] == [["id", "since"], ["1", "2024-03-05"]]
    assert got["valueRanges"][1]["values"] == [["2024-03-05"]]


def test_errors_reach_the_discovery_client_in_googles_format(emu: Emulated) -> None:
    sheets = emu.service("sheets", "v4")
    with pytest.raises(HttpError) as caught:
        sheets.spreadsheets().values().get(spreadsheetId="missing", range="A1").execute()
    assert caught.value.resp.status == 404
    assert caught.value.reason == "Requested entity was not found."
    spreadsheet_id = emu.sheets.create_spreadsheet("CRM")
    with pytest.raises(HttpError) as caught:
        sheets.spreadsheets().values().get(spreadsheetId=spreadsheet_id, range="Nope!A1").execute()
    assert caught.value.resp.status == 400
    assert caught.value.reason == "Unable to parse range: Nope!A1"


def test_drive_list_with_the_discovery_client(emu: Emulated) -> None:
    emu.sheets.create_spreadsheet("CRM")
    drive = emu.service("drive", "v3")
    listed = (
        drive.files()
        .list(
            q="mimeType='application/vnd.google-apps.spreadsheet' and trashed=false",
            fields="files(id,name)",
            supportsAllDrives=True,
            includeItemsFromAllDrives=True,
        )
        .execute()
    )
    assert [f["name"] for f in listed["files"]] == ["CRM"]
