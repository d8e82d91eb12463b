"""``sheets init`` (a new spreadsheet laid out for the job) and ``sheets adopt`` (the owner's own).

``init`` is two requests: ``spreadsheets.create`` with every tab, then one
``spreadsheets.batchUpdate`` with headers, column notes, date formats, drop-downs, checkboxes
and the protected id column. ``adopt`` reads the tab, then adds only the ``Problems`` and
``relationkit id`` columns after the owner's last column, in one ``spreadsheets.batchUpdate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEETS_API_V4_BASE_URL

from relationkit.google import call_with_retries

from .layout import (
    CHECKBOXES,
    CHOICES,
    CONTACTS,
    DATE_HEADERS,
    EXTRA_TABS,
    HOW_TO_TITLE,
    HOW_TO_USE,
    NOTES,
    SYNCED,
)
from .table import ID_HEADER, PROBLEMS_HEADER, Table, quoted, read_table

_ROWS = 1000
_DATE_FORMAT = {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}
_DATE_TARGETS = frozenset({"birthday", "anniversary", "date", "due", "snoozed_until"})


@dataclass
class Adopted:
    """What ``adopt`` found and saved."""

    spreadsheet_id: str
    settings: dict[str, Any]
    table: Table


def init(http: HTTPClient, title: str) -> tuple[str, dict[str, int]]:
    """Create the spreadsheet; returns its id and each tab's sheetId."""
    layout: dict[str, tuple[str, ...]] = {s.title: s.headers for s in SYNCED}
    layout.update(EXTRA_TABS)
    body = {
        "properties": {"title": title},
        "sheets": [
            {
                "properties": {
                    "title": name,
                    "gridProperties": {
                        "rowCount": _ROWS,
                        "columnCount": max(26, len(headers)),
                        "frozenRowCount": 1,
                    },
                }
            }
            for name, headers in layout.items()
        ]
        + [{"properties": {"title": HOW_TO_TITLE}}],
    }
    created = call_with_retries(
        lambda: http.request("post", SPREADSHEETS_API_V4_BASE_URL, json=body).json(),
        what="Google Sheets: create the spreadsheet",
    )
    ids = {s["properties"]["title"]: s["properties"]["sheetId"] for s in created["sheets"]}
    requests: list[dict[str, Any]] = []
    for name, headers in layout.items():
        requests += _header_requests(ids[name], 0, 0, headers)
        requests += _column_requests(ids[name], 1, dict(enumerate(headers)))
    requests.append(_text_rows(ids[HOW_TO_TITLE], HOW_TO_USE))
    spreadsheet_id = created["spreadsheetId"]
    call_with_retries(
        lambda: http.batch_update(spreadsheet_id, {"requests": requests}),
        what="Google Sheets: lay out the new spreadsheet",
    )
    return spreadsheet_id, ids


def adopt_signups(
    http: HTTPClient, spreadsheet_id: str, tab: str | None, mapping: Mapping[str, str]
) -> Adopted:
    """Check a sign-up responses tab (read only: nothing is added to it) and its ``mapping``."""
    from .signups import FORM_TAB, SIGNUP_SYNONYMS

    meta = call_with_retries(
        lambda: http.fetch_sheet_metadata(spreadsheet_id),
        what="Google Sheets: read the spreadsheet's tabs",
    )
    titles = [s["properties"]["title"] for s in meta.get("sheets", [])]
    title = tab or (FORM_TAB if FORM_TAB in titles else titles[0])
    if title not in titles:
        raise KeyError(f"no tab called {title!r}; the tabs are {', '.join(titles)}")
    answer = call_with_retries(
        lambda: http.values_get(
            spreadsheet_id, quoted(title), {"valueRenderOption": "UNFORMATTED_VALUE"}
        ),
        what="Google Sheets: read the tab",
    )
    table = read_table(title, answer, SIGNUP_SYNONYMS, mapping)
    settings: dict[str, Any] = {"spreadsheet_id": spreadsheet_id, "tab": title}
    if mapping:
        settings["map"] = dict(mapping)
    return Adopted(spreadsheet_id, settings, table)


