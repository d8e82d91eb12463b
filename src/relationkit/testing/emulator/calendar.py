"""Calendar API v3: calendars, the calendar list, and events with incremental sync.

Behaviour follows the API reference: client-chosen event ids are base32hex (a-v, 0-9), 5 to 1024
long (400 otherwise) and unique per calendar, deleted ones included (409 ``duplicate``); deleting
marks an event ``cancelled`` and incremental lists keep returning it; an unknown or expired sync
token answers 410 ``fullSyncRequired``; ``nextSyncToken`` comes on the last page only; at most 5
reminder overrides; an ``If-Match`` etag that is no longer current makes a patch, update or
delete fail with 412 ``conditionNotMet``. Recurring events are stored but not expanded
(``singleEvents`` is accepted).

The owner-side helpers (``add_event``, ``owner_edit_event``, ``owner_move_event``,
``owner_delete_event``) change events as if the owner used the Calendar app.
"""

from __future__ import annotations

import base64
import copy
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from . import fieldmask
from ._base import ApiError, EmulatedClock, EmulatorRequest, EmulatorResponse, Route
from .people_model import ListCursor, fingerprint, stamp

OWNER_EMAIL = "alex.owner@example.com"
EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
MAX_REMINDER_OVERRIDES = 5
DEFAULT_MAX_RESULTS = 250
MAX_RESULTS = 2500
# Parameters the API refuses together with a syncToken.
NOT_WITH_SYNC_TOKEN = (
    "iCalUID", "orderBy", "privateExtendedProperty", "q", "sharedExtendedProperty", "timeMin",
    "timeMax", "updatedMin",
)  # fmt: skip
# Fields only the server sets; ignored when a client sends them.
SERVER_FIELDS = frozenset({
    "kind", "etag", "htmlLink", "created", "updated", "creator", "organizer", "iCalUID",
    "sequence",
})  # fmt: skip
# Changing these bumps the iCalendar SEQUENCE.
SEQUENCE_FIELDS = ("start", "end", "recurrence", "location", "status")


def error(code: int, message: str, reason: str) -> ApiError:
    """Calendar's error body has ``errors[].reason`` but, unlike newer APIs, no ``status``."""
    return ApiError(code, message, None, reason)


def not_found() -> ApiError:
    return error(404, "Not Found", "notFound")


@dataclass
class StoredEvent:
    event_id: str
    body: dict[str, Any]
    created: datetime
    updated: datetime
    seq: int
    sequence: int = 0

    @property
    def cancelled(self) -> bool:
        return self.body.get("status") == "cancelled"


@dataclass
class StoredCalendar:
    calendar_id: str
    summary: str
    time_zone: str = "UTC"
    description: str | None = None
    primary: bool = False
    version: int = 1
    events: dict[str, StoredEvent] = field(default_factory=dict)


