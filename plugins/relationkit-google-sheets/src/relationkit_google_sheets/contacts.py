"""Contacts rows: which model field each column holds, reading a row, writing fields back.

Fields that a sheet shows only in part (``address`` as street/city/... columns, ``consent`` as
marketing and do-not-contact columns, ``custom`` as one column per key, ``external_ids`` as one
column per kind, such as ``Customer number``) are read *over* the
value relationkit has (``base``): the parts without a column keep relationkit's value, so a
sheet never reads as having cleared what it cannot show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from relationkit.errors import InvalidValue
from relationkit.identity import external_ids
from relationkit.parsing import parse_channel, parse_tags
from relationkit.sync.values import clean_contact_fields

from .cells import (
    Cell,
    is_blank,
    one_line,
    read_bool,
    read_partial_date,
    text,
    write_partial_date,
)
from .table import Row, Table

_TEXT = {
    "name": "display_name",
    "given_name": "given_name",
    "middle_name": "middle_name",
    "family_name": "family_name",
    "nickname": "nickname",
    "company": "company",
    "position": "position",
    "notes": "notes",
    "linkedin_url": "linkedin_url",
}
_LISTS = {"email": "emails", "phone": "phones", "tags": "tags", "interests": "interests"}
_DATES = frozenset({"birthday", "anniversary"})
_ADDRESS = {
    "address": "street",
    "street": "street",
    "extended": "extended",
    "city": "city",
    "region": "region",
    "postal_code": "postal_code",
    "country": "country",
}
_CONSENT = frozenset({"marketing", "do_not_contact"})
_EMAIL_SPLIT = re.compile(r"[;,\s]+")
_PHONE_SPLIT = re.compile(r"[;\n]+")
_EMPTY_ADDRESS = dict.fromkeys(
    ("street", "extended", "city", "region", "postal_code", "country", "label"), ""
)
_EMPTY_CONSENT: dict[str, Any] = {
    "marketing": None,
    "given_at": None,
    "source": "",
    "do_not_contact": False,
    "channels": [],
}

# Every Contact field a sheet can carry (a given sheet carries those it has columns for).
SHEET_FIELDS = frozenset(
    {*_TEXT.values(), *_LISTS.values(), *_DATES, "preferred_channel", "address", "consent",
     "external_ids", "custom"}
)  # fmt: skip
OVERLAID = frozenset({"address", "consent", "external_ids", "custom"})
_EXTERNAL = "external_id:"  # column targets external_id:<kind> (importers.map_headers)
# The sync's own columns: never a customer's field (not even a custom one).
_OWN_COLUMNS = frozenset({"id", "problems"})


@dataclass
class ContactColumns:
    """Which columns hold which field (``parts`` for fields shown in several columns)."""

    columns: dict[str, list[int]] = field(default_factory=dict)  # field -> its columns
    parts: dict[int, str] = field(default_factory=dict)  # column -> part / custom key
    headers: dict[str, str] = field(default_factory=dict)  # field -> header (for problems)

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.columns)

    @classmethod
    def of(cls, table: Table) -> ContactColumns:
        layout = cls()
        taken: set[str] = set()
        for index in sorted(table.columns):
            target = table.columns[index]
            if target in _OWN_COLUMNS:
                continue
            header = table.header[index] if index < len(table.header) else ""
            name, part = _field_of(target)
            key = f"{name}:{part}"
            if name is None or (key in taken and name not in ("emails", "phones")):
                name, part = "custom", header or f"column {index + 1}"
                if f"custom:{part}" in taken:  # a second column of that name keeps its own
                    part = f"{part} (column {index + 1})"
                key = f"custom:{part}"
            taken.add(key)
            layout.columns.setdefault(name, []).append(index)
            layout.parts[index] = part
            layout.headers.setdefault(name, header)
        return layout

    # -- reading ---------------------------------------------------------------------------------

    def read(
        self, row: Row, *, region: str, base: Mapping[str, Any], where: str
    ) -> tuple[dict[str, Any], list[InvalidValue]]:
        """The row's fields in JSON form and what could not be read (left out of the fields).

        ``base`` holds relationkit's JSON values of ``address``, ``consent`` and ``custom``.
        """
        raw: dict[str, Any] = {}
        problems: list[InvalidValue] = []
        for name, indexes in self.columns.items():
            try:
                cells = [row.get(i) for i in indexes]
                raw[name] = self._read_field(name, cells, indexes, base, region)
            except InvalidValue as exc:
                problems.append(InvalidValue(name, exc.value, exc.why, where))
        clean, more = clean_contact_fields(raw, region=region, where=where)
        return clean, problems + more

    def _read_field(
        self,
        name: str,
        cells: list[Any],
        indexes: list[int],
        base: Mapping[str, Any],
        region: str,
    ) -> Any:
        if name in ("emails", "phones"):
            splitter = _EMAIL_SPLIT if name == "emails" else _PHONE_SPLIT
            return [p.strip() for c in cells for p in splitter.split(text(c)) if p.strip()]
        if name in ("tags", "interests"):
            return parse_tags(text(cells[0]))
        if name in _DATES:
            return read_partial_date(cells[0], region)
        if name == "preferred_channel":
            return None if is_blank(cells[0]) else parse_channel(text(cells[0])).value
        if name == "notes":
            return text(cells[0]).replace("\r\n", "\n")
        if name == "address":
            address = {**_EMPTY_ADDRESS, **(base.get("address") or {})}
            for index, cell in zip(indexes, cells, strict=True):
                address[self.parts[index]] = one_line(cell)
            return None if not any(address.values()) else address
        if name == "consent":
            return self._consent(cells, indexes, base.get("consent") or _EMPTY_CONSENT)
        if name == "external_ids":
            return self._external_ids(cells, indexes, base.get("external_ids") or [])
        if name == "custom":
            custom = dict(base.get("custom") or {})
            for index, cell in zip(indexes, cells, strict=True):
                if is_blank(cell):
                    custom.pop(self.parts[index], None)
                else:
                    custom[self.parts[index]] = text(cell)
            return custom
        return one_line(cells[0])

    def _external_ids(self, cells: list[Any], indexes: list[int], base: list[Any]) -> Any:
        """Relationkit's ids, those of each column's kind replaced by what the column says."""
        shown = {self.parts[index]: text(cell) for index, cell in zip(indexes, cells, strict=True)}
        kept = [item for item in base if item["kind"] not in shown]
        read = [
            {"kind": item.kind, "value": item.value}
            for kind, cell in shown.items()
            for item in external_ids(kind, cell)
        ]
        return kept + read

    def _consent(self, cells: list[Any], indexes: list[int], base: Mapping[str, Any]) -> Any:
        consent = {**_EMPTY_CONSENT, **base}
        for index, cell in zip(indexes, cells, strict=True):
            part = self.parts[index]
            try:
                value = read_bool(cell)
            except InvalidValue as exc:
                raise InvalidValue("consent", cell, exc.why) from None
            if part == "do_not_contact":
                consent["do_not_contact"] = bool(value)
            elif value != consent["marketing"]:
                consent.update(marketing=value, given_at=None, source="google_sheets")
        return consent

    # -- writing ---------------------------------------------------------------------------------

    def cells_of(self, name: str, value: Any) -> dict[int, Cell]:
        """The cells showing field ``name`` with JSON value ``value``."""
        indexes = self.columns[name]
        if name in ("emails", "phones"):
            items = [str(v) for v in value or []]
            cells: dict[int, Cell] = {}
            for position, index in enumerate(indexes):
                last = position == len(indexes) - 1
                chunk = items[position:] if last else items[position : position + 1]
                cells[index] = "; ".join(chunk)
            return cells
        if name in ("tags", "interests"):
            return {indexes[0]: ", ".join(value or [])}
        if name in _DATES:
            return {indexes[0]: write_partial_date(value)}
        if name == "address":
            return {i: (value or {}).get(self.parts[i], "") or "" for i in indexes}
        if name == "consent":
            consent = value or _EMPTY_CONSENT
            marketing = consent.get("marketing")
            return {
                i: bool(consent.get("do_not_contact"))
                if self.parts[i] == "do_not_contact"
                else ("" if marketing is None else "yes" if marketing else "no")
                for i in indexes
            }
        if name == "external_ids":
            return {
                i: "; ".join(x["value"] for x in value or [] if x["kind"] == self.parts[i])
                for i in indexes
            }
        if name == "custom":
            return {i: (value or {}).get(self.parts[i], "") for i in indexes}
        return {indexes[0]: "" if value is None else str(value)}

    def writes(
        self,
        row: Row,
        wanted: Mapping[str, Any],
        names: list[str],
        *,
        region: str,
        skip: set[str],
    ) -> dict[int, Cell]:
        """The cells to write so that ``row`` shows ``wanted`` for ``names``.

        A field whose cells already read as the wanted value is left as the owner typed it
        (a phone written its own way); fields in ``skip`` (unreadable there) are never
        overwritten.
        """
        current, _ = self.read(row, region=region, base=wanted, where="")
        writes: dict[int, Cell] = {}
        for name in names:
            if name not in self.columns or name in skip or current.get(name) == wanted.get(name):
                continue
            for index, cell in self.cells_of(name, wanted.get(name)).items():
                # As text: a date or number cell of the owner's already showing the value is
                # left alone, not rewritten as text (``45292`` is the same as ``"45292"``).
                if text(row.get(index)) != text(cell):
                    writes[index] = cell
        return writes


def synced_as(target: str) -> str | None:
    """The contact field a column mapped to ``target`` syncs, or None when a sheet column for
    it is not synced (the column is then kept as a custom field)."""
    return _field_of(target)[0]


def _field_of(target: str) -> tuple[str | None, str]:
    if target.startswith("custom:"):
        return "custom", target[7:]
    if target.startswith(_EXTERNAL):
        return "external_ids", target[len(_EXTERNAL) :]
    if target in _TEXT:
        return _TEXT[target], ""
    if target in _LISTS:
        return _LISTS[target], ""
    if target in _DATES or target == "preferred_channel":
        return target, ""
    if target in _ADDRESS:
        return "address", _ADDRESS[target]
    if target in _CONSENT:
        return "consent", target
    return None, ""
