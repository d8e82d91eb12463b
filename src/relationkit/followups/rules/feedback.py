"""Feedback: a short survey request a few days after a purchase worth asking about.

Purchases of at least ``min_amount`` made ``days_after`` days ago (over the past week, so a
weekly run misses none) qualify; a customer is asked at most once per ``interval_days``, about
their largest such purchase. A survey about a purchase is service, not marketing, unless
``marketing = true`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

from ...models import FollowUp, Purchase
from ..context import PlaybookContext
from ..rule import fill
from ..wording import day


class Feedback:
    name: ClassVar[str] = "feedback"
    title: ClassVar[str] = "Ask for feedback after a purchase"
    defaults: ClassVar[dict[str, Any]] = {
        "days_after": 3,
        "min_amount": 50.0,
        "interval_days": 90,
        "survey_url": "",
        "marketing": False,
        "minutes": 2,
        "value": 5.0,  # value: this, plus a share of the purchase
        "value_share": 0.05,
        "title": "Ask {name} how the {what} is working out",
        "reason": "bought {what} for {amount} on {date}; a two-minute survey{survey}",
    }

    def generate(self, context: PlaybookContext) -> Iterator[FollowUp]:
        settings = context.settings
        latest = context.today - timedelta(days=int(settings["days_after"]))
        minimum = Decimal(str(settings["min_amount"]))
        largest: dict[str, Purchase] = {}
        worth: dict[str, Decimal] = {}  # the kept money in the shop's currency
        for purchase in context.purchases_between(latest - timedelta(days=6), latest):
            value = context.in_shop_currency(purchase.kept, purchase.currency)
            best = worth.get(purchase.contact_id)
            if value is not None and value >= minimum and (best is None or value > best):
                largest[purchase.contact_id], worth[purchase.contact_id] = purchase, value
        for contact_id, purchase in largest.items():
            contact = context.contacts.get(contact_id)
            last = context.last_followup(self.name, contact_id)
            if contact is None or (
                last and (context.today - last).days < settings["interval_days"]
            ):
                continue
            survey = f": {settings['survey_url']}" if settings["survey_url"] else ""
            values = {
                "name": contact.name,
                "what": purchase.items or purchase.category or "purchase",
                "amount": context.money(purchase.kept, purchase.currency),
                "date": day(purchase.date),
                "survey": survey,
            }
            yield FollowUp(
                contact_id=contact_id,
                rule=self.name,
                key=f"purchase:{purchase.id}",
                title=fill(settings["title"], self.name, "title", **values),
                reason=fill(settings["reason"], self.name, "reason", **values),
                due=context.today,
                minutes=settings["minutes"],
                value=settings["value"] + float(purchase.amount) * settings["value_share"],
                marketing=bool(settings["marketing"]),
            )