def adopt(
    http: HTTPClient, spreadsheet_id: str, tab: str | None, mapping: Mapping[str, str]
) -> Adopted:
    """Prepare the owner's sheet: keep every column, add Problems and relationkit id at the end.

    Raises :class:`~relationkit.errors.InvalidValue` for a ``mapping`` naming no column.
    """
    meta = call_with_retries(
        lambda: http.fetch_sheet_metadata(spreadsheet_id),
        what="Google Sheets: read the spreadsheet's tabs",
    )
    sheets = {s["properties"]["title"]: s["properties"] for s in meta.get("sheets", [])}
    title = tab or next(iter(sheets))
    if title not in sheets:
        raise KeyError(f"no tab called {title!r}; the tabs are {', '.join(sheets)}")
    answer = call_with_retries(
        lambda: http.values_get(
            spreadsheet_id, quoted(title), {"valueRenderOption": "UNFORMATTED_VALUE"}
        ),
        what="Google Sheets: read the tab",
    )
    table = read_table(title, answer, CONTACTS.synonyms, mapping)
    sheet = sheets[title]["sheetId"]
    header_row = max(table.header_row, 1) - 1  # 0-based
    requests: list[dict[str, Any]] = []
    added = [h for h, col in ((PROBLEMS_HEADER, table.problems_col), (ID_HEADER, table.id_col))
             if col is None]  # fmt: skip
    width = len(table.header)
    grid = sheets[title].get("gridProperties", {})
    if width + len(added) > grid.get("columnCount", 26):
        requests.append(
            {
                "appendDimension": {
                    "sheetId": sheet,
                    "dimension": "COLUMNS",
                    "length": width + len(added) - grid.get("columnCount", 26),
                }
            }
        )
    if added:
        requests += _header_requests(sheet, header_row, width, tuple(added))
    headers = {i: table.header[i] for i, t in table.columns.items() if t in _DATE_TARGETS}
    headers.update({width + i: h for i, h in enumerate(added)})
    requests += _column_requests(sheet, header_row + 1, headers, adopting=True)
    if requests:
        call_with_retries(
            lambda: http.batch_update(spreadsheet_id, {"requests": requests}),
            what="Google Sheets: add relationkit's columns",
        )
    settings: dict[str, Any] = {
        "spreadsheet_id": spreadsheet_id,
        "contacts_tab": title,
        "sheet_ids": {name: props["sheetId"] for name, props in sheets.items()},
    }
    for spec in SYNCED[1:]:
        settings[f"{spec.role}_tab"] = ""  # the owner's other tabs are not relationkit's
    if mapping:
        settings["map"] = dict(mapping)
    return Adopted(spreadsheet_id, settings, table)


def _header_requests(
    sheet: int, row: int, first_col: int, headers: tuple[str, ...]
) -> list[dict[str, Any]]:
    cells = []
    for header in headers:
        cell: dict[str, Any] = {
            "userEnteredValue": {"stringValue": header},
            "userEnteredFormat": {"textFormat": {"bold": True}},
        }
        if header in NOTES:
            cell["note"] = NOTES[header]
        cells.append(cell)
    return [
        {
            "updateCells": {
                "range": _range(sheet, row, row + 1, first_col, first_col + len(headers)),
                "rows": [{"values": cells}],
                "fields": "userEnteredValue,userEnteredFormat.textFormat.bold,note",
            }
        }
    ]


def _column_requests(
    sheet: int, first_row: int, headers: Mapping[int, str], *, adopting: bool = False
) -> list[dict[str, Any]]:
    """Date formats, drop-downs, checkboxes and the protected id column, per column.

    ``adopting``: ``headers`` are the owner's date columns (whatever their headers say) and
    relationkit's two columns; the owner's columns get no drop-downs or checkboxes.
    """
    requests: list[dict[str, Any]] = []
    for col, header in headers.items():
        whole = _range(sheet, first_row, None, col, col + 1)
        if header in DATE_HEADERS or (adopting and header not in (ID_HEADER, PROBLEMS_HEADER)):
            requests.append(
                {
                    "repeatCell": {
                        "range": whole,
                        "cell": {"userEnteredFormat": _DATE_FORMAT},
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
        elif header in CHOICES and not adopting:
            values = [{"userEnteredValue": v} for v in CHOICES[header]]
            rule = {"condition": {"type": "ONE_OF_LIST", "values": values}, "showCustomUi": True}
            requests.append({"setDataValidation": {"range": whole, "rule": rule}})
        elif header in CHECKBOXES and not adopting:
            rule = {"condition": {"type": "BOOLEAN"}}
            requests.append({"setDataValidation": {"range": whole, "rule": rule}})
        elif header == ID_HEADER:
            requests.append(
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": whole,
                            "description": "relationkit ids: how rows are recognised",
                            "warningOnly": True,
                        }
                    }
                }
            )
    return requests


def _text_rows(sheet: int, lines: tuple[str, ...]) -> dict[str, Any]:
    return {
        "updateCells": {
            "range": _range(sheet, 0, len(lines), 0, 1),
            "rows": [{"values": [{"userEnteredValue": {"stringValue": line}}]} for line in lines],
            "fields": "userEnteredValue",
        }
    }


def _range(sheet: int, row0: int, row1: int | None, col0: int, col1: int) -> dict[str, int]:
    grid = {"sheetId": sheet, "startRowIndex": row0, "startColumnIndex": col0,
            "endColumnIndex": col1}  # fmt: skip
    if row1 is not None:
        grid["endRowIndex"] = row1
    return grid
