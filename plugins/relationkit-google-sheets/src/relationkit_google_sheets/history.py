"""Purchases, Interactions and Follow-ups rows: reading them and writing what relationkit has.

Purchases and interactions are history: a row the owner types becomes a record once (its
customer named by email, phone or relationkit id); relationkit's records get a row each.
Follow-ups are relationkit's suggestions: the owner ticks **Done** (a **Note** becomes the
interaction's summary), types a **Snooze until** date or changes **Status** / **Due**.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from relationkit.errors import InvalidValue, NotFound
from relationkit.models import Channel, FollowUpStatus, InteractionKind
from relationkit.parsing import parse_date, purchase_fields
from relationkit.workspace import Workspace

from .cells import Cell, is_blank, read_bool, read_partial_date, text, write_partial_date
from .table import Row, Table

_CUSTOMER_TARGETS = ("customer", "email", "phone", "name")
LINKEDIN_RULE = "linkedin_connect"  # the LinkedIn plugin's rule: its follow-ups go to LinkedIn
_CHANNEL_KIND = {
    Channel.EMAIL: InteractionKind.EMAIL,
    Channel.PHONE: InteractionKind.CALL,
    Channel.SMS: InteractionKind.SMS,
    Channel.POST: InteractionKind.LETTER,
    Channel.IN_PERSON: InteractionKind.VISIT,
}
# Model field -> the column target holding it, per tab role.
_COLUMNS = {
    "purchases": {
        "date": "date",
        "amount": "amount",
        "currency": "currency",
        "category": "category",
        "items": "items",
        "note": "note",
    },
    "interactions": {"date": "date", "kind": "kind", "summary": "summary"},
    "linkedin": {"due": "due", "reason": "reason", "note": "note", "status": "status"},
    "followups": {
        "due": "due",
        "title": "title",
        "reason": "reason",
        "channel": "channel",
        "status": "status",
        "snoozed_until": "snoozed_until",
        "note": "note",
    },
}
_DATES = frozenset({"date", "due", "snoozed_until"})


def customer_column(table: Table) -> int | None:
    for target in _CUSTOMER_TARGETS:
        index = table.column_of(target)
        if index is not None:
            return index
    return None


class Customers:
    """Finds the customer a history row names: by id, email, phone or LinkedIn URL, in
    relationkit or among this pull's Contacts rows (a customer added in the same sync)."""

    def __init__(self, workspace: Workspace, rows: Mapping[str, str]) -> None:
        self.workspace = workspace
        self.rows = rows  # an id or lower-cased email on the Contacts tab -> that row's id
        self.cache: dict[str, dict[str, str]] = {}

    def find(self, ref: str) -> dict[str, str]:
        """``{"contact_id": ...}`` or ``{"contact_external_id": ...}``; raises InvalidValue."""
        if ref not in self.cache:
            self.cache[ref] = self._find(ref)
        return self.cache[ref]

    def _find(self, ref: str) -> dict[str, str]:
        try:
            return {"contact_id": self.workspace.get_contact(ref).id}
        except NotFound:
            pass
        external = self.rows.get(ref) or self.rows.get(ref.lower())
        if external:
            return {"contact_external_id": external}
        raise InvalidValue(
            "customer", ref, "no customer has this email, phone or id; add them to Contacts"
        )

    def shown(self, contact_id: str) -> dict[str, str]:
        """How rows name a customer, by column target: ``customer`` (their email, else phone,
        else relationkit id) and, for the LinkedIn tab, ``name``, ``linkedin`` and ``company``.
        """
        try:
            contact = self.workspace.get_contact(contact_id)
        except NotFound:
            return {"customer": contact_id, "name": contact_id}
        return {
            "customer": contact.email or contact.phone or contact.id,
            "name": contact.name,
            "linkedin": contact.linkedin_url,
            "company": contact.company,
        }


def read_purchase(
    table: Table, row: Row, customers: Customers, *, region: str, currency: str, source: str
) -> tuple[dict[str, Any] | None, list[InvalidValue]]:
    """A purchase row's fields (None when it cannot be recorded) and its problems."""
    loose = {t: row.get(i) for i, t in table.columns.items() if not t.startswith("custom:")}
    purchase, problems = purchase_fields(loose, region=region, currency=currency, source=source)
    who = _customer(table, row, customers, problems)
    if purchase is None or who is None:
        return None, problems
    return {
        **who,
        "date": purchase.date.isoformat(),
        "amount": str(purchase.amount),
        "currency": purchase.currency,
        "category": purchase.category,
        "items": purchase.items,
        "note": purchase.note,
    }, problems