class CalendarAPI:
    """The owner's calendars and their events."""

    name = "calendar"

    def __init__(self, clock: EmulatedClock) -> None:
        self.clock = clock
        self.sync_token_lifetime = timedelta(days=7)
        self.calendars: dict[str, StoredCalendar] = {
            OWNER_EMAIL: StoredCalendar(OWNER_EMAIL, OWNER_EMAIL, primary=True)
        }
        self._seq = 0
        self._sync_tokens: dict[str, tuple[str, int, datetime]] = {}

    def routes(self) -> list[Route]:
        cal = "/calendar/v3/calendars/{calendarId}"
        event = cal + "/events/{eventId}"
        table: list[tuple[str, str, str, Callable[[EmulatorRequest], Any]]] = [
            ("GET", "/calendar/v3/users/me/calendarList", "calendarList.list", self.list_calendars),
            ("GET", "/calendar/v3/users/me/calendarList/{calendarId}", "calendarList.get",
             self.get_calendar_list_entry),
            ("POST", "/calendar/v3/calendars", "calendars.insert", self.insert_calendar),
            ("GET", cal, "calendars.get", self.get_calendar),
            ("DELETE", cal, "calendars.delete", self.delete_calendar),
            ("GET", cal + "/events", "events.list", self.list_events),
            ("POST", cal + "/events", "events.insert", self.insert_event),
            ("GET", event, "events.get", self.get_event),
            ("PATCH", event, "events.patch", self.patch_event),
            ("PUT", event, "events.update", self.update_event),
            ("DELETE", event, "events.delete", self.delete_event),
        ]  # fmt: skip
        return [
            Route(method, pattern, f"calendar.{operation}", self._wrap(handler))
            for method, pattern, operation, handler in table
        ]

    def _wrap(self, handler: Callable[[EmulatorRequest], Any]) -> Callable[[EmulatorRequest], Any]:
        def run(req: EmulatorRequest) -> Any:
            req.path_params = {k: unquote(v) for k, v in req.path_params.items()}
            result = handler(req)
            fields = req.param("fields")
            if fields and isinstance(result, dict):
                return fieldmask.apply(result, fieldmask.parse(fields))
            return result

        return run

    # -- owner-side helpers ------------------------------------------------------------------

    def add_event(self, event: dict[str, Any], calendar_id: str = "primary") -> str:
        """Create an event as the owner would; its id."""
        return self._insert(self._calendar(calendar_id), copy.deepcopy(event)).event_id

    def owner_edit_event(self, event_id: str, changes: dict[str, Any],
                         calendar_id: str = "primary") -> None:  # fmt: skip
        """Patch an event (``None`` clears a field)."""
        stored = self._event(self._calendar(calendar_id), event_id)
        self._store(stored, _merge(stored.body, copy.deepcopy(changes)))

    def owner_move_event(self, event_id: str, start: dict[str, str], end: dict[str, str],
                         calendar_id: str = "primary") -> None:  # fmt: skip
        """Move an event to a new time, e.g. ``{"dateTime": "2025-03-01T10:00:00Z"}``."""
        self.owner_edit_event(event_id, {"start": start, "end": end}, calendar_id)

    def owner_delete_event(self, event_id: str, calendar_id: str = "primary") -> None:
        """Delete an event: it becomes ``cancelled`` and shows up in incremental lists."""
        stored = self._event(self._calendar(calendar_id), event_id)
        self._cancel(stored)

    def event(self, event_id: str, calendar_id: str = "primary") -> dict[str, Any]:
        calendar = self._calendar(calendar_id)
        return self._render(calendar, self._event(calendar, event_id))

    def events(
        self, calendar_id: str = "primary", *, deleted: bool = False
    ) -> list[dict[str, Any]]:
        """The calendar's events in change order (cancelled ones only with ``deleted``)."""
        calendar = self._calendar(calendar_id)
        return [self._render(calendar, e) for e in sorted(calendar.events.values(),
                key=lambda e: e.seq) if deleted or not e.cancelled]  # fmt: skip

    def expire_sync_tokens(self) -> None:
        """Invalidate every sync token: the next incremental list gets 410 fullSyncRequired."""
        self._sync_tokens.clear()

    # -- state -------------------------------------------------------------------------------

    def _calendar(self, calendar_id: str) -> StoredCalendar:
        if calendar_id == "primary":
            calendar_id = OWNER_EMAIL
        found = self.calendars.get(calendar_id)
        if found is None:
            raise not_found()
        return found

    def _event(self, calendar: StoredCalendar, event_id: str) -> StoredEvent:
        found = calendar.events.get(event_id)
        if found is None:
            raise not_found()
        return found

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _insert(self, calendar: StoredCalendar, body: dict[str, Any]) -> StoredEvent:
        event_id = body.get("id")
        if event_id is None:
            event_id = base64.b32hexencode(secrets.token_bytes(15)).decode().lower()
        elif not isinstance(event_id, str) or not EVENT_ID.match(event_id):
            raise error(400, "Invalid resource id value.", "invalid")
        if event_id in calendar.events:
            raise error(409, "The requested identifier already exists.", "duplicate")
        clean = _validated(body)
        clean["id"] = event_id
        clean.setdefault("status", "confirmed")
        now = self.clock.now()
        stored = StoredEvent(event_id, clean, now, now, self._next_seq())
        calendar.events[event_id] = stored
        return stored

    def _store(self, stored: StoredEvent, body: dict[str, Any]) -> None:
        clean = _validated(body)
        clean["id"] = stored.event_id
        clean.setdefault("status", stored.body.get("status", "confirmed"))
        if any(clean.get(name) != stored.body.get(name) for name in SEQUENCE_FIELDS):
            stored.sequence += 1
        stored.body = clean
        stored.updated = self.clock.now()
        stored.seq = self._next_seq()

    def _cancel(self, stored: StoredEvent) -> None:
        if stored.cancelled:
            raise error(410, "Resource has been deleted", "deleted")
        self._store(stored, {**stored.body, "status": "cancelled"})

    def _render(self, calendar: StoredCalendar, stored: StoredEvent) -> dict[str, Any]:
        person = {"email": calendar.calendar_id, "self": True}
        if not calendar.primary:
            person["displayName"] = calendar.summary
        eid = base64.b64encode(f"{stored.event_id} {calendar.calendar_id}".encode()).decode()
        event = {
            "kind": "calendar#event",
            "etag": _etag(stored.seq),
            "id": stored.event_id,
            "status": stored.body.get("status", "confirmed"),
            "htmlLink": f"https://www.google.com/calendar/event?eid={eid.rstrip('=')}",
            "created": stamp(stored.created),
            "updated": stamp(stored.updated),
            "creator": {"email": OWNER_EMAIL, "self": True},
            "organizer": person,
            "iCalUID": f"{stored.event_id}@google.com",
            "sequence": stored.sequence,
            "reminders": {"useDefault": True},
            "eventType": "default",
        }
        event.update(copy.deepcopy({k: v for k, v in stored.body.items() if k != "id"}))
        return event

    def _render_listed(self, calendar: StoredCalendar, stored: StoredEvent) -> dict[str, Any]:
        """In lists a cancelled event is only guaranteed its id (and here kind, etag, status)."""
        if stored.cancelled:
            return {"kind": "calendar#event", "etag": _etag(stored.seq), "id": stored.event_id,
                    "status": "cancelled"}  # fmt: skip
        return self._render(calendar, stored)

    # -- calendars ---------------------------------------------------------------------------

    def _calendar_resource(self, calendar: StoredCalendar) -> dict[str, Any]:
        out = {
            "kind": "calendar#calendar",
            "etag": _etag(calendar.version),
            "id": calendar.calendar_id,
            "summary": calendar.summary,
            "timeZone": calendar.time_zone,
            "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
        }
        if calendar.description:
            out["description"] = calendar.description
        return out

    def _list_entry(self, calendar: StoredCalendar) -> dict[str, Any]:
        entry = {
            **self._calendar_resource(calendar),
            "kind": "calendar#calendarListEntry",
            "colorId": "14",
            "backgroundColor": "#9fe1e7",
            "foregroundColor": "#000000",
            "selected": True,
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 30}] if calendar.primary else [],
        }
        if calendar.primary:
            entry["primary"] = True
        return entry

    def list_calendars(self, req: EmulatorRequest) -> dict[str, Any]:
        return {
            "kind": "calendar#calendarList",
            "etag": _etag(self._seq),
            "nextSyncToken": f"EmuCalList{self._seq}",
            "items": [self._list_entry(c) for c in self.calendars.values()],
        }

    def get_calendar_list_entry(self, req: EmulatorRequest) -> dict[str, Any]:
        return self._list_entry(self._calendar(req.path_params["calendarId"]))

    def insert_calendar(self, req: EmulatorRequest) -> dict[str, Any]:
        body = req.json()
        if not body.get("summary"):
            raise error(400, "Missing title.", "required")
        calendar_id = f"{secrets.token_hex(26)}@group.calendar.google.com"
        calendar = StoredCalendar(calendar_id, body["summary"], body.get("timeZone") or "UTC",
                                  body.get("description"))  # fmt: skip
        self.calendars[calendar_id] = calendar
        return self._calendar_resource(calendar)

    def get_calendar(self, req: EmulatorRequest) -> dict[str, Any]:
        return self._calendar_resource(self._calendar(req.path_params["calendarId"]))

    def delete_calendar(self, req: EmulatorRequest) -> EmulatorResponse:
        calendar = self._calendar(req.path_params["calendarId"])
        if calendar.primary:
            raise error(400, "Cannot delete primary calendar.", "cannotDeletePrimaryCalendar")
        del self.calendars[calendar.calendar_id]
        return EmulatorResponse(204)

    # -- events ------------------------------------------------------------------------------

    def insert_event(self, req: EmulatorRequest) -> dict[str, Any]:
        calendar = self._calendar(req.path_params["calendarId"])
        return self._render(calendar, self._insert(calendar, req.json()))

    def get_event(self, req: EmulatorRequest) -> dict[str, Any]:
        calendar = self._calendar(req.path_params["calendarId"])
        return self._render(calendar, self._event(calendar, req.path_params["eventId"]))

    def patch_event(self, req: EmulatorRequest) -> dict[str, Any]:
        calendar = self._calendar(req.path_params["calendarId"])
        stored = self._matching_event(calendar, req)
        self._store(stored, _merge(stored.body, req.json()))
        return self._render(calendar, stored)

    def update_event(self, req: EmulatorRequest) -> dict[str, Any]:
        calendar = self._calendar(req.path_params["calendarId"])
        stored = self._matching_event(calendar, req)
        self._store(stored, req.json())
        return self._render(calendar, stored)

    def delete_event(self, req: EmulatorRequest) -> EmulatorResponse:
        calendar = self._calendar(req.path_params["calendarId"])
        self._cancel(self._matching_event(calendar, req))
        return EmulatorResponse(204)

    def _matching_event(self, calendar: StoredCalendar, req: EmulatorRequest) -> StoredEvent:
        """The event a modification names; 412 when ``If-Match`` gives an etag it no longer
        has (conditional modification: someone else changed it since the caller read it)."""
        stored = self._event(calendar, req.path_params["eventId"])
        wanted = req.headers.get("if-match")
        if wanted is not None and wanted.strip() not in ("*", _etag(stored.seq)):
            raise error(412, "Precondition Failed", "conditionNotMet")
        return stored

    def list_events(self, req: EmulatorRequest) -> dict[str, Any]:
        calendar = self._calendar(req.path_params["calendarId"])
        max_results = _max_results(req.param("maxResults"))
        sync_token = req.param("syncToken")
        order_by = req.param("orderBy")
        if order_by not in (None, "startTime", "updated"):
            raise error(400, f"Invalid value for orderBy: {order_by}", "invalid")
        if order_by == "startTime" and not req.bool_param("singleEvents"):
            raise error(400, "The requested ordering is not available for the particular query.",
                        "badRequest")  # fmt: skip
        query = fingerprint(sorted((k, v) for k, v in req.query.items() if k != "pageToken"))
        page_token = req.param("pageToken")
        if page_token:
            cursor = ListCursor.decode(page_token)
            if cursor.query != query:
                raise error(400, "Invalid page token.", "invalid")
        elif sync_token:
            if any(req.param(name) is not None for name in NOT_WITH_SYNC_TOKEN):
                raise error(400, "Sync token cannot be used together with "
                            + ", ".join(NOT_WITH_SYNC_TOKEN) + ".", "invalid")  # fmt: skip
            cursor = ListCursor(0, 0, self._seq, query, self._sync_token_seq(calendar, sync_token))
        else:
            cursor = ListCursor(0, 0, self._seq, query, None)

        if cursor.since is not None:
            items = [e for e in calendar.events.values() if e.seq > cursor.since]
        else:
            show_deleted = req.bool_param("showDeleted")
            items = [e for e in calendar.events.values()
                     if (show_deleted or not e.cancelled) and _selected(e, req)]  # fmt: skip
        page, next_cursor = _paginate(items, order_by, cursor, max_results)
        result: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": _etag(self._seq),
            "summary": calendar.summary,
            "updated": stamp(
                max((e.updated for e in calendar.events.values()), default=self.clock.now())
            ),
            "timeZone": calendar.time_zone,
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 30}] if calendar.primary else [],
            "items": [self._render_listed(calendar, e) for e in page],
        }
        if calendar.description:
            result["description"] = calendar.description
        if next_cursor is not None:
            result["nextPageToken"] = next_cursor.encode()
        else:
            result["nextSyncToken"] = self._issue_sync_token(calendar, cursor.start_seq)
        return result

    def _issue_sync_token(self, calendar: StoredCalendar, seq: int) -> str:
        token = f"CPEmu{secrets.token_urlsafe(18)}="
        self._sync_tokens[token] = (calendar.calendar_id, seq, self.clock.now())
        return token

    def _sync_token_seq(self, calendar: StoredCalendar, token: str) -> int:
        found = self._sync_tokens.get(token)
        expired = found is not None and (self.clock.now() - found[2] >= self.sync_token_lifetime)
        if found is None or found[0] != calendar.calendar_id or expired:
            raise error(410, "Sync token is no longer valid, a full sync is required.",
                        "fullSyncRequired")  # fmt: skip
        return found[1]


