"""Median round trip through the Google emulator with the real client libraries (target < 2 ms).

    uv run --all-packages python benchmarks/bench_emulator.py [--quick]

Measures one small read, repeated: googleapiclient (Calendar events.get, People people.get,
Sheets values.get) with the resource objects built once, gspread (``Worksheet.get``), and bare
httplib2/requests for the floor. Also shows what rebuilding ``service.spreadsheets()`` on every
call costs, because googleapiclient builds method docstrings from the schema each time.
Follows the benchmarks/harness.py interface (``run(quick) -> list[Measure]``).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httplib2
import requests

sys.path.insert(0, str(Path(__file__).parent))

from harness import Measure

from relationkit.testing import GoogleEmulator

TITLE = "Google emulator round trip"
ABOUT = """
One small read through the loopback emulator, median of many, with the unmodified client
libraries. The target keeps plugin test suites fast: hundreds of API calls per second.
"""
TARGET_MS = 2.0


def median_ms(call: Callable[[], object], repeat: int) -> float:
    call()  # warm up: connection, caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def run(quick: bool = False) -> list[Measure]:
    repeat = 50 if quick else 300
    measures = []
    with GoogleEmulator() as emu:
        event_id = emu.calendar.add_event({
            "summary": "x",
            "start": {"date": "2026-01-01"},
            "end": {"date": "2026-01-02"},
        })  # fmt: skip
        person = emu.people.add_person({"names": [{"givenName": "Ada"}]})
        gc = emu.gspread_client()
        sheet = gc.create("Bench")
        worksheet = sheet.sheet1  # each .sheet1 access fetches metadata
        worksheet.update([["a", "b"], [1, 2]], "A1")

        events = emu.service("calendar", "v3").events()
        people = emu.service("people", "v1").people()
        sheets = emu.service("sheets", "v4")
        values = sheets.spreadsheets().values()
        http = httplib2.Http()
        session = requests.Session()
        calendar_url = f"{emu.url}/calendar/v3/calendars/primary/events/{event_id}"

        cases: list[tuple[str, str, Callable[[], object]]] = [
            ("googleapiclient", "calendar events.get",
             lambda: events.get(calendarId="primary", eventId=event_id).execute()),
            ("googleapiclient", "people people.get",
             lambda: people.get(resourceName=person, personFields="names").execute()),
            ("googleapiclient", "sheets values.get",
             lambda: values.get(spreadsheetId=sheet.id, range="A1:B2").execute()),
            ("gspread", "Worksheet.get", lambda: worksheet.get("A1:B2")),
            ("floor", "httplib2 GET", lambda: http.request(calendar_url)),
            ("floor", "requests GET", lambda: session.get(calendar_url)),
        ]  # fmt: skip
        for group, name, call in cases:
            value = median_ms(call, repeat)
            target = group != "floor"
            measures.append(Measure(
                group, f"{name} median", value, "ms",
                target=f"< {TARGET_MS} ms" if target else "",
                met=value < TARGET_MS if target else None,
            ))  # fmt: skip
        rebuild = median_ms(
            lambda: (
                sheets.spreadsheets().values().get(spreadsheetId=sheet.id, range="A1").execute()
            ),
            max(5, repeat // 20),
        )
        measures.append(Measure(
            "googleapiclient", "sheets values.get, resource rebuilt per call", rebuild, "ms",
            note="build service.spreadsheets() once and reuse it",
        ))  # fmt: skip
    return measures


def main() -> None:
    quick = "--quick" in sys.argv
    for m in run(quick):
        verdict = "" if m.met is None else ("  ok" if m.met else "  MISSED")
        print(f"{m.group:16} {m.name:48} {m.shown():>12} {m.target}{verdict}")


if __name__ == "__main__":
    main()
