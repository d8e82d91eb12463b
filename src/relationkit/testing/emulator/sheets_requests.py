"""``spreadsheets.batchUpdate``: the request kinds the emulator understands.

A batch is atomic like Google's: when one request fails nothing is applied, and the error says
which one (``Invalid requests[1].deleteSheet: No grid with id: 7``). A request kind Google knows
but the emulator does not implement is refused with a 400 that says so, never silently accepted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from . import fieldmask
from ._base import ApiError
from .a1 import column_letters
from .fieldmask import _deep_copy
from .sheets_cells import Cell, effective_value
from .sheets_model import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    Bounds,
    Sheet,
    Spreadsheet,
    check_grid_range,
    default_sheet_properties,
    grid_range_bounds,
)

Reply = dict[str, Any] | None


class RequestError(Exception):
    """A request in a batch is invalid; the batch wraps it as ``Invalid requests[i].kind: ...``."""


@cache
def google_request_kinds() -> frozenset[str]:
    """Every request kind in the Sheets v4 discovery document shipped with googleapiclient."""
    try:
        path = resources.files("googleapiclient") / "discovery_cache/documents/sheets.v4.json"
        document = json.loads(path.read_text(encoding="utf-8"))
        return frozenset(document["schemas"]["Request"]["properties"])
    except (OSError, KeyError, ValueError, ModuleNotFoundError):
        return frozenset()


def run_batch(spreadsheet: Spreadsheet, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply the requests in order, all or nothing; the replies, one per request."""
    if not requests:
        raise ApiError(400, "Must specify at least one request.", "INVALID_ARGUMENT", "badRequest")
    snapshot = (
        [sheet.copy() for sheet in spreadsheet.sheets],
        _deep_copy(spreadsheet.properties),
        _deep_copy(spreadsheet.named_ranges),
    )
    replies = []
    try:
        for i, request in enumerate(requests):
            replies.append(_run_one(spreadsheet, i, request))
            try:
                spreadsheet.check_cell_limit()
            except ApiError as exc:
                kind = next(iter(request))
                raise ApiError(
                    400,
                    f"Invalid requests[{i}].{kind}: {exc.message}",
                    "INVALID_ARGUMENT",
                    "badRequest",
                ) from exc
    except ApiError:
        spreadsheet.sheets, spreadsheet.properties, spreadsheet.named_ranges = snapshot
        raise
    return replies


