"""Google Sheets sync: requests and wall time, relationkit against a tutorial-style gspread script.

    uv run --all-packages python benchmarks/bench_sheets.py [--quick]

Both run against the Google emulator with the real gspread, side by side, at 100, 1,000 and
10,000 contacts (``--quick``: 100 and 1,000), in three situations: the first sync (every
contact written to an empty sheet), a sync after 1% of the contacts changed in relationkit, and
a sync where nothing changed. The naive script is written the way tutorials do it: open the
spreadsheet, ``get_all_records()`` of every tab, then ``append_row`` for each missing contact
and one ``update`` per changed row. Follows the benchmarks/harness.py interface.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import Measure, timed

import relationkit
from relationkit.config import Config
from relationkit.models import Contact
from relationkit.sync.engine import SyncEngine
from relationkit.testing import GoogleEmulator
from relationkit.workspace import Workspace
from relationkit_google_sheets import GoogleSheetsConnector
from relationkit_google_sheets.setup import init

TITLE = "Google Sheets sync: requests and time"
ABOUT = """
relationkit's Google Sheets connector against a naive gspread script (get_all_records per tab,
then append_row per missing contact and one update per changed row), both on the emulator.
Google allows 60 requests per minute per user: the request count is what matters. The naive
script's first-sync time is mostly the emulator's: each append finds the table to append to by
scanning the tab, as Google does, so 10,000 appends cost far more than 10,000 round trips.
Against Google, 10,010 requests would take at least 10,010 / 60 = 167 minutes of quota.
relationkit's own time is local work (its store, the merge with the other tools): on loopback a
request costs under a millisecond, against Google each one costs a round trip of 100 ms or more.
"""
GROUP = "sheets"
TABS = ("Contacts", "Purchases", "Interactions", "Follow-ups")
NAIVE_HEADER = ["Name", "Email", "Company", "relationkit id"]


def _workspace(directory: str, size: int) -> Workspace:
    url = f"sqlite:///{directory}/bench-{size}.db"
    ws = relationkit.open(url, config=Config(db_url=url))
    drafts = []
    for i in range(size):
        draft = Contact()
        draft.set("display_name", f"Customer {i}", source="bench")
        draft.set("emails", [f"customer{i}@example.com"], source="bench")
        draft.set("company", f"Company {i % 97}", source="bench")
        drafts.append(draft)
    ws.upsert_many(drafts, source="bench")
    return ws


def _edit_one_percent(ws: Workspace) -> None:
    for n, contact in enumerate(list(ws.contacts())):
        if n % 100 == 0:
            ws.update_contact(contact.id, company="Changed")


class _Relationkit:
    def __init__(self, emu: GoogleEmulator, ws: Workspace) -> None:
        spreadsheet_id, sheet_ids = init(emu.gspread_client().http_client, "Bench")
        self.settings = {"spreadsheet_id": spreadsheet_id, "sheet_ids": sheet_ids}
        self.ws = ws

    def sync(self) -> None:
        connector = GoogleSheetsConnector(self.ws, dict(self.settings))
        try:
            report = SyncEngine(self.ws).run([connector])
        finally:
            connector.close()
        if not report.ok:
            raise RuntimeError("; ".join(report.messages))


class _Naive:
    """The script a tutorial would have you write."""

    def __init__(self, emu: GoogleEmulator, ws: Workspace) -> None:
        self.gc = emu.gspread_client()
        book = self.gc.create("Naive")
        book.sheet1.update_title(TABS[0])
        book.sheet1.update([NAIVE_HEADER], "A1")
        for title in TABS[1:]:
            book.add_worksheet(title, rows=100, cols=10).update([["Date", "Customer"]], "A1")
        self.key = book.id
        self.ws = ws

    def sync(self) -> None:
        book = self.gc.open_by_key(self.key)
        records = {title: book.worksheet(title).get_all_records() for title in TABS}
        sheet = book.worksheet(TABS[0])
        rows = {str(r["relationkit id"]): (n, r) for n, r in enumerate(records[TABS[0]], start=2)}
        for contact in self.ws.contacts():
            wanted = [contact.name, contact.email, contact.company, contact.id]
            if contact.id not in rows:
                sheet.append_row(wanted)
                continue
            number, record = rows[contact.id]
            if [record["Name"], record["Email"], record["Company"]] != wanted[:3]:
                sheet.update([wanted], f"A{number}:D{number}")


def _measure(
    emu: GoogleEmulator, name: str, size: int, situation: str, sync: Callable[[], None]
) -> list[Measure]:
    emu.reset_requests()
    _, seconds = timed(sync)
    label = f"{name}, {size:,} contacts, {situation}"
    return [
        Measure(GROUP, f"{label}: requests", emu.request_count(), "requests"),
        Measure(GROUP, f"{label}: time", seconds, "s"),
    ]


def run(quick: bool = False) -> list[Measure]:
    sizes = (100, 1_000) if quick else (100, 1_000, 10_000)
    measures: list[Measure] = []
    with tempfile.TemporaryDirectory() as directory, GoogleEmulator() as emu:
        previous = os.environ.get("RELATIONKIT_GOOGLE_EMULATOR")
        os.environ["RELATIONKIT_GOOGLE_EMULATOR"] = emu.url
        try:
            for size in sizes:
                ws = _workspace(directory, size)
                tools = {"relationkit": _Relationkit(emu, ws), "naive gspread": _Naive(emu, ws)}
                for name, tool in tools.items():
                    measures += _measure(emu, name, size, "first sync", tool.sync)
                _edit_one_percent(ws)  # each tool has its own spreadsheet: both see it
                for name, tool in tools.items():
                    measures += _measure(emu, name, size, "1% changed", tool.sync)
                for name, tool in tools.items():
                    measures += _measure(emu, name, size, "nothing changed", tool.sync)
                ws.close()
        finally:
            if previous is None:
                os.environ.pop("RELATIONKIT_GOOGLE_EMULATOR", None)
            else:
                os.environ["RELATIONKIT_GOOGLE_EMULATOR"] = previous
    return measures


if __name__ == "__main__":
    for measure in run(quick="--quick" in sys.argv):
        print(f"{measure.name:<60} {measure.shown()}")
