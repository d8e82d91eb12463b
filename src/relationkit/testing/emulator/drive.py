"""Google Drive API v3, emulated for what spreadsheet clients (gspread 6) call.

Files are spreadsheets (their id is the spreadsheet's id in ``SheetsAPI``, their name its title),
folders, and plain uploaded files. Supported: files.create (a spreadsheet mimeType creates a
spreadsheet), files.list with ``q``/``pageSize``/``pageToken``/``orderBy``, files.get, files.copy,
files.update (rename, trash, move), files.delete, files.export (CSV/TSV), permissions
list/create/delete, comments list/create, multipart/media uploads (CSV converted to a spreadsheet)
and gspread's ``import_csv`` (``PUT /upload/drive/v2/files/{id}``).
"""

from __future__ import annotations

import base64
import csv
import email
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import fieldmask
from ._base import ApiError, EmulatedClock, EmulatorRequest, EmulatorResponse, Route
from .drive_query import compile_query
from .sheets import SheetsAPI

SPREADSHEET = "application/vnd.google-apps.spreadsheet"
FOLDER = "application/vnd.google-apps.folder"
ROOT_ID = "0AEmulatedRootFolderUk9PVA"
OWNER = {
    "kind": "drive#user",
    "displayName": "Emulated Owner",
    "emailAddress": "owner@example.com",
    "me": True,
    "permissionId": "00000000000000000001",
}
DEFAULT_FILE_FIELDS = fieldmask.parse("kind,id,name,mimeType")
DEFAULT_LIST_FIELDS = fieldmask.parse(
    "kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)"
)


def file_not_found(file_id: str) -> ApiError:
    return ApiError(404, f"File not found: {file_id}.", "NOT_FOUND", "notFound")


def _time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@dataclass
class DriveFile:
    """Drive's own metadata for a file (a spreadsheet's name and times live in ``SheetsAPI``)."""

    id: str
    mime_type: str
    name: str
    created: datetime
    modified: datetime
    parents: list[str] = field(default_factory=lambda: [ROOT_ID])
    trashed: bool = False
    starred: bool = False
    description: str | None = None
    content: bytes | None = None
    permissions: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)


