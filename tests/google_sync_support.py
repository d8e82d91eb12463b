"""A shop wired to the three Google plugins on the emulator, and the owner's hands on each tool.

Shared by ``test_crash_safety_google.py`` and ``test_sync_state_machine_google.py``. The owner's
side is written against the emulator's owner helpers and the tools' documented layout (sheet
headers, People ``clientData``, Calendar ``extendedProperties.private``), independently of the
plugins' own mapping code, so the tests check the plugins rather than echo them.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import relationkit
from relationkit.config import load_config, update_config
from relationkit.testing import GoogleEmulator
from relationkit.workspace import Workspace
from relationkit_google_sheets.setup import init

LABEL = "Customers"
CONTACTS_TAB = "Contacts"
FOLLOWUPS_TAB = "Follow-ups"
PURCHASES_TAB = "Purchases"
ID = "relationkit id"
# Where the relationkit ids live in Google (docs/google-contacts.md, docs/google-calendar.md).
PEOPLE_ID_KEY = "relationkit_id"
EVENT_ID_KEY = "relationkit_followup"
CONNECTORS = ("google_sheets", "google_contacts", "google_calendar")
APIS = ("sheets", "people", "calendar")
# The sheet's header for each contact field the tests edit.
HEADERS = {"display_name": "Name", "emails": "Email", "company": "Company", "position": "Position"}
_SERIAL_DAY0 = date(1899, 12, 30)


def email_of(person: str) -> str:
    return f"{person}@example.com"


def name_of(person: str) -> str:
    return f"{person.title()} Example"


@dataclass
class Record:
    """One customer as a tool holds it: the relationkit id it carries, emails, company, position."""

    key: str  # the tool's own handle: a sheet row number or a People resource name
    relationkit_id: str
    emails: list[str]
    company: str
    position: str


class GoogleShop:
    """A folder with ``config.toml`` and ``crm.db`` syncing with a Google account on ``emu``."""

    def __init__(self, emu: GoogleEmulator, folder: Path) -> None:
        self.emu = emu
        self.folder = folder
        self.config_path = folder / "config.toml"
        self.db_url = f"sqlite:///{folder / 'crm.db'}"
        self.spreadsheet_id = ""
        self.group_id = ""

    def set_up(self, **connector_settings: dict[str, Any]) -> None:
        """A spreadsheet laid out by ``sheets init``, the Customers label, and the config file
        enabling the three connectors (plus ``connector_settings[name]``)."""
        self.spreadsheet_id, sheet_ids = init(self.emu.gspread_client().http_client, "Customers")
        self.group_id = self.emu.people.add_group(LABEL)
        tables = {
            "google_sheets": {"spreadsheet_id": self.spreadsheet_id, "sheet_ids": sheet_ids},
            "google_contacts": {"group": LABEL},
            "google_calendar": {},
        }
        for name, table in tables.items():
            update_config(
                f"connectors.{name}",
                {**table, **connector_settings.get(name, {})},
                self.config_path,
            )

    def open(self) -> Workspace:
        config = load_config(self.config_path)
        config.db_url = self.db_url
        return relationkit.open(self.db_url, config=config)

    def environment(self) -> dict[str, str]:
        """The environment of a ``relationkit sync`` subprocess on this shop and emulator."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("RELATIONKIT_")}
        return {
            **env,
            "RELATIONKIT_CONFIG": str(self.config_path),
            "RELATIONKIT_DATA_DIR": str(self.folder / "data"),
            "RELATIONKIT_DB": self.db_url,
            "RELATIONKIT_GOOGLE_EMULATOR": self.emu.url,
            "RELATIONKIT_RETRY_ATTEMPTS": "2",
        }

    @property
    def calendar_id(self) -> str | None:
        return load_config(self.config_path).connector("google_calendar").get("calendar_id")

    # -- the sheet -----------------------------------------------------------------------------

    def sheet_rows(self, tab: str = CONTACTS_TAB) -> list[tuple[int, dict[str, Any]]]:
        """Every non-blank data row of ``tab`` as (row number, {header: unformatted value})."""
        values = self.emu.sheets.get_values(self.spreadsheet_id, tab, render="UNFORMATTED_VALUE")
        header = [str(h) for h in values[0]]
        rows = []
        for number, cells in enumerate(values[1:], start=2):
            if any(str(c).strip() for c in cells):
                padded = list(cells) + [""] * (len(header) - len(cells))
                rows.append((number, dict(zip(header, padded, strict=False))))
        return rows

    def sheet_records(self) -> list[Record]:
        return [
            Record(
                key=str(number),
                relationkit_id=str(row[ID]),
                emails=[e.strip().lower() for e in str(row["Email"]).split(";") if e.strip()],
                company=str(row["Company"]),
                position=str(row["Position"]),
            )
            for number, row in self.sheet_rows()
        ]

    def sheet_row_of(self, email: str) -> int | None:
        found = [int(r.key) for r in self.sheet_records() if email in r.emails]
        assert len(found) <= 1, f"{len(found)} sheet rows have {email}"
        return found[0] if found else None

    def sheet_type_row(self, person: str, **fields: str) -> None:
        """The owner types a new customer below the last row (no relationkit id)."""
        header = [str(h) for h in self.emu.sheets.get_values(self.spreadsheet_id, CONTACTS_TAB)[0]]
        values = {"display_name": name_of(person), "emails": email_of(person), **fields}
        cells = {HEADERS[k]: v for k, v in values.items()}
        number = len(self.emu.sheets.get_values(self.spreadsheet_id, CONTACTS_TAB)) + 1
        self.emu.sheets.set_values(
            self.spreadsheet_id, CONTACTS_TAB, [[cells.get(h) for h in header]], f"A{number}"
        )

    def sheet_edit(self, email: str, field: str, value: str) -> None:
        """The owner types ``value`` into the ``field`` cell of the row with ``email``."""
        number = self.sheet_row_of(email)
        assert number is not None, f"no sheet row has {email}"
        header = [str(h) for h in self.emu.sheets.get_values(self.spreadsheet_id, CONTACTS_TAB)[0]]
        column = chr(ord("A") + header.index(HEADERS[field]))
        self.emu.sheets.owner_edit(self.spreadsheet_id, CONTACTS_TAB, f"{column}{number}", value)

    def sheet_delete(self, email: str) -> None:
        number = self.sheet_row_of(email)
        assert number is not None, f"no sheet row has {email}"
        self.emu.sheets.delete_rows(self.spreadsheet_id, CONTACTS_TAB, number)

    def sheet_sort(self, field: str, descending: bool) -> None:
        header = [str(h) for h in self.emu.sheets.get_values(self.spreadsheet_id, CONTACTS_TAB)[0]]
        self.emu.sheets.sort_rows(
            self.spreadsheet_id, CONTACTS_TAB, header.index(HEADERS[field]) + 1,
            descending=descending,
        )  # fmt: skip

    def sheet_ids(self, tab: str) -> list[str]:
        """The relationkit ids in ``tab``, one per row (blank for rows that have none)."""
        return [str(row.get(ID, "")) for _, row in self.sheet_rows(tab)]

    def sheet_followup_dues(self) -> dict[str, date]:
        """The Follow-ups tab: follow-up id to its Due date."""
        return {
            str(row[ID]): _day(row["Due"]) for _, row in self.sheet_rows(FOLLOWUPS_TAB) if row[ID]
        }

    # -- Google Contacts -----------------------------------------------------------------------

    def people_records(self) -> list[Record]:
        """Every contact under the Customers label."""
        records = []
        for name in self.emu.people.group_members(self.group_id):
            person = self.emu.people.person(name)
            client = {d.get("key"): d.get("value") for d in person.get("clientData") or []}
            organization = (person.get("organizations") or [{}])[0]
            records.append(
                Record(
                    key=name,
                    relationkit_id=str(client.get(PEOPLE_ID_KEY, "")),
                    emails=[e["value"].lower() for e in person.get("emailAddresses") or []],
                    company=organization.get("name", ""),
                    position=organization.get("title", ""),
                )
            )
        return records

    def people_of(self, email: str) -> str | None:
        found = [r.key for r in self.people_records() if email in r.emails]
        assert len(found) <= 1, f"{len(found)} Google contacts have {email}"
        return found[0] if found else None

    def people_add(self, person: str, **fields: str) -> None:
        """The owner adds a contact on their phone, under the Customers label."""
        given, _, family = name_of(person).partition(" ")
        body: dict[str, Any] = {
            "names": [{"givenName": given, "familyName": family}],
            "emailAddresses": [{"value": email_of(person), "type": "work"}],
            "memberships": [{"contactGroupMembership": {"contactGroupId": self.group_id}}],
        }
        organization = {k: v for k, v in (("name", fields.get("company")),
                        ("title", fields.get("position"))) if v}  # fmt: skip
        if organization:
            body["organizations"] = [organization]
        self.emu.people.add_person(body)

    def people_edit(self, email: str, field: str, value: str) -> None:
        """The owner changes the company or job title of the contact with ``email``."""
        name = self.people_of(email)
        assert name is not None, f"no Google contact has {email}"
        organizations = self.emu.people.person(name).get("organizations") or [{}]
        first = {k: v for k, v in organizations[0].items() if k != "metadata"}
        first[{"company": "name", "position": "title"}[field]] = value
        first = {k: v for k, v in first.items() if v}
        rest = [{k: v for k, v in o.items() if k != "metadata"} for o in organizations[1:]]
        self.emu.people.edit_person(name, {"organizations": ([first] if first else []) + rest})

    def people_delete(self, email: str) -> None:
        name = self.people_of(email)
        assert name is not None, f"no Google contact has {email}"
        self.emu.people.delete_person(name)

    # -- Google Calendar -----------------------------------------------------------------------

    def events(self) -> list[dict[str, Any]]:
        """The live events of relationkit's calendar (none before it exists)."""
        calendar = self.calendar_id
        return self.emu.calendar.events(calendar) if calendar else []

    def event_followups(self) -> Counter[str]:
        """How many live events each follow-up id has."""
        return Counter(_event_followup(e) for e in self.events())

    def event_of(self, followup_id: str) -> dict[str, Any]:
        (event,) = [e for e in self.events() if _event_followup(e) == followup_id]
        return event

    def move_event(self, followup_id: str, day: date) -> None:
        """The owner drags a follow-up's all-day event to ``day``."""
        event = self.event_of(followup_id)
        self.emu.calendar.owner_move_event(
            event["id"],
            {"date": day.isoformat()},
            {"date": (day + timedelta(days=1)).isoformat()},
            calendar_id=str(self.calendar_id),
        )

    def delete_event(self, followup_id: str) -> None:
        self.emu.calendar.owner_delete_event(
            self.event_of(followup_id)["id"], calendar_id=str(self.calendar_id)
        )

    # -- request counts ------------------------------------------------------------------------

    def writes(self) -> list[str]:
        """The operations of logged requests that may write (anything but GET)."""
        return [r.operation for r in self.emu.requests if r.method != "GET"]


def event_day(event: dict[str, Any]) -> date:
    return date.fromisoformat(event["start"]["date"])


def _event_followup(event: dict[str, Any]) -> str:
    private = (event.get("extendedProperties") or {}).get("private") or {}
    return str(private.get(EVENT_ID_KEY, ""))


def _day(value: Any) -> date:
    """A sheet date cell read unformatted: a serial number (day 0 = 1899-12-30) or ISO text."""
    if isinstance(value, int | float):
        return _SERIAL_DAY0 + timedelta(days=int(value))
    return date.fromisoformat(str(value))


def duplicates(values: list[str]) -> dict[str, int]:
    """The values that occur more than once, with their counts."""
    return {v: n for v, n in Counter(values).items() if n > 1}
