"""Test helpers for the Google Sheets plugin: the spreadsheet owner's hands on the emulator.

Written independently of the connector's own column handling, so the tests check it rather
than echo it. Rows the owner adds carry a ``Ref`` (a column relationkit keeps as a custom field)
so a test can find them again after a sort or after relationkit gave them an id.
"""

from __future__ import annotations

import uuid
from typing import Any

from relationkit.sync.contract import Kind
from relationkit.testing import GoogleEmulator

CONTACTS = "Contacts"
ID = "relationkit id"


class SheetRemote:
    """Acts on the Contacts tab as its owner would (RemoteHandle of the contract suite)."""

    def __init__(self, emulator: GoogleEmulator, spreadsheet_id: str, tab: str = CONTACTS) -> None:
        self.emu = emulator
        self.sid = spreadsheet_id
        self.tab = tab

    # -- raw access ------------------------------------------------------------------------------

    def values(self) -> list[list[Any]]:
        return self.emu.sheets.get_values(self.sid, self.tab, render="UNFORMATTED_VALUE")

    def header(self) -> list[str]:
        return [str(h) for h in self.values()[0]]

    def column(self, header: str) -> int:
        return self.header().index(header)

    def records(self) -> list[dict[str, Any]]:
        """Every data row as ``{header: value}`` (blank rows left out)."""
        values = self.values()
        header = [str(h) for h in values[0]]
        rows = []
        for cells in values[1:]:
            if any(str(c).strip() for c in cells):
                rows.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)})
        return rows

    def row_number(self, key: str) -> int:
        """The 1-based row whose Ref or relationkit id is ``key``."""
        values = self.values()
        header = [str(h) for h in values[0]]
        for number, cells in enumerate(values, start=1):
            padded = cells + [""] * len(header)
            for name in ("Ref", ID):
                if name in header and str(padded[header.index(name)]) == key:
                    return number
        raise KeyError(key)

    def type_row(self, values: dict[str, Any]) -> int:
        """Type a new row below the last one; returns its row number."""
        header = self.header()
        number = len(self.values()) + 1
        cells = [values.get(h) for h in header]
        self.emu.sheets.set_values(self.sid, self.tab, [cells], start=f"A{number}")
        return number

    def type(self, number: int, header: str, value: Any) -> None:
        col = self.column(header)
        cell = f"{_letter(col)}{number}"
        self.emu.sheets.owner_edit(self.sid, self.tab, cell, value)

    # -- RemoteHandle ----------------------------------------------------------------------------

    def add(self, kind: Kind, fields: dict[str, Any]) -> str:
        # A letter first: typed into a sheet, '15e0820435' would be read as a number (1.5E+821).
        ref = "r" + uuid.uuid4().hex[:10]
        self.type_row({"Ref": ref, **_cells(fields)})
        return ref

    def edit(self, external_id: str, fields: dict[str, Any]) -> None:
        number = self.row_number(external_id)
        for header, value in _cells(fields).items():
            self.type(number, header, value)

    def delete(self, external_id: str) -> None:
        self.emu.sheets.delete_rows(self.sid, self.tab, self.row_number(external_id))

    def get(self, external_id: str) -> dict[str, Any] | None:
        return self.all().get(external_id)

    def all(self) -> dict[str, dict[str, Any]]:
        found = {}
        for record in self.records():
            key = str(record.get("Ref") or record.get(ID))
            # Email addresses are read case-insensitively, as relationkit's JSON form has them.
            cells = str(record.get("Email", "")).split(";")
            emails = [e.strip().lower() for e in cells if e.strip()]
            found[key] = {
                "display_name": str(record.get("Name", "")),
                "emails": emails,
                "company": str(record.get("Company", "")),
            }
        return found


def _cells(fields: dict[str, Any]) -> dict[str, Any]:
    cells = {}
    for name, value in fields.items():
        header = {"display_name": "Name", "emails": "Email", "company": "Company"}[name]
        cells[header] = "; ".join(value) if isinstance(value, list) else value
    return cells


def _letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
