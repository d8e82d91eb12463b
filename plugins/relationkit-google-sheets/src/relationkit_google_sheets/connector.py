"""The Google Sheets connector: the owner's spreadsheet as a two-way view of relationkit.

A pull is exactly one ``values.batchGet`` of every synced tab (unformatted values, dates as
serial numbers). A push is at most one ``values.batchUpdate`` (RAW) plus one
``spreadsheets.batchUpdate`` when rows are added or cell notes change. A row's identity is its
``relationkit id`` cell, never its position: the owner may sort, insert, move and delete rows.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.urls import DRIVE_FILES_API_V3_URL

from relationkit.auth import google_credentials
from relationkit.errors import ConfigError, InvalidValue, NotFound, SyncError
from relationkit.google import call_with_retries, gspread_client, http_status
from relationkit.models import Conflict, FollowUpStatus
from relationkit.settings import Setting
from relationkit.store.codec import fingerprint, to_jsonable
from relationkit.sync import source_label, status
from relationkit.sync.contract import (
    Change,
    Connector,
    Kind,
    Op,
    PullResult,
    PushResult,
    RemoteItem,
)

from .cells import Cell, row_etag, text
from .contacts import OVERLAID, SHEET_FIELDS, ContactColumns
from .history import (
    LINKEDIN_RULE,
    Customers,
    history_cells,
    interaction_kind,
    read_followup,
    read_interaction,
    read_purchase,
)
from .layout import SCOPES, SYNCED, TabSpec
from .table import Row, Table, quoted, read_table
from .writes import Writes

log = logging.getLogger("relationkit.google_sheets")

_KINDS = {
    "contacts": Kind.CONTACT,
    "purchases": Kind.PURCHASE,
    "interactions": Kind.INTERACTION,
    "followups": Kind.FOLLOWUP,
    "linkedin": Kind.FOLLOWUP,
}
_ROLES = {
    Kind.CONTACT: "contacts",
    Kind.PURCHASE: "purchases",
    Kind.INTERACTION: "interactions",
    Kind.FOLLOWUP: "followups",
}
_SHEET_URL = re.compile(r"/spreadsheets/d/([a-zA-Z0-9_-]+)")
_IDENTITY = ("display_name", "given_name", "family_name", "emails", "phones", "linkedin_url")


def spreadsheet_id_of(url_or_id: str) -> str:
    """The id in a spreadsheet's URL (``.../spreadsheets/d/<id>/edit``), or the id itself."""
    found = _SHEET_URL.search(url_or_id)
    return found[1] if found else url_or_id.strip()


def sheets_http() -> HTTPClient:
    """gspread's HTTP client with the plugin's scopes (the emulator's under the emulator)."""
    return gspread_client(google_credentials(list(SCOPES))).http_client


def read_tabs(
    http: HTTPClient, spreadsheet_id: str, titles: list[str], table: str
) -> list[dict[str, Any]]:
    """Every tab named, in one ``values.batchGet``: unformatted values, dates as serial numbers.

    ``table`` is the config table to name in errors (``connectors.google_sheets``).
    """
    params = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
    ranges = [quoted(title) for title in titles]
    try:
        answer = call_with_retries(
            lambda: http.values_batch_get(spreadsheet_id, ranges, dict(params)),
            what="Google Sheets: read every tab",
        )
    except APIError as exc:
        raise SyncError(_explain(exc, spreadsheet_id, titles, table)) from None
    return list(answer.get("valueRanges", []))


def _explain(exc: APIError, spreadsheet_id: str, titles: list[str], table: str) -> str:
    where = f"spreadsheet {spreadsheet_id}"
    code = http_status(exc)
    if code == 404:
        return f"Google Sheets: {where} was not found; check spreadsheet_id in [{table}]"
    if code in (401, 403):
        return f"Google Sheets: no access to {where}; run `relationkit auth google` again"
    tabs = ", ".join(repr(t) for t in titles)
    return (
        f"Google Sheets: {where} refused the read (HTTP {code}); do the tabs {tabs} exist? "
        f"Rename them back, or set the tab settings in [{table}]"
    )


