"""``relationkit sheets review``: the Duplicates tab as the owner's review queue.

One run reads the tab (one ``values.batchGet``), applies the decisions typed in its Decision
column (``merge``: one customer, merged without losing anything; ``different``: never suggested
again), then writes the queue as it now stands from :meth:`Workspace.duplicates` (one
``values.batchUpdate``, RAW; one ``spreadsheets.batchUpdate`` first only if the tab must grow).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gspread.http_client import HTTPClient

from relationkit.errors import InvalidValue, NotFound, SyncError
from relationkit.google import call_with_retries
from relationkit.workspace import Workspace

from .cells import text
from .connector import read_tabs
from .layout import DUPLICATES_HEADERS, DUPLICATES_TITLE
from .table import Table, read_table

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first": ("first",),
    "second": ("second",),
    "why": ("why",),
    "score": ("score",),
    "decision": ("decision",),
    "first_id": ("first id",),
    "second_id": ("second id",),
}
MERGE = frozenset({"merge", "same", "same person", "yes"})
DIFFERENT = frozenset({"different", "not the same", "no", "keep both"})


@dataclass
class Reviewed:
    """What a review did."""

    merged: int = 0
    different: int = 0
    queued: int = 0
    problems: list[str] = field(default_factory=list)


def review(
    ws: Workspace, http: HTTPClient, spreadsheet_id: str, title: str = DUPLICATES_TITLE
) -> Reviewed:
    """Apply the owner's decisions, then rewrite the queue (see module doc)."""
    (answer,) = read_tabs(http, spreadsheet_id, [title], "connectors.google_sheets")
    table = read_table(title, answer, _SYNONYMS)
    columns = {t: i for i, t in table.columns.items()}
    if not {"decision", "first_id", "second_id"} <= columns.keys():
        raise SyncError(
            f"Google Sheets: the tab {title!r} needs the columns Decision, First id and "
            "Second id (as `relationkit sheets init` lays it out)"
        )
    done = Reviewed()
    for row in table.rows:
        decision = text(row.get(columns["decision"])).lower()
        pair = (text(row.get(columns["first_id"])), text(row.get(columns["second_id"])))
        if not decision or not all(pair):
            continue
        try:
            if decision in MERGE:
                ws.merge(*pair, source="google_sheets review")
                done.merged += 1
            elif decision in DIFFERENT:
                ws.not_duplicate(*pair)
                done.different += 1
            else:
                done.problems.append(f"{table.where(row)}: write merge or different in Decision")
        except (NotFound, InvalidValue):
            done.problems.append(f"{table.where(row)}: already merged or gone; left alone")
    queue = [_row(ws, c.a, c.b, c.reasons, c.score) for c in ws.duplicates()]
    done.queued = len(queue)
    _write(http, spreadsheet_id, table, queue)
    return done


def _row(ws: Workspace, a: str, b: str, reasons: list[str], score: float) -> list[Any]:
    first, second = ws.get_contact(a), ws.get_contact(b)
    return [
        _who(first),
        _who(second),
        "; ".join(reasons),
        round(score, 2),
        "",
        first.id,
        second.id,
    ]


def _who(contact: Any) -> str:
    details = ", ".join(v for v in (contact.email, contact.phone) if v)
    return f"{contact.name} ({details})" if details else contact.name


def _write(http: HTTPClient, spreadsheet_id: str, table: Table, queue: list[list[Any]]) -> None:
    width = len(DUPLICATES_HEADERS)
    first = table.header_row + 1
    blank = [[""] * width for _ in range(max(0, table.last_row - table.header_row - len(queue)))]
    block = queue + blank
    if not block:
        return
    last = first + len(block) - 1
    if last > table.grid_rows:
        meta = call_with_retries(
            lambda: http.fetch_sheet_metadata(spreadsheet_id),
            what="Google Sheets: read the tabs' ids",
        )
        sheet = next(
            s["properties"]["sheetId"]
            for s in meta["sheets"]
            if s["properties"]["title"] == table.title
        )
        grow = {"sheetId": sheet, "dimension": "ROWS", "length": last - table.grid_rows}
        call_with_retries(
            lambda: http.batch_update(spreadsheet_id, {"requests": [{"appendDimension": grow}]}),
            what="Google Sheets: make room in the Duplicates tab",
        )
    body = {
        "valueInputOption": "RAW",
        "data": [{"range": table.rect(first, last, width), "values": block}],
    }
    call_with_retries(
        lambda: http.values_batch_update(spreadsheet_id, body),
        what="Google Sheets: write the Duplicates tab",
    )
