"""Keep in touch: a check-in when a customer's cadence has passed since the last touch.

The cadence in days comes from the contact's custom field ``custom_field`` when set, else the
shortest among the ``tags`` table's entries for the contact's tags, else its ``default`` entry
(none by default: only tagged contacts get check-ins). Any logged interaction or purchase
restarts the count, not only a completed follow-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, ClassVar

from ...models import Contact, FollowUp
from ..context import PlaybookContext
from ..rule import fill
from ..wording import day, plural


class KeepInTouch:
    retires_unsuggested: ClassVar[bool] = True  # an open one ends with the state it is about
    name: ClassVar[str] = "keep_in_touch"
    title: ClassVar[str] = "Keep in touch"
    defaults: ClassVar[dict[str, Any]] = {
        "tags": {"vip": 30},  # tag -> days; a "default" entry applies to everyone else
        "custom_field": "keep_in_touch_days",
        "minutes": 5,
        "value": 5.0,  # value: this, plus a share of 12-month spend
        "value_share": 0.02,
        "title": "Check in with {name}",
        "reason": "last in touch {since}; you aim for every {cadence}",
    }

    def generate(self, context: PlaybookContext) -> Iterator[FollowUp]:
        settings = context.settings
        tags = {str(k).casefold(): int(v) for k, v in settings["tags"].items()}
        week_end = context.today + timedelta(days=6)
        for contact in context.contacts.values():
            cadence = _cadence(contact, tags, settings["custom_field"])
            if cadence is None:
                continue
            stats = context.stat(contact.id)
            anchor = stats.last_touch or contact.created_at.date()
            due = anchor + timedelta(days=cadence)
            if due > week_end:
                continue
            since = f"on {day(anchor)} ({plural((context.today - anchor).days, 'day')} ago)"
            if stats.last_touch is None:
                since = f"never (added {day(anchor)})"
            values = {"name": contact.name, "since": since, "cadence": plural(cadence, "day")}
            yield FollowUp(
                contact_id=contact.id,
                rule=self.name,
                key=f"after:{anchor.isoformat()}",
                title=fill(settings["title"], self.name, "title", **values),
                reason=fill(settings["reason"], self.name, "reason", **values),
                due=max(due, context.today),
                minutes=settings["minutes"],
                value=settings["value"] + max(float(stats.spend_12m), 0) * settings["value_share"],
            )


def _cadence(contact: Contact, tags: dict[str, int], custom_field: str) -> int | None:
    """Days between check-ins for this contact, or None when it has no cadence."""
    custom = contact.custom.get(custom_field, "").strip()
    if custom.isdigit() and int(custom) > 0:
        return int(custom)
    found = [tags[t.casefold()] for t in contact.tags if t.casefold() in tags]
    if found:
        return min(found)
    return tags.get("default")
