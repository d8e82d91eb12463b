"""Recommend by interest: configured new arrivals and events to the customers they suit.

Each is a ``[[playbook.recommend.items]]`` table with ``name``, ``matches`` (words compared,
ignoring case, with the customer's interests, tags and the categories they bought),
``description``, optional ``from``/``until`` dates (``YYYY-MM-DD``) and an optional ``value``.
Recommendations are marketing: only customers who agreed to it get them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from ...errors import ConfigError
from ...models import FollowUp
from ..context import PlaybookContext
from ..rule import fill


@dataclass(frozen=True)
class Item:
    """One configured arrival or event."""

    name: str
    matches: frozenset[str]
    description: str
    start: date | None
    until: date | None
    value: float

    def current(self, today: date) -> bool:
        return (self.start is None or self.start <= today) and (
            self.until is None or today <= self.until
        )


class Recommend:
    name: ClassVar[str] = "recommend"
    title: ClassVar[str] = "Recommend new arrivals and events by interest"
    defaults: ClassVar[dict[str, Any]] = {
        "items": [],
        "minutes": 2,
        "value": 10.0,  # value of one match unless the item says otherwise
        "value_share": 0.02,  # plus this share of 12-month spend
        "title": "Tell {name} about {item}",
        "reason": "interested in {matched}: {description}",
    }

    def generate(self, context: PlaybookContext) -> Iterator[FollowUp]:
        settings = context.settings
        current = [item for item in items(settings) if item.current(context.today)]
        if not current:
            return
        for contact in context.contacts.values():
            stats = context.stat(contact.id)
            interests = {
                w.casefold() for w in (*contact.interests, *contact.tags)
            } | stats.categories
            for item in current:
                matched = sorted(item.matches & interests)
                if not matched:
                    continue
                values = {
                    "name": contact.name,
                    "item": item.name,
                    "matched": ", ".join(matched),
                    "description": item.description,
                }
                yield FollowUp(
                    contact_id=contact.id,
                    rule=self.name,
                    key=item.name,
                    title=fill(settings["title"], self.name, "title", **values),
                    reason=fill(settings["reason"], self.name, "reason", **values),
                    due=max(item.start or context.today, context.today),
                    minutes=settings["minutes"],
                    value=item.value * len(matched)
                    + max(float(stats.spend_12m), 0) * settings["value_share"],
                    marketing=True,
                )


def items(settings: dict[str, Any]) -> list[Item]:
    """The configured items, checked (a ConfigError says which one is wrong and how)."""
    found = []
    for number, table in enumerate(settings["items"], start=1):
        where = f"[[playbook.recommend.items]] #{number}"
        if not table.get("name") or not table.get("matches"):
            raise ConfigError(f"{where}: needs a name and matches (a list of interests)")
        matches = table["matches"]
        words = [matches] if isinstance(matches, str) else list(matches)
        try:
            start, until = (_date(table.get(k)) for k in ("from", "until"))
        except ValueError as exc:
            raise ConfigError(f"{where}: from and until are dates like 2026-09-01 ({exc})") from exc
        value = float(table.get("value", settings["value"]))
        found.append(
            Item(
                table["name"],
                frozenset(w.casefold() for w in words),
                table.get("description", ""),
                start,
                until,
                value,
            )
        )
    return found


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
