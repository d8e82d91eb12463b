"""Seasonal campaigns: an off-season offer to customers who bought that category before.

Each campaign is a ``[[playbook.seasonal.campaigns]]`` table with ``name``, ``category``,
``send_from`` and ``send_until`` (``MM-DD``; a window may run over New Year), ``offer`` and an
optional ``value``. A campaign is suggested while its window overlaps the coming week, once a
season per customer. Offers are marketing: only customers who agreed to it get them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from ...errors import ConfigError
from ...models import FollowUp, PartialDate
from ..context import PlaybookContext
from ..rule import fill
from ..wording import day


@dataclass(frozen=True)
class Campaign:
    """One configured campaign."""

    name: str
    category: str
    send_from: PartialDate
    send_until: PartialDate
    offer: str
    value: float

    def window(self, today: date) -> tuple[date, date] | None:
        """This season's send window if it overlaps the week starting ``today``."""
        week_end = today + timedelta(days=6)
        for year in (today.year - 1, today.year, today.year + 1):
            start = self.send_from.occurrence_in(year)
            end = self.send_until.occurrence_in(
                year if self.send_until >= self.send_from else year + 1
            )
            if start <= week_end and end >= today:
                return start, end
        return None


class Seasonal:
    name: ClassVar[str] = "seasonal"
    title: ClassVar[str] = "Seasonal offers before the busy season"
    defaults: ClassVar[dict[str, Any]] = {
        "campaigns": [],
        "minutes": 2,
        "value": 20.0,  # value of one campaign offer unless the campaign says otherwise
        "value_share": 0.02,  # plus this share of 12-month spend
        "title": "Offer {name}: {offer}",
        "reason": "bought {category} before; {campaign} runs {start} to {end}",
    }

    def generate(self, context: PlaybookContext) -> Iterator[FollowUp]:
        settings = context.settings
        for campaign in campaigns(settings):
            window = campaign.window(context.today)
            if window is None:
                continue
            start, end = window
            wanted = campaign.category.casefold()
            for contact_id, stats in context.stats.items():
                if wanted not in stats.categories:
                    continue
                values = {
                    "name": context.contacts[contact_id].name,
                    "offer": campaign.offer,
                    "category": campaign.category,
                    "campaign": campaign.name,
                    "start": day(start),
                    "end": day(end),
                }
                yield FollowUp(
                    contact_id=contact_id,
                    rule=self.name,
                    key=f"{campaign.name}:{start.year}",
                    title=fill(settings["title"], self.name, "title", **values),
                    reason=fill(settings["reason"], self.name, "reason", **values),
                    due=max(start, context.today),
                    minutes=settings["minutes"],
                    value=campaign.value + max(float(stats.spend_12m), 0) * settings["value_share"],
                    marketing=True,
                )


def campaigns(settings: dict[str, Any]) -> list[Campaign]:
    """The configured campaigns, checked (a ConfigError says which one is wrong and how)."""
    found = []
    for number, table in enumerate(settings["campaigns"], start=1):
        where = f"[[playbook.seasonal.campaigns]] #{number}"
        missing = [
            k for k in ("name", "category", "send_from", "send_until", "offer") if not table.get(k)
        ]
        if missing:
            raise ConfigError(f"{where}: missing {', '.join(missing)}")
        try:
            start, end = (
                PartialDate.parse_iso(f"--{table[k]}") for k in ("send_from", "send_until")
            )
        except ValueError as exc:
            raise ConfigError(
                f"{where}: send_from and send_until are MM-DD, like 01-05 ({exc})"
            ) from exc
        value = float(table.get("value", settings["value"]))
        found.append(Campaign(table["name"], table["category"], start, end, table["offer"], value))
    return found
