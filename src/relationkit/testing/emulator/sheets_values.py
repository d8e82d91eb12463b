"""``spreadsheets.values.*``: get, batchGet, update, batchUpdate, append, clear, batchClear.

Behaviour follows the live API as recorded in gspread's test cassettes: ranges come back
sheet-qualified with open sides clamped to the grid (``Sheet1!A1:Z1000``), trailing blank cells
and rows are trimmed, a write outside the grid is a 400 while ``append`` grows the grid, and
``append`` finds its "table" as the block of filled cells touching the last filled cell of the
range (or the range's first cell when the range is a single cell).
"""

from __future__ import annotations

from typing import Any

from ._base import ApiError, EmulatorRequest
from .a1 import CellRange, column_letters, format_cells, format_range
from .sheets_cells import parse_input
from .sheets_model import Bounds, Sheet, Spreadsheet, bad_request, check_in_grid, grid_error

VALUE_INPUT = ("RAW", "USER_ENTERED")
VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")
DIMENSIONS = ("ROWS", "COLUMNS")
INSERT_DATA = ("OVERWRITE", "INSERT_ROWS")


def enum(value: Any, allowed: tuple[str, ...], name: str, type_name: str, default: str) -> str:
    """A query/body enum: missing -> ``default``; unknown -> Google's 400."""
    if value is None or value == "":
        return default
    if value not in allowed:
        raise bad_request(
            f"Invalid value at '{name}' (type.googleapis.com/google.apps.sheets.v4.{type_name}), "
            f'"{value}"'
        )
    return str(value)


def input_option(value: Any) -> str:
    if value in (None, "", "INPUT_VALUE_OPTION_UNSPECIFIED"):
        raise bad_request("'valueInputOption' is required but not specified")
    return enum(value, VALUE_INPUT, "value_input_option", "ValueInputOption", "RAW")


def read_options(get: Any, prefix: str = "") -> tuple[str, str, str]:
    """(majorDimension, valueRenderOption, dateTimeRenderOption) from a getter."""
    value_name = f"{prefix}ValueRenderOption" if prefix else "valueRenderOption"
    date_name = f"{prefix}DateTimeRenderOption" if prefix else "dateTimeRenderOption"
    return (
        enum(get("majorDimension"), DIMENSIONS, "major_dimension", "Dimension", "ROWS"),
        enum(
            get(value_name),
            VALUE_RENDER,
            "value_render_option",
            "ValueRenderOption",
            "FORMATTED_VALUE",
        ),
        enum(
            get(date_name),
            DATE_RENDER,
            "date_time_render_option",
            "DateTimeRenderOption",
            "SERIAL_NUMBER",
        ),
    )


def value_range(
    spreadsheet: Spreadsheet, sheet: Sheet, bounds: Bounds, options: tuple[str, str, str]
) -> dict[str, Any]:
    major, value_render, date_render = options
    result: dict[str, Any] = {"range": format_range(sheet.title, *bounds), "majorDimension": major}
    values = spreadsheet.read(sheet, bounds, major, value_render, date_render)
    if values:
        result["values"] = values
    return result


