"""relationkit's Google Calendar plugin: follow-ups as events in a "Customer follow-ups" calendar.

Enable it with ``[connectors.google_calendar]`` in the config file; see docs/google-calendar.md.
"""

from __future__ import annotations

from collections.abc import Callable

from relationkit.hookspecs import hookimpl
from relationkit.sync.contract import Connector

from .connector import GoogleCalendarConnector


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(GoogleCalendarConnector)


__all__ = ["GoogleCalendarConnector", "register_connectors"]
