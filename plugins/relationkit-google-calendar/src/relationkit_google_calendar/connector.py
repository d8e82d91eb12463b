"""The Google Calendar connector: open follow-ups as events in the owner's calendar.

Push writes events (batched, 50 calls a request; creates are idempotent through event ids
derived from the follow-up ids); pull reads back what the owner did with them: an event moved
to another day changes the follow-up's due date, a deleted one marks the follow-up skipped.
See docs/google-calendar.md.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime
from typing import Any, ClassVar

from googleapiclient.errors import HttpError

from relationkit.auth import google_credentials
from relationkit.config import update_config
from relationkit.errors import InvalidValue, NotFound, SyncError
from relationkit.google import build_service, call_with_retries, http_status
from relationkit.models import FollowUpStatus
from relationkit.settings import Setting
from relationkit.sync.contract import (
    Change,
    Connector,
    Kind,
    Op,
    PullResult,
    PushResult,
    RemoteItem,
)

from . import events as ev
from .batch import run_batch

log = logging.getLogger("relationkit.google_calendar")

DEFAULT_CALENDAR_NAME = "Customer follow-ups"
PAGE_SIZE = 2500  # the most events.list returns in one page
WHAT = "Google Calendar"


class GoogleCalendarConnector(Connector):
    """Follow-ups as events in a dedicated Google Calendar ("Customer follow-ups").

    Settings (``[connectors.google_calendar]``): ``calendar_id`` (default: the calendar this
    connector created, saved here on creation), ``calendar_name``, ``time_zone``, ``time``
    (``"HH:MM"``; default all-day events), ``reminders`` (minutes before, at most 5),
    ``reminder_method`` and ``recent`` (purchases and interactions shown).
    """

    name = "google_calendar"
    description = (
        "Follow-ups as events in a Google Calendar; the owner's moves and deletes sync back"
    )
    kinds = frozenset({Kind.FOLLOWUP})
    # Make secondary calendars and manage the events in them: nothing else in the account.
    scopes: ClassVar[tuple[str, ...]] = ("https://www.googleapis.com/auth/calendar.app.created",)
    settings_schema: ClassVar[dict[str, Setting]] = {
        "calendar_id": Setting(str, doc="the calendar (default: the one created, saved here)"),
        "calendar_name": Setting(str, DEFAULT_CALENDAR_NAME, "the name of the calendar created"),
        "time_zone": Setting(str, "UTC", 'the events\' time zone, such as "Europe/London"'),
        "time": Setting(str, doc='"HH:MM" in quotes for timed events (default: all-day)'),
        "reminders": Setting(
            list,
            doc="minutes before the event",
            items=Setting(int, minimum=0, maximum=ev.MAX_REMINDER_MINUTES),
        ),
        "reminder_method": Setting(str, "popup", "how Google reminds", choices=("popup", "email")),
        "recent": Setting(int, 3, "purchases and interactions shown in an event", minimum=0),
        "days_ahead": Setting(
            int, doc="events only for follow-ups due within this many days", minimum=0
        ),
        "stale_days": Setting(int, doc="... and overdue by no more than this many", minimum=0),
    }

    def __init__(self, workspace: Any, settings: dict[str, Any]) -> None:
        super().__init__(workspace, settings)
        self.where = f"[connectors.{self.name}]"
        self.events_settings = ev.EventSettings.parse(settings, self.where)
        self.calendar_name = str(settings.get("calendar_name") or DEFAULT_CALENDAR_NAME)
        self.calendar_id: str | None = str(settings.get("calendar_id") or "") or None
        self._service: Any = None
        self._snoozed_ids: set[str] | None = None

    # -- the client ------------------------------------------------------------------------------

    @property
    def service(self) -> Any:
        if self._service is None:
            self._service = build_service(
                "calendar", "v3", google_credentials(list(self.scopes), self.workspace.config)
            )
        return self._service

    def _call(self, request: Any, what: str) -> Any:
        return call_with_retries(request.execute, f"{WHAT}: {what}")

    # -- the contract ----------------------------------------------------------------------------

    def wants(self, kind: Kind, fields: dict[str, Any]) -> bool:
        """Only open follow-ups become new events (done, skipped and snoozed ones never do);
        with ``days_ahead`` or ``stale_days`` set, only those due within that window of the
        run's date (``self.today``)."""
        if kind != Kind.FOLLOWUP or fields.get("status") != FollowUpStatus.OPEN.value:
            return False
        try:
            due = date.fromisoformat(str(fields.get("due")))
        except ValueError:
            return False
        return self.events_settings.shows(due, self.today)

    def check(self) -> list[str]:
        if self.calendar_id is None:
            return []  # created on the first sync
        try:
            self._call(
                self.service.calendars().get(calendarId=self.calendar_id), "read the calendar"
            )
        except HttpError as exc:
            if http_status(exc) == 404:
                return [self._missing_calendar()]
            return [f"{self.name}: Google answered HTTP {http_status(exc)} reading the calendar"]
        except Exception as exc:  # doctor reports, it does not fail
            return [f"{self.name}: {type(exc).__name__}: {exc}"]
        return []

    def pull(self, state: dict[str, str], *, full: bool) -> PullResult:
        """Events changed since the last sync (all of them on a first run, or after a 410)."""
        self._snoozed_ids = None
        self.calendar_id = self.calendar_id or state.get("calendar_id") or None
        if self.calendar_id is None:
            return PullResult([], full=True, state={})  # no calendar yet: the push makes it
        token = state.get("sync_token") if state.get("calendar_id") == self.calendar_id else None
        try:
            if full or not token:
                return self._list(None)
            try:
                return self._list(token)
            except HttpError as exc:
                if http_status(exc) != 410:
                    raise
                log.info("%s: sync token expired, listing every event again", self.name)
                return self._list(None)
        except HttpError as exc:
            if http_status(exc) == 404:
                raise SyncError(self._missing_calendar()) from exc
            raise

    def _missing_calendar(self) -> str:
        return (
            f"{WHAT}: the calendar {self.calendar_id} does not exist (deleted?) or this Google "
            f"account cannot see it; remove calendar_id from {self.where} in the config file "
            "to have a new one created, or set the id of one you own"
        )

    def push(self, changes: list[Change]) -> list[PushResult]:
        """Create and update events, 50 calls a batch request; one result per change."""
        if self.calendar_id is None:
            self._create_calendar()
        results: dict[int, PushResult] = {}
        bodies: dict[int, dict[str, Any]] = {}
        calls: dict[str, Any] = {}
        events = self.service.events()
        for index, change in enumerate(changes):
            if change.kind != Kind.FOLLOWUP or change.op == Op.DELETE:
                results[index] = PushResult(
                    change.local_id,
                    change.external_id,
                    change.etag,
                    error=f"{self.name} only writes follow-ups",
                )
                continue
            if (
                change.op == Op.UPDATE
                and change.changed
                and not ev.EVENT_FIELDS & set(change.changed)
            ):
                results[index] = PushResult(change.local_id, change.external_id, change.etag)
                continue
            bodies[index] = ev.body(
                change.local_id, change.fields, self._details(change.fields), self.events_settings
            )
            calls[str(index)] = self._write_call(events, change, bodies[index])
        outcomes = run_batch(self.service, calls, f"{WHAT}: write events")
        existing = [int(k) for k, o in outcomes.items() if http_status_of(o) == 409]
        for index, outcome in self._existing(events, changes, bodies, existing).items():
            outcomes[str(index)] = outcome
        for key, outcome in outcomes.items():
            change = changes[int(key)]
            results[int(key)] = self._result(change, outcome)
        stale = [int(k) for k, o in outcomes.items() if http_status_of(o) == 412]
        results.update(self._changed_meanwhile(events, changes, stale, results))
        return [results[i] for i in range(len(changes))]

    def _changed_meanwhile(
        self,
        events: Any,
        changes: list[Change],
        indexes: list[int],
        results: dict[int, PushResult],
    ) -> dict[int, PushResult]:
        """Updates Google refused with 412 (the owner changed the event since the last sync):
        the events as they are now go back with the results, for the engine to merge and ask
        again in the same sync."""
        if not indexes:
            return {}
        self._snoozed_ids = None  # this sync may have snoozed some
        fetched = run_batch(
            self.service,
            {
                str(i): _bound(
                    events.get, calendarId=self.calendar_id, eventId=changes[i].external_id
                )
                for i in indexes
            },
            f"{WHAT}: read changed events",
        )
        return {
            i: replace(results[i], current=item)
            for i in indexes
            if isinstance(event := fetched[str(i)], dict) and (item := self._item(event))
        }

    def _existing(
        self,
        events: Any,
        changes: list[Change],
        bodies: dict[int, dict[str, Any]],
        indexes: list[int],
    ) -> dict[int, Any]:
        """Creates Google refused with 409 (the event exists: an earlier write whose answer was
        lost): read those events, and patch the ones that differ from what was meant."""
        ids = {i: ev.event_id(changes[i].local_id) for i in indexes}
        fetched = run_batch(
            self.service,
            {str(i): _bound(events.get, calendarId=self.calendar_id, eventId=ids[i]) for i in ids},
            f"{WHAT}: read existing events",
        )
        stale = {
            str(i): self._patch_call(events, ids[i], bodies[i], found.get("etag", ""))
            for i in ids
            if isinstance(found := fetched[str(i)], dict) and ev.differs(found, bodies[i])
        }
        patched = run_batch(self.service, stale, f"{WHAT}: update existing events")
        return {i: patched.get(str(i), fetched[str(i)]) for i in ids}

    # -- pull helpers ----------------------------------------------------------------------------

    def _list(self, token: str | None) -> PullResult:
        """Every page of ``events.list``: incremental from ``token``, or everything."""
        params: dict[str, Any] = {"calendarId": self.calendar_id, "maxResults": PAGE_SIZE}
        if token:
            params["syncToken"] = token
        else:
            # Deleted events too: an event the owner deleted since we last looked still counts.
            params["showDeleted"] = True
        events = self.service.events()
        request = events.list(**params)
        items: list[RemoteItem] = []
        page: dict[str, Any] = {}
        while request is not None:
            page = self._call(request, "list events")
            items += [item for e in page.get("items", []) if (item := self._item(e)) is not None]
            request = events.list_next(request, page)
        if not page.get("nextSyncToken"):
            raise SyncError(f"{WHAT}: the event list ended without a sync token; sync again")
        state = {"calendar_id": str(self.calendar_id), "sync_token": page["nextSyncToken"]}
        return PullResult(items, full=token is None, state=state)

    def _item(self, event: dict[str, Any]) -> RemoteItem | None:
        """A listed event as a follow-up item; None for an event relationkit did not make."""
        local_id = ev.local_id_of(event)
        if local_id is None:
            return None
        changed_at = _moment(event.get("updated"))
        if event.get("status") == "cancelled":
            followup = self._followup(local_id)
            if followup is None:
                return None  # not one of ours after all
            if followup.status in (FollowUpStatus.OPEN, FollowUpStatus.SNOOZED):
                # The owner deleted it: they decided not to do it.
                return RemoteItem(
                    Kind.FOLLOWUP,
                    event["id"],
                    event.get("etag", ""),
                    {"status": FollowUpStatus.SKIPPED.value},
                    local_id,
                    changed_at=changed_at,
                )
            # Tidying away a finished one changes nothing here.
            return RemoteItem(
                Kind.FOLLOWUP, event["id"], event.get("etag", ""), local_id=local_id, deleted=True
            )
        fields: dict[str, Any] = {}
        problems: list[InvalidValue] = []
        start = event.get("start") or {}
        day = self.events_settings.day_of(start)
        # A snoozed follow-up's event is on the day it is snoozed until: moving it re-snoozes.
        which = "snoozed_until" if local_id in self._snoozed() else "due"
        if day is not None:
            fields[which] = day.isoformat()
        else:
            problems.append(
                InvalidValue(which, start, "the event's start is not a date or time", event["id"])
            )
        return RemoteItem(
            Kind.FOLLOWUP,
            event["id"],
            event.get("etag", ""),
            fields,
            local_id,
            changed_at=changed_at,
            problems=problems,
        )

    def _snoozed(self) -> set[str]:
        """The ids of the snoozed follow-ups, read once per pull."""
        if self._snoozed_ids is None:
            found = self.workspace.followups(status=FollowUpStatus.SNOOZED)
            self._snoozed_ids = {f.id for f in found if f.snoozed_until}
        return self._snoozed_ids

    def _followup(self, local_id: str) -> Any:
        try:
            return self.workspace.get_followup(local_id)
        except NotFound:
            return None

    # -- push helpers ----------------------------------------------------------------------------

    def _create_calendar(self) -> None:
        """Make the dedicated calendar and remember its id in the config file at once."""
        body = {
            "summary": self.calendar_name,
            "description": "Follow-ups suggested by relationkit: who to contact, why and how.",
            "timeZone": self.events_settings.time_zone,
        }
        created = self._call(self.service.calendars().insert(body=body), "create the calendar")
        self.calendar_id = created["id"]
        table = f"connectors.{self.name}"
        path = update_config(table, {"calendar_id": self.calendar_id}, self.workspace.config.path)
        self.workspace.config.connectors.setdefault(self.name, {})["calendar_id"] = self.calendar_id
        self.settings["calendar_id"] = self.calendar_id
        log.info(
            "%s: created the calendar %r; its id is saved in %s",
            self.name,
            self.calendar_name,
            path,
        )

    def _details(self, fields: dict[str, Any]) -> ev.Details:
        contact_id = fields.get("contact_id")
        if not contact_id:
            return ev.Details(None, [], [])
        try:
            contact = self.workspace.get_contact(contact_id)
        except NotFound:
            return ev.Details(None, [], [])
        recent = self.events_settings.recent
        if not recent:
            return ev.Details(contact, [], [])
        purchases = self.workspace.purchases(contact.id)[-recent:][::-1]
        interactions = self.workspace.interactions(contact.id)[-recent:][::-1]
        return ev.Details(contact, purchases, interactions)

    def _write_call(self, events: Any, change: Change, body: dict[str, Any]) -> Any:
        if change.op == Op.CREATE:
            new = {**body, "id": ev.event_id(change.local_id)}
            return _bound(events.insert, calendarId=self.calendar_id, body=new)
        return self._patch_call(events, change.external_id or "", body, change.etag)

    def _patch_call(self, events: Any, event_id: str, body: dict[str, Any], etag: str) -> Any:
        """A patch that Google refuses (412) if the event changed since ``etag`` was read."""
        # null clears: a reopened follow-up loses the "finished" colour.
        patch = {**body, "colorId": body.get("colorId")}

        def make() -> Any:
            request = events.patch(calendarId=self.calendar_id, eventId=event_id, body=patch)
            if etag:
                request.headers["If-Match"] = etag
            return request

        return make

    def _result(self, change: Change, outcome: Any) -> PushResult:
        if isinstance(outcome, dict) and outcome.get("id"):
            return PushResult(change.local_id, outcome["id"], outcome.get("etag", ""))
        status = http_status_of(outcome)
        if status == 412:
            why = "the event changed in Google Calendar meanwhile"
        elif status is not None:
            why = f"Google answered HTTP {status}"
        elif isinstance(outcome, Exception):
            why = str(outcome)
        else:
            why = "Google answered without the event"
        return PushResult(
            change.local_id,
            change.external_id,
            change.etag,
            error=f"{change.op} of the event failed: {why}",
        )


def http_status_of(outcome: Any) -> int | None:
    return http_status(outcome) if isinstance(outcome, Exception) else None


def _bound(method: Any, **kwargs: Any) -> Any:
    """A function making the request (a batch may need to send it more than once)."""
    return lambda: method(**kwargs)


def _moment(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


__all__ = ["DEFAULT_CALENDAR_NAME", "GoogleCalendarConnector"]