def _run_one(spreadsheet: Spreadsheet, i: int, request: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(request, dict) or len(request) != 1:
        kinds = ", ".join(request) if isinstance(request, dict) else repr(request)
        raise ApiError(
            400,
            f"Invalid requests[{i}]: set exactly one request kind (got: {kinds or 'none'}).",
            "INVALID_ARGUMENT",
            "badRequest",
        )
    kind, payload = next(iter(request.items()))
    payload = fieldmask.without_nulls(payload)
    handler = HANDLERS.get(kind)
    if handler is None:
        known = google_request_kinds()
        if kind in known:
            message = (
                f"Invalid requests[{i}].{kind}: the relationkit Google emulator does not implement "
                f"'{kind}' requests. Supported: {', '.join(sorted(HANDLERS))}."
            )
        else:
            message = (
                f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                "Cannot find field."
            )
        raise ApiError(400, message, "INVALID_ARGUMENT", "badRequest")
    try:
        reply = handler(spreadsheet, payload or {})
    except RequestError as exc:
        raise ApiError(
            400, f"Invalid requests[{i}].{kind}: {exc}", "INVALID_ARGUMENT", "badRequest"
        ) from exc
    return {kind: reply} if reply is not None else {}


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _sheet(spreadsheet: Spreadsheet, sheet_id: Any) -> Sheet:
    sheet = spreadsheet.sheet_by_id(int(sheet_id or 0))
    if sheet is None:
        raise RequestError(f"No grid with id: {int(sheet_id or 0)}")
    return sheet


def _grid(spreadsheet: Spreadsheet, grid_range: dict[str, Any] | None) -> tuple[Sheet, Bounds]:
    grid_range = grid_range or {}
    sheet = _sheet(spreadsheet, grid_range.get("sheetId"))
    bounds = grid_range_bounds(sheet, grid_range)
    try:
        check_grid_range(sheet, bounds)
    except ApiError as exc:
        raise RequestError(exc.message) from exc
    return sheet, bounds


def _dimension(spreadsheet: Spreadsheet, dim: dict[str, Any]) -> tuple[Sheet, str, int, int]:
    sheet = _sheet(spreadsheet, dim.get("sheetId"))
    dimension = dim.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise RequestError("dimension must be ROWS or COLUMNS")
    size = sheet.row_count if dimension == "ROWS" else sheet.col_count
    start = int(dim.get("startIndex", 0))
    end = int(dim.get("endIndex", size))
    if start < 0 or end < start:
        raise RequestError(f"Invalid dimension range: startIndex {start}, endIndex {end}")
    return sheet, dimension, start, end


def _mask(payload: dict[str, Any]) -> fieldmask.Mask:
    fields = payload.get("fields")
    if not fields:
        raise RequestError("At least one field must be specified in 'fields'.")
    try:
        return fieldmask.parse(fields)
    except ApiError as exc:
        raise RequestError(exc.message) from exc


def _check_title(spreadsheet: Spreadsheet, title: str, own: Sheet | None = None) -> None:
    if not title or not title.strip():
        raise RequestError("Sheet name must not be empty.")
    clash = spreadsheet.sheet_by_title(title)
    if clash is not None and clash is not own:
        raise RequestError(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )


def _next_title(spreadsheet: Spreadsheet) -> str:
    n = len(spreadsheet.sheets) + 1
    while spreadsheet.sheet_by_title(f"Sheet{n}") is not None:
        n += 1
    return f"Sheet{n}"


# ---------------------------------------------------------------------------------------------
# sheets and spreadsheet properties
# ---------------------------------------------------------------------------------------------


def add_sheet(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    wanted = _deep_copy(payload.get("properties") or {})
    title = wanted.get("title") or _next_title(spreadsheet)
    _check_title(spreadsheet, title)
    sheet_id = wanted.get("sheetId")
    if sheet_id is None:
        sheet_id = spreadsheet.new_sheet_id()
    elif spreadsheet.sheet_by_id(int(sheet_id)) is not None:
        raise RequestError(f"Sheet with id {sheet_id} already exists.")
    grid = wanted.get("gridProperties") or {}
    rows, cols = (
        int(grid.get("rowCount", DEFAULT_ROWS)),
        int(grid.get("columnCount", DEFAULT_COLUMNS)),
    )
    if rows < 1 or cols < 1:
        raise RequestError("The grid must have at least one row and one column.")
    properties = default_sheet_properties(int(sheet_id), title, 0, rows, cols)
    for key in ("hidden", "tabColor", "tabColorStyle", "rightToLeft"):
        if key in wanted:
            properties[key] = wanted[key]
    for key in ("frozenRowCount", "frozenColumnCount", "hideGridlines"):
        if grid.get(key):
            properties["gridProperties"][key] = grid[key]
    index = min(int(wanted.get("index", len(spreadsheet.sheets))), len(spreadsheet.sheets))
    spreadsheet.sheets.insert(index, Sheet(properties))
    spreadsheet.reindex()
    return {"properties": _deep_copy(properties)}


def delete_sheet(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet = _sheet(spreadsheet, payload.get("sheetId"))
    if len(spreadsheet.sheets) == 1:
        raise RequestError("You can't remove all the sheets in a document.")
    spreadsheet.sheets.remove(sheet)
    spreadsheet.reindex()
    if all(s.properties.get("hidden") for s in spreadsheet.sheets):
        spreadsheet.sheets[0].properties.pop("hidden", None)
    return None


def update_sheet_properties(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    wanted = payload.get("properties") or {}
    sheet = _sheet(spreadsheet, wanted.get("sheetId"))
    mask = _mask(payload)
    before = _deep_copy(sheet.properties)
    updated = _deep_copy(sheet.properties)
    fieldmask.copy_paths(updated, wanted, mask)
    updated["sheetId"] = before["sheetId"]
    updated.setdefault("sheetType", "GRID")
    grid = updated.setdefault("gridProperties", {})
    grid.setdefault("rowCount", before["gridProperties"]["rowCount"])
    grid.setdefault("columnCount", before["gridProperties"]["columnCount"])
    if updated.get("title") != before["title"]:
        _check_title(spreadsheet, updated.get("title") or "", sheet)
    if grid["rowCount"] < 1 or grid["columnCount"] < 1:
        raise RequestError("The grid must have at least one row and one column.")
    for key, limit in (("frozenRowCount", "rowCount"), ("frozenColumnCount", "columnCount")):
        if grid.get(key, 0) >= grid[limit] and grid.get(key):
            raise RequestError(f"You can't freeze all visible {limit[:-5]}s on the sheet.")
        if not grid.get(key):
            grid.pop(key, None)
    if updated.get("hidden") and all(
        s.properties.get("hidden") or s is sheet for s in spreadsheet.sheets
    ):
        raise RequestError("You can't hide all the sheets in a document.")
    if not updated.get("hidden"):
        updated.pop("hidden", None)
    index = updated.pop("index", before["index"])
    sheet.resize(grid["rowCount"], grid["columnCount"])  # drops what falls off, if it shrinks
    sheet.properties = updated
    if index != before["index"]:
        spreadsheet.sheets.remove(sheet)
        spreadsheet.sheets.insert(max(0, min(int(index), len(spreadsheet.sheets))), sheet)
    spreadsheet.reindex()
    return None


def update_spreadsheet_properties(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    mask = _mask(payload)
    updated = _deep_copy(spreadsheet.properties)
    fieldmask.copy_paths(updated, payload.get("properties") or {}, mask)
    if not updated.get("title"):
        raise RequestError("The spreadsheet title must not be empty.")
    spreadsheet.properties = updated
    return None


def duplicate_sheet(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    source = _sheet(spreadsheet, payload.get("sourceSheetId"))
    title = payload.get("newSheetName") or f"Copy of {source.title}"
    _check_title(spreadsheet, title)
    new_id = payload.get("newSheetId")
    if new_id is None:
        new_id = spreadsheet.new_sheet_id()
    elif spreadsheet.sheet_by_id(int(new_id)) is not None:
        raise RequestError(f"Sheet with id {new_id} already exists.")
    copy = source.copy()
    copy.properties.update(sheetId=int(new_id), title=title)
    for protected in copy.protected_ranges:
        protected["protectedRangeId"] = spreadsheet.new_protected_range_id()
        protected["range"]["sheetId"] = int(new_id)
    index = int(payload.get("insertSheetIndex", source.properties["index"] + 1))
    spreadsheet.sheets.insert(min(index, len(spreadsheet.sheets)), copy)
    spreadsheet.reindex()
    return {"properties": _deep_copy(copy.properties)}


# ---------------------------------------------------------------------------------------------
# dimensions
# ---------------------------------------------------------------------------------------------


def insert_dimension(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet, dimension, start, end = _dimension(spreadsheet, payload.get("range") or {})
    size = sheet.row_count if dimension == "ROWS" else sheet.col_count
    if start > size:
        raise RequestError(
            f"Cannot insert {dimension.lower()} at index {start}: the sheet has only {size}."
        )
    if payload.get("inheritFromBefore") and start == 0:
        raise RequestError("Cannot inherit properties from before the first row or column.")
    sheet.insert(dimension, start, end - start)
    return None


def delete_dimension(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet, dimension, start, end = _dimension(spreadsheet, payload.get("range") or {})
    size = sheet.row_count if dimension == "ROWS" else sheet.col_count
    if end > size:
        raise RequestError(
            f"Range ({dimension.lower()} {start}:{end}) exceeds grid limits. Max rows: "
            f"{sheet.row_count}, max columns: {sheet.col_count}"
        )
    if start == 0 and end >= size:
        raise RequestError(f"You can't delete all the {dimension.lower()} on the sheet.")
    sheet.delete(dimension, start, end)
    return None


def append_dimension(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet = _sheet(spreadsheet, payload.get("sheetId"))
    length = int(payload.get("length", 0))
    if length < 1:
        raise RequestError("length must be at least 1")
    dimension = payload.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise RequestError("dimension must be ROWS or COLUMNS")
    key = "rowCount" if dimension == "ROWS" else "columnCount"
    sheet.grid[key] += length
    return None


def move_dimension(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet, dimension, start, end = _dimension(spreadsheet, payload.get("source") or {})
    destination = int(payload.get("destinationIndex", 0))
    size = sheet.row_count if dimension == "ROWS" else sheet.col_count
    if (
        end > size
        or destination > size
        or (start <= destination <= end and destination not in (start, end))
    ):
        raise RequestError(f"Invalid destinationIndex {destination} for source {start}:{end}")
    sheet.move(dimension, start, end, destination)
    return None


def update_dimension_properties(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet, dimension, start, end = _dimension(spreadsheet, payload.get("range") or {})
    mask = _mask(payload)
    meta = sheet.row_meta if dimension == "ROWS" else sheet.col_meta
    for index in range(start, end):
        current = meta.get(index, {})
        fieldmask.copy_paths(current, payload.get("properties") or {}, mask)
        if current:
            meta[index] = current
        else:
            meta.pop(index, None)
    return None


def auto_resize_dimensions(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    _dimension(spreadsheet, payload.get("dimensions") or {})
    return None


# ---------------------------------------------------------------------------------------------
# cells
# ---------------------------------------------------------------------------------------------


def _cell_dict(cell: Cell) -> dict[str, Any]:
    data: dict[str, Any] = dict(cell.extra)
    if cell.value is not None:
        data["userEnteredValue"] = cell.value
    if cell.format:
        data["userEnteredFormat"] = cell.format
    if cell.note:
        data["note"] = cell.note
    if cell.validation:
        data["dataValidation"] = cell.validation
    return data


def _apply_cell(
    sheet: Sheet, row: int, col: int, data: dict[str, Any], mask: fieldmask.Mask
) -> None:
    cell = sheet.ensure(row, col)
    current = _cell_dict(cell)
    fieldmask.copy_paths(current, data, mask)
    value = current.pop("userEnteredValue", None)
    if value is not None and (not isinstance(value, dict) or len(value) != 1):
        raise RequestError(f"Invalid userEnteredValue: {value!r}")
    cell.value = value or None
    cell.format = current.pop("userEnteredFormat", None) or None
    cell.note = current.pop("note", None) or None
    cell.validation = current.pop("dataValidation", None) or None
    for derived in ("effectiveValue", "formattedValue", "effectiveFormat"):
        current.pop(derived, None)
    cell.extra = current
    sheet.prune(row, col)


def repeat_cell(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet, (r0, r1, c0, c1) = _grid(spreadsheet, payload.get("range"))
    mask = _mask(payload)
    data = payload.get("cell") or {}
    for row in range(r0, r1):
        for col in range(c0, c1):
            _apply_cell(sheet, row, col, data, mask)
    return None


def update_cells(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    mask = _mask(payload)
    rows = payload.get("rows") or []
    if "range" in payload:
        sheet, (r0, r1, c0, c1) = _grid(spreadsheet, payload["range"])
        limited = True
    else:
        start = payload.get("start") or {}
        sheet = _sheet(spreadsheet, start.get("sheetId"))
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        r1 = r0 + len(rows)
        c1 = c0 + max((len(r.get("values") or []) for r in rows), default=0)
        limited = False
    if r1 > sheet.row_count or c1 > sheet.col_count:
        raise RequestError(
            f"Range ({sheet.title}!{column_letters(c0)}{r0 + 1}:{column_letters(c1 - 1)}{r1}) "
            f"exceeds grid limits. Max rows: {sheet.row_count}, max columns: {sheet.col_count}"
        )
    for row in range(r0, r1):
        line = rows[row - r0].get("values") or [] if row - r0 < len(rows) else []
        for col in range(c0, c1):
            if col - c0 < len(line):
                _apply_cell(sheet, row, col, line[col - c0] or {}, mask)
            elif limited:
                _apply_cell(sheet, row, col, {}, mask)
    return None


def set_data_validation(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet, (r0, r1, c0, c1) = _grid(spreadsheet, payload.get("range"))
    rule = payload.get("rule")
    if rule is not None:
        condition = rule.get("condition") or {}
        if not condition.get("type"):
            raise RequestError("Invalid data validation rule: condition.type is required.")
        if condition["type"] in ("ONE_OF_LIST",) and not condition.get("values"):
            raise RequestError("ONE_OF_LIST data validation needs at least one value.")
    for row in range(r0, r1):
        for col in range(c0, c1):
            cell = sheet.ensure(row, col)
            cell.validation = _deep_copy(rule) if rule else None
            sheet.prune(row, col)
    return None


def merge_cells(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet, (r0, r1, c0, c1) = _grid(spreadsheet, payload.get("range"))
    kind = payload.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_ROWS":
        blocks = [(r, r + 1, c0, c1) for r in range(r0, r1)]
    elif kind == "MERGE_COLUMNS":
        blocks = [(r0, r1, c, c + 1) for c in range(c0, c1)]
    else:
        blocks = [(r0, r1, c0, c1)]
    for b0, b1, d0, d1 in blocks:
        if (b1 - b0) * (d1 - d0) > 1:
            sheet.merges.append(
                {"sheetId": sheet.id, "startRowIndex": b0, "endRowIndex": b1,
                 "startColumnIndex": d0, "endColumnIndex": d1}
            )  # fmt: skip
    return None


def unmerge_cells(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet, (r0, r1, c0, c1) = _grid(spreadsheet, payload.get("range"))

    def overlaps(m: dict[str, Any]) -> bool:
        return (
            m["startRowIndex"] < r1
            and r0 < m["endRowIndex"]
            and m["startColumnIndex"] < c1
            and c0 < m["endColumnIndex"]
        )

    sheet.merges = [m for m in sheet.merges if not overlaps(m)]
    return None


def _sort_key(value: dict[str, Any] | None) -> tuple[int, Any]:
    if value is None:
        return (9, 0)
    if "numberValue" in value:
        return (0, value["numberValue"])
    if "stringValue" in value:
        return (1, value["stringValue"].casefold())
    if "boolValue" in value:
        return (2, value["boolValue"])
    return (3, 0)


def sort_range(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet, (r0, r1, c0, c1) = _grid(spreadsheet, payload.get("range"))
    context = spreadsheet.context(sheet)
    rows = [
        {col: sheet.cells.pop((row, col)) for col in range(c0, c1) if (row, col) in sheet.cells}
        for row in range(r0, r1)
    ]
    for spec in reversed(payload.get("sortSpecs") or [{"dimensionIndex": c0}]):
        col = int(spec.get("dimensionIndex", 0))
        if not c0 <= col < c1:
            raise RequestError(f"The sort column {column_letters(col)} is outside the range.")
        descending = spec.get("sortOrder") == "DESCENDING"
        keyed = [(_sort_key(effective_value(line.get(col), context)), line) for line in rows]
        blank = [line for key, line in keyed if key[0] == 9]
        filled = [(key, line) for key, line in keyed if key[0] != 9]
        filled.sort(key=lambda pair: pair[0], reverse=descending)
        rows = [line for _, line in filled] + blank
    for offset, line in enumerate(rows):
        for col, cell in line.items():
            sheet.cells[(r0 + offset, col)] = cell
    return None


def find_replace(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    find = payload.get("find")
    if not find:
        raise RequestError("find must not be empty.")
    replacement = payload.get("replacement", "")
    flags = 0 if payload.get("matchCase") else re.IGNORECASE
    pattern = find if payload.get("searchByRegex") else re.escape(find)
    if payload.get("matchEntireCell"):
        pattern = f"^(?:{pattern})$"
    try:
        regex = re.compile(pattern, flags)
    except re.error as exc:
        raise RequestError(f"Invalid regular expression: {exc}") from exc
    if payload.get("range"):
        targets = [_grid(spreadsheet, payload["range"])]
    elif payload.get("sheetId") is not None:
        sheet = _sheet(spreadsheet, payload["sheetId"])
        targets = [(sheet, (0, sheet.row_count, 0, sheet.col_count))]
    else:
        targets = [(s, (0, s.row_count, 0, s.col_count)) for s in spreadsheet.sheets]
    totals = {
        "valuesChanged": 0,
        "occurrencesChanged": 0,
        "rowsChanged": 0,
        "sheetsChanged": 0,
        "formulasChanged": 0,
    }
    for sheet, (r0, r1, c0, c1) in targets:
        rows_changed: set[int] = set()
        for (row, col), cell in sheet.cells.items():
            if not (r0 <= row < r1 and c0 <= col < c1) or cell.value is None:
                continue
            key = next(iter(cell.value))
            if key == "formulaValue" and not payload.get("includeFormulas"):
                continue
            if key not in ("stringValue", "formulaValue"):
                continue
            new, count = regex.subn(replacement, cell.value[key])
            if count:
                cell.value = {key: new}
                totals["valuesChanged"] += 1
                totals["occurrencesChanged"] += count
                totals["formulasChanged"] += key == "formulaValue"
                rows_changed.add(row)
        totals["rowsChanged"] += len(rows_changed)
        totals["sheetsChanged"] += bool(rows_changed)
    return {k: v for k, v in totals.items() if v}


# ---------------------------------------------------------------------------------------------
# protected and named ranges
# ---------------------------------------------------------------------------------------------


def add_protected_range(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    wanted = _deep_copy(payload.get("protectedRange") or {})
    grid_range = wanted.get("range") or {}
    sheet, _ = _grid(spreadsheet, grid_range)
    protected_id = wanted.get("protectedRangeId")
    if protected_id is None:
        protected_id = spreadsheet.new_protected_range_id()
    protected = {k: v for k, v in wanted.items() if v is not None}
    protected["protectedRangeId"] = int(protected_id)
    protected["range"] = {**grid_range, "sheetId": sheet.id}
    if not protected.get("warningOnly"):
        editors = protected.get("editors") or {}
        protected["editors"] = {
            "users": sorted({*(editors.get("users") or []), "owner@example.com"}),
            **({"groups": editors["groups"]} if editors.get("groups") else {}),
        }
    else:
        protected.pop("editors", None)
    protected["requestingUserCanEdit"] = True
    sheet.protected_ranges.append(protected)
    return {"protectedRange": _deep_copy(protected)}


def _find_protected(spreadsheet: Spreadsheet, protected_id: Any) -> tuple[Sheet, dict[str, Any]]:
    for sheet in spreadsheet.sheets:
        for protected in sheet.protected_ranges:
            if protected["protectedRangeId"] == int(protected_id or 0):
                return sheet, protected
    raise RequestError(f"No protected range with id: {protected_id}")


def delete_protected_range(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    sheet, protected = _find_protected(spreadsheet, payload.get("protectedRangeId"))
    sheet.protected_ranges.remove(protected)
    return None


def update_protected_range(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    wanted = payload.get("protectedRange") or {}
    _, protected = _find_protected(spreadsheet, wanted.get("protectedRangeId"))
    fieldmask.copy_paths(protected, wanted, _mask(payload))
    protected["protectedRangeId"] = int(wanted["protectedRangeId"])
    return None


def add_named_range(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    wanted = _deep_copy(payload.get("namedRange") or {})
    name = wanted.get("name") or ""
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_.]*$", name):
        raise RequestError(f"Invalid name: {name!r}")
    if any(n["name"].casefold() == name.casefold() for n in spreadsheet.named_ranges):
        raise RequestError(f"Named range with name {name} already exists.")
    _grid(spreadsheet, wanted.get("range"))
    wanted.setdefault("namedRangeId", f"{spreadsheet.rng.getrandbits(40):x}")
    spreadsheet.named_ranges.append(wanted)
    return {"namedRange": _deep_copy(wanted)}


def delete_named_range(spreadsheet: Spreadsheet, payload: dict[str, Any]) -> Reply:
    wanted = payload.get("namedRangeId")
    before = len(spreadsheet.named_ranges)
    spreadsheet.named_ranges = [n for n in spreadsheet.named_ranges if n["namedRangeId"] != wanted]
    if len(spreadsheet.named_ranges) == before:
        raise RequestError(f"No named range with id: {wanted}")
    return None


HANDLERS: dict[str, Callable[[Spreadsheet, dict[str, Any]], Reply]] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "duplicateSheet": duplicate_sheet,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "appendDimension": append_dimension,
    "moveDimension": move_dimension,
    "updateDimensionProperties": update_dimension_properties,
    "autoResizeDimensions": auto_resize_dimensions,
    "repeatCell": repeat_cell,
    "updateCells": update_cells,
    "setDataValidation": set_data_validation,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "sortRange": sort_range,
    "findReplace": find_replace,
    "addProtectedRange": add_protected_range,
    "updateProtectedRange": update_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "addNamedRange": add_named_range,
    "deleteNamedRange": delete_named_range,
}
