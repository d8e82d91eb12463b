"""Birthdays, anniversaries, other milestones and family birthdays, early enough for a card.

A date is suggested when it falls within ``lead_days`` plus a week from today, due ``lead_days``
before it (or today, when that is already past), so a weekly run never misses one. Dates
without a year work the same; a Feb 29 birthday is marked on Feb 28 in common years.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, ClassVar

from ...models import Channel, Contact, FollowUp, PartialDate
from ..context import PlaybookContext
from ..rule import fitting_title
from ..wording import day, plural


class SpecialDates:
    name: ClassVar[str] = "special_dates"
    title: ClassVar[str] = "Birthdays, anniversaries and milestones"
    defaults: ClassVar[dict[str, Any]] = {
        "lead_days": 7,
        "birthdays": True,
        "anniversaries": True,
        "milestones": True,
        "family": True,
        "minutes": 5,
        "value": 10.0,  # value: this, plus a share of 12-month spend
        "value_share": 0.02,
        "birthday_title": "Send {name} a birthday card",
        "anniversary_title": "Send {name} an anniversary card",
        "milestone_title": "Congratulate {name}: {label}",
        "family_title": "Send a birthday card for {member}, {name}'s {relation}",
        # When the card cannot go by post (they prefer email, no address known):
        "birthday_other_title": "Wish {name} a happy birthday",
        "anniversary_other_title": "Wish {name} a happy anniversary",
        "milestone_other_title": "Congratulate {name}: {label}",
        "family_other_title": "Wish {member}, {name}'s {relation}, a happy birthday",
    }

    def generate(self, context: PlaybookContext) -> Iterator[FollowUp]:
        settings = context.settings
        lead = int(settings["lead_days"])
        horizon = context.today + timedelta(days=lead + 7)
        for contact in context.contacts.values():
            for kind, label, when, extra in _dates(contact, settings):
                on = when.next_occurrence(context.today)
                if on >= horizon:
                    continue
                values = {"name": contact.name, "label": label, **extra}
                title, channel = fitting_title(
                    contact,
                    settings,
                    self.name,
                    (f"{kind}_title", f"{kind}_other_title"),
                    hint=Channel.POST,
                    **values,
                )
                yield FollowUp(
                    contact_id=contact.id,
                    rule=self.name,
                    key=f"{kind}:{on.year}" if kind == label else f"{kind}:{label}:{on.year}",
                    title=title,
                    reason=_reason(kind, label, when, on, extra),
                    due=max(context.today, on - timedelta(days=lead)),
                    channel=channel,
                    minutes=settings["minutes"],
                    value=settings["value"]
                    + max(float(context.stat(contact.id).spend_12m), 0) * settings["value_share"],
                )


def _dates(
    contact: Contact, settings: dict[str, Any]
) -> Iterator[tuple[str, str, PartialDate, dict[str, str]]]:
    """(kind, label, date, extra template fields) for each date the settings ask for."""
    if settings["birthdays"] and contact.birthday:
        yield "birthday", "birthday", contact.birthday, {}
    if settings["anniversaries"] and contact.anniversary:
        yield "anniversary", "anniversary", contact.anniversary, {}
    if settings["milestones"]:
        for milestone in contact.milestones:
            yield "milestone", milestone.label, milestone.date, {}
    if settings["family"]:
        for member in contact.family:
            if member.birthday:
                extra = {"member": member.name, "relation": member.relation}
                yield "family", member.name, member.birthday, extra


def _reason(kind: str, label: str, when: PartialDate, on: date, extra: dict[str, str]) -> str:
    years = on.year - when.year if when.year is not None else None
    moved = (
        f" (born Feb 29, so marked on {day(on)})"
        if (when.month, when.day) != (on.month, on.day)
        else ""
    )
    if kind == "birthday":
        age = f", turning {years}" if years else ""
        return f"birthday on {day(on)}{age}{moved}"
    if kind == "family":
        age = f", turning {years}" if years else ""
        return f"{extra['member']} ({extra['relation']}) has a birthday on {day(on)}{age}{moved}"
    count = f" ({plural(years, 'year')})" if years else ""
    return f"{label} on {day(on)}{count}"