@dataclass
class _RowState:
    """What the pull learnt about one row: where it is and what it says is wrong."""

    table: Table
    row: Row
    problems: dict[str, str] = field(default_factory=dict)  # field -> plain explanation
    conflicts: list[str] = field(default_factory=list)  # the sync's open conflicts, explained


class GoogleSheetsConnector(Connector):
    """Two-way sync with a Google Sheet (see docs/google-sheets.md).

    Settings (``[connectors.google_sheets]``): ``spreadsheet_id`` (required), ``contacts_tab``
    ("Contacts"), ``purchases_tab`` ("Purchases"), ``interactions_tab`` ("Interactions"),
    ``followups_tab`` ("Follow-ups"), ``linkedin_tab`` ("LinkedIn"; ``""`` switches a tab off),
    ``map`` (header -> field overrides for the Contacts tab), ``followup_days`` (7: follow-ups
    due within this many days are listed), ``sheet_ids`` (tab title -> sheetId, saved by
    ``sheets init``/``adopt``).
    """

    name = "google_sheets"
    description = "A Google Sheet as the owner's own view: contacts, purchases, follow-ups"
    kinds = frozenset(_KINDS.values())
    fields = SHEET_FIELDS
    priority = 100
    scopes: ClassVar[tuple[str, ...]] = SCOPES
    # After a merge the extra row is "deleted": marked merged, never removed (see _retire).
    can_delete = True
    one_record_each = True
    settings_schema: ClassVar[dict[str, Setting]] = {
        "spreadsheet_id": Setting(str, doc="the spreadsheet's id or URL (required)"),
        **{
            f"{spec.role}_tab": Setting(str, spec.title, f'the {spec.title} tab ("": none)')
            for spec in SYNCED
        },
        "map": Setting(
            dict, doc="header -> field overrides for the Contacts tab", items=Setting(str)
        ),
        "followup_days": Setting(
            int, 7, "follow-ups due within this many days are listed", minimum=0
        ),
        "sheet_ids": Setting(
            dict, doc="tab title -> sheetId, saved by `sheets init`/`adopt`", items=Setting(int)
        ),
    }

    def __init__(self, workspace: Any, settings: dict[str, Any]) -> None:
        # One push call takes every change, so a sync writes them in one request.
        super().__init__(workspace, {"batch_size": 1_000_000, **settings})
        spreadsheet = str(settings.get("spreadsheet_id") or "").strip()
        if not spreadsheet:
            raise ConfigError(
                f"[connectors.{self.name}] needs spreadsheet_id: run `relationkit sheets init` "
                "to create a spreadsheet, or `relationkit sheets adopt URL` to use yours"
            )
        self.spreadsheet_id = spreadsheet_id_of(spreadsheet)
        self.specs: dict[str, tuple[TabSpec, str]] = {}
        for spec in SYNCED:
            title = str(settings.get(f"{spec.role}_tab", spec.title)).strip()
            if title:
                self.specs[spec.role] = (spec, title)
        if "contacts" not in self.specs:
            raise ConfigError(f"[connectors.{self.name}] contacts_tab cannot be empty")
        self.kinds = frozenset(_KINDS[role] for role in self.specs)
        self.mapping = {str(k): str(v) for k, v in (settings.get("map") or {}).items()}
        self.region = workspace.config.region
        self._http: HTTPClient | None = None
        self._tables: dict[str, Table] = {}
        self._columns = ContactColumns()
        self._rows: dict[tuple[Kind, str], _RowState] = {}
        self._stale: list[_RowState] = []  # rows whose Problems cell must be rewritten
        # Cells to tidy without a change behind them: ids of typed history rows, a Status
        # cell left saying "open" next to a ticked Done box.
        self._tidy: list[tuple[Table, Row, int, Cell]] = []
        self._state: dict[str, str] = {}
        self._annotated = False
        self._customers = Customers(workspace, {})
        self._open_followups: dict[str, str] | None = None  # id -> rule, read for the guard

    # -- set-up ----------------------------------------------------------------------------------

    @property
    def http(self) -> HTTPClient:
        if self._http is None:
            self._http = sheets_http()
        return self._http

    def check(self) -> list[str]:
        """The sheet answers and each tab has what a sync needs: its ``relationkit id`` column
        and, on the customers' tab, a column for the name and one for an email or phone."""
        try:
            tables = self._read_tables()
        except (SyncError, ConfigError) as exc:
            return [str(exc)]
        problems = [_no_id_column(t.title) for t in tables.values() if t.id_col is None]
        fields = set(tables["contacts"].columns.values())
        title = tables["contacts"].title
        if not fields & _NAME_FIELDS:
            problems.append(
                f"Google Sheets: the tab {title!r} has no column for the customer's name "
                "(a header such as Name, or First name and Last name)"
            )
        if not fields & {"email", "phone"}:
            problems.append(
                f"Google Sheets: the tab {title!r} has no Email or Phone column: customers "
                "cannot be told apart or matched to Google Contacts"
            )
        return problems

    def wants(self, kind: Kind, fields: dict[str, Any]) -> bool:
        """Follow-ups: only open or snoozed ones due within ``followup_days`` (this week)."""
        if kind != Kind.FOLLOWUP:
            return True
        if fields.get("status") not in (FollowUpStatus.OPEN.value, FollowUpStatus.SNOOZED.value):
            return False
        days = int(self.settings.get("followup_days", 7))
        when = fields.get("snoozed_until") or fields.get("due")
        return not when or date.fromisoformat(when) <= date.today() + timedelta(days=days)

    # -- pull ------------------------------------------------------------------------------------

    def _read(self) -> list[dict[str, Any]]:
        titles = [title for _, title in self.specs.values()]
        return read_tabs(self.http, self.spreadsheet_id, titles, f"connectors.{self.name}")

    def _read_tables(self) -> dict[str, Table]:
        """Every synced tab as read now, by role (one ``values.batchGet``)."""
        tables = {}
        for (spec, title), value_range in zip(self.specs.values(), self._read(), strict=True):
            overrides = self.mapping if spec.role == "contacts" else None
            tables[spec.role] = read_table(title, value_range, spec.synonyms, overrides)
        return tables

    def pull(self, state: dict[str, str], *, full: bool) -> PullResult:
        self._rows, self._stale, self._tidy = {}, [], []
        self._open_followups = None
        self._annotated = False
        self._tables = self._read_tables()
        for table in self._tables.values():
            if table.id_col is None:
                raise SyncError(_no_id_column(table.title))
        items = self._contacts(self._tables["contacts"])
        contact_rows = {
            key: external
            for (kind, external), seen in self._rows.items()
            if kind == Kind.CONTACT
            for key in self._row_keys(seen.row, external)
        }
        customers = Customers(self.workspace, contact_rows)
        for role in ("followups", "linkedin"):
            if role in self._tables:
                items += self._followups(self._tables[role])
        if "purchases" in self._tables:
            items += self._history(Kind.PURCHASE, self._tables["purchases"], customers)
        if "interactions" in self._tables:
            items += self._history(Kind.INTERACTION, self._tables["interactions"], customers)
        self._customers = customers
        snapshot = [[[r.number, r.cells] for r in t.rows] for t in self._tables.values()]
        self._state = {"revision": fingerprint(snapshot)}
        if state.get("revision") != self._state["revision"]:
            self._stamp_conflicting(items)
        return PullResult(items, full=True, state=self._state)

    def collection(self, kind: Kind, external_id: str, local_id: str) -> str | None:
        """The tab a record's row is on, for the safety guard. Rows the owner deletes when done
        with them are left out: follow-ups closed in relationkit, and the interactions a Done
        tick recorded (they leave with their follow-up's row)."""
        if kind == Kind.INTERACTION and external_id.startswith("done:"):
            return None
        role = _ROLES[kind]
        if kind == Kind.FOLLOWUP:
            if self._open_followups is None:
                statuses = [FollowUpStatus.OPEN, FollowUpStatus.SNOOZED]
                self._open_followups = {
                    f.id: f.rule for f in self.workspace.followups(status=statuses)
                }
            if local_id not in self._open_followups:
                return None
            if self._open_followups[local_id] == LINKEDIN_RULE and "linkedin" in self.specs:
                role = "linkedin"
        spec = self.specs.get(role)
        return f"the {spec[1]!r} tab" if spec else f"{kind.value}s"

    def _stamp_conflicting(self, items: list[RemoteItem]) -> None:
        """Give changed rows a change time when relationkit changed the same contacts too.

        Sheets keeps no per-row edit time; Drive's ``modifiedTime`` of the file is the latest
        moment any of them could have been edited (so a tie goes to the sheet). It costs one
        request, made only when a conflict is possible: a row changed since the last sync whose
        contact relationkit also changed since then.
        """
        with self.workspace.transaction() as conn:
            known = status.load(conn, self.name)
        changed = [
            (item, seen)
            for item in items
            if item.kind == Kind.CONTACT
            and (seen := known.get((item.kind, item.external_id))) is not None
            and seen.etag != item.etag
        ]
        if any(self._changed_here(seen) for _, seen in changed):
            self.date_changes([item for item, _ in changed])

    def date_changes(self, items: list[RemoteItem]) -> None:
        """Date changed rows with Drive's ``modifiedTime`` of the file (one request): the
        latest moment any of them could have been edited. Called during the pull when
        relationkit changed the same contacts, and by the engine when another tool did."""
        answer = call_with_retries(
            lambda: self.http.request(
                "get",
                f"{DRIVE_FILES_API_V3_URL}/{self.spreadsheet_id}",
                params={"fields": "modifiedTime", "supportsAllDrives": "true"},
            ).json(),
            what="Google Sheets: read when the spreadsheet last changed",
        )
        modified = datetime.fromisoformat(answer["modifiedTime"].replace("Z", "+00:00"))
        for item in items:
            item.changed_at = modified

    def _changed_here(self, seen: status.Status) -> bool:
        try:
            contact = self.workspace.get_contact(seen.local_id)
        except NotFound:
            return False
        latest = max((p.at for p in contact.provenance.values()), default=None)
        return latest is not None and seen.synced_at is not None and latest > seen.synced_at

    def _contacts(self, table: Table) -> list[RemoteItem]:
        self._columns = columns = ContactColumns.of(table)
        self.fields = columns.fields
        known: dict[str, dict[str, Any]] = {}
        if columns.fields & OVERLAID:
            known = {
                c.id: {n: to_jsonable(getattr(c, n)) for n in OVERLAID}
                for c in self.workspace.contacts()
            }
        items = []
        identified = self._identified(table)
        first_row: dict[str, int] = {}
        for row, ident, _, _ in identified:
            first_row.setdefault(ident, row.number)
        for row, ident, external, duplicate in identified:
            where = table.where(row)
            if ident.startswith(MERGED_INTO):
                kept = first_row.get(ident.removeprefix(MERGED_INTO))
                self._problem(table, row, {"": merged_why(kept)})
                continue
            if ident.startswith(DELETED):
                self._problem(table, row, {"": _DELETED_WHY})
                continue
            if duplicate:
                why = (
                    f"the same relationkit id is on row {first_row[ident]}: nothing from this "
                    "row is applied; clear this row's id to make it a new customer, or delete "
                    "the row"
                )
                self._problem(table, row, {"id": why})
                continue
            fields, problems = columns.read(
                row, region=self.region, base=known.get(ident, {}), where=where
            )
            if not ident and not any(fields.get(n) for n in _IDENTITY):
                why = "nothing tells who this is: add a name, email or phone"
                self._problem(table, row, {"": why}, problems)
                continue
            self._problem(table, row, {}, problems, key=(Kind.CONTACT, external))
            items.append(
                RemoteItem(
                    Kind.CONTACT,
                    external,
                    row_etag(row.cells, table.problems_col),
                    fields,
                    local_id=ident or None,
                    problems=problems,
                )
            )
        return items

    def _followups(self, table: Table) -> list[RemoteItem]:
        logged = {i.followup_id: i for i in self.workspace.interactions() if i.followup_id}
        items = []
        for row, ident, external, duplicate in self._identified(table):
            if not ident or duplicate:
                why = "follow-ups come from relationkit; log what happened in Interactions"
                self._problem(table, row, {"id": why})
                continue
            fields, problems = read_followup(table, row, region=self.region)
            for problem in problems:
                problem.where = table.where(row)
            self._problem(table, row, {}, problems, key=(Kind.FOLLOWUP, external))
            status_col = table.column_of("status")
            shown = text(row.get(status_col))
            if status_col is not None and fields.get("status", shown) != shown:
                self._tidy.append((table, row, status_col, fields["status"]))
            etag = row_etag(row.cells, table.problems_col)
            items.append(
                RemoteItem(Kind.FOLLOWUP, external, etag, fields, ident, problems=problems)
            )
            if fields.get("status") == FollowUpStatus.DONE.value:
                done = self._completion(ident, fields, etag, logged)
                if done is not None:
                    items.append(done)
        return items

    def _completion(
        self, followup_id: str, fields: dict[str, Any], etag: str, logged: dict[str, Any]
    ) -> RemoteItem | None:
        """The interaction a Done tick records (once: not when relationkit logged one itself)."""
        external = f"done:{followup_id}"
        already = logged.get(followup_id)
        if already is not None and not (
            already.source == self.name and already.external_id == external
        ):
            return None
        try:
            followup = self.workspace.get_followup(followup_id)
        except LookupError:
            return None
        return RemoteItem(
            Kind.INTERACTION,
            external,
            etag,
            {
                "contact_id": followup.contact_id,
                "date": (already.date if already else date.today()).isoformat(),
                "kind": interaction_kind(followup.channel, followup.rule),
                "summary": fields.get("note") or followup.title,
                "followup_id": followup_id,
            },
        )

    def _history(self, kind: Kind, table: Table, customers: Customers) -> list[RemoteItem]:
        items = []
        config = self.workspace.config
        for row, ident, external, duplicate in self._identified(table):
            if duplicate:
                self._problem(table, row, {"id": "the same relationkit id is on an earlier row"})
                continue
            if kind == Kind.PURCHASE:
                fields, problems = read_purchase(
                    table,
                    row,
                    customers,
                    region=self.region,
                    currency=config.currency,
                    source=self.name,
                )
            else:
                fields, problems = read_interaction(table, row, customers, region=self.region)
            for problem in problems:
                problem.where = table.where(row)
            self._problem(table, row, {}, problems, key=(kind, external))
            if fields is None and not ident:
                continue  # not recorded until fixed; the row keeps its data and says why
            if not ident:
                # History is never updated by a push, so the row gets its id now; the
                # provisional id itself, so the record keeps its identity.
                self._tidy.append((table, row, table.id_col, external))
            items.append(
                RemoteItem(
                    kind,
                    external,
                    row_etag(row.cells, table.problems_col),
                    fields or {},
                    ident or None,
                    problems=problems,
                )
            )
        return items

    def _identified(self, table: Table) -> list[tuple[Row, str, str, bool]]:
        """Each row with its id cell, its external id and whether the id repeats an earlier
        row's. A row without an id gets a provisional external id from its content, stable
        across sorts until the push writes the real one."""
        seen: set[str] = set()
        found = []
        for row in table.rows:
            ident = text(row.get(table.id_col))
            if ident:
                found.append((row, ident, ident, ident in seen))
            else:
                base = "r_" + row_etag(row.cells, table.problems_col)[:16]
                external, count = base, 1
                while external in seen:
                    count += 1
                    external = f"{base}#{count}"
                found.append((row, "", external, False))
                ident = external
            seen.add(ident)
        return found

    def held(self, item: RemoteItem, why: str) -> None:
        """The engine held this row (it now reads as another person): its Problems cell says so
        and how to get out of it."""
        state = self._rows.get((item.kind, item.external_id))
        if state is None or state.table.problems_col is None:
            return
        state.problems[""] = f"This row {why}"
        shown = text(state.row.get(state.table.problems_col))
        self._stale = [s for s in self._stale if s is not state]
        if self._problem_text(state) != shown:
            self._stale.append(state)

    def _row_keys(self, row: Row, external: str) -> list[str]:
        keys = [external]
        for index in self._columns.columns.get("emails", []):
            keys += [
                p.strip().lower() for p in re.split(r"[;,\s]+", text(row.get(index))) if p.strip()
            ]
        return keys

    def _problem(
        self,
        table: Table,
        row: Row,
        own: dict[str, str],
        problems: list[InvalidValue] = (),  # type: ignore[assignment]
        key: tuple[Kind, str] | None = None,
    ) -> None:
        state = _RowState(table, row, dict(own))
        for problem in problems:
            state.problems.setdefault(problem.field, problem.why)
        if key is not None:
            self._rows[key] = state
        if table.problems_col is not None and self._problem_text(state) != text(
            row.get(table.problems_col)
        ):
            self._stale.append(state)

    def _problem_text(self, state: _RowState) -> str:
        labels = self._columns.headers if state.table is self._tables.get("contacts") else {}
        parts = []
        for name, why in state.problems.items():
            label = labels.get(name) or name.replace("_", " ")
            parts.append(f"{label[0].upper()}{label[1:]}: {why}" if label else why)
        return "; ".join(parts + state.conflicts)

    def _note_conflicts(self, writes: Writes) -> None:
        """Have the rows of customers with open sync conflicts say which value won and where
        the other came from (:meth:`Workspace.conflicts`), and the cells of rows whose
        conflicts were settled since lose that text. Rows added by this push wait for the
        next sync (their row number is only known once inserted)."""
        by_contact: dict[str, list[Conflict]] = {}
        for conflict in self.workspace.conflicts():
            if conflict.kind == Kind.CONTACT.value:
                by_contact.setdefault(conflict.local_id, []).append(conflict)
        contacts = self._tables.get("contacts")
        added = {id(r) for rows in writes.new_rows.values() for r in rows}
        for (kind, key), state in self._rows.items():
            if kind != Kind.CONTACT or state.table is not contacts or id(state.row) in added:
                continue
            found = by_contact.get(key, [])
            if found or state.conflicts:
                # The newest few: a cell holds 50,000 characters at most.
                state.conflicts = [self._conflict_text(c) for c in found[-_SHOWN_CONFLICTS:]]
                if len(found) > _SHOWN_CONFLICTS:
                    more = len(found) - _SHOWN_CONFLICTS
                    state.conflicts.append(f"{more} more: `relationkit conflicts` lists them")
                if state not in self._stale:
                    self._stale.append(state)

    def _conflict_text(self, conflict: Conflict) -> str:
        """A conflict in the owner's words: which value is used, where the other came from,
        and the commands that settle it."""

        def where(source: str) -> str:
            return "this sheet" if source == self.name else source_label(source)

        label = self._columns.headers.get(conflict.field) or conflict.field.replace("_", " ")
        kept, lost = where(conflict.kept_source), where(conflict.lost_source)
        commands = (
            f"`relationkit conflicts use-other {conflict.id}` keeps only the one from {lost}, "
            f"`relationkit conflicts dismiss {conflict.id}` clears this note"
        )
        if conflict.both_kept:
            return (
                f"{label[0].upper()}{label[1:]}: changed in {kept} and in {lost} since the last "
                f"sync, both are kept, the newer (from {kept}, {_when(conflict.kept_at)}) "
                f"first. {commands}"
            )
        value = _shown(conflict.lost)
        return (
            f"{label[0].upper()}{label[1:]}: changed in {kept} and in {lost} since the last "
            f"sync, the newer value (from {kept}, {_when(conflict.kept_at)}) is used "
            f"and the one from {lost} is kept aside: “{value}”. "
            f"`relationkit conflicts use-other {conflict.id}` uses it instead, "
            f"`relationkit conflicts dismiss {conflict.id}` clears this note"
        )

    # -- push ------------------------------------------------------------------------------------

    def push(self, changes: list[Change]) -> list[PushResult]:
        writes = Writes()
        results = [self._change(change, writes) for change in changes]
        self._annotate(writes)
        writes.send(self.http, self.spreadsheet_id, self._sheet_ids(writes))
        return results

    def _role_for(self, change: Change) -> str:
        """The tab a new record goes to: LinkedIn suggestions to the LinkedIn tab."""
        if (
            change.kind == Kind.FOLLOWUP
            and change.fields.get("rule") == LINKEDIN_RULE
            and "linkedin" in self._tables
        ):
            return "linkedin"
        return _ROLES[change.kind]

    def _change(self, change: Change, writes: Writes) -> PushResult:
        if change.op == Op.DELETE:
            return self._retire(change, writes)
        if change.op == Op.CREATE:
            role = self._role_for(change)
            table = self._tables.get(role)
            if table is None or table.id_col is None:
                return PushResult(change.local_id, None, error=f"no {role} tab")
            cells = self._cells(role, table, change.fields, list(change.fields), Row(0, []))
            cells[table.id_col] = change.local_id
            row = writes.add_row(table, cells)
            state = _RowState(table, row)
            self._rows[(change.kind, change.local_id)] = state
        else:
            state = self._rows.get((change.kind, change.external_id or ""))
            if state is None:
                return PushResult(
                    change.local_id, change.external_id, error="its row is gone from the sheet"
                )
            row, table = state.row, state.table
            role = next(r for r, t in self._tables.items() if t is table)
            if table.id_col is None:
                return PushResult(change.local_id, change.external_id, error="no id column")
            if change.etag and row_etag(row.cells, table.problems_col) != change.etag:
                return PushResult(
                    change.local_id, change.external_id, error="its row changed since the pull"
                )
            names = [n for n in change.changed if n not in state.problems]
            cells = self._cells(role, table, change.fields, names, row, state.problems)
            cells[table.id_col] = change.local_id
            for col, value in cells.items():
                if text(row.get(col)) != text(value) or type(row.get(col)) is not type(value):
                    writes.cell(table, row, col, value)
            self._rows[(change.kind, change.local_id)] = state
        etag = row_etag(row.cells, table.problems_col)
        fields = None
        if change.kind == Kind.CONTACT:
            fields, _ = self._columns.read(row, region=self.region, base=change.fields, where="")
        return PushResult(change.local_id, change.local_id, etag, fields)

    def _retire(self, change: Change, writes: Writes) -> PushResult:
        """A contact's extra row after a merge, or the row of a customer deleted in relationkit
        (with ``propagate_deletes``): its id cell becomes ``merged into <id>`` or
        ``deleted <id>`` and its Problems cell says so; the row stays (the owner deletes it)
        and is no longer synced. Rows of other kinds are never deleted."""
        if change.kind != Kind.CONTACT:
            return PushResult(change.local_id, change.external_id, error="rows are never deleted")
        state = self._rows.get((change.kind, change.external_id or ""))
        if state is not None and state.table.id_col is not None:
            table, row = state.table, state.row
            deleted = self.workspace.get_contact(change.local_id).deleted_at is not None
            kept = self._rows.get((change.kind, change.local_id))
            number = kept.row.number if kept is not None and kept.row is not row else None
            marker, why = (DELETED, _DELETED_WHY) if deleted else (MERGED_INTO, merged_why(number))
            writes.cell(table, row, table.id_col, f"{marker}{change.local_id}")
            if table.problems_col is not None:
                writes.cell(table, row, table.problems_col, why)
                writes.note(table, row, table.problems_col, why)
            self._stale = [s for s in self._stale if s.row is not row]
        return PushResult(change.local_id, change.external_id)

    def _cells(
        self,
        role: str,
        table: Table,
        values: dict[str, Any],
        names: list[str],
        row: Row,
        skip: dict[str, str] | None = None,
    ) -> dict[int, Cell]:
        if role == "contacts":
            if not row.cells:
                cells: dict[int, Cell] = {}
                for name in names:
                    if name in self._columns.columns:
                        cells.update(self._columns.cells_of(name, values.get(name)))
                return cells
            return self._columns.writes(
                row, values, names, region=self.region, skip=set(skip or {})
            )
        return history_cells(role, table, values, names, self._customers.shown)

    def _annotate(self, writes: Writes) -> None:
        """Problems cells (and their notes) that the pull found out of date, and the ids of
        purchase and interaction rows typed since the last sync."""
        if self._annotated:
            return
        self._annotated = True
        self._note_conflicts(writes)
        for table, row, col, value in self._tidy:
            writes.cell(table, row, col, value)
        for state in self._stale:
            col = state.table.problems_col
            message = self._problem_text(state)
            if col is None or message == text(state.row.get(col)):
                continue
            writes.cell(state.table, state.row, col, message)
            writes.note(state.table, state.row, col, message)

    def _sheet_ids(self, writes: Writes) -> dict[str, int]:
        if not (writes.new_rows or writes.notes):
            return {}
        saved = {str(k): int(v) for k, v in (self.settings.get("sheet_ids") or {}).items()}
        if all(title in saved for title in writes.tables):
            return saved
        answer = call_with_retries(
            lambda: self.http.fetch_sheet_metadata(
                self.spreadsheet_id, {"fields": "sheets.properties(sheetId,title)"}
            ),
            what="Google Sheets: read the tabs' ids",
        )
        return {
            s["properties"]["title"]: s["properties"]["sheetId"] for s in answer.get("sheets", [])
        }

    # -- end -------------------------------------------------------------------------------------

    def close(self) -> None:
        """Write Problems cells and history ids when the sync had nothing else to push.

        Only after a real sync whose pull was applied (its cursor saved): a dry run or a failed
        sync writes nothing.
        """
        if self._annotated or not self._state:
            return
        with self.workspace.transaction() as conn:
            applied = status.load_state(conn, self.name) == self._state
        if not applied:
            return
        writes = Writes()
        self._annotate(writes)
        if not writes:
            return
        try:
            writes.send(self.http, self.spreadsheet_id, self._sheet_ids(writes))
        except (SyncError, APIError) as exc:
            log.warning(
                "%s: could not write the Problems column: %s", self.name, type(exc).__name__
            )


