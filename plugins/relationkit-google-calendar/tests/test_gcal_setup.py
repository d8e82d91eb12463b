"""Set-up: registration, scopes, settings, a calendar that went away, and ``doctor``."""

from __future__ import annotations

import pytest
from gcal_support import calendar_id, connector, followups

from relationkit.errors import ConfigError
from relationkit.plugins import connector_classes
from relationkit_google_calendar import GoogleCalendarConnector


def test_the_plugin_registers_the_connector():
    found = connector_classes()["google_calendar"]
    assert found is GoogleCalendarConnector
    assert found.scopes == ("https://www.googleapis.com/auth/calendar.app.created",)


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"time": "9am"}, 'time = "9am"'),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"reminders": [10, 20, 30, 40, 50, 60]}, "at most 5"),
        ({"reminders": [-1]}, "minutes before"),
        ({"reminder_method": "sms"}, "reminder_method"),
        ({"recent": "all"}, "recent"),
        ({"days_ahead": -1}, "days_ahead"),
    ],
)
def test_bad_settings_are_refused_with_the_setting_named(ws, settings, says):
    with pytest.raises(ConfigError, match=r"\[connectors\.google_calendar\]") as caught:
        connector(ws, **settings)
    assert says in str(caught.value)


def test_a_deleted_calendar_is_reported_plainly(ws, sync, google_emulator):
    followups(ws, 1)
    sync()
    google_emulator.service("calendar", "v3").calendars().delete(
        calendarId=calendar_id(ws)
    ).execute()
    report = sync()
    assert report.connectors["google_calendar"].errors == 1
    assert any("does not exist (deleted?)" in m for m in report.messages)
    assert connector(ws).check() == [
        m.split("pull failed: SyncError: ", 1)[1] for m in report.messages if "deleted?" in m
    ]


def test_check_is_quiet_when_all_is_well(ws, sync, google_emulator):
    assert connector(ws).check() == []  # no calendar yet: the first sync makes it
    followups(ws, 1)
    sync()
    assert connector(ws).check() == []


def test_a_linkedin_suggestion_says_how_and_keeps_its_link_clickable():
    from relationkit_google_calendar.events import Details, description

    link = "https://www.linkedin.com/search/results/people/?keywords=Ann%20Lee"
    fields = {"reason": f"your #1 customer; find them: {link}", "channel": "linkedin"}
    text = description(fields, Details(None, [], []))
    assert text.splitlines()[0] == f"Your #1 customer; find them: {link}"  # no "." after it
    assert "Suggested: LinkedIn (a connection invitation)" in text
