"""Named data sets for the emulator: ``GoogleEmulator(seed=...)``, ``relationkit emulator --seed``.

``SEEDS`` maps a name to a function that fills a running emulator:

- ``"empty"`` leaves it empty (a brand-new Google account);
- ``"demo"`` (:func:`demo`) loads Greenleaf Garden & Mower, the sample shop of
  :mod:`relationkit.testing.demo_business`: the owner's messy customer spreadsheet in Sheets and
  Drive, the address book in Google Contacts (a "Customers" label overlapping the sheet, plus a
  few private contacts), and an empty calendar. It returns a :class:`DemoSeed` with the ids the
  demo needs; on an emulator seeded by name, :func:`find_demo` finds them again. LinkedIn has no
  API for connections: its export file is written by :func:`write_connections_csv`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from relationkit.testing import demo_business
from relationkit.testing.demo_business import (
    CUSTOMER_GROUP,
    DEMO_TODAY,
    SPREADSHEET_TITLE,
    DemoBusiness,
)

if TYPE_CHECKING:
    from relationkit.testing.emulator.server import GoogleEmulator

# Google gives user labels opaque hex ids; a fixed one keeps the demo reproducible.
CUSTOMER_GROUP_ID = "3c9a5d1f0b7e2a44"


@dataclass(frozen=True)
class DemoSeed:
    """Where the demo data set lives in a seeded emulator."""

    spreadsheet_id: str
    customer_group: str  # resource name, "contactGroups/<id>"
    business: DemoBusiness


def empty(emulator: GoogleEmulator) -> None:
    """No spreadsheets, contacts or events: the state of a brand-new Google account."""


def demo(emulator: GoogleEmulator, today: date = DEMO_TODAY) -> DemoSeed:
    """Load the sample shop as of ``today`` (the same data every time for the same day)."""
    from relationkit.testing.emulator.people import ContactGroup

    business = demo_business.generate(today)
    with emulator.lock:
        spreadsheet_id = emulator.sheets.create_spreadsheet(
            SPREADSHEET_TITLE, demo_business.customer_sheet(business)
        )
        emulator.people.groups[CUSTOMER_GROUP_ID] = ContactGroup(
            CUSTOMER_GROUP_ID, CUSTOMER_GROUP, "USER_CONTACT_GROUP", emulator.clock.now()
        )
        customers, private = demo_business.google_contacts(business)
        member = {"contactGroupMembership": {"contactGroupId": CUSTOMER_GROUP_ID}}
        for person in customers:
            emulator.people.add_person({**person, "memberships": [member]})
        for person in private:
            emulator.people.add_person(person)
    return DemoSeed(spreadsheet_id, f"contactGroups/{CUSTOMER_GROUP_ID}", business)


def find_demo(emulator: GoogleEmulator, today: date = DEMO_TODAY) -> DemoSeed:
    """The :class:`DemoSeed` of an emulator started with ``seed="demo"`` (as of ``today``)."""
    for spreadsheet in emulator.sheets.spreadsheets():
        if spreadsheet.title == SPREADSHEET_TITLE:
            return DemoSeed(
                spreadsheet.id,
                f"contactGroups/{CUSTOMER_GROUP_ID}",
                demo_business.generate(today),
            )
    raise LookupError(f"no spreadsheet {SPREADSHEET_TITLE!r}: seed the emulator with 'demo' first")


def write_connections_csv(folder: Path, today: date = DEMO_TODAY) -> Path:
    """Write the shop owner's LinkedIn export, ``folder/Connections.csv``; its path."""
    path = Path(folder) / "Connections.csv"
    text = demo_business.connections_csv(demo_business.generate(today))
    path.write_text(text, encoding="utf-8", newline="")
    return path


SEEDS: dict[str, Callable[[GoogleEmulator], object]] = {"empty": empty, "demo": demo}
