"""The sync engine at scale: every installed Google plugin at 1,000, 10,000 and 100,000 contacts.

    uv run --all-packages python benchmarks/bench_sync.py [--quick] [--size N]

Per size, against the Google emulator with the real clients and an empty workspace: an address
book of N contacts in Google Contacts' "Customers" label and, when the Google Sheets plugin is
installed, a sheet of N/2 customers who are also in the address book (same emails). The first
full sync (`SyncEngine.run` with every connector: everything listed, matched, created here,
written back to each tool) creates, between pulls and pushes as the scheduled job does, one
open follow-up for every tenth contact, published to Google Calendar (and to the sheet). Then a
sync that sees relationkit's own write-backs, then a sync where nothing changed: one request per
Google tool is the minimum. Each size runs in its own process, so that its peak memory
(engine and emulator together) is its own. ``--quick``: 1,000 only. Follows the
benchmarks/harness.py interface (``run(quick) -> list[Measure]``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from harness import Measure, customers_in_google, peak_rss_mib, stopwatch

import relationkit
from relationkit.config import Config
from relationkit.google import EMULATOR_ENV
from relationkit.models import FollowUp
from relationkit.sync import sync_workspace
from relationkit.sync.report import SyncReport
from relationkit.testing import GoogleEmulator
from relationkit.workspace import Workspace

TITLE = "Sync engine at scale"
ABOUT = """
A first full sync and a sync with no change at 1,000, 10,000 and 100,000 contacts with every
installed Google plugin on the emulator (Google Contacts, Google Calendar for follow-ups, and
Google Sheets holding half of the customers when installed): wall time, peak memory of the
process (engine and emulator) and requests per API. Targets: 10,000 contacts in under 60 s,
100,000 in under 10 minutes and 1 GiB, and one request per Google tool when nothing changed.
"""
MISSED = """
Peak memory at 100,000 contacts is well over 1 GiB. The figure is of one process holding the
engine and the emulator together: the emulator keeps the whole fake Google account (100,000
people, 50,000 sheet rows as cells, 10,000 events, and what it needs to answer sync tokens) in
memory, and the engine's first sync holds every tool's full listing at once (all pulls come
before all pushes) besides the 100,000 contacts it stores. Telling the engine's own share
needs the emulator in a process of its own (`relationkit emulator`), which this benchmark does
not do yet; lowering it needs each tool's listing applied and let go before the next is read.
"""
GROUP = "sync"
TODAY = date(2026, 6, 1)
FOLLOWUP_EVERY = 10
APIS = {"google_contacts": "people", "google_calendar": "calendar", "google_sheets": "sheets"}


def _sheet(emu: GoogleEmulator, n: int) -> dict[str, Any] | None:
    """A spreadsheet laid out by the Sheets plugin with N/2 customers (``None`` without it)."""
    try:
        from relationkit_google_sheets.setup import init
    except ImportError:
        return None
    spreadsheet_id, sheet_ids = init(emu.gspread_client().http_client, "Customers")
    rows = [
        [f"Person {i}", "", "", f"person{i}@example.com", "", f"Company {i % 97}"]
        for i in range(n // 2, n)
    ]
    book = emu.gspread_client().open_by_key(spreadsheet_id)
    tab = book.worksheet("Contacts")
    tab.add_rows(len(rows))
    tab.update(rows, "A2")
    return {"spreadsheet_id": spreadsheet_id, "sheet_ids": sheet_ids}


def _followups(ws: Workspace) -> Any:
    def regenerate(report: SyncReport) -> None:
        ws.save_followups(
            FollowUp(
                contact_id=contact.id,
                rule="bench",
                key="call",
                title="Call",
                reason="Benchmark follow-up",
                due=TODAY + timedelta(days=n % 30),
            )
            for n, contact in enumerate(ws.contacts())
            if n % FOLLOWUP_EVERY == 0
        )

    return regenerate


def _sync(ws: Workspace, **options: Any) -> SyncReport:
    report = sync_workspace(ws, today=TODAY, **options)
    if not report.ok:
        raise RuntimeError("; ".join(report.messages[:5]))
    return report


def measure_size(n: int) -> list[Measure]:
    """Every figure for one size, in this process."""
    label = f"{n:,} contacts"
    with GoogleEmulator() as emu, tempfile.TemporaryDirectory() as tmp:
        os.environ[EMULATOR_ENV] = emu.url
        customers_in_google(emu, n)
        connectors: dict[str, dict[str, Any]] = {"google_contacts": {}, "google_calendar": {}}
        sheet = _sheet(emu, n)
        if sheet is not None:
            connectors["google_sheets"] = sheet
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        config = Config(db_url=url, connectors=connectors, path=Path(tmp) / "config.toml")
        ws = relationkit.open(url, config=config)
        tools = ", ".join(connectors)
        measures: list[Measure] = []

        emu.reset_requests()
        with stopwatch() as first:
            _sync(ws, between=_followups(ws))
        target, limit = {10_000: ("< 60 s", 60.0), 100_000: ("< 600 s", 600.0)}.get(n, ("", 0))
        measures.append(
            Measure(
                GROUP,
                f"first full sync, {label}",
                first(),
                "s",
                target=target,
                met=first() < limit if limit else None,
                note=tools,
            )
        )
        measures += [
            Measure(
                GROUP,
                f"first full sync, {label}: {api} requests",
                emu.request_count(api),
                "requests",
            )
            for api in (APIS[c] for c in connectors)
        ]
        contacts = ws.count_contacts()
        measures.append(
            Measure(
                GROUP,
                f"first full sync, {label}: contacts in relationkit",
                contacts,
                "contacts",
                target=f"= {n:,}",
                met=contacts == n,
                note="the sheet's customers matched, not doubled",
            )
        )
        published = ws.followups()
        measures.append(
            Measure(
                GROUP,
                f"first full sync, {label}: follow-ups published to Calendar",
                sum(1 for f in published if f.published.get("google_calendar")),
                "rows",
                note=f"of {len(published):,}",
            )
        )

        _sync(ws)  # sees relationkit's own write-backs once
        emu.reset_requests()
        with stopwatch() as quiet:
            _sync(ws)
        measures.append(Measure(GROUP, f"no-change sync, {label}", quiet(), "s", note=tools))
        for connector in connectors:
            api = APIS[connector]
            count = emu.request_count(api)
            measures.append(
                Measure(
                    GROUP,
                    f"no-change sync, {label}: {api} requests",
                    count,
                    "requests",
                    target="= 1",
                    met=count == 1,
                )
            )
        peak = peak_rss_mib()
        measures.append(
            Measure(
                GROUP,
                f"peak memory, {label}",
                peak,
                "MiB",
                target="< 1024 MiB" if n >= 100_000 else "",
                met=peak < 1024 if n >= 100_000 else None,
                note="engine and emulator in one process",
            )
        )
        ws.close()
        del os.environ[EMULATOR_ENV]
    return measures


SIZE_LIMIT_S = 30 * 60  # a size that takes longer is stopped and reported as missed


def run(quick: bool = False) -> list[Measure]:
    """Each size in a fresh process (its own peak memory), stopped after SIZE_LIMIT_S."""
    measures: list[Measure] = []
    for n in (1_000,) if quick else (1_000, 10_000, 100_000):
        try:
            out = subprocess.run(
                [sys.executable, __file__, "--size", str(n), "--json"],
                check=True,
                capture_output=True,
                text=True,
                timeout=SIZE_LIMIT_S,
            ).stdout
        except subprocess.TimeoutExpired:
            measures.append(
                Measure(
                    GROUP,
                    f"whole run, {n:,} contacts",
                    SIZE_LIMIT_S,
                    "s",
                    target="< 600 s" if n >= 100_000 else "",
                    met=False,
                    note=f"stopped after {SIZE_LIMIT_S // 60} minutes, before it finished",
                )
            )
            continue
        measures += [Measure(**m) for m in json.loads(out)]
    return measures


def main() -> None:
    if "--size" in sys.argv:
        measures = measure_size(int(sys.argv[sys.argv.index("--size") + 1]))
    else:
        measures = run("--quick" in sys.argv)
    if "--json" in sys.argv:
        print(json.dumps([asdict(m) for m in measures]))
        return
    for m in measures:
        verdict = "" if m.met is None else ("  ok" if m.met else "  MISSED")
        print(f"{m.name:64} {m.shown():>14} {m.target}{verdict}  {m.note}")


if __name__ == "__main__":
    main()
