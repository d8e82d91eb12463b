"""Welcome new customers: those whose first purchase was in the past week."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, ClassVar

from ...models import FollowUp
from ..context import PlaybookContext
from ..rule import fill
from ..wording import day


class Welcome:
    name: ClassVar[str] = "welcome"
    title: ClassVar[str] = "Welcome new customers"
    defaults: ClassVar[dict[str, Any]] = {
        "minutes": 3,
        "value": 10.0,  # value: this, plus a share of what they spent so far
        "value_share": 0.3,
        "title": "Welcome {name}",
        "reason": "first purchase on {date} ({spend}); a welcome makes a second visit likelier",
    }

    def generate(self, context: PlaybookContext) -> Iterator[FollowUp]:
        settings = context.settings
        week_ago = context.today - timedelta(days=7)
        for contact_id, stats in context.stats.items():
            first = stats.first_purchase
            if first is None or not week_ago < first <= context.today:
                continue
            values = {
                "name": context.contacts[contact_id].name,
                "date": day(first),
                "spend": context.money(stats.total_spend),
            }
            yield FollowUp(
                contact_id=contact_id,
                rule=self.name,
                key="welcome",
                title=fill(settings["title"], self.name, "title", **values),
                reason=fill(settings["reason"], self.name, "reason", **values),
                due=context.today,
                minutes=settings["minutes"],
                value=settings["value"]
                + max(float(stats.total_spend), 0) * settings["value_share"],
            )
