"""Hypothesis: whatever the owner does to the customer sheet between syncs (type a new customer,
copy a row and paste it as a new row, retype a row as someone else, sort only some columns,
delete a row, clear an id cell, type a note), the syncs that follow never move a purchase or an
interaction to another person, never give a customer another customer's name or email, and
never lose a value the sheet held before the sync: it is in relationkit or still in the sheet
(a held row keeps what was typed; docs/google-sheets.md, "A row is a person, not an id").
"""

from __future__ import annotations

import itertools
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

import relationkit
from relationkit.config import Config
from relationkit.sync.engine import SyncEngine
from relationkit.testing import GoogleEmulator
from relationkit.workspace import Workspace
from relationkit_google_sheets import GoogleSheetsConnector
from relationkit_google_sheets.setup import init

TAB = "Contacts"
PICK = st.integers(0, 11)  # which data row (modulo their number): draws never depend on the sheet
CUSTOMERS = ("Ann Lee", "Bob Day", "Cy Ames", "Di Moss")
NEWCOMERS = ("Eve Park", "Fay Dunn", "Gus Hale", "Hal Birch")
NOTES = ("likes roses", "wants tulips", "call Monday", "")
# The columns the owner types into (headers of `sheets init`'s Contacts tab).
IDENTITY = ("Name", "First name", "Last name", "Email", "Phone")


def _email(name: str) -> str:
    return f"{name.split()[0].lower()}@example.com"


def _phone(index: int) -> str:
    return f"+1415555{index:04d}"


