"""Thank the past week's top spender (everyone tied for the top) with a handwritten note."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

from ...models import Channel, FollowUp
from ..context import PlaybookContext
from ..rule import fill, fitting_title
from ..wording import plural, week_key


class TopSpender:
    name: ClassVar[str] = "top_spender"
    title: ClassVar[str] = "Thank the week's top spender"
    defaults: ClassVar[dict[str, Any]] = {
        "min_spend": 1.0,  # a week whose best total is below this thanks nobody
        "minutes": 5,
        "value_share": 0.1,  # value: this share of their 12-month spend
        "title": "Thank {name} with a handwritten note",
        "other_title": "Thank {name} personally for their custom this week",  # not by post
        "reason": "spent {spend} in the past week, the most of anyone{tie}",
    }

    def generate(self, context: PlaybookContext) -> Iterator[FollowUp]:
        settings = context.settings
        week = {cid: s.spend_week for cid, s in context.stats.items() if s.spend_week > 0}
        if not week:
            return
        best = max(week.values())
        if best < Decimal(str(settings["min_spend"])):
            return
        tied = sorted(cid for cid, spend in week.items() if spend == best)
        tie = f" (tied with {plural(len(tied) - 1, 'other')})" if len(tied) > 1 else ""
        for contact_id in tied:
            contact = context.contacts[contact_id]
            values = {"name": contact.name, "spend": context.money(best), "tie": tie}
            title, channel = fitting_title(
                contact, settings, self.name, ("title", "other_title"), hint=Channel.POST, **values
            )
            yield FollowUp(
                contact_id=contact_id,
                rule=self.name,
                key=f"week:{week_key(context.today)}",
                title=title,
                reason=fill(settings["reason"], self.name, "reason", **values),
                due=context.today,
                channel=channel,
                minutes=settings["minutes"],
                value=float(context.stat(contact_id).spend_12m) * settings["value_share"],
            )
