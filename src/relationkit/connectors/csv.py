"""A CSV file as a two-way store of contacts (``[connectors.csv] path = "contacts.csv"``).

One row per contact. The ``id`` column is the row's own stable id (rows are sorted, inserted and
deleted freely; a row number is no identity) and ``relationkit_id`` the contact it belongs to;
both are filled in by the sync, so a row typed in by hand may leave them empty. The other
columns are ``Contact`` field names (:data:`COLUMNS`); lists are written ``a; b``, dates ISO
(``1984-03-14`` or ``--03-14`` without a year). Columns the file has beyond these are kept as
they are. Every write replaces the file atomically (a temporary file, then a rename). The file
is read and written as a spreadsheet opens it (:mod:`relationkit.csvfiles`): a cell starting
with ``= + - @`` is written with a leading ``'`` (read back without it), and a file with an
unclosed quote or a cell over 1 MiB is refused rather than read as rows gone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from ..csvfiles import MAX_CELL, SpreadsheetWriter, read_records
from ..errors import ConfigError, InvalidValue
from ..files import write_atomically
from ..models import new_id
from ..settings import Setting
from ..store.codec import fingerprint
from ..sync.contract import Change, Connector, Kind, Op, PullResult, PushResult, RemoteItem
from ..sync.values import clean_contact_fields

COLUMNS: tuple[str, ...] = (
    "display_name",
    "given_name",
    "family_name",
    "emails",
    "phones",
    "company",
    "position",
    "birthday",
    "anniversary",
    "notes",
    "tags",
    "interests",
    "preferred_channel",
    "linkedin_url",
)
_LISTS = frozenset({"emails", "phones", "tags", "interests"})
_OPTIONAL = frozenset({"birthday", "anniversary", "preferred_channel"})
_IDS = ("id", "relationkit_id")


def cell_value(name: str, text: str) -> Any:
    """A cell read into the JSON form of field ``name`` (before normalising)."""
    text = text.strip()
    if name in _LISTS:
        return [part.strip() for part in text.split(";") if part.strip()]
    if name in _OPTIONAL:
        return text or None
    return text


def cell_text(value: Any) -> str:
    """A JSON-form value written as a cell."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