def _etag(number: int) -> str:
    return f'"{3_180_000_000_000_000 + number * 1000}"'


def _validated(body: Any) -> dict[str, Any]:
    """An event body with server-set fields dropped; 400 for what the API refuses."""
    if not isinstance(body, dict):
        raise error(400, "Invalid event body.", "invalid")
    clean = {k: copy.deepcopy(v) for k, v in body.items() if k not in SERVER_FIELDS}
    start, end = clean.get("start"), clean.get("end")
    if not start:
        raise error(400, "Missing start time.", "required")
    if not end:
        raise error(400, "Missing end time.", "required")
    if _when(start) > _when(end):
        raise error(400, "The specified time range is empty.", "timeRangeEmpty")
    reminders = clean.get("reminders") or {}
    overrides = reminders.get("overrides") or []
    if len(overrides) > MAX_REMINDER_OVERRIDES:
        raise error(400, "The maximum number of override reminders is 5.", "invalid")
    if overrides and reminders.get("useDefault"):
        raise error(400, "Cannot specify both default reminders and overrides at the same time.",
                    "cannotUseDefaultRemindersAndSpecifyOverride")  # fmt: skip
    for scope in ("private", "shared"):
        props = (clean.get("extendedProperties") or {}).get(scope) or {}
        if not all(isinstance(v, str) for v in props.values()):
            raise error(400, "Extended property values must be strings.", "invalid")
    return clean


