"""Sign-ups: a Google Form's responses tab (or any tab of sign-ups) as a source of contacts.

Read only: each response becomes a contact through the engine (matched to an existing customer
by email or phone rather than duplicated), with its consent recorded as given when the response
was submitted. Nothing is ever written to the responses tab. One ``values.batchGet`` a sync.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from relationkit.errors import ConfigError, InvalidValue, SyncError
from relationkit.importers import HEADER_SYNONYMS
from relationkit.parsing import parse_date
from relationkit.settings import Setting
from relationkit.store.codec import fingerprint
from relationkit.sync.contract import Connector, Kind, PullResult, RemoteItem

from .cells import is_blank, row_etag, text
from .connector import read_tabs, sheets_http, spreadsheet_id_of
from .contacts import SHEET_FIELDS, ContactColumns
from .layout import SCOPES
from .table import read_table

FORM_TAB = "Form Responses 1"
# Form questions are often phrased to the customer ("Your name").
SIGNUP_SYNONYMS: dict[str, tuple[str, ...]] = {
    **HEADER_SYNONYMS,
    "name": (*HEADER_SYNONYMS["name"], "your name", "your full name"),
    "email": (*HEADER_SYNONYMS["email"], "your email", "your email address"),
    "phone": (*HEADER_SYNONYMS["phone"], "your phone", "your phone number"),
    "preferred_channel": (*HEADER_SYNONYMS["preferred_channel"], "how should we contact you"),
    "signed_up_at": ("timestamp", "submitted at", "signed up", "sign up date", "response date"),
}
_EPOCH = datetime(1899, 12, 30, tzinfo=UTC)


class GoogleFormSignupsConnector(Connector):
    """Contacts from sign-up responses (see docs/google-sheets.md, "Sign-ups").

    Settings (``[connectors.google_sheets_signups]``): ``spreadsheet_id`` (required), ``tab``
    ("Form Responses 1"), ``map`` (header -> field overrides, e.g. a consent question to
    ``marketing``), ``consent_source`` ("sign-up form").
    """

    name = "google_sheets_signups"
    description = "Sign-ups from a Google Form's responses (read only)"
    kinds = frozenset({Kind.CONTACT})
    fields = SHEET_FIELDS
    read_only = True
    priority = 50
    scopes: ClassVar[tuple[str, ...]] = SCOPES
    settings_schema: ClassVar[dict[str, Setting]] = {
        "spreadsheet_id": Setting(str, doc="the spreadsheet's id or URL (required)"),
        "tab": Setting(str, FORM_TAB, "the tab of the form's responses"),
        "map": Setting(dict, doc="header -> field overrides", items=Setting(str)),
        "consent_source": Setting(str, "sign-up form", "where a consent given there came from"),
    }

    def __init__(self, workspace: Any, settings: dict[str, Any]) -> None:
        super().__init__(workspace, settings)
        spreadsheet = str(settings.get("spreadsheet_id") or "").strip()
        if not spreadsheet:
            raise ConfigError(
                f"[connectors.{self.name}] needs spreadsheet_id: run "
                "`relationkit sheets adopt URL --signups`"
            )
        self.spreadsheet_id = spreadsheet_id_of(spreadsheet)
        self.tab = str(settings.get("tab") or FORM_TAB)
        self.mapping = {str(k): str(v) for k, v in (settings.get("map") or {}).items()}
        self.consent_source = str(settings.get("consent_source") or "sign-up form")

    def check(self) -> list[str]:
        try:
            self.pull({}, full=True)
        except (SyncError, ConfigError) as exc:
            return [str(exc)]
        return []

    def pull(self, state: dict[str, str], *, full: bool) -> PullResult:
        (answer,) = read_tabs(
            sheets_http(), self.spreadsheet_id, [self.tab], f"connectors.{self.name}"
        )
        table = read_table(self.tab, answer, SIGNUP_SYNONYMS, self.mapping)
        stamp_col = table.column_of("signed_up_at")
        if stamp_col is not None:
            del table.columns[stamp_col]
        columns = ContactColumns.of(table)
        self.fields = columns.fields
        region = self.workspace.config.region
        items = []
        seen: set[str] = set()
        for row in table.rows:
            where = table.where(row)
            fields, problems = columns.read(row, region=region, base={}, where=where)
            signed_up = _moment(row.get(stamp_col), region)
            if "consent" in fields and fields["consent"].get("marketing") is not None:
                fields["consent"].update(
                    given_at=signed_up.isoformat() if signed_up else None,
                    source=self.consent_source,
                )
            external = "response:" + fingerprint(
                [text(row.get(stamp_col)), fields.get("emails"), fields.get("phones")]
                if stamp_col is not None
                else row.cells
            )
            count, base = 1, external
            while external in seen:
                count += 1
                external = f"{base}#{count}"
            seen.add(external)
            items.append(
                RemoteItem(
                    Kind.CONTACT,
                    external,
                    row_etag(row.cells),
                    fields,
                    changed_at=signed_up,
                    problems=problems,
                )
            )
        return PullResult(items, full=True, state={})


def _moment(value: Any, region: str) -> datetime | None:
    """A response's timestamp: a date-time serial number (taken as UTC) or text."""
    if is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _EPOCH + timedelta(days=float(value))
    try:
        return datetime.combine(parse_date(text(value), region=region), datetime.min.time(), UTC)
    except InvalidValue:
        return None
