"""Google Calendar requests: publishing N follow-ups costs ceil(N/50); a rerun writes nothing.

    uv run --all-packages python benchmarks/bench_calendar.py [--quick]

Syncs a workspace of N open follow-ups (one customer each, with a purchase) to the Google
emulator through the real googleapiclient, counting the HTTP requests in the emulator's log:
the event writes (batch requests of at most 50 calls), then a rerun with nothing changed, then
a rerun after 10% of the follow-ups were completed. Follows the benchmarks/harness.py
interface (``run(quick) -> list[Measure]``).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import Measure, stopwatch

import relationkit
from relationkit.config import Config
from relationkit.google import EMULATOR_ENV, clear_service_cache
from relationkit.models import Channel, FollowUp
from relationkit.testing import GoogleEmulator
from relationkit.workspace import Workspace

TITLE = "Google Calendar requests"
ABOUT = """
Publishing N new follow-ups to Google Calendar (the emulator, the real client): HTTP requests
for the event writes against the target ceil(N/50) (inserts go through the batch endpoint, 50
calls a request), requests of a rerun with nothing changed (one events.list, no write), and of a
rerun after 10% were completed (their events updated, again 50 a request). Creating the
calendar itself, once, is not counted as an event write.
"""
DUE = date(2026, 5, 11)


def _followups(ws: Workspace, count: int) -> list[FollowUp]:
    made = []
    for n in range(count):
        contact = ws.add_contact(f"Customer {n}", email=f"customer{n}@example.com")
        ws.record_purchase(contact, 40 + n % 200, on=DUE - timedelta(days=2), category="seeds")
        made.append(
            FollowUp(
                contact_id=contact.id,
                rule="welcome",
                key=f"welcome:{n}",
                title=f"Welcome Customer {n}",
                reason="first purchase this week",
                due=DUE + timedelta(days=n % 7),
                channel=Channel.EMAIL,
                minutes=3,
            )
        )
    return ws.save_followups(made)


def _writes(emu: GoogleEmulator) -> int:
    """HTTP requests that wrote events (batches, and single writes if any)."""
    return emu.request_count("calendar", "batch") + sum(
        emu.request_count("calendar", f"events.{op}") for op in ("insert", "patch", "update")
    )


def measure(emu: GoogleEmulator, count: int, tmp: Path) -> list[Measure]:
    url = f"sqlite:///{tmp / f'calendar{count}.db'}"
    config = Config(db_url=url, connectors={"google_calendar": {}})
    ws = relationkit.open(url, config=config)
    try:
        made = _followups(ws, count)
        emu.reset()
        with stopwatch() as elapsed:
            first = ws.sync(only=["google_calendar"])
        assert first.ok, first.messages
        published, seconds = _writes(emu), elapsed()
        target = math.ceil(count / 50)
        emu.reset_requests()
        ws.sync(only=["google_calendar"])
        rerun_total, rerun_writes = emu.request_count("calendar"), _writes(emu)
        for followup in made[: count // 10]:
            ws.complete_followup(followup, "done")
        emu.reset_requests()
        ws.sync(only=["google_calendar"])
        updated = _writes(emu)
    finally:
        ws.close()
    n = f"N={count:,}"
    return [
        Measure(
            "publish",
            f"{n}: requests writing events",
            published,
            "requests",
            target=f"= ceil(N/50) = {target}",
            met=published == target,
            note=f"{n}: sync took {seconds:.2f} s against the loopback emulator",
        ),
        Measure(
            "rerun",
            f"{n}: writes when nothing changed",
            rerun_writes,
            "requests",
            target="0",
            met=rerun_writes == 0,
            note=f"{n}: {rerun_total} request(s) in all (events.list pages)",
        ),
        Measure(
            "update",
            f"{n}: requests after {count // 10:,} were completed",
            updated,
            "requests",
            target=f"= {math.ceil(count // 10 / 50)}",
            met=updated == math.ceil(count // 10 / 50),
        ),
    ]


def run(quick: bool = False) -> list[Measure]:
    sizes = (50, 120) if quick else (50, 120, 1_000, 5_000)
    saved = {k: os.environ.get(k) for k in (EMULATOR_ENV, "RELATIONKIT_CONFIG")}
    measures: list[Measure] = []
    with tempfile.TemporaryDirectory() as tmp, GoogleEmulator() as emu:
        os.environ[EMULATOR_ENV] = emu.url
        os.environ["RELATIONKIT_CONFIG"] = str(Path(tmp) / "config.toml")
        try:
            for count in sizes:
                measures += measure(emu, count, Path(tmp))
        finally:
            clear_service_cache(emulator=emu.url)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return measures


if __name__ == "__main__":
    for m in run(quick="--quick" in sys.argv):
        met = "" if m.met is None else (" ok" if m.met else " MISSED")
        print(f"{m.group:8} {m.name:45} {m.shown():>14}  {m.target}{met}")
        if m.note:
            print(f"{'':8} {m.note}")