def read_interaction(
    table: Table, row: Row, customers: Customers, *, region: str
) -> tuple[dict[str, Any] | None, list[InvalidValue]]:
    """An interaction row's fields (None when it cannot be recorded) and its problems."""
    problems: list[InvalidValue] = []
    who = _customer(table, row, customers, problems)
    fields: dict[str, Any] = {"summary": text(row.get(table.column_of("summary")))}
    try:
        fields["date"] = parse_date(row.get(table.column_of("date")), region=region).isoformat()
    except InvalidValue as exc:
        problems.append(InvalidValue("date", exc.value, exc.why))
    kind = text(row.get(table.column_of("kind"))).lower()
    if kind and kind not in InteractionKind.__members__.values():
        choices = ", ".join(k.value for k in InteractionKind)
        problems.append(InvalidValue("kind", kind, f"is not a kind we know; use one of {choices}"))
    else:
        fields["kind"] = kind or InteractionKind.NOTE.value
    if who is None or "date" not in fields or "kind" not in fields:
        return None, problems
    return {**who, **fields}, problems


def read_followup(
    table: Table, row: Row, *, region: str
) -> tuple[dict[str, Any], list[InvalidValue]]:
    """The owner's decisions on a follow-up row: status, due, snoozed_until and note."""
    problems: list[InvalidValue] = []
    fields: dict[str, Any] = {}
    dates: dict[str, str | None] = {}
    for name in ("due", "snoozed_until"):
        index = table.column_of(name)
        if index is None:
            continue
        try:
            dates[name] = read_partial_date(row.get(index), region)
            if dates[name] and dates[name].startswith("--"):  # type: ignore[union-attr]
                raise InvalidValue(name, row.get(index), "has no year")
        except InvalidValue as exc:
            problems.append(InvalidValue(name, exc.value, exc.why))
            dates.pop(name, None)
    if dates.get("due"):
        fields["due"] = dates["due"]
    if "snoozed_until" in dates:
        fields["snoozed_until"] = dates["snoozed_until"]
    note_col = table.column_of("note")
    if note_col is not None:
        fields["note"] = text(row.get(note_col))
    status = _status(table, row, problems)
    if status is not None:
        if status == FollowUpStatus.OPEN and fields.get("snoozed_until"):
            status = FollowUpStatus.SNOOZED
        fields["status"] = status.value
    return fields, problems


def _status(table: Table, row: Row, problems: list[InvalidValue]) -> FollowUpStatus | None:
    done_col, status_col = table.column_of("done"), table.column_of("status")
    try:
        if done_col is not None and read_bool(row.get(done_col)):
            return FollowUpStatus.DONE
    except InvalidValue as exc:
        problems.append(InvalidValue("done", exc.value, "tick the box, or write yes or no"))
    typed = text(row.get(status_col)).lower()
    if not typed:
        return FollowUpStatus.OPEN if status_col is not None else None
    try:
        status = FollowUpStatus(typed)
    except ValueError:
        choices = ", ".join(s.value for s in FollowUpStatus)
        problems.append(InvalidValue("status", typed, f"use one of {choices}"))
        return None
    # An unticked Done box on a row that said done reopens it.
    return FollowUpStatus.OPEN if status == FollowUpStatus.DONE and done_col is not None else status


def interaction_kind(channel: str | None, rule: str = "") -> str:
    """The kind of interaction completing a follow-up of ``rule`` sent through ``channel``."""
    if rule == LINKEDIN_RULE:
        return InteractionKind.SOCIAL.value
    kind = _CHANNEL_KIND.get(Channel(channel)) if channel else None
    return (kind or InteractionKind.OTHER).value


def _customer(
    table: Table, row: Row, customers: Customers, problems: list[InvalidValue]
) -> dict[str, str] | None:
    ref = ""
    for target in _CUSTOMER_TARGETS:
        index = table.column_of(target)
        if index is not None and not is_blank(row.get(index)):
            ref = text(row.get(index))
            break
    if not ref:
        problems.append(InvalidValue("customer", "", "names no customer: add their email"))
        return None
    try:
        return customers.find(ref)
    except InvalidValue as exc:
        problems.append(exc)
        return None


def history_cells(
    role: str,
    table: Table,
    fields: Mapping[str, Any],
    names: list[str],
    shown: Callable[[str], dict[str, str]],
) -> dict[int, Cell]:
    """The cells showing ``names`` of a purchase, interaction or follow-up (JSON values)."""
    cells: dict[int, Cell] = {}
    columns = _COLUMNS[role]
    for name in names:
        value = fields.get(name)
        if name == "contact_id":
            who = shown(str(value))
            if role == "linkedin":
                for target in ("name", "linkedin", "company"):
                    index = table.column_of(target)
                    if index is not None:
                        cells[index] = who.get(target, "")
            elif (index := customer_column(table)) is not None:
                cells[index] = who["customer"]
            continue
        index = table.column_of(columns[name]) if name in columns else None
        if name == "status":
            done = table.column_of("done")
            if done is not None:
                cells[done] = value == FollowUpStatus.DONE.value
        if index is None:
            continue
        if name in _DATES:
            cells[index] = write_partial_date(value) if value else ""
        elif name == "amount":
            amount = Decimal(str(value))
            cells[index] = int(amount) if amount == amount.to_integral() else float(amount)
        else:
            cells[index] = "" if value is None else str(value)
    return cells
