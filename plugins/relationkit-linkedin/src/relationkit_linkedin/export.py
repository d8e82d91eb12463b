"""Reading LinkedIn's data export ``Connections.csv``.

The file starts with a few "Notes:" lines, then the header ``First Name,Last Name,URL,Email
Address,Company,Position,Connected On`` (older exports have no ``Email Address`` column; the
email is often empty anyway). It is UTF-8, with or without a byte-order mark; dates look like
``12 Mar 2024``. Rows are returned with their line number in the file, and every row that
cannot be read whole is reported as a :class:`~relationkit.importers.Problem` on that line.
Cells are read by :func:`relationkit.csvfiles.read_records`: up to 1 MiB each (a row with a
larger cell is left out, reported), NUL characters removed (reported), and a quote that never
closes refuses the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from relationkit.csvfiles import read_records
from relationkit.errors import InvalidValue
from relationkit.identity import fold, normalise_email, normalise_linkedin_url
from relationkit.importers import Problem

COLUMNS = {
    "first name": "first_name",
    "last name": "last_name",
    "url": "url",
    "profile url": "url",
    "email address": "email",
    "company": "company",
    "position": "position",
    "connected on": "connected_on",
}
REQUIRED = ("first_name", "last_name", "url")
DATE_FORMATS = ("%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%m/%d/%y", "%m/%d/%Y")


@dataclass
class Connection:
    """One row of the export: a first-degree connection of the member."""

    line: int
    first_name: str
    last_name: str
    url: str = ""  # normalised with identity.normalise_linkedin_url
    email: str = ""  # normalised, or "" when the member hid it
    company: str = ""
    position: str = ""
    connected_on: date | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def slug(self) -> str:
        """The profile name in the URL (``ann-lee``): a short, stable key for the connection."""
        return self.url.rsplit("/", 1)[-1] if self.url else ""


@dataclass
class Export:
    """The readable connections of one export file and the problems met reading it."""

    file: str
    connections: list[Connection] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    has_email_column: bool = True


class ExportError(InvalidValue):
    """The file is not a LinkedIn connections export at all (nothing was read)."""


def read_export(path: Path) -> Export:
    """Read ``Connections.csv``; raises :class:`ExportError` when it is not one."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(
            "file",
            str(path),
            f"is not UTF-8 text (byte {exc.start}); export it again from "
            "LinkedIn (Settings, Data privacy, Get a copy of your data) and import that file",
        ) from None
    except OSError as exc:
        raise ExportError("file", str(path), f"cannot be read: {exc.strerror}") from None
    return parse_export(text, path.name)


def parse_export(text: str, file: str) -> Export:
    """The connections in an export's text (see :func:`read_export`)."""
    export = Export(file)
    records, notes = read_records(text.removeprefix("\ufeff"), ",", file)
    lines = {record.number: record.line for record in records}
    for note in notes:  # NUL characters removed, a cell too large (its row is left out)
        export.problems.append(Problem(file, lines[note.row], "", "", note.why))
    columns: dict[str, int] | None = None
    seen: dict[str, int] = {}
    for record in records:
        cells, line = record.cells, record.line
        if record.too_large:
            continue
        if columns is None:
            columns = _header(cells)
            if columns is not None:
                missing = [c for c in REQUIRED if c not in columns]
                if missing:
                    raise ExportError(
                        "file", file, f"line {line}: the header has no {missing} column"
                    )
                export.has_email_column = "email" in columns
            continue
        if not any(c.strip() for c in cells):
            continue
        connection = _connection(cells, columns, line, export)
        if connection is None:
            continue
        key = connection.url or f"{fold(connection.name)}|{connection.email}"
        if key in seen:
            export.problems.append(
                Problem(file, line, "", "", f"the same connection as line {seen[key]}; skipped")
            )
            continue
        seen[key] = line
        export.connections.append(connection)
    if columns is None:
        raise ExportError(
            "file",
            file,
            "has no 'First Name,Last Name,URL,...' header: it is not LinkedIn's "
            "Connections.csv (find it in the data export LinkedIn e-mails you)",
        )
    return export


def _header(cells: list[str]) -> dict[str, int] | None:
    """Column positions when ``cells`` is the export's header row, else None (a note line)."""
    found = {COLUMNS[fold(c)]: i for i, c in enumerate(cells) if fold(c) in COLUMNS}
    return found if "first_name" in found and "last_name" in found else None


def _connection(
    cells: list[str], columns: dict[str, int], line: int, export: Export
) -> Connection | None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def problem(column: str, value: str, why: str) -> None:
        export.problems.append(Problem(export.file, line, column, value, why))

    connection = Connection(line, cell("first_name"), cell("last_name"))
    connection.company, connection.position = cell("company"), cell("position")
    raw_url = cell("url")
    if raw_url:
        try:
            connection.url = normalise_linkedin_url(raw_url)
        except InvalidValue as exc:
            problem("URL", raw_url, f"{exc.why}; the row is read without it")
    raw_email = cell("email")
    if raw_email:
        try:
            connection.email = normalise_email(raw_email)
        except InvalidValue as exc:
            problem("Email Address", raw_email, f"{exc.why}; the row is read without it")
    raw_date = cell("connected_on")
    if raw_date:
        connection.connected_on = _date(raw_date)
        if connection.connected_on is None:
            problem("Connected On", raw_date, "is not a date like 12 Mar 2024; left out")
    if not connection.name and not connection.url:
        problem("", "", "has no name and no profile URL; skipped")
        return None
    return connection


def _date(text: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None