def matrix(values: Any, field: str, major: str) -> list[list[Any]]:
    """Validate ``values`` (a list of lists) and turn it row-major."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise _list_value_error(field, values)
    for i, row in enumerate(values):
        if not isinstance(row, list):
            raise _list_value_error(f"{field}[{i}]", row)
        for cell in row:
            if isinstance(cell, dict | list):
                raise bad_request(f"Invalid values[{i}]: {cell!r}")
    if major == "COLUMNS":
        height = max((len(column) for column in values), default=0)
        return [[col[r] if r < len(col) else None for col in values] for r in range(height)]
    return values


def _list_value_error(field: str, value: Any) -> ApiError:
    shown = value if isinstance(value, str) else repr(value)
    message = (
        f"Invalid value at '{field}' (type.googleapis.com/google.protobuf.ListValue), \"{shown}\""
    )
    return ApiError(
        400,
        message,
        "INVALID_ARGUMENT",
        "badRequest",
        details=[
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": message}],
            }
        ],
    )


def write(sheet: Sheet, row0: int, col0: int, rows: list[list[Any]], option: str) -> int:
    """Write a row-major block; ``None`` leaves a cell alone. Returns the number of cells."""
    count = 0
    for r, line in enumerate(rows):
        for c, raw in enumerate(line):
            count += 1
            if raw is None:
                continue
            value, number_format = parse_input(raw, option)
            cell = sheet.ensure(row0 + r, col0 + c)
            cell.value = value
            if number_format is not None:
                cell.format = {**(cell.format or {}), "numberFormat": number_format}
            sheet.prune(row0 + r, col0 + c)
    return count


def _block(rows: list[list[Any]]) -> tuple[int, int]:
    return len(rows), max((len(line) for line in rows), default=0)


class ValuesHandlers:
    """Mixed into ``SheetsAPI``: needs ``_spreadsheet(id)`` and ``_touch(spreadsheet)``."""

    def _spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        raise NotImplementedError

    def _touch(self, spreadsheet: Spreadsheet) -> None:
        raise NotImplementedError

    # -- reads ---------------------------------------------------------------------------------

    def values_get(self, req: EmulatorRequest) -> dict[str, Any]:
        spreadsheet = self._spreadsheet(req.path_params["spreadsheetId"])
        sheet, bounds = spreadsheet.bounds(req.path_params["range"])
        return value_range(spreadsheet, sheet, bounds, read_options(req.param))

    def values_batch_get(self, req: EmulatorRequest) -> dict[str, Any]:
        spreadsheet = self._spreadsheet(req.path_params["spreadsheetId"])
        options = read_options(req.param)
        result: dict[str, Any] = {"spreadsheetId": spreadsheet.id}
        ranges = req.params("ranges")
        if ranges:
            result["valueRanges"] = [
                value_range(spreadsheet, *spreadsheet.bounds(text), options) for text in ranges
            ]
        return result

    # -- writes --------------------------------------------------------------------------------

    def update_range(
        self,
        spreadsheet: Spreadsheet,
        text: str,
        body: dict[str, Any],
        option: str,
        response_options: tuple[str, str] | None,
        field: str = "data.values",
    ) -> dict[str, Any]:
        """One ValueRange write, as values.update and each item of values.batchUpdate do it."""
        sheet, cells = spreadsheet.resolve(text)
        major = enum(
            body.get("majorDimension"), DIMENSIONS, "data.major_dimension", "Dimension", "ROWS"
        )
        rows = matrix(body.get("values"), field, major)
        if cells is not None:
            check_in_grid(sheet, cells, text)
        start = (cells.start_row, cells.start_col) if cells else (0, 0)
        height, width = _block(rows)
        result: dict[str, Any] = {"spreadsheetId": spreadsheet.id}
        if not height or not width:
            bounds = spreadsheet.bounds(text)[1]
            result["updatedRange"] = format_range(sheet.title, *bounds)
            return result
        _check_fits(sheet, cells, text, start, height, width)
        count = write(sheet, start[0], start[1], rows, option)
        bounds = (start[0], start[0] + height, start[1], start[1] + width)
        result.update(
            updatedRange=format_range(sheet.title, *bounds),
            updatedRows=height,
            updatedColumns=width,
            updatedCells=count,
        )
        if response_options is not None:
            options = (major, *response_options)
            result["updatedData"] = value_range(spreadsheet, sheet, bounds, options)
        return result

    def values_update(self, req: EmulatorRequest) -> dict[str, Any]:
        spreadsheet = self._spreadsheet(req.path_params["spreadsheetId"])
        option = input_option(req.param("valueInputOption"))
        body = req.json()
        text = req.path_params["range"]
        result = self.update_range(spreadsheet, text, body, option, _response_options(req.param))
        self._touch(spreadsheet)
        return result

    def values_batch_update(self, req: EmulatorRequest) -> dict[str, Any]:
        spreadsheet = self._spreadsheet(req.path_params["spreadsheetId"])
        body = req.json()
        option = input_option(body.get("valueInputOption"))
        response_options = _response_options(body.get)
        responses = []
        snapshot = [sheet.copy() for sheet in spreadsheet.sheets]
        try:
            for i, item in enumerate(body.get("data") or []):
                if not item.get("range"):
                    raise bad_request(f"Invalid data[{i}]: range is required")
                responses.append(
                    self.update_range(
                        spreadsheet,
                        item["range"],
                        item,
                        option,
                        response_options,
                        f"data[{i}].values",
                    )
                )
        except ApiError:
            spreadsheet.sheets = snapshot
            raise
        result: dict[str, Any] = {"spreadsheetId": spreadsheet.id}
        if responses:
            touched = {
                r["updatedRange"].rpartition("!")[0] for r in responses if "updatedRows" in r
            }
            result.update(
                totalUpdatedRows=sum(r.get("updatedRows", 0) for r in responses),
                totalUpdatedColumns=sum(r.get("updatedColumns", 0) for r in responses),
                totalUpdatedCells=sum(r.get("updatedCells", 0) for r in responses),
                totalUpdatedSheets=len(touched),
                responses=responses,
            )
        self._touch(spreadsheet)
        return result

    def values_append(self, req: EmulatorRequest) -> dict[str, Any]:
        spreadsheet = self._spreadsheet(req.path_params["spreadsheetId"])
        option = input_option(req.param("valueInputOption"))
        insert = enum(
            req.param("insertDataOption"),
            INSERT_DATA,
            "insert_data_option",
            "InsertDataOption",
            "OVERWRITE",
        )
        body = req.json()
        text = req.path_params["range"]
        sheet, bounds = spreadsheet.bounds(text)
        major = enum(
            body.get("majorDimension"), DIMENSIONS, "data.major_dimension", "Dimension", "ROWS"
        )
        rows = matrix(body.get("values"), "data.values", major)
        height, width = _block(rows)
        result: dict[str, Any] = {"spreadsheetId": spreadsheet.id}
        table = find_table(sheet, bounds, single=_is_single(spreadsheet, text))
        if table is None:
            row0, col0 = bounds[0], bounds[2]
        else:
            result["tableRange"] = format_range(sheet.title, *table)
            row0, col0 = table[1], table[2]
        rows_after = max(
            sheet.row_count + (height if insert == "INSERT_ROWS" else 0), row0 + height
        )
        cols_after = max(sheet.col_count, col0 + width)
        spreadsheet.check_cell_limit(rows_after * cols_after - sheet.row_count * sheet.col_count)
        if insert == "INSERT_ROWS" and height:
            sheet.insert("ROWS", min(row0, sheet.row_count), height)
        sheet.resize(rows_after, cols_after)
        count = write(sheet, row0, col0, rows, option)
        written = (row0, row0 + max(height, 1), col0, col0 + max(width, 1))
        updates: dict[str, Any] = {
            "spreadsheetId": spreadsheet.id,
            "updatedRange": format_range(sheet.title, *written),
        }
        if height and width:
            updates.update(updatedRows=height, updatedColumns=width, updatedCells=count)
        response_options = _response_options(req.param)
        if response_options is not None:
            updates["updatedData"] = value_range(
                spreadsheet, sheet, written, (major, *response_options)
            )
        result["updates"] = updates
        self._touch(spreadsheet)
        return result

    def clear_range(self, spreadsheet: Spreadsheet, text: str) -> str:
        sheet, (r0, r1, c0, c1) = spreadsheet.bounds(text)
        for row, col in list(sheet.cells):
            if r0 <= row < r1 and c0 <= col < c1:
                sheet.cells[(row, col)].value = None
                sheet.prune(row, col)
        return format_range(sheet.title, r0, r1, c0, c1)

    def values_clear(self, req: EmulatorRequest) -> dict[str, Any]:
        spreadsheet = self._spreadsheet(req.path_params["spreadsheetId"])
        cleared = self.clear_range(spreadsheet, req.path_params["range"])
        self._touch(spreadsheet)
        return {"spreadsheetId": spreadsheet.id, "clearedRange": cleared}

    def values_batch_clear(self, req: EmulatorRequest) -> dict[str, Any]:
        spreadsheet = self._spreadsheet(req.path_params["spreadsheetId"])
        ranges = req.json().get("ranges") or []
        snapshot = [sheet.copy() for sheet in spreadsheet.sheets]
        try:
            cleared = [self.clear_range(spreadsheet, text) for text in ranges]
        except ApiError:
            spreadsheet.sheets = snapshot
            raise
        self._touch(spreadsheet)
        result: dict[str, Any] = {"spreadsheetId": spreadsheet.id}
        if cleared:
            result["clearedRanges"] = cleared
        return result


def _response_options(get: Any) -> tuple[str, str] | None:
    include = get("includeValuesInResponse")
    if include not in (True, "true", "True", "1"):
        return None
    _, value_render, date_render = read_options(
        lambda name: None if name == "majorDimension" else get(name), prefix="response"
    )
    return value_render, date_render


def _check_fits(
    sheet: Sheet,
    cells: CellRange | None,
    text: str,
    start: tuple[int, int],
    height: int,
    width: int,
) -> None:
    end_row, end_col = start[0] + height, start[1] + width
    if cells is not None and not cells.is_single_cell:
        if cells.end_row is not None and end_row > cells.end_row:
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing to row [{end_row}]"
            )
        if cells.end_col is not None and end_col > cells.end_col:
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing to column "
                f"[{column_letters(end_col - 1)}]"
            )
    if end_row > sheet.row_count or end_col > sheet.col_count:
        raise grid_error(sheet, format_cells(start[0], end_row, start[1], end_col))


def _is_single(spreadsheet: Spreadsheet, text: str) -> bool:
    cells = spreadsheet.resolve(text)[1]
    return cells is not None and cells.is_single_cell


def find_table(sheet: Sheet, bounds: Bounds, single: bool) -> Bounds | None:
    """The "table" ``values.append`` appends to: the block of filled cells (4-connected) that
    holds the range's first cell (single-cell range) or its last filled cell; None when empty."""
    r0, r1, c0, c1 = bounds
    filled = {key for key, cell in sheet.cells.items() if cell.value is not None}
    if single:
        seed = (r0, c0) if (r0, c0) in filled else None
    else:
        inside = [key for key in filled if r0 <= key[0] < r1 and c0 <= key[1] < c1]
        seed = max(inside) if inside else None
    if seed is None:
        return None
    seen = {seed}
    todo = [seed]
    while todo:
        row, col = todo.pop()
        for near in ((row + 1, col), (row - 1, col), (row, col + 1), (row, col - 1)):
            if near in filled and near not in seen:
                seen.add(near)
                todo.append(near)
    rows = [key[0] for key in seen]
    cols = [key[1] for key in seen]
    return min(rows), max(rows) + 1, min(cols), max(cols) + 1