class CsvFile:
    """The rows of one CSV file, read and written whole, as a spreadsheet would open them:
    formula cells escaped (:mod:`relationkit.csvfiles`), cells up to 1 MiB, NUL characters
    removed (listed in ``notes`` after a read), an unclosed quote refused."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.notes: list[InvalidValue] = []

    def read(self) -> tuple[list[str], list[dict[str, str]]]:
        """The header and the rows (an absent file is an empty one)."""
        self.notes = []
        if not self.path.exists():
            return [*_IDS, *COLUMNS], []
        text = self.path.read_bytes().decode("utf-8-sig")
        records, notes = read_records(text, ",", self.path.name)
        records = [record for record in records if record.cells]  # blank lines
        header = records[0].cells if records else []
        for record in records[1:]:
            if record.too_large:  # left out, its row would read as deleted: refuse the file
                raise InvalidValue(
                    "file",
                    self.path.name,
                    f"row {record.number} has a cell over {MAX_CELL:,} characters, more than "
                    "relationkit reads; shorten it",
                )
        rows = [
            dict(zip(header, record.cells + [""] * (len(header) - len(record.cells)), strict=False))
            for record in records[1:]
        ]
        for note in notes:
            column = header[note.column] if note.column < len(header) else ""
            self.notes.append(
                InvalidValue(column, "", note.why, f"{self.path.name} row {note.row}")
            )
        header += [c for c in (*_IDS, *COLUMNS) if c not in header]
        return header, rows

    def write(self, header: list[str], rows: list[dict[str, str]]) -> None:
        """Replace the file atomically: a reader sees the old file or the new one, never half."""
        with write_atomically(self.path) as handle:
            writer = SpreadsheetWriter(handle)
            writer.writerow(header)
            writer.writerows([row.get(name, "") for name in header] for row in rows)

    def modified_at(self) -> datetime | None:
        if not self.path.exists():
            return None
        return datetime.fromtimestamp(self.path.stat().st_mtime, UTC)


def row_ids(rows: list[dict[str, str]]) -> list[str | None]:
    """Each row's external id: its ``id`` cell, or for a row without one a name derived from its
    content; None for a row repeating an id already used above it."""
    ids: list[str | None] = []
    seen: set[str] = set()
    for row in rows:
        external_id = row.get("id", "").strip() or _content_id(row, seen)
        ids.append(None if external_id in seen else external_id)
        seen.add(external_id)
    return ids


def row_etag(row: dict[str, str]) -> str:
    return fingerprint([row.get(c, "") for c in (*_IDS, *COLUMNS)])


def _content_id(row: dict[str, str], seen: set[str]) -> str:
    base = f"row:{row_etag(row)}"
    count = 0
    while f"{base}#{count}" in seen:
        count += 1
    return f"{base}#{count}"


class CsvConnector(Connector):
    """Two-way sync of contacts with a CSV file. Settings: ``path`` (required)."""

    name = "csv"
    label = "CSV file"
    description = "A CSV file of contacts, kept in step both ways"
    kinds = frozenset({Kind.CONTACT})
    fields = frozenset(COLUMNS)
    can_delete = True
    settings_schema: ClassVar[dict[str, Setting]] = {
        "path": Setting(str, doc="the CSV file (required), created by the first sync"),
    }

    def __init__(self, workspace: Any, settings: dict[str, Any]) -> None:
        super().__init__(workspace, settings)
        if not settings.get("path"):
            raise ConfigError(f'[connectors.{self.name}] needs path = "<file>.csv"')
        self.file = CsvFile(Path(str(settings["path"])).expanduser())

    def check(self) -> list[str]:
        parent = self.file.path.parent
        if not parent.exists():
            return [f"{self.name}: the folder {parent} does not exist"]
        return []

    def pull(self, state: dict[str, str], *, full: bool) -> PullResult:
        _, rows = self.file.read()
        changed_at = self.file.modified_at()
        items = []
        for number, (row, external_id) in enumerate(zip(rows, row_ids(rows), strict=True), start=2):
            if external_id is None:
                continue  # a repeated id: reported by _duplicates below
            raw = {name: cell_value(name, row.get(name, "")) for name in COLUMNS}
            fields, problems = clean_contact_fields(
                raw,
                region=self.workspace.config.region,
                where=f"{self.file.path.name} row {number}",
            )
            items.append(
                RemoteItem(
                    kind=Kind.CONTACT,
                    external_id=external_id,
                    etag=row_etag(row),
                    fields=fields,
                    local_id=row.get("relationkit_id", "").strip() or None,
                    changed_at=changed_at,
                    problems=problems,
                )
            )
        if items:
            items[0].problems.extend([*self.file.notes, *self._duplicates(rows)])
        return PullResult(items, full=True, state={})

    def _duplicates(self, rows: list[dict[str, str]]) -> list[InvalidValue]:
        return [
            InvalidValue(
                "id",
                row.get("id", ""),
                "the same id is on an earlier row; this row is "
                "not synced until it gets an empty or unique id",
                f"{self.file.path.name} row {number}",
            )
            for number, (row, external_id) in enumerate(
                zip(rows, row_ids(rows), strict=True), start=2
            )
            if external_id is None
        ]

    def _reread(self, row: dict[str, str]) -> dict[str, Any]:
        """What the next pull will read from a row just written (cells trim and reformat)."""
        raw = {name: cell_value(name, row.get(name, "")) for name in COLUMNS}
        return clean_contact_fields(raw, region=self.workspace.config.region)[0]

    def push(self, changes: list[Change]) -> list[PushResult]:
        header, rows = self.file.read()
        by_id = {ext: row for ext, row in zip(row_ids(rows), rows, strict=True) if ext}
        results = []
        for change in changes:
            row = by_id.get(change.external_id or "")
            if change.op == Op.CREATE:
                row = {"id": new_id("r")}
                rows.append(row)
            elif row is None:
                results.append(PushResult(change.local_id, change.external_id, error="no such row"))
                continue
            elif change.etag and row_etag(row) != change.etag:
                results.append(
                    PushResult(
                        change.local_id, change.external_id, error="row changed since the last pull"
                    )
                )
                continue
            if change.op == Op.DELETE:
                rows.remove(row)
                results.append(PushResult(change.local_id, change.external_id))
                continue
            row["id"] = row.get("id", "").strip() or new_id("r")
            row["relationkit_id"] = change.local_id
            row.update({k: cell_text(v) for k, v in change.fields.items() if k in self.fields})
            results.append(PushResult(change.local_id, row["id"], row_etag(row), self._reread(row)))
        if changes:
            self.file.write(header, rows)
        return results
