"""Google Sheets API v4, emulated in memory.

``SheetsAPI`` serves the routes gspread and google-api-python-client call
(``/v4/spreadsheets...``) and offers direct helpers for tests and demos that play the spreadsheet's
owner: ``create_spreadsheet``, ``get_values``, ``owner_edit``, ``set_values``, ``sort_rows``,
``insert_rows``, ``delete_rows``. The values endpoints live in ``sheets_values``, the
``batchUpdate`` requests in ``sheets_requests``, the cell model in ``sheets_cells``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from . import fieldmask
from ._base import ApiError, EmulatedClock, EmulatorRequest, Route
from .a1 import A1Error, column_index, parse_cells
from .fieldmask import _deep_copy
from .sheets_cells import Cell, effective_value, formatted_value, number_format
from .sheets_model import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    Bounds,
    Sheet,
    Spreadsheet,
    bad_request,
    default_sheet_properties,
    new_spreadsheet_id,
    not_found,
)
from .sheets_requests import run_batch
from .sheets_values import ValuesHandlers, write

SPREADSHEET_URL = "https://docs.google.com/spreadsheets/d/{}/edit"
DEFAULT_TITLE = "Untitled spreadsheet"
ROW_PIXELS = 21
COLUMN_PIXELS = 100


class SheetsAPI(ValuesHandlers):
    """The emulated Sheets v4 API and the owner's view of the same spreadsheets."""

    name = "sheets"

    def __init__(self, clock: EmulatedClock, *, seed: int = 0) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self._rng = random.Random(seed)
        self._spreadsheets: dict[str, Spreadsheet] = {}

    # -- routing -------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        one = "/v4/spreadsheets/{spreadsheetId}"
        table = [
            ("POST", "/v4/spreadsheets", "create", self.create),
            ("GET", one, "get", self.get),
            ("POST", one + ":batchUpdate", "batchUpdate", self.batch_update_handler),
            ("GET", one + "/values:batchGet", "values.batchGet", self.values_batch_get),
            ("POST", one + "/values:batchUpdate", "values.batchUpdate", self.values_batch_update),
            ("POST", one + "/values:batchClear", "values.batchClear", self.values_batch_clear),
            ("POST", one + "/values/{range+}:append", "values.append", self.values_append),
            ("POST", one + "/values/{range+}:clear", "values.clear", self.values_clear),
            ("GET", one + "/values/{range+}", "values.get", self.values_get),
            ("PUT", one + "/values/{range+}", "values.update", self.values_update),
            ("POST", one + "/sheets/{sheetId}:copyTo", "sheets.copyTo", self.copy_to),
        ]
        return [
            Route(method, pattern, f"sheets.spreadsheets.{operation}", self._wrap(handler))
            for method, pattern, operation, handler in table
        ]

    def _wrap(self, handler: Callable[[EmulatorRequest], Any]) -> Callable[[EmulatorRequest], Any]:
        """Decode path parameters, hold the lock, apply the ``fields`` partial-response mask."""

        def run(req: EmulatorRequest) -> Any:
            req.path_params = {k: _decode(v) for k, v in req.path_params.items()}
            mask = fieldmask.parse(req.param("fields")) if req.param("fields") else None
            with self.lock:
                result = handler(req)
            if mask is not None and isinstance(result, dict):
                return fieldmask.apply(result, mask)
            return result

        return run

    # -- state -------------------------------------------------------------------------------------

    def _spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        found = self._spreadsheets.get(spreadsheet_id)
        if found is None:
            raise not_found()
        return found

    def _touch(self, spreadsheet: Spreadsheet) -> None:
        spreadsheet.modified = self.clock.now()

    def _new(self, title: str, locale: str = "en_US", time_zone: str = "Etc/GMT") -> Spreadsheet:
        spreadsheet_id = new_spreadsheet_id(self._rng)
        now = self.clock.now()
        spreadsheet = Spreadsheet(
            id=spreadsheet_id,
            properties={
                "title": title,
                "locale": locale,
                "autoRecalc": "ON_CHANGE",
                "timeZone": time_zone,
            },
            sheets=[],
            created=now,
            modified=now,
            rng=random.Random(spreadsheet_id),
        )
        self._spreadsheets[spreadsheet_id] = spreadsheet
        return spreadsheet

    def spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        """The live model of one spreadsheet (404 ``ApiError`` when unknown)."""
        with self.lock:
            return self._spreadsheet(spreadsheet_id)

    def spreadsheets(self) -> list[Spreadsheet]:
        """Every spreadsheet, oldest first."""
        with self.lock:
            return list(self._spreadsheets.values())

    def delete_spreadsheet(self, spreadsheet_id: str) -> None:
        with self.lock:
            self._spreadsheet(spreadsheet_id)
            del self._spreadsheets[spreadsheet_id]

    def copy_spreadsheet(self, spreadsheet_id: str, title: str | None = None) -> str:
        """A full copy (as Drive's files.copy makes), titled ``Copy of …`` by default."""
        with self.lock:
            source = self._spreadsheet(spreadsheet_id)
            copy = self._new(title or f"Copy of {source.title}")
            copy.properties = {**_deep_copy(source.properties), "title": copy.title}
            copy.sheets = [sheet.copy() for sheet in source.sheets]
            copy.named_ranges = _deep_copy(source.named_ranges)
            return copy.id

    # -- spreadsheets.create / get / batchUpdate -------------------------------------------------

    def create(self, req: EmulatorRequest) -> dict[str, Any]:
        body = req.json()
        properties = body.get("properties") or {}
        spreadsheet = self._new(
            properties.get("title") or DEFAULT_TITLE,
            properties.get("locale") or "en_US",
            properties.get("timeZone") or "Etc/GMT",
        )
        try:
            for index, wanted in enumerate(body.get("sheets") or [{}]):
                self._create_sheet(spreadsheet, index, wanted)
        except ApiError:
            del self._spreadsheets[spreadsheet.id]
            raise
        return self.spreadsheet_json(spreadsheet, None, include_grid=False)

    def _create_sheet(self, spreadsheet: Spreadsheet, index: int, wanted: dict[str, Any]) -> None:
        props = wanted.get("properties") or {}
        title = props.get("title") or f"Sheet{index + 1}"
        if spreadsheet.sheet_by_title(title) is not None:
            raise bad_request(
                f'A sheet with the name "{title}" already exists. Please enter another name.'
            )
        grid = props.get("gridProperties") or {}
        sheet_id = props.get("sheetId", 0 if index == 0 else spreadsheet.new_sheet_id())
        sheet = Sheet(
            default_sheet_properties(
                int(sheet_id),
                title,
                index,
                int(grid.get("rowCount", DEFAULT_ROWS)),
                int(grid.get("columnCount", DEFAULT_COLUMNS)),
            )
        )
        # Google keeps the frozen rows and columns asked for at creation.
        for key in ("frozenRowCount", "frozenColumnCount"):
            if grid.get(key):
                sheet.grid[key] = int(grid[key])
        spreadsheet.sheets.append(sheet)
        for data in wanted.get("data") or []:
            row0, col0 = int(data.get("startRow", 0)), int(data.get("startColumn", 0))
            for r, row in enumerate(data.get("rowData") or []):
                for c, cell_data in enumerate(row.get("values") or []):
                    cell = sheet.ensure(row0 + r, col0 + c)
                    cell.value = cell_data.get("userEnteredValue")
                    cell.format = cell_data.get("userEnteredFormat")
                    cell.note = cell_data.get("note")
                    cell.validation = cell_data.get("dataValidation")
                    sheet.prune(row0 + r, col0 + c)

    def get(self, req: EmulatorRequest) -> dict[str, Any]:
        spreadsheet = self._spreadsheet(req.path_params["spreadsheetId"])
        fields = req.param("fields")
        if fields:
            include = fieldmask.selects(fieldmask.parse(fields), "sheets", "data")
        else:
            include = req.bool_param("includeGridData")
        return self.spreadsheet_json(
            spreadsheet, req.params("ranges") or None, include_grid=include
        )

    def batch_update_handler(self, req: EmulatorRequest) -> dict[str, Any]:
        spreadsheet = self._spreadsheet(req.path_params["spreadsheetId"])
        body = req.json()
        replies = run_batch(spreadsheet, body.get("requests") or [])
        self._touch(spreadsheet)
        result: dict[str, Any] = {"spreadsheetId": spreadsheet.id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            ranges = body.get("responseRanges") or None
            result["updatedSpreadsheet"] = self.spreadsheet_json(
                spreadsheet, ranges, include_grid=bool(body.get("responseIncludeGridData"))
            )
        return result

    def copy_to(self, req: EmulatorRequest) -> dict[str, Any]:
        source = self._spreadsheet(req.path_params["spreadsheetId"])
        sheet = source.sheet_by_id(int(req.path_params["sheetId"]))
        if sheet is None:
            raise not_found()
        target_id = req.json().get("destinationSpreadsheetId")
        if not target_id:
            raise bad_request("destinationSpreadsheetId is required.")
        target = self._spreadsheet(target_id)
        copy = sheet.copy()
        title, n = f"Copy of {sheet.title}", 2
        while target.sheet_by_title(title) is not None:
            title, n = f"Copy {n} of {sheet.title}", n + 1
        copy.properties.update(sheetId=target.new_sheet_id(), title=title)
        copy.protected_ranges = []
        target.sheets.append(copy)
        target.reindex()
        self._touch(target)
        return _deep_copy(copy.properties)

    # -- JSON views ------------------------------------------------------------------------------

    def spreadsheet_json(
        self, spreadsheet: Spreadsheet, ranges: list[str] | None, include_grid: bool
    ) -> dict[str, Any]:
        wanted: dict[int, list[Bounds]] = {}
        for text in ranges or []:
            sheet, bounds = spreadsheet.bounds(text)
            wanted.setdefault(sheet.id, []).append(bounds)
        sheets = []
        for sheet in spreadsheet.sheets:
            if ranges and sheet.id not in wanted:
                continue
            entry: dict[str, Any] = {"properties": _deep_copy(sheet.properties)}
            if include_grid:
                areas = wanted.get(sheet.id) or [(0, sheet.row_count, 0, sheet.col_count)]
                entry["data"] = [self._grid_data(spreadsheet, sheet, area) for area in areas]
            if sheet.protected_ranges:
                entry["protectedRanges"] = _deep_copy(sheet.protected_ranges)
            if sheet.merges:
                entry["merges"] = _deep_copy(sheet.merges)
            sheets.append(entry)
        result: dict[str, Any] = {
            "spreadsheetId": spreadsheet.id,
            "properties": _deep_copy(spreadsheet.properties),
            "sheets": sheets,
        }
        if spreadsheet.named_ranges:
            result["namedRanges"] = _deep_copy(spreadsheet.named_ranges)
        result["spreadsheetUrl"] = SPREADSHEET_URL.format(spreadsheet.id)
        return result

    def _grid_data(self, spreadsheet: Spreadsheet, sheet: Sheet, bounds: Bounds) -> dict[str, Any]:
        r0, r1, c0, c1 = bounds
        context = spreadsheet.context(sheet)
        rows: dict[int, dict[int, dict[str, Any]]] = {}
        for (row, col), cell in sheet.cells.items():
            if r0 <= row < r1 and c0 <= col < c1:
                rows.setdefault(row - r0, {})[col - c0] = cell_data(cell, context)
        data: dict[str, Any] = {}
        if r0:
            data["startRow"] = r0
        if c0:
            data["startColumn"] = c0
        if rows:
            data["rowData"] = [
                {"values": [line.get(c, {}) for c in range(max(line) + 1)]}
                if (line := rows.get(r))
                else {}
                for r in range(max(rows) + 1)
            ]
        data["rowMetadata"] = [
            {"pixelSize": ROW_PIXELS, **sheet.row_meta.get(r, {})} for r in range(r0, r1)
        ]
        data["columnMetadata"] = [
            {"pixelSize": COLUMN_PIXELS, **sheet.col_meta.get(c, {})} for c in range(c0, c1)
        ]
        return data

    # -- the owner's helpers -----------------------------------------------------------------------

    def create_spreadsheet(
        self,
        title: str = DEFAULT_TITLE,
        tabs: dict[str, list[list[Any]]] | None = None,
        *,
        rows: int = DEFAULT_ROWS,
        cols: int = DEFAULT_COLUMNS,
    ) -> str:
        """Create a spreadsheet as its owner would, one tab per entry of ``tabs`` (values typed in,
        i.e. ``USER_ENTERED``; each grid grows to fit its values). Returns the spreadsheet id."""
        with self.lock:
            spreadsheet = self._new(title)
            for index, (tab, values) in enumerate((tabs or {"Sheet1": []}).items()):
                height = len(values)
                width = max((len(line) for line in values), default=0)
                self._create_sheet(
                    spreadsheet,
                    index,
                    {
                        "properties": {
                            "title": tab,
                            "gridProperties": {
                                "rowCount": max(rows, height),
                                "columnCount": max(cols, width),
                            },
                        }
                    },
                )
                write(spreadsheet.sheets[-1], 0, 0, values, "USER_ENTERED")
            return spreadsheet.id

    def _tab(self, spreadsheet_id: str, tab: str | int) -> tuple[Spreadsheet, Sheet]:
        spreadsheet = self._spreadsheet(spreadsheet_id)
        sheet = (
            spreadsheet.sheet_by_id(tab)
            if isinstance(tab, int)
            else spreadsheet.sheet_by_title(tab)
        )
        if sheet is None:
            raise KeyError(f"spreadsheet {spreadsheet_id} has no tab {tab!r}")
        return spreadsheet, sheet

    def get_values(
        self,
        spreadsheet_id: str,
        tab: str | int,
        cells: str | None = None,
        *,
        render: str = "FORMATTED_VALUE",
    ) -> list[list[Any]]:
        """What the owner sees in a tab (or in ``cells``, e.g. ``"A2:C"``): formatted text by
        default, trailing blanks trimmed like ``values.get``."""
        with self.lock:
            spreadsheet, sheet = self._tab(spreadsheet_id, tab)
            text = f"{_quote(sheet.title)}!{cells}" if cells else _quote(sheet.title)
            _, bounds = spreadsheet.bounds(text)
            return spreadsheet.read(sheet, bounds, "ROWS", render, "FORMATTED_STRING")

    def set_values(
        self,
        spreadsheet_id: str,
        tab: str | int,
        values: list[list[Any]],
        start: str = "A1",
        *,
        value_input: str = "USER_ENTERED",
    ) -> None:
        """Paste a block of values at ``start`` as the owner would (typed: ``USER_ENTERED``);
        the grid grows when the block does not fit. ``None`` leaves a cell unchanged."""
        with self.lock:
            spreadsheet, sheet = self._tab(spreadsheet_id, tab)
            row0, col0 = _cell_ref(start)
            height = len(values)
            width = max((len(line) for line in values), default=0)
            sheet.grid["rowCount"] = max(sheet.row_count, row0 + height)
            sheet.grid["columnCount"] = max(sheet.col_count, col0 + width)
            write(sheet, row0, col0, values, value_input)
            self._touch(spreadsheet)

    def owner_edit(self, spreadsheet_id: str, tab: str | int, cell: str, value: Any) -> None:
        """The owner types ``value`` into one cell (``""`` empties it)."""
        self.set_values(spreadsheet_id, tab, [[value]], cell)

    def get_cell(self, spreadsheet_id: str, tab: str | int, cell: str) -> dict[str, Any]:
        """One cell as ``CellData`` (userEnteredValue, effectiveValue, formattedValue, note)."""
        with self.lock:
            spreadsheet, sheet = self._tab(spreadsheet_id, tab)
            found = sheet.cell(*_cell_ref(cell))
            return cell_data(found, spreadsheet.context(sheet)) if found else {}

    def sort_rows(
        self,
        spreadsheet_id: str,
        tab: str | int,
        column: int | str,
        *,
        descending: bool = False,
        header_rows: int = 1,
    ) -> None:
        """Sort the tab's rows below ``header_rows`` by ``column`` (``"B"`` or 1-based ``2``), as
        the owner does with Data > Sort range."""
        col = column_index(column) if isinstance(column, str) else column - 1
        self._owner_batch(
            spreadsheet_id,
            tab,
            lambda sheet: {
                "sortRange": {
                    "range": {
                        "sheetId": sheet.id,
                        "startRowIndex": header_rows,
                        "endRowIndex": sheet.row_count,
                        "startColumnIndex": 0,
                        "endColumnIndex": sheet.col_count,
                    },
                    "sortSpecs": [
                        {
                            "dimensionIndex": col,
                            "sortOrder": "DESCENDING" if descending else "ASCENDING",
                        }
                    ],
                }
            },
        )

    def delete_rows(self, spreadsheet_id: str, tab: str | int, row: int, count: int = 1) -> None:
        """Delete ``count`` rows starting at 1-based ``row`` (right-click > Delete rows)."""
        self._owner_batch(
            spreadsheet_id,
            tab,
            lambda sheet: {
                "deleteDimension": {
                    "range": {
                        "sheetId": sheet.id,
                        "dimension": "ROWS",
                        "startIndex": row - 1,
                        "endIndex": row - 1 + count,
                    }
                }
            },
        )

    def insert_rows(
        self,
        spreadsheet_id: str,
        tab: str | int,
        row: int,
        values: list[list[Any]] | None = None,
        *,
        count: int | None = None,
    ) -> None:
        """Insert rows before 1-based ``row`` and type ``values`` into them (or ``count`` blank
        rows)."""
        count = count if count is not None else len(values or [])
        if count < 1:
            raise ValueError("insert_rows needs values or a positive count")
        self._owner_batch(
            spreadsheet_id,
            tab,
            lambda sheet: {
                "insertDimension": {
                    "range": {
                        "sheetId": sheet.id,
                        "dimension": "ROWS",
                        "startIndex": row - 1,
                        "endIndex": row - 1 + count,
                    }
                }
            },
        )
        if values:
            self.set_values(spreadsheet_id, tab, values, f"A{row}")

    def add_tab(
        self,
        spreadsheet_id: str,
        title: str,
        *,
        rows: int = DEFAULT_ROWS,
        cols: int = DEFAULT_COLUMNS,
    ) -> int:
        """Add a tab; returns its sheetId."""
        replies = self.batch_update(
            spreadsheet_id,
            [
                {
                    "addSheet": {
                        "properties": {
                            "title": title,
                            "gridProperties": {"rowCount": rows, "columnCount": cols},
                        }
                    }
                }
            ],
        )
        return replies[0]["addSheet"]["properties"]["sheetId"]

    def rename_tab(self, spreadsheet_id: str, tab: str | int, new_title: str) -> None:
        self._owner_batch(
            spreadsheet_id,
            tab,
            lambda sheet: {
                "updateSheetProperties": {
                    "properties": {"sheetId": sheet.id, "title": new_title},
                    "fields": "title",
                }
            },
        )

    def batch_update(
        self, spreadsheet_id: str, requests: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Apply ``spreadsheets.batchUpdate`` requests directly; returns the replies."""
        with self.lock:
            spreadsheet = self._spreadsheet(spreadsheet_id)
            replies = run_batch(spreadsheet, requests)
            self._touch(spreadsheet)
            return replies

    def _owner_batch(
        self, spreadsheet_id: str, tab: str | int, build: Callable[[Sheet], dict[str, Any]]
    ) -> None:
        with self.lock:
            _, sheet = self._tab(spreadsheet_id, tab)
            self.batch_update(spreadsheet_id, [build(sheet)])


def cell_data(cell: Cell, context: Any) -> dict[str, Any]:
    """A cell as ``CellData`` in ``includeGridData`` responses."""
    data: dict[str, Any] = {}
    if cell.value is not None:
        effective = effective_value(cell, context)
        data["userEnteredValue"] = _deep_copy(cell.value)
        data["effectiveValue"] = _deep_copy(effective)
        data["formattedValue"] = formatted_value(effective, number_format(cell))
    if cell.format:
        data["userEnteredFormat"] = _deep_copy(cell.format)
        data["effectiveFormat"] = _deep_copy(cell.format)
    if cell.note:
        data["note"] = cell.note
    if cell.validation:
        data["dataValidation"] = _deep_copy(cell.validation)
    data.update(_deep_copy(cell.extra))
    return data


def _decode(value: str) -> str:
    # Clients percent-encode ranges ('Sheet1'!A1 -> %27Sheet1%27%21A1); decode once if the server
    # has not already done so.
    return unquote(value) if "%" in value else value


def _quote(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _cell_ref(text: str) -> tuple[int, int]:
    try:
        cells = parse_cells(text)
    except A1Error as exc:
        raise ValueError(f"not a cell reference: {text!r}") from exc
    return cells.start_row, cells.start_col
