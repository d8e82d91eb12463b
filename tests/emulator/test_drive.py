"""Drive v3 as gspread 6 uses it (files create/list/get/copy/delete, permissions, comments,
export, import_csv), plus q parsing, paging and errors checked on the handlers directly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import gspread
import pytest
from gspread.utils import ExportFormat
from sheets_support import Emulated, call, fresh

from relationkit.testing.emulator.drive import ROOT_ID, SPREADSHEET
from relationkit.testing.emulator.server import GoogleEmulator

FOLDER = "application/vnd.google-apps.folder"


@pytest.fixture(scope="module")
def server() -> Iterator[GoogleEmulator]:
    with GoogleEmulator() as running:
        yield running


@pytest.fixture
def emu(server: GoogleEmulator) -> Emulated:
    return fresh(server)


def files(emu: Emulated, **query: Any) -> dict[str, Any]:
    status, body = call(emu.drive, "GET", "/drive/v3/files", query)
    assert status == 200, body
    return body


def test_create_returns_a_drive_file_and_a_spreadsheet(emu: Emulated) -> None:
    status, body = call(
        emu.drive,
        "POST",
        "/drive/v3/files",
        {"supportsAllDrives": "True"},
        {"name": "CRM", "mimeType": SPREADSHEET},
    )
    assert status == 200
    assert body == {"kind": "drive#file", "id": body["id"], "name": "CRM", "mimeType": SPREADSHEET}
    assert emu.sheets.spreadsheet(body["id"]).title == "CRM"


def test_gspread_create_open_and_openall(emu: Emulated) -> None:
    created = emu.gc.create("Customers")
    emu.gc.create("Suppliers")
    assert emu.gc.open("Customers").id == created.id
    assert sorted(s.title for s in emu.gc.openall()) == ["Customers", "Suppliers"]
    assert [s.id for s in emu.gc.openall("Customers")] == [created.id]
    assert [f["name"] for f in emu.gc.list_spreadsheet_files("Suppliers")] == ["Suppliers"]
    with pytest.raises(gspread.SpreadsheetNotFound):
        emu.gc.open("Nobody")


def test_spreadsheets_made_through_sheets_are_drive_files(emu: Emulated) -> None:
    spreadsheet_id = emu.sheets.create_spreadsheet("Made by the owner")
    assert emu.gc.open("Made by the owner").id == spreadsheet_id


def test_times_and_metadata(emu: Emulated) -> None:
    sh = emu.gc.create("CRM")
    created = sh.creationTime
    assert created.endswith("Z") and "T" in created
    sh.sheet1.update([["x"]])
    assert sh.get_lastUpdateTime() >= created
    meta = emu.gc.get_file_drive_metadata(sh.id)
    assert set(meta) == {"id", "name", "createdTime", "modifiedTime"}


def test_list_query_combinations(emu: Emulated) -> None:
    emu.gc.create("Customers")
    emu.gc.create("Customer's list")
    _, folder = call(
        emu.drive, "POST", "/drive/v3/files", body={"name": "Archive", "mimeType": FOLDER}
    )
    names = lambda body: sorted(f["name"] for f in body["files"])  # noqa: E731
    assert names(files(emu, q=f"mimeType='{SPREADSHEET}'")) == ["Customer's list", "Customers"]
    assert names(files(emu, q=f'mimeType="{SPREADSHEET}" and name = "Customers"')) == ["Customers"]
    assert names(files(emu, q="name = 'Customer\\'s list' and trashed = false")) == [
        "Customer's list"
    ]
    assert names(files(emu, q="name contains 'custom'")) == ["Customer's list", "Customers"]
    assert names(files(emu, q=f"not mimeType = '{SPREADSHEET}'")) == ["Archive"]
    assert names(files(emu, q="(name = 'Archive' or name = 'Customers') and trashed=false")) == [
        "Archive",
        "Customers",
    ]
    assert names(files(emu, q="'root' in parents and name = 'Archive'")) == ["Archive"]
    assert names(files(emu, q=f"'{folder['id']}' in parents")) == []


def test_bad_queries_are_400(emu: Emulated) -> None:
    for q in ("nmae = 'x'", "name = ", "name = 'x' and", "(name = 'x'", "trashed = 'yes'"):
        status, body = call(emu.drive, "GET", "/drive/v3/files", {"q": q})
        assert status == 400, q
        assert body["error"]["message"] == "Invalid Value"
        assert body["error"]["details"][0]["fieldViolations"][0]["field"] == "q"


def test_paging_and_fields(emu: Emulated) -> None:
    for n in range(5):
        emu.sheets.create_spreadsheet(f"S{n}")
    first = files(emu, pageSize=2, fields="nextPageToken,files(id,name)", orderBy="name")
    assert [f["name"] for f in first["files"]] == ["S0", "S1"]
    assert set(first["files"][0]) == {"id", "name"}
    seen = [f["name"] for f in first["files"]]
    token = first.get("nextPageToken")
    while token:
        page = files(emu, pageSize=2, pageToken=token, orderBy="name")
        seen += [f["name"] for f in page["files"]]
        token = page.get("nextPageToken")
    assert seen == ["S0", "S1", "S2", "S3", "S4"]
    assert files(emu, orderBy="name desc")["files"][0]["name"] == "S4"
    default = files(emu)
    assert set(default) == {"kind", "incompleteSearch", "files"}
    assert set(default["files"][0]) == {"kind", "id", "name", "mimeType"}
    status, _ = call(emu.drive, "GET", "/drive/v3/files", {"pageToken": "garbage!"})
    assert status == 400


def test_get_404_and_alt_media(emu: Emulated) -> None:
    status, body = call(emu.drive, "GET", "/drive/v3/files/nope")
    assert status == 404
    assert body["error"]["message"] == "File not found: nope."
    assert body["error"]["errors"][0]["reason"] == "notFound"
    spreadsheet_id = emu.sheets.create_spreadsheet("CRM")
    status, body = call(emu.drive, "GET", f"/drive/v3/files/{spreadsheet_id}", {"alt": "media"})
    assert status == 403
    assert body["error"]["errors"][0]["reason"] == "fileNotDownloadable"
    status, body = call(emu.drive, "GET", f"/drive/v3/files/{spreadsheet_id}", {"fields": "*"})
    assert body["webViewLink"].startswith(
        f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}"
    )
    assert body["parents"] == [ROOT_ID]


def test_copy_with_gspread(emu: Emulated) -> None:
    sh = emu.gc.create("CRM")
    sh.sheet1.update([["id"], ["1"]])
    copy = emu.gc.copy(sh.id)
    assert copy.title == "Copy of CRM"
    assert copy.sheet1.get_all_values() == [["id"], ["1"]]
    named = emu.gc.copy(sh.id, title="Backup", copy_permissions=True)
    assert named.title == "Backup"
    copy.sheet1.update([["changed"]])
    assert sh.sheet1.get_all_values() == [["id"], ["1"]]


def test_delete_removes_the_spreadsheet(emu: Emulated) -> None:
    sh = emu.gc.create("CRM")
    emu.gc.del_spreadsheet(sh.id)
    with pytest.raises(gspread.SpreadsheetNotFound):
        emu.gc.open_by_key(sh.id)
    assert emu.gc.openall() == []
    status, _ = call(emu.drive, "DELETE", f"/drive/v3/files/{sh.id}")
    assert status == 404


def test_update_renames_trashes_and_moves(emu: Emulated) -> None:
    sh = emu.gc.create("CRM")
    _, folder = call(
        emu.drive, "POST", "/drive/v3/files", body={"name": "Clients", "mimeType": FOLDER}
    )
    status, body = call(
        emu.drive,
        "PATCH",
        f"/drive/v3/files/{sh.id}",
        {"addParents": folder["id"], "removeParents": "root", "fields": "id,name,parents"},
        {"name": "CRM 2024"},
    )
    assert status == 200
    assert body == {"id": sh.id, "name": "CRM 2024", "parents": [folder["id"]]}
    assert emu.gc.open_by_key(sh.id).title == "CRM 2024"
    assert [s.id for s in emu.gc.openall()] == [sh.id]
    assert [f["id"] for f in files(emu, q=f"'{folder['id']}' in parents")["files"]] == [sh.id]
    call(emu.drive, "PATCH", f"/drive/v3/files/{sh.id}", body={"trashed": True})
    assert files(emu, q=f"mimeType='{SPREADSHEET}' and trashed = false")["files"] == []
    assert [f["id"] for f in files(emu, q="trashed = true")["files"]] == [sh.id]


def test_gspread_open_in_folder(emu: Emulated) -> None:
    _, folder = call(
        emu.drive, "POST", "/drive/v3/files", body={"name": "Clients", "mimeType": FOLDER}
    )
    inside = emu.gc.create("CRM", folder_id=folder["id"])
    emu.gc.create("CRM")
    assert emu.gc.open("CRM", folder_id=folder["id"]).id == inside.id
    assert [f["id"] for f in emu.gc.list_spreadsheet_files(folder_id=folder["id"])] == [inside.id]


def test_create_in_missing_folder_is_404(emu: Emulated) -> None:
    status, body = call(
        emu.drive,
        "POST",
        "/drive/v3/files",
        body={"name": "x", "mimeType": SPREADSHEET, "parents": ["nope"]},
    )
    assert status == 404
    assert body["error"]["message"] == "File not found: nope."


def test_permissions(emu: Emulated) -> None:
    sh = emu.gc.create("CRM")
    sh.share("ann@example.com", perm_type="user", role="writer", notify=False)
    sh.share(None, perm_type="anyone", role="reader")
    listed = sh.list_permissions()
    assert [(p["type"], p["role"]) for p in listed] == [
        ("user", "owner"),
        ("user", "writer"),
        ("anyone", "reader"),
    ]
    sh.remove_permissions("ann@example.com")
    assert [p["role"] for p in sh.list_permissions()] == ["owner", "reader"]


def test_comments_list_and_create(emu: Emulated) -> None:
    spreadsheet_id = emu.sheets.create_spreadsheet("CRM")
    path = f"/drive/v3/files/{spreadsheet_id}/comments"
    assert call(emu.drive, "GET", path)[1]["comments"] == []
    status, comment = call(
        emu.drive, "POST", path, {"fields": "id,content"}, {"content": "check row 4"}
    )
    assert status == 200
    assert set(comment) == {"id", "content"}
    assert [c["content"] for c in call(emu.drive, "GET", path)[1]["comments"]] == ["check row 4"]


def test_export_csv_and_import_csv(emu: Emulated) -> None:
    sh = emu.gc.create("CRM")
    sh.add_worksheet("Other", 5, 5)
    emu.gc.import_csv(sh.id, "name,since\nAnn,2024-03-05\n")
    assert [w.title for w in sh.worksheets()] == ["Sheet1"]
    assert sh.sheet1.get_all_values() == [["name", "since"], ["Ann", "2024-03-05"]]
    assert sh.export(ExportFormat.CSV) == b"name,since\r\nAnn,2024-03-05\r\n"
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.export(ExportFormat.PDF)
    assert "text/csv" in caught.value.error["message"]


def test_multipart_upload_converts_csv(emu: Emulated) -> None:
    boundary = "xyz"
    metadata = json.dumps({"name": "Imported", "mimeType": SPREADSHEET})
    body = (
        f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{metadata}\r\n"
        f"--{boundary}\r\nContent-Type: text/csv\r\n\r\nid,name\r\n1,Ann\r\n--{boundary}--\r\n"
    ).encode()
    from relationkit.testing.emulator._base import EmulatorRequest

    req = EmulatorRequest.from_parts(
        "POST",
        "/upload/drive/v3/files?uploadType=multipart",
        {"Content-Type": f"multipart/related; boundary={boundary}"},
        body,
    )
    route = next(r for r in emu.drive.routes() if r.match("POST", req.path) is not None)
    created = route.handler(req)
    assert created["name"] == "Imported"
    assert emu.sheets.get_values(created["id"], "Sheet1") == [["id", "name"], ["1", "Ann"]]
