"""The state of emulated spreadsheets: sheets (tabs), their grids and cells.

Cells are stored sparsely by ``(row, column)``, 0-based. Grid limits (``rowCount`` and
``columnCount``) are enforced like Google: reading or writing outside them is a 400, only
``values.append`` and dimension requests grow a grid.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ._base import ApiError
from .a1 import A1Error, CellRange, column_letters, parse_cells, quote_title, split_sheet
from .fieldmask import _deep_copy
from .formulas import FormulaContext
from .sheets_cells import Cell, effective_value, render

CELL_LIMIT = 10_000_000  # cells per spreadsheet, all sheets together
DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
ID_ALPHABET = string.ascii_letters + string.digits + "-_"

Bounds = tuple[int, int, int, int]  # start_row, end_row, start_col, end_col (end-exclusive)


def not_found() -> ApiError:
    return ApiError(404, "Requested entity was not found.", "NOT_FOUND", "notFound")


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT", "badRequest")


@dataclass
class Sheet:
    """One tab: its ``SheetProperties`` and its cells."""

    properties: dict[str, Any]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    row_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    col_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.properties["sheetId"]

    @property
    def title(self) -> str:
        return self.properties["title"]

    @property
    def grid(self) -> dict[str, Any]:
        return self.properties["gridProperties"]

    @property
    def row_count(self) -> int:
        return self.grid["rowCount"]

    @property
    def col_count(self) -> int:
        return self.grid["columnCount"]

    def cell(self, row: int, col: int) -> Cell | None:
        return self.cells.get((row, col))

    def ensure(self, row: int, col: int) -> Cell:
        found = self.cells.get((row, col))
        if found is None:
            found = self.cells[(row, col)] = Cell()
        return found

    def prune(self, row: int, col: int) -> None:
        found = self.cells.get((row, col))
        if found is not None and found.is_empty():
            del self.cells[(row, col)]

    def used_extent(self) -> tuple[int, int]:
        """(rows, columns) up to the last cell holding a value."""
        rows = cols = 0
        for (row, col), cell in self.cells.items():
            if cell.value is not None:
                rows, cols = max(rows, row + 1), max(cols, col + 1)
        return rows, cols

    def resize(self, rows: int | None = None, cols: int | None = None) -> None:
        shrinks = (rows is not None and rows < self.row_count) or (
            cols is not None and cols < self.col_count
        )
        if rows is not None:
            self.grid["rowCount"] = rows
        if cols is not None:
            self.grid["columnCount"] = cols
        if not shrinks:  # nothing falls off the grid
            return
        self.cells = {
            key: cell
            for key, cell in self.cells.items()
            if key[0] < self.row_count and key[1] < self.col_count
        }

    def insert(self, dimension: str, start: int, count: int) -> None:
        """Insert ``count`` blank rows/columns before index ``start``; the grid grows."""
        axis = 0 if dimension == "ROWS" else 1

        def shift(index: int) -> int:
            return index + count if index >= start else index

        self.cells = {_moved(key, axis, shift(key[axis])): cell for key, cell in self.cells.items()}
        self._shift_meta(axis, shift)
        self.grid["rowCount" if axis == 0 else "columnCount"] += count

    def delete(self, dimension: str, start: int, end: int) -> None:
        """Delete rows/columns ``start`` to ``end`` (exclusive); the grid shrinks."""
        axis = 0 if dimension == "ROWS" else 1
        count = end - start

        def shift(index: int) -> int:
            return index - count if index >= end else index

        self.cells = {
            _moved(key, axis, shift(key[axis])): cell
            for key, cell in self.cells.items()
            if not start <= key[axis] < end
        }
        meta = self.row_meta if axis == 0 else self.col_meta
        for index in [i for i in meta if start <= i < end]:
            del meta[index]
        self._shift_meta(axis, shift)
        self.grid["rowCount" if axis == 0 else "columnCount"] -= count

    def move(self, dimension: str, start: int, end: int, destination: int) -> None:
        """Move rows/columns ``start:end`` so they sit before ``destination`` (pre-move index)."""
        axis = 0 if dimension == "ROWS" else 1
        total = self.row_count if axis == 0 else self.col_count
        order = list(range(total))
        block = order[start:end]
        rest = order[:start] + order[end:]
        at = destination if destination <= start else destination - (end - start)
        new_order = rest[:at] + block + rest[at:]
        new_index = {old: new for new, old in enumerate(new_order)}
        self.cells = {_moved(key, axis, new_index[key[axis]]): c for key, c in self.cells.items()}
        self._shift_meta(axis, lambda i: new_index.get(i, i))

    def _shift_meta(self, axis: int, shift: Any) -> None:
        if axis == 0:
            self.row_meta = {shift(i): m for i, m in self.row_meta.items()}
        else:
            self.col_meta = {shift(i): m for i, m in self.col_meta.items()}

    def copy(self) -> Sheet:
        return Sheet(
            properties=_deep_copy(self.properties),
            cells={key: cell.copy() for key, cell in self.cells.items()},
            row_meta=_deep_copy(self.row_meta),
            col_meta=_deep_copy(self.col_meta),
            protected_ranges=_deep_copy(self.protected_ranges),
            merges=_deep_copy(self.merges),
        )


def _moved(key: tuple[int, int], axis: int, index: int) -> tuple[int, int]:
    return (index, key[1]) if axis == 0 else (key[0], index)


@dataclass
class Spreadsheet:
    """A spreadsheet (a Drive file): properties, ordered sheets, timestamps."""

    id: str
    properties: dict[str, Any]
    sheets: list[Sheet]
    created: datetime
    modified: datetime
    rng: random.Random
    named_ranges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.properties["title"]

    def new_sheet_id(self) -> int:
        taken = {sheet.id for sheet in self.sheets}
        while True:
            candidate = self.rng.randint(1, 2**31 - 1)
            if candidate not in taken:
                return candidate

    def new_protected_range_id(self) -> int:
        taken = {p["protectedRangeId"] for s in self.sheets for p in s.protected_ranges}
        while True:
            candidate = self.rng.randint(1, 2**31 - 1)
            if candidate not in taken:
                return candidate

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.id == sheet_id), None)

    def sheet_by_title(self, title: str) -> Sheet | None:
        exact = next((s for s in self.sheets if s.title == title), None)
        if exact is not None:
            return exact
        folded = title.casefold()
        return next((s for s in self.sheets if s.title.casefold() == folded), None)

    def reindex(self) -> None:
        for index, sheet in enumerate(self.sheets):
            sheet.properties["index"] = index

    def resolve(self, text: str) -> tuple[Sheet, CellRange | None]:
        """An A1 range -> (sheet, bounds or None for the whole sheet); 400 when unparseable."""
        try:
            title, cells = split_sheet(text)
        except A1Error as exc:
            raise bad_request(f"Unable to parse range: {text}") from exc
        if title is None:
            assert cells is not None
            try:
                return self.sheets[0], parse_cells(cells)
            except A1Error:
                sheet = self.sheet_by_title(cells)
                if sheet is None:
                    raise bad_request(f"Unable to parse range: {text}") from None
                return sheet, None
        sheet = self.sheet_by_title(title)
        if sheet is None:
            raise bad_request(f"Unable to parse range: {text}")
        if cells is None:
            return sheet, None
        try:
            return sheet, parse_cells(cells)
        except A1Error as exc:
            raise bad_request(f"Unable to parse range: {text}") from exc

    def check_cell_limit(self, extra: int = 0) -> None:
        """Google refuses any change that takes the workbook above 10 million cells."""
        if sum(sheet.row_count * sheet.col_count for sheet in self.sheets) + extra > CELL_LIMIT:
            raise bad_request(
                "This action would increase the number of cells in the workbook above the limit "
                f"of {CELL_LIMIT} cells."
            )

    def bounds(self, text: str) -> tuple[Sheet, Bounds]:
        """Resolve a range and clamp its open sides to the grid; 400 when it leaves the grid."""
        sheet, cells = self.resolve(text)
        if cells is None:
            return sheet, (0, sheet.row_count, 0, sheet.col_count)
        check_in_grid(sheet, cells, text)
        return sheet, (
            cells.start_row,
            cells.end_row if cells.end_row is not None else sheet.row_count,
            cells.start_col,
            cells.end_col if cells.end_col is not None else sheet.col_count,
        )

    def context(self, sheet: Sheet, depth: int = 0) -> FormulaContext:
        def lookup(title: str | None, row: int, col: int, next_depth: int) -> dict[str, Any] | None:
            target = sheet if title is None else self.sheet_by_title(title)
            if target is None:
                return {
                    "errorValue": {"type": "REF", "message": f"Unresolved sheet name '{title}'."}
                }
            return effective_value(target.cell(row, col), self.context(target, next_depth))

        return FormulaContext(lookup=lookup, depth=depth)

    def read(
        self,
        sheet: Sheet,
        bounds: Bounds,
        major: str = "ROWS",
        value_render: str = "FORMATTED_VALUE",
        date_render: str = "SERIAL_NUMBER",
    ) -> list[list[Any]]:
        """Values of a range as ``values.get`` returns them: trailing blanks trimmed."""
        r0, r1, c0, c1 = bounds
        context = self.context(sheet)
        grid: dict[tuple[int, int], Any] = {}
        for (row, col), cell in sheet.cells.items():
            if r0 <= row < r1 and c0 <= col < c1 and cell.value is not None:
                grid[(row - r0, col - c0)] = render(cell, value_render, date_render, context)
        if major == "COLUMNS":
            grid = {(col, row): value for (row, col), value in grid.items()}
        if not grid:
            return []
        height = max(row for row, _ in grid) + 1
        lines: list[list[Any]] = [[] for _ in range(height)]
        widths = [0] * height
        for row, col in grid:
            widths[row] = max(widths[row], col + 1)
        for row in range(height):
            lines[row] = [_blank(grid.get((row, col))) for col in range(widths[row])]
        return lines


def _blank(value: Any) -> Any:
    return "" if value is None else value


def check_in_grid(sheet: Sheet, cells: CellRange, text: str) -> None:
    rows, cols = sheet.row_count, sheet.col_count
    outside = (
        cells.start_row >= rows
        or cells.start_col >= cols
        or (cells.end_row is not None and cells.end_row > rows)
        or (cells.end_col is not None and cells.end_col > cols)
    )
    if outside:
        raise grid_error(sheet, text.rpartition("!")[2] if "!" in text else text)


def grid_error(sheet: Sheet, cells_text: str) -> ApiError:
    return bad_request(
        f"Range ({quote_title(sheet.title)}!{cells_text}) exceeds grid limits. "
        f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
    )


def grid_range_bounds(sheet: Sheet, grid_range: dict[str, Any]) -> Bounds:
    """A GridRange -> bounds clamped to the sheet (missing sides are unbounded)."""
    return (
        int(grid_range.get("startRowIndex", 0)),
        int(grid_range.get("endRowIndex", sheet.row_count)),
        int(grid_range.get("startColumnIndex", 0)),
        int(grid_range.get("endColumnIndex", sheet.col_count)),
    )


def check_grid_range(sheet: Sheet, bounds: Bounds) -> None:
    r0, r1, c0, c1 = bounds
    if r0 < 0 or c0 < 0 or r1 < r0 or c1 < c0:
        raise bad_request("Invalid range: start index must not be after end index.")
    if r1 > sheet.row_count or c1 > sheet.col_count:
        raise grid_error(
            sheet, f"{column_letters(c0)}{r0 + 1}:{column_letters(max(c1 - 1, 0))}{r1}"
        )


def new_spreadsheet_id(rng: random.Random) -> str:
    return "1" + "".join(rng.choice(ID_ALPHABET) for _ in range(43))


def default_sheet_properties(
    sheet_id: int, title: str, index: int, rows: int, cols: int
) -> dict[str, Any]:
    return {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": {"rowCount": rows, "columnCount": cols},
    }