def _when(value: dict[str, Any]) -> datetime:
    """An EventDateTime as an aware datetime (an all-day ``date`` is midnight UTC)."""
    try:
        if value.get("dateTime"):
            return _parse_time(value["dateTime"])
        return datetime.fromisoformat(value["date"]).replace(tzinfo=UTC)
    except (KeyError, TypeError, ValueError) as exc:
        raise error(400, "Invalid start or end time.", "invalid") from exc


def _parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text} has no time zone offset")
    return moment


def _selected(event: StoredEvent, req: EmulatorRequest) -> bool:
    """The full-list filters: timeMin/timeMax overlap, updatedMin, extended properties, q."""
    body = event.body
    try:
        time_min = _parse_time(req.param("timeMin")) if req.param("timeMin") else None
        time_max = _parse_time(req.param("timeMax")) if req.param("timeMax") else None
        updated_min = _parse_time(req.param("updatedMin")) if req.param("updatedMin") else None
    except ValueError as exc:
        raise error(400, "Bad Request: times must be RFC3339 with a time zone offset.",
                    "badRequest") from exc  # fmt: skip
    if time_min is not None and _when(body["end"]) <= time_min:
        return False
    if time_max is not None and _when(body["start"]) >= time_max:
        return False
    if updated_min is not None and event.updated < updated_min:
        return False
    for scope, param in (
        ("private", "privateExtendedProperty"),
        ("shared", "sharedExtendedProperty"),
    ):
        props = (body.get("extendedProperties") or {}).get(scope) or {}
        for condition in req.params(param):
            key, _, value = condition.partition("=")
            if props.get(key) != value:
                return False
    text = (req.param("q") or "").casefold()
    if text:
        haystack = " ".join(str(body.get(k, "")) for k in ("summary", "description", "location"))
        if text not in haystack.casefold():
            return False
    return True


