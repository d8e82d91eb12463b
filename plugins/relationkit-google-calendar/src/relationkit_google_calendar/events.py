"""Follow-ups as Calendar events and back: ids, bodies, and what a listed event says.

An event's id is derived from the follow-up's id (``rk`` + its base32hex spelling, lower case),
so writing the same follow-up twice names the same event (Google answers 409) and even a
deleted event, listed with nothing but its id, still says which follow-up it was.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from relationkit.errors import ConfigError
from relationkit.models import Contact, Interaction, Purchase

ID_PREFIX = "rk"
PRIVATE_KEY = "relationkit_followup"
CONTACT_KEY = "relationkit_contact"
RULE_KEY = "relationkit_rule"
MAX_REMINDERS = 5
MAX_REMINDER_MINUTES = 40_320  # four weeks, the API's limit
DONE_COLOR = "8"  # graphite: a finished follow-up stays visible but recedes
# The follow-up fields an event shows: a change of any other field writes nothing.
EVENT_FIELDS = frozenset(
    {
        "contact_id",
        "title",
        "reason",
        "due",
        "channel",
        "minutes",
        "status",
        "snoozed_until",
        "note",
    }
)
_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_CHANNELS = {
    "email": "email",
    "phone": "a phone call",
    "sms": "a text message",
    "post": "post (a handwritten note or card)",
    "in_person": "in person",
    "linkedin": "LinkedIn (a connection invitation)",
}


def event_id(followup_id: str) -> str:
    """The event id for a follow-up: base32hex (a-v, 0-9), as Calendar requires."""
    encoded = base64.b32hexencode(followup_id.encode()).decode().rstrip("=").lower()
    return ID_PREFIX + encoded


def followup_id(event_id_: str) -> str | None:
    """The follow-up id an event id was derived from (None for an event we did not make)."""
    if not event_id_.startswith(ID_PREFIX) or not _EVENT_ID.match(event_id_):
        return None
    text = event_id_[len(ID_PREFIX) :].upper()
    try:
        decoded = base64.b32hexdecode(text + "=" * (-len(text) % 8)).decode()
    except (binascii.Error, ValueError):
        return None
    return decoded if decoded.isprintable() and event_id(decoded) == event_id_ else None


@dataclass(frozen=True)
class EventSettings:
    """Which follow-ups get events and how they look (see docs/google-calendar.md)."""

    time_zone: str = "UTC"
    start: time | None = None  # None: all-day events
    reminders: tuple[int, ...] = (900,)
    reminder_method: str = "popup"
    recent: int = 3  # purchases and interactions shown in the description
    days_ahead: int | None = None  # new events only for follow-ups due within this many days
    stale_days: int | None = None  # ... and overdue by no more than this many (None: any)

    @classmethod
    def parse(cls, settings: dict[str, Any], where: str) -> EventSettings:
        """Read and check the settings of ``[connectors.google_calendar]`` (``where``)."""
        zone = str(settings.get("time_zone") or "UTC")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f'{where} time_zone = "{zone}": not a time zone name such as "Europe/London"'
            ) from None
        text = str(settings.get("time") or "")
        start = None
        if text:
            found = _TIME.match(text)
            if not found:
                raise ConfigError(
                    f'{where} time = "{text}": write a time as "HH:MM", or leave '
                    "it out for all-day events"
                )
            start = time(int(found.group(1)), int(found.group(2)))
        raw = settings.get("reminders", [900] if start is None else [10])
        if not isinstance(raw, list) or not all(
            isinstance(m, int) and not isinstance(m, bool) and 0 <= m <= MAX_REMINDER_MINUTES
            for m in raw
        ):
            raise ConfigError(
                f"{where} reminders = {raw!r}: a list of minutes before the event, "
                f"each 0 to {MAX_REMINDER_MINUTES}"
            )
        if len(raw) > MAX_REMINDERS:
            raise ConfigError(
                f"{where} reminders: Google Calendar allows at most "
                f"{MAX_REMINDERS}, {len(raw)} are set"
            )
        method = str(settings.get("reminder_method") or "popup")
        if method not in ("popup", "email"):
            raise ConfigError(f'{where} reminder_method = "{method}": "popup" or "email"')
        counts = {
            name: settings.get(name, default)
            for name, default in (("recent", 3), ("days_ahead", None), ("stale_days", None))
        }
        for name, value in counts.items():
            if value is None and name != "recent":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{where} {name} = {value!r}: a whole number, 0 or more")
        return cls(zone, start, tuple(raw), method, **counts)

    def shows(self, due: date, today: date) -> bool:
        """Whether a follow-up due on ``due`` gets an event as of ``today``: due within
        ``days_ahead`` days and overdue by no more than ``stale_days`` (each when set)."""
        if self.days_ahead is not None and due > today + timedelta(days=self.days_ahead):
            return False
        return self.stale_days is None or due >= today - timedelta(days=self.stale_days)

    def when(self, day: date, minutes: int) -> tuple[dict[str, str], dict[str, str]]:
        """The event's start and end on ``day``: all day, or ``minutes`` long from ``start``."""
        if self.start is None:
            return {"date": day.isoformat()}, {"date": (day + timedelta(days=1)).isoformat()}
        begin = datetime.combine(day, self.start, ZoneInfo(self.time_zone))
        end = begin + timedelta(minutes=max(minutes, 5))
        return (
            {"dateTime": begin.isoformat(), "timeZone": self.time_zone},
            {"dateTime": end.isoformat(), "timeZone": self.time_zone},
        )

    def day_of(self, start: dict[str, Any]) -> date | None:
        """The date an event starts on (in the configured zone for a timed event)."""
        try:
            if start.get("date"):
                return date.fromisoformat(start["date"])
            if start.get("dateTime"):
                moment = datetime.fromisoformat(start["dateTime"].replace("Z", "+00:00"))
                zone = ZoneInfo(start.get("timeZone") or self.time_zone)
                return moment.astimezone(zone).date() if moment.tzinfo else moment.date()
        except (ValueError, ZoneInfoNotFoundError):
            return None
        return None


