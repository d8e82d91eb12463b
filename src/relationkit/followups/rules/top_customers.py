"""Top customers: the top ten by 12-month spend get a personal call and a referral ask.

Each is suggested at most once per ``interval_days``: the key names the period, and a customer
this rule suggested within the interval (whatever the owner did with it) is left alone. The
referral ask with its incentive is promotional, so it goes only to customers who agreed to
marketing; the others get the personal thank-you without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, ClassVar

from ...models import Channel, FollowUp
from ..context import PlaybookContext
from ..rule import fill, fitting_title

_EPOCH = date(2000, 1, 3)  # a Monday: periods start on Mondays


class TopCustomers:
    name: ClassVar[str] = "top_customers"
    title: ClassVar[str] = "Personal outreach to the top ten"
    defaults: ClassVar[dict[str, Any]] = {
        "count": 10,  # customers tied with the last place are included
        "interval_days": 90,
        "incentive": "a $20 gift card for each friend they refer",
        "minutes": 10,
        "value_share": 0.05,  # value: this share of 12-month spend, plus referral_value
        "referral_value": 50.0,
        "title": "Call {name}: thank them and ask for a referral",
        "title_no_referral": "Call {name} to thank them personally",
        "other_title": "Thank {name} and ask for a referral",  # when not by phone
        "other_title_no_referral": "Thank {name} personally",
        "reason": "your #{rank} customer: {spend} in the past 12 months",
        "referral": "; offer {incentive}",
    }

    def generate(self, context: PlaybookContext) -> Iterator[FollowUp]:
        settings = context.settings
        interval = int(settings["interval_days"])
        period_start = _EPOCH + timedelta(days=(context.today - _EPOCH).days // interval * interval)
        for rank, contact_id in _top(context, int(settings["count"])):
            last = context.last_followup(self.name, contact_id)
            if last is not None and (context.today - last).days < interval:
                continue
            contact = context.contacts[contact_id]
            stats = context.stat(contact_id)
            ask = contact.consent.marketing is True
            values = {
                "name": contact.name,
                "rank": rank,
                "spend": context.money(stats.spend_12m),
                "incentive": settings["incentive"],
            }
            titles = (
                ("title", "other_title")
                if ask
                else ("title_no_referral", "other_title_no_referral")
            )
            title, channel = fitting_title(
                contact, settings, self.name, titles, hint=Channel.PHONE, marketing=ask, **values
            )
            reason = settings["reason"] + (settings["referral"] if ask else "")
            yield FollowUp(
                contact_id=contact_id,
                rule=self.name,
                key=f"since:{period_start.isoformat()}",
                title=title,
                reason=fill(reason, self.name, "reason", **values),
                due=context.today,
                channel=channel,
                minutes=settings["minutes"],
                value=float(stats.spend_12m) * settings["value_share"]
                + (settings["referral_value"] if ask else 0),
                marketing=ask,
            )


def _top(context: PlaybookContext, count: int) -> list[tuple[int, str]]:
    """(rank, contact id) of the top ``count`` by 12-month spend; ties share a rank."""
    ranked = sorted(
        ((s.spend_12m, cid) for cid, s in context.stats.items() if s.spend_12m > 0),
        key=lambda item: (-item[0], item[1]),
    )
    top: list[tuple[int, str]] = []
    for position, (spend, contact_id) in enumerate(ranked, start=1):
        if position > count and spend != ranked[count - 1][0]:
            break
        rank = top[-1][0] if top and spend == ranked[position - 2][0] else position
        top.append((rank, contact_id))
    return top