class DriveAPI:
    """The emulated Drive v3 API; spreadsheets are shared with ``sheets``."""

    name = "drive"

    def __init__(self, clock: EmulatedClock, sheets: SheetsAPI) -> None:
        self.clock = clock
        self.sheets = sheets
        self.lock = sheets.lock
        self._files: dict[str, DriveFile] = {}
        self._counter = 0

    # -- routing -------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        files = "/drive/v3/files"
        one = files + "/{fileId}"
        table: list[tuple[str, str, str, Callable[[EmulatorRequest], Any]]] = [
            ("GET", files, "files.list", self.list_files),
            ("POST", files, "files.create", self.create),
            ("POST", "/upload/drive/v3/files", "files.create", self.upload),
            ("PUT", "/upload/drive/v2/files/{fileId}", "files.update", self.import_v2),
            ("GET", one, "files.get", self.get),
            ("PATCH", one, "files.update", self.update),
            ("DELETE", one, "files.delete", self.delete),
            ("POST", one + "/copy", "files.copy", self.copy),
            ("GET", one + "/export", "files.export", self.export),
            ("GET", one + "/permissions", "permissions.list", self.list_permissions),
            ("POST", one + "/permissions", "permissions.create", self.create_permission),
            (
                "DELETE",
                one + "/permissions/{permissionId}",
                "permissions.delete",
                self.delete_permission,
            ),
            ("GET", one + "/comments", "comments.list", self.list_comments),
            ("POST", one + "/comments", "comments.create", self.create_comment),
        ]
        return [
            Route(method, pattern, f"drive.{operation}", self._wrap(handler))
            for method, pattern, operation, handler in table
        ]

    def _wrap(self, handler: Callable[[EmulatorRequest], Any]) -> Callable[[EmulatorRequest], Any]:
        def run(req: EmulatorRequest) -> Any:
            with self.lock:
                return handler(req)

        return run

    # -- state ---------------------------------------------------------------------------------

    def _sync(self) -> None:
        """Give spreadsheets made through the Sheets API a Drive entry; drop deleted ones."""
        alive = {s.id: s for s in self.sheets.spreadsheets()}
        for file_id, spreadsheet in alive.items():
            if file_id not in self._files:
                self._files[file_id] = self._new_entry(
                    file_id, SPREADSHEET, spreadsheet.title, spreadsheet.created
                )
        for file_id in [i for i, f in self._files.items() if f.mime_type == SPREADSHEET]:
            if file_id not in alive:
                del self._files[file_id]

    def _new_entry(self, file_id: str, mime: str, name: str, created: datetime) -> DriveFile:
        owner = {"kind": "drive#permission", "id": OWNER["permissionId"], "type": "user",
                 "role": "owner", "emailAddress": OWNER["emailAddress"],
                 "displayName": OWNER["displayName"]}  # fmt: skip
        return DriveFile(file_id, mime, name, created, created, permissions=[owner])

    def _file(self, file_id: str) -> DriveFile:
        self._sync()
        if file_id == "root":
            file_id = ROOT_ID
        found = self._files.get(file_id)
        if found is None:
            raise file_not_found(file_id)
        return found

    def _new_id(self) -> str:
        self._counter += 1
        raw = f"relationkit-emulated-file-{self._counter}".encode()
        return "1" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def file_json(self, file: DriveFile) -> dict[str, Any]:
        """Every field the emulator knows for a file (masked by ``fields`` on the way out)."""
        name, created, modified = file.name, file.created, file.modified
        if file.mime_type == SPREADSHEET:
            spreadsheet = self.sheets.spreadsheet(file.id)
            name, created, modified = spreadsheet.title, spreadsheet.created, spreadsheet.modified
        result: dict[str, Any] = {
            "kind": "drive#file",
            "id": file.id,
            "name": name,
            "mimeType": file.mime_type,
            "parents": list(file.parents),
            "starred": file.starred,
            "trashed": file.trashed,
            "createdTime": _time(created),
            "modifiedTime": _time(max(modified, file.modified)),
            "owners": [dict(OWNER)],
            "ownedByMe": True,
            "shared": len(file.permissions) > 1,
            "version": "1",
            "webViewLink": _view_link(file),
            "_in_root": ROOT_ID in file.parents,
        }
        if file.description is not None:
            result["description"] = file.description
        if file.content is not None:
            result["size"] = str(len(file.content))
        return result

    def _out(self, req: EmulatorRequest, body: dict[str, Any], default: fieldmask.Mask) -> Any:
        fields = req.param("fields")
        mask = fieldmask.parse(fields) if fields else default
        return fieldmask.apply(_public(body), mask)

    def _parent_ids(self, parents: Any) -> list[str]:
        wanted = list(parents or [ROOT_ID])
        resolved = []
        for parent in wanted:
            if parent in ("root", ROOT_ID):
                resolved.append(ROOT_ID)
                continue
            folder = self._file(parent)
            if folder.mime_type != FOLDER:
                raise ApiError(
                    400,
                    f"The parent {parent} is not a folder.",
                    "INVALID_ARGUMENT",
                    "invalidParent",
                )
            resolved.append(parent)
        return resolved

    # -- files ---------------------------------------------------------------------------------

    def list_files(self, req: EmulatorRequest) -> Any:
        self._sync()
        query = req.param("q")
        matches = compile_query(query) if query else (lambda f: True)
        found = [body for body in map(self.file_json, self._files.values()) if matches(body)]
        for key, descending in reversed(_order(req.param("orderBy"))):
            found.sort(
                key=lambda body, key=key: str(body.get(key, "")).casefold(), reverse=descending
            )
        size = int(req.param("pageSize") or 100)
        if not 1 <= size <= 1000:
            raise ApiError(
                400,
                f"Invalid value '{size}'. Values must be within the range: [1, 1000]",
                "INVALID_ARGUMENT",
                "invalid",
            )
        start = _read_token(req.param("pageToken"))
        body: dict[str, Any] = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": found[start : start + size],
        }
        if start + size < len(found):
            body["nextPageToken"] = base64.urlsafe_b64encode(
                f"offset:{start + size}".encode()
            ).decode()
        return self._out(req, body, DEFAULT_LIST_FIELDS)

    def create(self, req: EmulatorRequest) -> Any:
        return self._out(req, self._create(req.json()), DEFAULT_FILE_FIELDS)

    def _create(
        self, metadata: dict[str, Any], content: bytes | None = None, content_type: str = ""
    ) -> dict[str, Any]:
        mime = metadata.get("mimeType") or content_type or "application/octet-stream"
        parents = self._parent_ids(metadata.get("parents"))
        now = self.clock.now()
        if mime == SPREADSHEET:
            title = metadata.get("name") or "Untitled spreadsheet"
            tabs = {"Sheet1": _csv_rows(content)} if content is not None else None
            file_id = self.sheets.create_spreadsheet(title, tabs)
            entry = self._new_entry(file_id, SPREADSHEET, title, now)
        else:
            file_id = self._new_id()
            entry = self._new_entry(file_id, mime, metadata.get("name") or "Untitled", now)
            entry.content = content
        entry.parents = parents
        entry.description = metadata.get("description")
        entry.starred = bool(metadata.get("starred"))
        self._files[file_id] = entry
        return self.file_json(entry)

    def upload(self, req: EmulatorRequest) -> Any:
        kind = req.param("uploadType") or "media"
        content_type = req.headers.get("content-type", "")
        if kind == "multipart":
            message = email.message_from_bytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + req.body
            )
            parts = [p for p in message.walk() if not p.is_multipart()]
            if len(parts) != 2:
                raise ApiError(
                    400,
                    "Multipart upload needs a metadata part and a media part.",
                    "INVALID_ARGUMENT",
                    "badContent",
                )
            metadata = json.loads(parts[0].get_payload(decode=True) or b"{}")
            media = parts[1].get_payload(decode=True) or b""
            body = self._create(metadata, media, parts[1].get_content_type())
        elif kind == "media":
            body = self._create({}, req.body, content_type.split(";")[0])
        else:
            raise ApiError(
                400,
                f"Unsupported uploadType {kind!r} (the emulator takes media or multipart).",
                "INVALID_ARGUMENT",
                "badRequest",
            )
        return self._out(req, body, DEFAULT_FILE_FIELDS)

    def import_v2(self, req: EmulatorRequest) -> Any:
        """gspread's ``Client.import_csv``: replace the spreadsheet with one tab holding the CSV."""
        file = self._file(req.path_params["fileId"])
        if file.mime_type != SPREADSHEET:
            raise ApiError(
                400, "Only spreadsheets can be imported into.", "INVALID_ARGUMENT", "badRequest"
            )
        spreadsheet = self.sheets.spreadsheet(file.id)
        first = spreadsheet.sheets[0]
        spreadsheet.sheets = [first]
        first.cells.clear()
        rows = _csv_rows(req.body)
        self.sheets.set_values(file.id, first.id, rows)
        spreadsheet.reindex()
        return {
            "kind": "drive#file",
            "id": file.id,
            "title": spreadsheet.title,
            "mimeType": SPREADSHEET,
        }

    def get(self, req: EmulatorRequest) -> Any:
        file = self._file(req.path_params["fileId"])
        if req.param("alt") == "media":
            if file.content is None:
                raise ApiError(
                    403,
                    "Only files with binary content can be downloaded. "
                    "Use Export with Docs Editors files.",
                    "PERMISSION_DENIED",
                    "fileNotDownloadable",
                )
            return EmulatorResponse(200, file.content, {"Content-Type": file.mime_type})
        return self._out(req, self.file_json(file), DEFAULT_FILE_FIELDS)

    def update(self, req: EmulatorRequest) -> Any:
        file = self._file(req.path_params["fileId"])
        metadata = req.json()
        if "name" in metadata:
            if not metadata["name"]:
                raise ApiError(
                    400, "The file name must not be empty.", "INVALID_ARGUMENT", "invalid"
                )
            if file.mime_type == SPREADSHEET:
                self.sheets.spreadsheet(file.id).properties["title"] = metadata["name"]
            file.name = metadata["name"]
        for key in ("trashed", "starred"):
            if key in metadata:
                setattr(file, key, bool(metadata[key]))
        if "description" in metadata:
            file.description = metadata["description"]
        add = [p for p in (req.param("addParents") or "").split(",") if p]
        remove = {p for p in (req.param("removeParents") or "").split(",") if p}
        if add or remove:
            kept = [
                p
                for p in file.parents
                if p not in remove and not (p == ROOT_ID and "root" in remove)
            ]
            file.parents = (
                kept + [p for p in self._parent_ids(add) if p not in kept] if add else kept
            )
        file.modified = self.clock.now()
        return self._out(req, self.file_json(file), DEFAULT_FILE_FIELDS)

    def delete(self, req: EmulatorRequest) -> EmulatorResponse:
        self._delete(self._file(req.path_params["fileId"]))
        return EmulatorResponse(204)

    def _delete(self, file: DriveFile) -> None:
        if file.mime_type == FOLDER:
            for child in [f for f in self._files.values() if file.id in f.parents]:
                self._delete(child)
        if file.mime_type == SPREADSHEET:
            self.sheets.delete_spreadsheet(file.id)
        self._files.pop(file.id, None)

    def copy(self, req: EmulatorRequest) -> Any:
        source = self._file(req.path_params["fileId"])
        metadata = req.json()
        wanted_name = metadata.get("name")
        now = self.clock.now()
        if source.mime_type == SPREADSHEET:
            file_id = self.sheets.copy_spreadsheet(source.id, wanted_name)
            entry = self._new_entry(file_id, SPREADSHEET, wanted_name or "", now)
        elif source.mime_type == FOLDER:
            raise ApiError(403, "Folders cannot be copied.", "PERMISSION_DENIED", "cannotCopyFile")
        else:
            file_id = self._new_id()
            entry = self._new_entry(
                file_id, source.mime_type, wanted_name or f"Copy of {source.name}", now
            )
            entry.content = source.content
        entry.parents = self._parent_ids(metadata.get("parents") or source.parents)
        self._files[file_id] = entry
        return self._out(req, self.file_json(entry), DEFAULT_FILE_FIELDS)

    def export(self, req: EmulatorRequest) -> EmulatorResponse:
        file = self._file(req.path_params["fileId"])
        mime = req.param("mimeType")
        if file.mime_type != SPREADSHEET:
            raise ApiError(
                403,
                "Export only supports Docs Editors files.",
                "PERMISSION_DENIED",
                "fileNotExportable",
            )
        if mime not in ("text/csv", "text/tab-separated-values"):
            raise ApiError(
                400,
                f"The relationkit emulator exports spreadsheets only as text/csv or "
                f"text/tab-separated-values, not {mime!r}.",
                "INVALID_ARGUMENT",
                "badRequest",
            )
        spreadsheet = self.sheets.spreadsheet(file.id)
        rows = self.sheets.get_values(file.id, spreadsheet.sheets[0].id)
        out = io.StringIO()
        writer = csv.writer(
            out, delimiter="," if mime == "text/csv" else "\t", lineterminator="\r\n"
        )
        writer.writerows(rows)
        return EmulatorResponse(200, out.getvalue().encode(), {"Content-Type": mime})

    # -- permissions and comments ----------------------------------------------------------------

    def list_permissions(self, req: EmulatorRequest) -> Any:
        file = self._file(req.path_params["fileId"])
        body = {"kind": "drive#permissionList", "permissions": [dict(p) for p in file.permissions]}
        return self._out(
            req, body, fieldmask.parse("kind,nextPageToken,permissions(kind,id,type,role)")
        )

    def create_permission(self, req: EmulatorRequest) -> Any:
        file = self._file(req.path_params["fileId"])
        wanted = req.json()
        kind, role = wanted.get("type"), wanted.get("role")
        if kind not in ("user", "group", "domain", "anyone"):
            raise ApiError(400, f"Invalid permission type: {kind!r}", "INVALID_ARGUMENT", "invalid")
        if role not in ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"):
            raise ApiError(400, f"Invalid permission role: {role!r}", "INVALID_ARGUMENT", "invalid")
        permission: dict[str, Any] = {"kind": "drive#permission", "type": kind, "role": role}
        if kind in ("user", "group"):
            if not wanted.get("emailAddress"):
                raise ApiError(
                    400,
                    "emailAddress is required for user and group permissions.",
                    "INVALID_ARGUMENT",
                    "required",
                )
            permission["emailAddress"] = wanted["emailAddress"]
            digest = hashlib.sha256(wanted["emailAddress"].lower().encode()).hexdigest()
            permission["id"] = f"{int(digest, 16) % 10**20:020d}"
        elif kind == "domain":
            permission["domain"] = wanted.get("domain")
            permission["id"] = f"domain-{wanted.get('domain')}"
        else:
            permission["id"] = "anyoneWithLink" if wanted.get("withLink") else "anyone"
        file.permissions = [p for p in file.permissions if p["id"] != permission["id"]] + [
            permission
        ]
        return self._out(req, permission, fieldmask.parse("kind,id,type,role"))

    def delete_permission(self, req: EmulatorRequest) -> EmulatorResponse:
        file = self._file(req.path_params["fileId"])
        wanted = req.path_params["permissionId"]
        kept = [p for p in file.permissions if p["id"] != wanted]
        if len(kept) == len(file.permissions):
            raise ApiError(404, f"Permission not found: {wanted}.", "NOT_FOUND", "notFound")
        file.permissions = kept
        return EmulatorResponse(204)

    def list_comments(self, req: EmulatorRequest) -> Any:
        file = self._file(req.path_params["fileId"])
        body = {"kind": "drive#commentList", "comments": [dict(c) for c in file.comments]}
        return self._out(req, body, fieldmask.parse("*"))

    def create_comment(self, req: EmulatorRequest) -> Any:
        file = self._file(req.path_params["fileId"])
        wanted = req.json()
        if not wanted.get("content"):
            raise ApiError(400, "A comment needs content.", "INVALID_ARGUMENT", "required")
        comment = {
            "kind": "drive#comment",
            "id": f"AAAA{len(file.comments) + 1:08d}",
            "content": wanted["content"],
            "createdTime": _time(self.clock.now()),
            "deleted": False,
        }
        if wanted.get("anchor"):
            comment["anchor"] = wanted["anchor"]
        file.comments.append(comment)
        return self._out(req, comment, fieldmask.parse("*"))


