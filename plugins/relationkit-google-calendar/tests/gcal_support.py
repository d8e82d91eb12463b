"""Helpers for the Calendar plugin's tests (a unique module name: pytest sees every suite)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from relationkit.models import Channel, FollowUp
from relationkit.workspace import Workspace
from relationkit_google_calendar import GoogleCalendarConnector

DUE = date(2026, 5, 11)  # "today" in these tests (a Monday)


def connector(workspace: Workspace, **settings: Any) -> GoogleCalendarConnector:
    """A connector with the workspace's settings (as a sync builds it), plus ``settings``."""
    return GoogleCalendarConnector(
        workspace, {**workspace.config.connector("google_calendar"), **settings}
    )


def followups(ws: Workspace, count: int, *, due: date = DUE) -> list[FollowUp]:
    """``count`` open follow-ups, one per new customer with a phone, an email and a purchase."""
    made = []
    for n in range(count):
        contact = ws.add_contact(
            f"Customer {n}", email=f"customer{n}@example.com", phone=f"+1 415 555 {n:04d}"
        )
        ws.record_purchase(contact, 120 + n, on=due - timedelta(days=3), category="mowers")
        made.append(
            FollowUp(
                contact_id=contact.id,
                rule="welcome",
                key=f"welcome:{n}",
                title=f"Welcome Customer {n}",
                reason=f"first purchase on {due - timedelta(days=3)} (${120 + n})",
                due=due + timedelta(days=n % 5),
                channel=Channel.PHONE,
                minutes=3,
            )
        )
    return ws.save_followups(made)


def calendar_id(ws: Workspace) -> str:
    return ws.config.connector("google_calendar")["calendar_id"]