@dataclass
class Details:
    """What the description shows about the customer, read from relationkit."""

    contact: Contact | None
    purchases: list[Purchase]
    interactions: list[Interaction]


def summary(fields: dict[str, Any]) -> str:
    """The event title: the follow-up's title, prefixed with what became of it."""
    title = str(fields.get("title") or "Follow-up")
    status = fields.get("status")
    if status == "done":
        return f"Done: {title}"
    if status == "skipped":
        return f"Skipped: {title}"
    if status == "snoozed" and fields.get("snoozed_until"):
        return f"Snoozed until {fields['snoozed_until']}: {title}"
    return title


def description(fields: dict[str, Any], details: Details) -> str:
    """Why, how to reach them, how long it takes, and their recent history, in plain words."""
    lines = [_sentence(str(fields.get("reason") or ""))]
    contact = details.contact
    if contact is not None:
        lines += ["", f"Who: {contact.name}"]
        if contact.phones:
            lines.append("Phone: " + ", ".join(contact.phones))
        if contact.emails:
            lines.append("Email: " + ", ".join(contact.emails))
    how = _CHANNELS.get(str(fields.get("channel") or ""), "")
    minutes = fields.get("minutes")
    lines.append("")
    if how:
        lines.append(f"Suggested: {how}")
    if minutes:
        lines.append(f"Takes about {minutes} minutes")
    if details.purchases:
        lines += ["", "Recent purchases:"]
        lines += [f"- {p.date.isoformat()}: {_purchase(p)}" for p in details.purchases]
    if details.interactions:
        lines += ["", "Recent interactions:"]
        lines += [f"- {i.date.isoformat()}: {_interaction(i)}" for i in details.interactions]
    if fields.get("note"):
        lines += ["", f"Note: {fields['note']}"]
    return "\n".join(lines).strip()


def event_day(fields: dict[str, Any]) -> date:
    """The day a follow-up's event is on: its due date, or the day it is snoozed until when
    that is later (a follow-up done after a snooze stays where it was done)."""
    due = date.fromisoformat(fields["due"])
    snoozed = fields.get("snoozed_until")
    return max(due, date.fromisoformat(snoozed)) if snoozed else due


def body(
    local_id: str, fields: dict[str, Any], details: Details, settings: EventSettings
) -> dict[str, Any]:
    """The whole event for a follow-up (without its id)."""
    start, end = settings.when(event_day(fields), int(fields.get("minutes") or 5))
    finished = fields.get("status") in ("done", "skipped")
    event: dict[str, Any] = {
        "summary": summary(fields),
        "description": description(fields, details),
        "start": start,
        "end": end,
        "status": "confirmed",
        "transparency": "transparent",  # a reminder to act, not time the owner is busy
        "reminders": {
            "useDefault": False,
            "overrides": [
                {"method": settings.reminder_method, "minutes": m} for m in settings.reminders
            ],
        },
        "extendedProperties": {
            "private": {
                PRIVATE_KEY: local_id,
                CONTACT_KEY: str(fields.get("contact_id") or ""),
                RULE_KEY: str(fields.get("rule") or ""),
            }
        },
    }
    if finished:
        event["colorId"] = DONE_COLOR
    return event


def differs(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether an event holds something other than ``wanted`` (the parts we write)."""
    for name, value in wanted.items():
        have = existing.get(name)
        if name == "extendedProperties":
            mine = (have or {}).get("private") or {}
            if any(mine.get(k) != v for k, v in value["private"].items()):
                return True
        elif name in ("start", "end"):
            if _instant(have or {}) != _instant(value):
                return True
        elif have != value:
            return True
    return "colorId" not in wanted and bool(existing.get("colorId"))


def local_id_of(event: dict[str, Any]) -> str | None:
    """The follow-up an event belongs to: the private property, else its id."""
    private = (event.get("extendedProperties") or {}).get("private") or {}
    return private.get(PRIVATE_KEY) or followup_id(str(event.get("id", "")))


def _instant(value: dict[str, Any]) -> Any:
    if value.get("date"):
        return value["date"]
    text = value.get("dateTime")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return text


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    ends_in_link = text.rsplit(maxsplit=1)[-1].startswith(("http://", "https://"))
    return text if ends_in_link or text.endswith((".", "!", "?")) else text + "."


def _purchase(p: Purchase) -> str:
    amount = Decimal(p.amount).quantize(Decimal("0.01"))
    what = ", ".join(part for part in (p.category, p.items) if part)
    kind = "refund " if amount < 0 else ""
    return f"{kind}{abs(amount):,.2f} {p.currency}" + (f" ({what})" if what else "")


def _interaction(i: Interaction) -> str:
    kind = str(i.kind).replace("_", " ")
    return f"{kind}: {i.summary}" if i.summary else kind
