"""Helpers for the playbook tests: contacts with consent, purchases, and running one rule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from relationkit.followups import generate
from relationkit.followups.rules import builtin_rules
from relationkit.models import Address, Channel, Consent, Contact, FollowUp
from relationkit.workspace import Workspace

TODAY = date(2026, 5, 11)  # a Monday


def person(
    ws: Workspace,
    name: str,
    *,
    email: str | None = "",
    phone: str = "",
    street: str = "",
    preferred: Channel | None = None,
    marketing: bool | None = True,
    do_not_contact: bool = False,
    channels: tuple[Channel, ...] = (),
    **fields: Any,
) -> Contact:
    """A saved contact; by default reachable by email and agreeing to marketing."""
    if email == "":
        email = name.lower().replace(" ", ".") + "@example.com"
    contact = Contact(
        display_name=name,
        emails=[email] if email else [],
        phones=[phone] if phone else [],
        address=Address(street=street, city="Springfield") if street else None,
        preferred_channel=preferred,
        consent=Consent(
            marketing=marketing, do_not_contact=do_not_contact, channels=list(channels)
        ),
        **fields,
    )
    ws.save_contact(contact)
    return contact


def buy(
    ws: Workspace,
    contact: Contact,
    amount: float,
    days_ago: int,
    category: str = "",
    items: str = "",
) -> None:
    """A purchase ``days_ago`` days before :data:`TODAY`."""
    ws.record_purchase(
        contact, amount, on=TODAY - timedelta(days=days_ago), category=category, items=items
    )


def only(ws: Workspace, rule: str, **settings: Any) -> None:
    """Switch every built-in rule off except ``rule`` (with these settings)."""
    ws.config.playbook = {r.name: {"enabled": False} for r in builtin_rules()}
    ws.config.playbook[rule] = settings


def run(ws: Workspace, rule: str, today: date = TODAY, **settings: Any) -> list[FollowUp]:
    """Only ``rule`` generates as of ``today``; the follow-ups it created."""
    only(ws, rule, **settings)
    result = generate(ws, today)
    assert not result.failed
    return result.created


def names(ws: Workspace, followups: list[FollowUp]) -> list[str]:
    return sorted(ws.get_contact(f.contact_id).name for f in followups)
