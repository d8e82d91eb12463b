"""CSV files as spreadsheets write them and read them.

Reading (:func:`read_csv`): the encoding is found from a byte-order mark (UTF-8, UTF-16 as
Excel's "Unicode Text" writes it, UTF-32), else UTF-16 without a mark (every other byte zero),
else UTF-8, else Windows-1252, unless the caller names one; the delimiter (comma, semicolon,
tab or pipe) is sniffed. Cells keep what they hold except: NUL characters, which no database
stores, are removed (noted); a cell over :data:`MAX_CELL` characters is noted and its row left
out; a leading ``'`` that escapes a formula (as :func:`escape_formula` writes it) is removed. A
quote that opens a cell and is not closed where it should be (it would read the following rows
into that one cell) refuses the whole file (:class:`QuoteError`), naming the line.

Writing (:class:`SpreadsheetWriter`): a cell a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return, OWASP's list) is written with a leading
``'``, unless it is a plain number (``-12.50``, ``+14155550134``), which no spreadsheet runs.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import InvalidValue

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 1024 * 1024  # characters per cell (1 MiB of plain text)
_NO_LIMIT = 2**31 - 1  # the csv module's own limit, lifted while reading (a C long)
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_ESCAPED = re.compile(r"'[=+\-@\t\r']")  # what escape_formula may have written
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_BOMS = (  # UTF-32's marks start with UTF-16's: they come first
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with a byte-order mark"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 (Excel's Unicode Text)"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 big-endian"),
)


# -- formulas --------------------------------------------------------------------------------


def escape_formula(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula.

    Apostrophes already leading such a value get one more, so :func:`unescape_formula` gives
    back exactly ``value``; a plain number is left as it is.
    """
    if value.lstrip("'").startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def unescape_formula(cell: str) -> str:
    """The value :func:`escape_formula` wrote as ``cell``."""
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_START):
        return cell[1:]
    return cell


class SpreadsheetWriter:
    """``csv.writer`` whose cells are escaped with :func:`escape_formula` (unless ``raw``)."""

    def __init__(self, handle: IO[str], *, raw: bool = False) -> None:
        self._writer = csv.writer(handle)
        self._raw = raw

    def writerow(self, cells: Iterable[Any]) -> None:
        texts = ["" if cell is None else str(cell) for cell in cells]
        self._writer.writerow(texts if self._raw else [escape_formula(t) for t in texts])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


# -- reading ---------------------------------------------------------------------------------


class QuoteError(InvalidValue):
    """A quote opens a cell and does not close where it should: the file is not read."""


@dataclass(slots=True)
class Record:
    """One row of the file: its number as a spreadsheet shows it and the line it starts on."""

    number: int
    line: int
    cells: list[str]
    too_large: bool = False  # a cell is over MAX_CELL: the row is to be left out


@dataclass
class Note:
    """Something changed or refused while reading a cell (``column`` is its index)."""

    row: int
    column: int
    why: str


@dataclass
class CsvText:
    """A CSV file read: its records and how it was read."""

    name: str
    encoding: str  # how the bytes were read, for people: "UTF-16 (Excel's Unicode Text)"
    delimiter: str
    records: list[Record] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def read_as(self) -> str:
        """``read as UTF-8, comma-separated``."""
        return (
            f"read as {self.encoding}, {_DELIMITERS.get(self.delimiter, self.delimiter)}-separated"
        )


def read_csv(path: Path, *, encoding: str | None = None) -> CsvText:
    """The records of the CSV file at ``path`` (see the module's docstring)."""
    text, described = decode(path.read_bytes(), encoding, path.name)
    delimiter, spaced = sniff(text)
    result = CsvText(path.name, described, delimiter)
    result.records, result.notes = read_records(text, delimiter, path.name, spaced=spaced)
    return result


