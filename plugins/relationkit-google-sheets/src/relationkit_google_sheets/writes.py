"""Collects every write of one push and sends them in as few requests as the API allows.

Cell values of existing rows go in one ``values.batchUpdate`` with ``valueInputOption=RAW``
(text stays text: a name such as ``=IMPORTXML(...)`` is never run as a formula). New rows and
cell notes need one ``spreadsheets.batchUpdate``, sent first: new rows are *inserted* after the
last row the pull saw (``insertDimension``), so rows the owner added since are pushed down,
never overwritten, and filled in the same request (``updateCells``, text as ``stringValue``:
never a formula either). That request is all or nothing, so a row is never there without its
relationkit id: when its answer is lost, the id column tells whether it was made before it is
sent again (inserting twice would leave blank rows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from gspread.http_client import HTTPClient
from gspread.utils import absolute_range_name, rowcol_to_a1

from relationkit.google import call_with_retries, create_with_retries

from .cells import Cell, text
from .table import Row, Table


@dataclass
class Writes:
    """Pending writes: cells of existing rows, new rows per tab, notes."""

    cells: dict[tuple[str, int, int], Cell] = field(default_factory=dict)  # (tab, row, col)
    new_rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    notes: dict[tuple[str, int, int], str] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    _added: set[int] = field(default_factory=set)  # id() of the rows in new_rows

    def __bool__(self) -> bool:
        return bool(self.cells or self.new_rows or self.notes)

    def cell(self, table: Table, row: Row, col: int, value: Cell) -> None:
        """Write ``value`` into an existing (or just added) row, and keep the snapshot in step."""
        self.tables[table.title] = table
        row.set(col, value)
        if id(row) not in self._added:  # a new row is written whole with the others
            self.cells[(table.title, row.number, col)] = value

    def add_row(self, table: Table, cells: dict[int, Cell]) -> Row:
        """A new row after the table's last row; returns it (numbered as it will be)."""
        self.tables[table.title] = table
        row = Row(table.last_row + 1, [])
        for col, value in cells.items():
            row.set(col, value)
        table.rows.append(row)
        self.new_rows[table.title].append(row)
        self._added.add(id(row))
        return row

    def note(self, table: Table, row: Row, col: int, text: str) -> None:
        self.tables[table.title] = table
        self.notes[(table.title, row.number, col)] = text

    def send(self, http: HTTPClient, spreadsheet_id: str, sheet_ids: dict[str, int]) -> None:
        """At most one ``spreadsheets.batchUpdate`` then one ``values.batchUpdate``."""
        requests = self._structure(sheet_ids)
        if requests:
            create_with_retries(
                lambda: http.batch_update(spreadsheet_id, {"requests": requests}),
                lambda: self._rows_made(http, spreadsheet_id),
                what="Google Sheets: add rows and notes",
            )
        data = self._values()
        if data:
            body = {"valueInputOption": "RAW", "data": data}
            call_with_retries(
                lambda: http.values_batch_update(spreadsheet_id, body),
                what="Google Sheets: write changes",
            )
        self.cells.clear()
        self.new_rows.clear()
        self._added.clear()
        self.notes.clear()

    def _rows_made(self, http: HTTPClient, spreadsheet_id: str) -> dict[str, Any] | None:
        """After a try whose answer was lost: ``{}`` when the new rows are in the sheet (their
        relationkit ids are in the id column), None when they must be added again."""
        wanted: dict[str, set[str]] = {}
        ranges = []
        for title, rows in self.new_rows.items():
            id_col = self.tables[title].id_col
            if not rows or id_col is None:
                continue
            wanted[title] = {text(r.get(id_col)) for r in rows} - {""}
            letter = rowcol_to_a1(1, id_col + 1).rstrip("0123456789")
            ranges.append(absolute_range_name(title, f"{letter}:{letter}"))
        if not ranges:
            return None
        answer = call_with_retries(
            lambda: http.values_batch_get(spreadsheet_id, ranges),
            what="Google Sheets: look for the rows just added",
        )
        for title, found in zip(wanted, answer.get("valueRanges", []), strict=False):
            ids = {text(cells[0]) for cells in found.get("values", []) if cells}
            if not wanted[title] <= ids:
                return None
        return {}

    def _structure(self, sheet_ids: dict[str, int]) -> list[dict[str, Any]]:
        requests: list[dict[str, Any]] = []
        for (title, number, col), note in sorted(self.notes.items()):
            requests.append(
                {
                    "updateCells": {
                        "range": _grid(sheet_ids[title], number - 1, number, col, col + 1),
                        "rows": [{"values": [{"note": note}]}],
                        "fields": "note",
                    }
                }
            )
        for title, rows in self.new_rows.items():
            if not rows:
                continue
            start = rows[0].number - 1
            requests.append(
                {
                    "insertDimension": {
                        "range": {
                            "sheetId": sheet_ids[title],
                            "dimension": "ROWS",
                            "startIndex": start,
                            "endIndex": start + len(rows),
                        },
                        # Formats and checkboxes from the row above, unless it is the header.
                        "inheritFromBefore": start > self.tables[title].header_row,
                    }
                }
            )
            requests.append(
                {
                    "updateCells": {
                        "start": {"sheetId": sheet_ids[title], "rowIndex": start},
                        "rows": [{"values": [_cell_data(c) for c in r.cells]} for r in rows],
                        "fields": "userEnteredValue",
                    }
                }
            )
        return requests

    def _values(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = []
        by_column: dict[tuple[str, int], list[tuple[int, Cell]]] = defaultdict(list)
        for (title, number, col), value in self.cells.items():
            by_column[(title, col)].append((number, value))
        for (title, col), cells in by_column.items():
            cells.sort()
            run: list[tuple[int, Cell]] = []
            for number, value in cells:
                if run and number != run[-1][0] + 1:
                    data.append(self._run(title, col, run))
                    run = []
                run.append((number, value))
            data.append(self._run(title, col, run))
        return data

    def _run(self, title: str, col: int, run: list[tuple[int, Cell]]) -> dict[str, Any]:
        table = self.tables[title]
        return {
            "range": table.a1(run[0][0], col, run[-1][0]),
            "values": [[value] for _, value in run],
        }


def _cell_data(value: Cell) -> dict[str, Any]:
    """A cell for ``updateCells``, as ``valueInputOption=RAW`` would write it (an empty
    value leaves the cell empty)."""
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": value}} if value != "" else {}


def _grid(sheet_id: int, row0: int, row1: int, col0: int, col1: int) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": row0,
        "endRowIndex": row1,
        "startColumnIndex": col0,
        "endColumnIndex": col1,
    }