def _paginate(
    items: list[StoredEvent], order_by: str | None, cursor: ListCursor, size: int
) -> tuple[list[StoredEvent], ListCursor | None]:
    """One page and the next cursor; change order pages by keyset so edits skip nobody."""
    if order_by != "startTime":
        rest = sorted((e for e in items if e.seq > cursor.after), key=lambda e: e.seq)
        page = rest[:size]
        if len(rest) <= size:
            return page, None
        return page, ListCursor(page[-1].seq, 0, cursor.start_seq, cursor.query, cursor.since)
    ordered = sorted(items, key=lambda e: (_when(e.body["start"]), e.seq))
    page = ordered[cursor.offset : cursor.offset + size]
    end = cursor.offset + size
    if end >= len(ordered):
        return page, None
    return page, ListCursor(0, end, cursor.start_seq, cursor.query, cursor.since)


def _max_results(value: str | None) -> int:
    if value is None:
        return DEFAULT_MAX_RESULTS
    try:
        size = int(value)
    except ValueError as exc:
        raise error(400, f"Invalid value '{value}' for maxResults.", "invalid") from exc
    if size < 1:
        raise error(400, f"Invalid value '{value}'. Values must be within the range: [1, 2500]",
                    "invalid")  # fmt: skip
    return min(size, MAX_RESULTS)


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """PATCH semantics: objects merge recursively, lists and scalars replace, null clears."""
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