def decode(data: bytes, encoding: str | None = None, name: str = "file") -> tuple[str, str]:
    """``(text, how it was read)``; with ``encoding`` that one, else guessed."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise InvalidValue(
                "encoding", encoding, "is not an encoding (try utf-8, utf-16, cp1252 or latin-1)"
            ) from None
        return _strict(data, codec, name).removeprefix("\ufeff"), encoding
    for mark, codec, described in _BOMS:
        if data.startswith(mark):
            return _strict(data[len(mark) :], codec, name), described
    utf16 = _utf16_without_mark(data)
    if utf16 is not None:
        return utf16
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    unreadable = text.count("\ufffd")
    if unreadable:
        return text, (
            f"Windows-1252 ({unreadable} byte(s) unreadable, shown as \ufffd; "
            "give --encoding if the file has another)"
        )
    return text, "Windows-1252 (it is not UTF-8)"


def _strict(data: bytes, codec: str, name: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InvalidValue(
            "file", name, f"is not {codec} text (byte {exc.start} cannot be read as {codec})"
        ) from None


def _utf16_without_mark(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text without a byte-order mark (mostly ASCII: every other byte is zero)."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for zeros, others, codec, described in (
        (odd, even, "utf-16-le", "UTF-16 (no byte-order mark)"),
        (even, odd, "utf-16-be", "UTF-16 big-endian (no byte-order mark)"),
    ):
        if zeros.count(0) > 0.4 * len(zeros) and others.count(0) < 0.05 * len(others):
            try:
                return data.decode(codec), described
            except UnicodeDecodeError:
                return None
    return None


def sniff(text: str) -> tuple[str, bool]:
    """The delimiter of ``text`` (comma, semicolon, tab or pipe; comma when unclear) and whether
    a space follows each one (``Name, Email``).

    Each candidate reads the first 50 lines; the one giving most rows the same number of cells
    (two or more), the header's number, wins, so a semicolon or quote inside a cell never
    misleads it (as it can :class:`csv.Sniffer`).
    """
    sample = io.StringIO(text, newline="").readlines()[:50]
    best: tuple[tuple[float, bool, int], str, list[str]] | None = None
    for delimiter in _DELIMITERS:
        with _field_size_limit(_NO_LIMIT):
            rows = [row for row in csv.reader(sample, _Dialect, delimiter=delimiter) if any(row)]
        if not rows:
            continue
        width, count = Counter(len(row) for row in rows).most_common(1)[0]
        score = (count / len(rows), len(rows[0]) == width, width)
        if width > 1 and (best is None or score > best[0]):
            best = (score, delimiter, rows[0])
    if best is None:
        return ",", False
    _score, delimiter, header = best
    return delimiter, all(cell.startswith(" ") for cell in header[1:])


class _Dialect(csv.excel):
    strict = False


def read_records(
    text: str, delimiter: str = ",", name: str = "file", *, spaced: bool = False
) -> tuple[list[Record], list[Note]]:
    """Every record of ``text`` (blank ones too, so that numbers are a spreadsheet's rows);
    ``spaced``: a space after a delimiter is not part of the cell."""
    lines = io.StringIO(text, newline="").readlines()
    records: list[Record] = []
    notes: list[Note] = []
    dialect = {"delimiter": delimiter, "skipinitialspace": spaced}
    # Looking at each cell costs; most files need it for none (imports must stay fast).
    look = "\x00" in text or _ESCAPED.search(text) is not None
    with _field_size_limit(_NO_LIMIT):  # cells over MAX_CELL are noted below, not fatal
        reader = csv.reader(lines, _Dialect, **dialect)
        start, last = 0, len(lines)
        for number, cells in enumerate(reader, start=1):
            end = reader.line_num
            if end - start == 1:  # the usual case, kept quick
                size = len(lines[start])
                if end == last:
                    _check_quotes(lines[start:end], dialect, start + 1, True, name)
            else:
                size = sum(len(line) for line in lines[start:end])
                _check_quotes(lines[start:end], dialect, start + 1, end == last, name)
            # One copy of each repeated value (dates, emails, statuses, items): a file of a
            # million order lines repeats most of its cells, and holds far less memory so.
            record = Record(number, start + 1, [sys.intern(cell) for cell in cells])
            if look or size > MAX_CELL:
                _look_at_cells(record, notes)
            records.append(record)
            start = end
    return records, notes


def _look_at_cells(record: Record, notes: list[Note]) -> None:
    """NUL characters removed, a cell over MAX_CELL emptied (the row marked), escapes undone."""
    cells = record.cells
    for column, cell in enumerate(cells):
        if "\x00" in cell:
            cell = cell.replace("\x00", "")
            why = "NUL character(s) (U+0000) removed: a database cannot store them"
            notes.append(Note(record.number, column, why))
        if len(cell) > MAX_CELL:
            why = (
                f"the cell holds {len(cell):,} characters, more than the {MAX_CELL:,} "
                "relationkit reads; the row is left out"
            )
            notes.append(Note(record.number, column, why))
            record.too_large, cell = True, ""
        cells[column] = unescape_formula(cell)


def _check_quotes(
    lines: list[str], dialect: dict[str, Any], first: int, at_end: bool, name: str
) -> None:
    """Refuse a record whose quoting only a lenient reading accepts when it spans lines (a quote
    not closed where it should be swallowed the rows after it) or runs to the end of the file."""
    try:
        list(csv.reader(lines, _Dialect, strict=True, **dialect))
    except csv.Error as exc:
        unclosed = "unexpected end of data" in str(exc)
        if len(lines) == 1 and not unclosed:
            return  # "Ann" Lee on one line: read leniently, as spreadsheets do
        last = first + len(lines) - 1
        where = "and never closes" if unclosed and at_end else f"and runs on to line {last}"
        raise QuoteError(
            "file",
            name,
            f'line {first}: a quote (") opens a cell {where}, so the rows after it would be '
            "read into that one cell; close or remove that quote and import again (nothing "
            "was imported)",
        ) from None


@contextmanager
def _field_size_limit(limit: int) -> Iterator[None]:
    """The csv module's (process-wide) cell size limit, set for the block only."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


__all__ = [
    "FORMULA_START",
    "MAX_CELL",
    "CsvText",
    "Note",
    "QuoteError",
    "Record",
    "SpreadsheetWriter",
    "decode",
    "escape_formula",
    "read_csv",
    "read_records",
    "sniff",
    "unescape_formula",
]
