"""One tab as read by a pull: its header, which field each column holds, and its rows.

The header is the first non-blank row (title rows above it and blank rows anywhere are fine).
Columns are recognised with :func:`relationkit.importers.map_headers`, so a sheet is read
exactly as a CSV import reads the same headers; the ``Problems`` and ``relationkit id`` columns
are relationkit's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gspread.utils import a1_to_rowcol, absolute_range_name, rowcol_to_a1

from relationkit.importers import map_headers

from .cells import is_blank

PROBLEMS_HEADER = "Problems"
ID_HEADER = "relationkit id"
_LOOK = 10  # rows searched for the header
_GRID_END = re.compile(r"!\$?[A-Z]+\$?\d+:\$?([A-Z]+)\$?(\d+)$")


@dataclass
class Row:
    """A data row: its number as the sheet shows it (1-based) and its cells."""

    number: int
    cells: list[Any]

    def get(self, index: int | None) -> Any:
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index]

    def set(self, index: int, value: Any) -> None:
        if index >= len(self.cells):
            self.cells.extend([""] * (index + 1 - len(self.cells)))
        self.cells[index] = value


@dataclass
class Table:
    """A tab's snapshot (see module doc)."""

    title: str
    header_row: int  # 1-based; 0 for an empty tab
    header: list[str]
    columns: dict[int, str]  # column index -> field (``custom:<name>`` for kept columns)
    id_col: int | None
    problems_col: int | None
    rows: list[Row] = field(default_factory=list)
    grid_rows: int = 0
    grid_cols: int = 0

    @property
    def last_row(self) -> int:
        """The last row holding anything (the header row when there is no data)."""
        return self.rows[-1].number if self.rows else self.header_row

    def a1(self, row: int, col: int, end_row: int | None = None) -> str:
        """``'Tab'!C5`` (or ``'Tab'!C5:C9``) for 1-based row and 0-based column."""
        start = rowcol_to_a1(row, col + 1)
        if end_row is not None and end_row != row:
            start += ":" + rowcol_to_a1(end_row, col + 1)
        return absolute_range_name(self.title, start)

    def rect(self, first_row: int, last_row: int, width: int) -> str:
        """``'Tab'!A5:K9``: columns A to the ``width``-th of rows ``first_row``..``last_row``."""
        corners = f"{rowcol_to_a1(first_row, 1)}:{rowcol_to_a1(last_row, width)}"
        return absolute_range_name(self.title, corners)

    def where(self, row: Row) -> str:
        return f"{self.title} row {row.number}"

    def column_of(self, target: str) -> int | None:
        return next((i for i, t in self.columns.items() if t == target), None)


def quoted(title: str) -> str:
    """A whole tab as a range: ``'Follow-ups'``."""
    return absolute_range_name(title)


def read_table(
    title: str,
    value_range: Mapping[str, Any],
    synonyms: Mapping[str, Sequence[str]],
    overrides: Mapping[str, str] | None = None,
) -> Table:
    """A tab's snapshot from one ``valueRanges`` entry of ``values.batchGet``."""
    values: list[list[Any]] = value_range.get("values", [])
    grid_rows, grid_cols = _grid(value_range.get("range", ""))
    own = {**synonyms, "id": (ID_HEADER,), "problems": (PROBLEMS_HEADER,)}
    found = _header(values, own)
    if found is None:
        return Table(title, 0, [], {}, None, None, [], grid_rows, grid_cols)
    header_index, header = found
    columns = map_headers(header, overrides, synonyms=own)
    id_col = next((i for i, t in columns.items() if t == "id"), None)
    problems_col = next((i for i, t in columns.items() if t == "problems"), None)
    rows = [
        Row(number, list(cells))
        for number, cells in enumerate(values[header_index + 1 :], start=header_index + 2)
        if any(not is_blank(c) for i, c in enumerate(cells) if i != problems_col)
    ]
    return Table(
        title, header_index + 1, header, columns, id_col, problems_col, rows, grid_rows, grid_cols
    )


def _header(
    values: list[list[Any]], synonyms: Mapping[str, Sequence[str]]
) -> tuple[int, list[str]] | None:
    """The header row: of the first few non-blank rows, the one with the most recognised
    headers (title rows above a table are skipped); the first non-blank row when none is."""
    candidates = [i for i, r in enumerate(values) if any(not is_blank(c) for c in r)][:_LOOK]
    if not candidates:
        return None
    best, best_score = candidates[0], 0
    for index in candidates:
        header = [" ".join(str(c).split()) for c in values[index]]
        score = sum(
            not t.startswith("custom:") for t in map_headers(header, synonyms=synonyms).values()
        )
        if score > best_score:
            best, best_score = index, score
    return best, [" ".join(str(c).split()) for c in values[best]]


def _grid(echoed: str) -> tuple[int, int]:
    """The grid size from the range Google echoes for a whole tab (``Tab!A1:Z1000``)."""
    found = _GRID_END.search(echoed)
    if not found:
        return 0, 0
    row, col = a1_to_rowcol(f"{found[1]}{found[2]}")
    return row, col