def _public(body: dict[str, Any]) -> dict[str, Any]:
    """Drop the emulator's private keys (``_in_root``) at any depth."""
    result: dict[str, Any] = {}
    for key, value in body.items():
        if key.startswith("_"):
            continue
        if isinstance(value, dict):
            value = _public(value)
        elif isinstance(value, list):
            value = [_public(v) if isinstance(v, dict) else v for v in value]
        result[key] = value
    return result


def _view_link(file: DriveFile) -> str:
    if file.mime_type == SPREADSHEET:
        return f"https://docs.google.com/spreadsheets/d/{file.id}/edit?usp=drivesdk"
    if file.mime_type == FOLDER:
        return f"https://drive.google.com/drive/folders/{file.id}"
    return f"https://drive.google.com/file/d/{file.id}/view?usp=drivesdk"


def _order(text: str | None) -> list[tuple[str, bool]]:
    keys = []
    for part in (text or "").split(","):
        words = part.split()
        if not words:
            continue
        key = {
            "name_natural": "name",
            "folder": "mimeType",
            "modifiedByMeTime": "modifiedTime",
        }.get(words[0], words[0])
        if key not in ("name", "createdTime", "modifiedTime", "mimeType", "starred"):
            raise ApiError(
                400,
                f"Invalid Value: orderBy key {words[0]!r} is not supported.",
                "INVALID_ARGUMENT",
                "invalid",
            )
        keys.append((key, len(words) > 1 and words[1].lower() == "desc"))
    return keys


def _read_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        kind, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if kind != "offset":
            raise ValueError(token)
        return int(offset)
    except ValueError as exc:
        raise ApiError(400, "Invalid Value", "INVALID_ARGUMENT", "invalid") from exc


def _csv_rows(content: bytes | None) -> list[list[Any]]:
    text = (content or b"").decode("utf-8-sig")
    return [row for row in csv.reader(io.StringIO(text))]