_NAME_FIELDS = {"name", "given_name", "family_name"}  # column targets (importers.map_headers)
_SHOWN_CHARS = 80  # of a value set aside, in a Problems cell
_SHOWN_CONFLICTS = 3  # per row, the newest


def _when(at: datetime) -> str:
    return f"{at.day} {at:%b %H:%M} UTC"


def _shown(value: Any) -> str:
    """A JSON-form value as a short text for a Problems cell."""
    if isinstance(value, list):
        shown = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        shown = ", ".join(str(v) for v in value.values() if v)
    else:
        shown = "" if value is None else str(value)
    shown = " ".join(shown.split())
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 1] + "…"


def _no_id_column(title: str) -> str:
    return (
        f"Google Sheets: the tab {title!r} has no 'relationkit id' column; run "
        "`relationkit sheets adopt` to add it"
    )


MERGED_INTO = "merged into "  # the id cell of a contact's row left over from a merge
DELETED = "deleted "  # the id cell of a row whose customer was deleted in relationkit
_DELETED_WHY = (
    "this customer was deleted in relationkit (`relationkit contacts undelete <id>` brings it "
    "back); this row no longer syncs: delete it when you like"
)
_MERGED_WHY = (
    "this customer was merged with the one of the row whose id is written here; that row is "
    "kept up to date, this one no longer syncs: delete it when you like"
)


def merged_why(kept_row: int | None) -> str:
    """The Problems cell of a row that no longer syncs because another row has its customer
    (a merge, or the same customer typed twice): which row, when it is known."""
    if kept_row is None:
        return _MERGED_WHY
    return (
        f"same customer as row {kept_row}, which is kept up to date; this row no longer syncs "
        "and what is typed here stays as it is: delete the row when you like"
    )