class SheetOwnerMachine(RuleBasedStateMachine):
    """The owner's hands on one sheet, synced with one workspace."""

    def __init__(self, emu: GoogleEmulator, folder: Path) -> None:
        super().__init__()
        self.emu = emu
        url = f"sqlite:///{folder / 'crm.db'}"
        self.ws: Workspace = relationkit.open(url, config=Config(db_url=url))
        self.spreadsheet_id, self.sheet_ids = init(emu.gspread_client().http_client, "Customers")
        self.owner_of: dict[str, str] = {}  # purchase / interaction id -> contact id
        self.identity: dict[str, tuple[str, str]] = {}  # contact id -> (name, email) as made

    # -- the owner's hands ---------------------------------------------------------------------

    def header(self) -> list[str]:
        return [str(h) for h in self.values()[0]]

    def values(self) -> list[list[Any]]:
        return self.emu.sheets.get_values(self.spreadsheet_id, TAB, render="UNFORMATTED_VALUE")

    def data_rows(self) -> list[int]:
        """The 1-based numbers of the non-blank data rows."""
        return [
            n
            for n, cells in enumerate(self.values(), start=1)
            if n > 1 and any(str(c).strip() for c in cells)
        ]

    def cell(self, header: str, number: int) -> str:
        return f"{chr(ord('A') + self.header().index(header))}{number}"

    def type(self, number: int, values: dict[str, Any]) -> None:
        for header, value in values.items():
            self.emu.sheets.owner_edit(self.spreadsheet_id, TAB, self.cell(header, number), value)

    def person(self, name: str, note: str) -> dict[str, Any]:
        given, family = name.split()
        index = (CUSTOMERS + NEWCOMERS).index(name)
        return {
            "Name": name,
            "First name": given,
            "Last name": family,
            "Email": _email(name),
            "Phone": _phone(index),
            "Notes": note,
        }

    def sync(self) -> Any:
        connector = GoogleSheetsConnector(
            self.ws, {"spreadsheet_id": self.spreadsheet_id, "sheet_ids": self.sheet_ids}
        )
        try:
            return SyncEngine(self.ws).run([connector])
        finally:
            connector.close()

    # -- rules ---------------------------------------------------------------------------------

    @initialize()
    def customers(self) -> None:
        for index, name in enumerate(CUSTOMERS):
            contact = self.ws.add_contact(
                name, email=_email(name), phone=_phone(index), notes=NOTES[index]
            )
            self.identity[contact.id] = (name, _email(name))
            purchase = self.ws.record_purchase(contact.id, 10 + index, on=date(2024, 3, 1))
            talk = self.ws.record_interaction(contact.id, summary=f"talk {index}")
            self.owner_of[purchase.id] = self.owner_of[talk.id] = contact.id
        assert self.sync().ok
        # Rows in name order (ids are random): the same steps act on the same rows every run.
        self.emu.sheets.sort_rows(self.spreadsheet_id, TAB, "A")
        assert self.sync().ok

    @rule(then_sync=st.booleans(), name=st.sampled_from(NEWCOMERS), note=st.sampled_from(NOTES))
    def type_a_new_customer(self, name: str, note: str, then_sync: bool) -> None:
        cells = self.person(name, note)
        line = [cells.get(h) for h in self.header()]
        self.emu.sheets.set_values(self.spreadsheet_id, TAB, [line], f"A{len(self.values()) + 1}")
        self.then(then_sync)

    @rule(then_sync=st.booleans(), pick=PICK, below=st.booleans())
    def copy_a_row_and_paste_it_as_a_new_row(self, pick: int, below: bool, then_sync: bool) -> None:
        if rows := self.data_rows():
            number = rows[pick % len(rows)]
            copy = list(self.values()[number - 1])
            self.emu.sheets.insert_rows(self.spreadsheet_id, TAB, number + below, [copy])
        self.then(then_sync)

    @rule(
        then_sync=st.booleans(),
        pick=PICK,
        name=st.sampled_from(NEWCOMERS),
        note=st.sampled_from(NOTES),
    )
    def retype_a_row_as_someone_else(
        self, pick: int, name: str, note: str, then_sync: bool
    ) -> None:
        if rows := self.data_rows():
            self.type(rows[pick % len(rows)], self.person(name, note))
        self.then(then_sync)

    @rule(then_sync=st.booleans(), pick=PICK, note=st.sampled_from(NOTES))
    def type_a_note(self, pick: int, note: str, then_sync: bool) -> None:
        if rows := self.data_rows():
            self.type(rows[pick % len(rows)], {"Notes": note})
        self.then(then_sync)

    @rule(then_sync=st.booleans(), width=st.sampled_from((1, 4, 5)), descending=st.booleans())
    def sort_only_some_columns(self, width: int, descending: bool, then_sync: bool) -> None:
        """Data > Sort range over columns A to the ``width``-th only (the id column left out),
        by Email when the range has it, else by Name."""
        rows = self.data_rows()
        if len(rows) > 1:
            tab = self.emu.sheets.spreadsheet(self.spreadsheet_id).sheets[0]
            assert tab.title == TAB
            key = self.header().index("Email" if width > 3 else "Name")
            order = "DESCENDING" if descending else "ASCENDING"
            bounds = {"sheetId": tab.id, "startRowIndex": 1, "endRowIndex": rows[-1]}
            bounds |= {"startColumnIndex": 0, "endColumnIndex": width}
            sort = {"range": bounds, "sortSpecs": [{"dimensionIndex": key, "sortOrder": order}]}
            self.emu.sheets.batch_update(self.spreadsheet_id, [{"sortRange": sort}])
        self.then(then_sync)

    @rule(then_sync=st.booleans(), pick=PICK)
    def delete_a_row(self, pick: int, then_sync: bool) -> None:
        if rows := self.data_rows():
            self.emu.sheets.delete_rows(self.spreadsheet_id, TAB, rows[pick % len(rows)])
        self.then(then_sync)

    @rule(then_sync=st.booleans(), pick=PICK)
    def clear_an_id_cell(self, pick: int, then_sync: bool) -> None:
        if rows := self.data_rows():
            self.type(rows[pick % len(rows)], {"relationkit id": ""})
        self.then(then_sync)

    def then(self, sync: bool) -> None:
        if sync:
            self.sync_and_check()

    @rule()
    def sync_and_check(self) -> None:
        header = self.header()
        typed = {
            (h, str(cells[header.index(h)]))
            for cells in self.values()[1:]
            for h in ("Name", "Email", "Notes")
            if header.index(h) < len(cells) and str(cells[header.index(h)]).strip()
        }
        report = self.sync()
        assert not any(c.failed for c in report.connectors.values()), report.messages
        contacts = self.ws.contacts()
        sheet = {
            (h, str(cells[header.index(h)]))
            for cells in self.values()[1:]
            for h in ("Name", "Email", "Notes")
            if header.index(h) < len(cells)
        }
        for header_name, value in typed - sheet:
            kept = {
                "Name": lambda c, v=value: c.name == v,
                "Email": lambda c, v=value: v.lower() in c.emails,
                "Notes": lambda c, v=value: v in c.notes,
            }[header_name]
            assert any(kept(c) for c in contacts), f"{header_name} {value!r} was lost"

    # -- what must always hold -----------------------------------------------------------------

    @invariant()
    def history_stays_with_its_person(self) -> None:
        records = [*self.ws.purchases(), *self.ws.interactions()]
        mine = {r.id: r.contact_id for r in records if r.id in self.owner_of}
        assert mine == self.owner_of

    @invariant()
    def nobody_becomes_someone_else(self) -> None:
        for contact_id, (name, email) in self.identity.items():
            contact = self.ws.get_contact(contact_id)
            assert (contact.name, contact.emails[:1]) == (name, [email])

    def teardown(self) -> None:
        self.ws.close()


@pytest.mark.slow
def test_owner_edits_to_the_sheet_never_move_or_lose_anything(
    google_emulator: GoogleEmulator,
    template_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RELATIONKIT_RETRY_ATTEMPTS", "2")
    examples = itertools.count()

    def machine() -> SheetOwnerMachine:
        google_emulator.reset()
        folder = tmp_path / f"example-{next(examples)}"
        folder.mkdir()
        shutil.copy(template_db, folder / "crm.db")
        return SheetOwnerMachine(google_emulator, folder)

    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=6,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
