"""Google Contacts sync: requests and time against the API minimum, through the emulator.

    uv run --all-packages python benchmarks/bench_contacts.py [--quick]

An address book of N contacts in the "Customers" label (10,000; 2,000 with ``--quick``) and an
empty relationkit workspace: the first sync (everything listed, every contact created here, the
relationkit id written back to every contact), a sync with no change, a forced full re-listing,
and a sync pushing 1,000 local edits. Requests come from the emulator's request log; the API
minimum is ceil(N/1000) list requests, 1 request for no change, ceil(M/200) writes for M
changes. The last case races 20 of 200 edits with the owner's phone (stale etags): they are
merged and written in the same sync. Follows the benchmarks/harness.py interface
(``run(quick) -> list[Measure]``).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import Measure, customers_in_google, peak_rss_mib, stopwatch

import relationkit
from relationkit.config import Config
from relationkit.google import EMULATOR_ENV
from relationkit.sync.engine import SyncEngine
from relationkit.testing import GoogleEmulator
from relationkit.workspace import Workspace
from relationkit_google_contacts import GoogleContactsConnector

TITLE = "Google Contacts sync"
ABOUT = """
Requests and wall time of Google Contacts syncs through the loopback emulator with the real
googleapiclient, against the People API minimum: ceil(N/1000) list requests for a full listing,
one request for a sync with no change, ceil(M/200) write requests for M changes. "stale etags":
200 local edits, 20 of whose contacts the owner edits on the phone between relationkit's read
and its write; Google refuses that request, and the same sync reads the 200 again, merges them
field by field and writes them, losing neither side's edit.
"""

LIST = "connections.list"
EDITS = 1000
STALE_EDITS, RACED = 200, 20


def _sync(ws: Workspace, **options: object) -> object:
    connector = GoogleContactsConnector(ws, {})
    try:
        return SyncEngine(ws).run([connector], **options)  # type: ignore[arg-type]
    finally:
        connector.close()


def _writes(emu: GoogleEmulator) -> int:
    return emu.request_count("people", "batchCreateContacts") + emu.request_count(
        "people", "batchUpdateContacts"
    )


def _requests(group: str, name: str, value: int, minimum: int) -> Measure:
    return Measure(group, name, value, "requests", target=f"= {minimum:,}", met=value == minimum)


def run(quick: bool = False) -> list[Measure]:
    n = 2_000 if quick else 10_000
    measures: list[Measure] = []
    with GoogleEmulator() as emu, tempfile.TemporaryDirectory() as tmp:
        os.environ[EMULATOR_ENV] = emu.url
        customers_in_google(emu, n)
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        ws = relationkit.open(url, config=Config(db_url=url))
        label = f"{n:,} contacts"

        with stopwatch() as first:
            _sync(ws)
        measures += [
            _requests(
                "full sync",
                f"list requests, {label}",
                emu.request_count("people", LIST),
                math.ceil(n / 1000),
            ),
            _requests("full sync", f"id write-back, {label}", _writes(emu), math.ceil(n / 200)),
            Measure(
                "full sync",
                f"all requests, {label}",
                emu.request_count("people"),
                "requests",
                note="+1 label list, +1 getBatchGet per 200 updates (read before write)",
            ),
            Measure("full sync", f"first sync, {label}", first(), "s"),
        ]

        _sync(ws)  # lists relationkit's own write-back once
        emu.reset_requests()
        with stopwatch() as quiet:
            _sync(ws)
        measures += [
            _requests("no change", f"requests, {label}", emu.request_count("people"), 1),
            Measure("no change", f"sync, {label}", quiet(), "s"),
        ]

        emu.reset_requests()
        with stopwatch() as relist:
            _sync(ws, full=True)
        measures += [
            _requests(
                "full re-listing",
                f"list requests, {label}",
                emu.request_count("people", LIST),
                math.ceil(n / 1000),
            ),
            Measure(
                "full re-listing",
                f"all requests, {label}",
                emu.request_count("people"),
                "requests",
                note="+1 label list",
            ),
            Measure("full re-listing", f"sync, {label}", relist(), "s"),
        ]
        connector = GoogleContactsConnector(ws, {})
        with stopwatch() as pull:
            connector.pull({}, full=True)
        measures.append(
            Measure(
                "full re-listing",
                f"connector pull alone, {label}",
                pull(),
                "s",
                note="listing and translating; the rest is the sync engine",
            )
        )

        for contact in list(ws.contacts())[:EDITS]:
            ws.update_contact(contact.id, company="Lee Gardens")
        emu.reset_requests()
        with stopwatch() as push:
            _sync(ws)
        measures += [
            _requests(
                "push", f"write requests, {EDITS:,} edits", _writes(emu), math.ceil(EDITS / 200)
            ),
            Measure(
                "push",
                f"read-before-write requests, {EDITS:,} edits",
                emu.request_count("people", "getBatchGet"),
                "requests",
            ),
            Measure("push", f"sync pushing {EDITS:,} edits", push(), "s"),
        ]
        measures += _stale_etags(emu, ws)
        measures.append(Measure("memory", "peak", peak_rss_mib(), "MiB"))
        ws.close()
        del os.environ[EMULATOR_ENV]
    return measures


def _stale_etags(emu: GoogleEmulator, ws: Workspace) -> list[Measure]:
    """200 local edits while the owner edits 20 of those contacts on the phone between
    relationkit's read and its write: Google refuses the request (stale etags), relationkit
    reads the 200 again, merges and writes them in the same sync, losing neither edit."""
    contacts = list(ws.contacts())[EDITS : EDITS + STALE_EDITS]
    for contact in contacts:
        ws.update_contact(contact.id, position="Owner")
    raced = [
        next(ref.external_id for ref in c.sources.values() if ref.connector == "google_contacts")
        for c in contacts[:RACED]
    ]

    def owner_edits() -> None:
        for name in raced:
            emu.people.edit_person(name, {"biographies": [{"value": "Call after 5"}]})

    emu.inject_fault("people", "batchUpdateContacts", before=owner_edits)
    emu.reset_requests()
    with stopwatch() as took:
        report = _sync(ws)
    raced_ids = {c.id for c in contacts[:RACED]}
    lost = 0
    for contact in contacts:
        now = ws.get_contact(contact.id)
        lost += now.position != "Owner"
        lost += contact.id in raced_ids and now.notes != "Call after 5"
    for name in raced:
        person = emu.people.person(name)
        lost += (person.get("biographies") or [{}])[0].get("value") != "Call after 5"
        lost += (person.get("organizations") or [{}])[0].get("title") != "Owner"
    group = "stale etags"
    what = f"{STALE_EDITS} edits, {RACED} raced"
    return [
        Measure(group, f"edits lost, {what}", lost, "edits", target="= 0", met=lost == 0),
        Measure(
            group,
            f"failed in the sync, {what}",
            report.connectors["google_contacts"].errors,  # type: ignore[attr-defined]
            "contacts",
            target="= 0",
            met=report.connectors["google_contacts"].errors == 0,  # type: ignore[attr-defined]
        ),
        Measure(
            group,
            f"write requests, {what}",
            _writes(emu),
            "requests",
            note="the refused request, then one for the 200 merged",
        ),
        Measure(group, f"all requests, {what}", emu.request_count("people"), "requests"),
        Measure(group, f"sync, {what}", took(), "s"),
    ]


def main() -> None:
    quick = "--quick" in sys.argv
    for m in run(quick):
        verdict = "" if m.met is None else ("  ok" if m.met else "  MISSED")
        print(f"{m.group:16} {m.name:44} {m.shown():>14} {m.target}{verdict}")


if __name__ == "__main__":
    main()
