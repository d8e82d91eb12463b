"""CSV import of contacts and purchases, with columns recognised by their headers.

Headers are matched case-, space- and punctuation-insensitively against :data:`HEADER_SYNONYMS`
(contacts) and :data:`PURCHASE_HEADER_SYNONYMS` (purchases); ``mapping`` (``--map
COLUMN=field``) overrides the guess, and ``ignore`` skips a column. :func:`map_headers` is the
one place this happens, so the Google Sheets plugin reads a sheet exactly as a CSV file is read.

Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import identity
from .csvfiles import SpreadsheetWriter, read_csv
from .errors import InvalidValue, NotFound
from .files import write_atomically
from .identity.external import united
from .models import CONTACT_FIELDS, Contact, Purchase, SourceRef, utcnow
from .orders import ORDER_PREFIX, OrderCollector
from .parsing import contact_from_fields, purchase_fields, trim

if TYPE_CHECKING:
    from .formats.contacts import ContactLayout
    from .formats.layout import Understood
    from .workspace import Upsert, Workspace

Progress = Callable[[int, int], None]

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "name", "full name", "customer", "customer name", "client", "client name", "contact",
        "contact name", "display name",
    ),
    "given_name": ("first name", "given name", "first", "forename", "firstname"),
    "middle_name": ("middle name", "middle", "additional name"),
    "family_name": ("last name", "surname", "family name", "last", "lastname"),
    "nickname": ("nickname", "nick name", "known as"),
    "email": (
        "email", "e-mail", "email address", "e-mail address", "mail", "emails", "email value",
        "customer email",
    ),
    "phone": (
        "phone", "mobile", "cell", "tel", "telephone", "phone number", "mobile phone",
        "cell phone", "home phone", "work phone", "business phone", "phone value", "phones",
        "customer phone", "mobile number", "default address phone",
    ),
    "address": ("address", "full address", "postal address", "address formatted"),
    "street": (
        "street", "street address", "address line", "address street", "home street", "address1",
        "address line 1", "default address address1",
    ),
    "extended": (
        "address 2", "address line 2", "street 2", "apartment", "suite", "unit", "address2",
        "default address address2",
    ),
    "city": ("city", "town", "suburb", "address city", "home city", "default address city"),
    "region": (
        "state", "province", "county", "region", "address region", "home state", "province code",
        "state code", "default address province code", "default address province",
    ),
    "postal_code": (
        "zip", "zip code", "postcode", "postal code", "zip/postal code", "address postal code",
        "home postal code", "default address zip",
    ),
    "country": (
        "country", "address country", "home country/region", "country/region", "country code",
        "default address country code", "default address country",
    ),
    "address_label": ("address label", "address type"),
    "company": (
        "company", "organisation", "organization", "business", "organization name",
        "default address company",
    ),
    "position": ("position", "title", "job title", "role", "organization title"),
    "birthday": ("birthday", "dob", "date of birth", "birth date", "birthdate"),
    "anniversary": ("anniversary", "wedding anniversary"),
    "notes": ("notes", "note", "comments", "comment"),
    "tags": ("tags", "tag", "segment", "segments", "groups", "group", "labels", "categories"),
    "preferred_channel": (
        "preferred channel", "contact preference", "preferred contact", "contact method",
        "preferred contact method",
    ),
    "marketing": (
        "marketing", "consent", "opt in", "opt-in", "newsletter", "marketing ok",
        "accepts marketing", "marketing consent", "subscribed", "accepts email marketing",
    ),
    "marketing_given_at": ("consent date", "opt in date", "marketing consent date"),
    "consent_source": ("consent source",),
    "consent_channels": ("consent channels",),
    "do_not_contact": ("do not contact", "dnc", "do not call"),
    "linkedin_url": ("linkedin", "linkedin url", "linkedin profile"),
    "interests": ("interests", "hobbies", "interest"),
    "spouse": ("spouse", "husband", "wife"),
    "partner": ("partner",),
    "children": ("children", "kids", "child"),
    "family": ("family",),
    "milestones": ("milestones",),
    "id": ("relationkit id",),
    # A business's own numbers for its customers (external ids, compared within their kind).
    "external_id:customer number": (
        "customer number", "customer no", "customer id", "customer code", "customer ref",
        "customer reference", "cust no", "cust id", "client number", "client no", "client id",
    ),
    "external_id:member number": (
        "member number", "member no", "member id", "membership number", "membership no",
        "membership id",
    ),
    "external_id:loyalty card": (
        "loyalty card", "loyalty card number", "loyalty number", "loyalty id", "loyalty card no",
        "rewards number", "rewards card", "reward card",
    ),
    "external_id:square customer id": ("square customer id",),
    "external_id:reference id": ("reference id",),
}  # fmt: skip

PURCHASE_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "email address", "customer email", "mail", "billing email"),
    "phone": (
        "phone", "mobile", "cell", "telephone", "phone number", "customer phone", "billing phone",
    ),
    "name": ("name", "customer", "customer name", "client", "full name", "billing name", "buyer"),
    "given_name": ("first name", "given name"),
    "family_name": ("last name", "surname", "family name"),
    "date": (
        "date", "order date", "purchase date", "sale date", "transaction date", "created at",
        "paid at", "created", "day", "created date (utc)", "created date", "created (utc)",
    ),
    "amount": (
        "amount", "total", "order total", "grand total", "price", "sale amount", "net total",
        "gross sales", "net sales", "total amount", "value",
    ),
    "currency": ("currency", "currency code"),
    "category": ("category", "product type", "department", "product category", "type"),
    "items": (
        "items", "item", "product", "products", "product name", "description", "lineitem name",
    ),
    "note": ("note", "notes", "comment", "comments", "memo"),
    "order_id": (
        "order id", "order", "order number", "order no", "transaction id", "receipt",
        "receipt number", "invoice", "invoice number", "sale id", "id", "charge id",
        "payment id",
    ),
    "status": (
        "status", "financial status", "payment status", "order status", "transaction status",
    ),
    "refunded": (
        "refunded amount", "amount refunded", "refunded", "refund amount", "refund",
        "total refunded",
    ),
}  # fmt: skip
# An order's later lines may leave these blank (Shopify writes them on the first line only).
_ORDER_FIELDS = (
    "date", "email", "phone", "name", "given_name", "family_name", "currency", "status",
    "refunded",
)  # fmt: skip

IGNORE = "ignore"
CUSTOM = "custom"
EXTERNAL_ID = "external_id"  # ``external_id:<kind>`` targets; bare, the kind is the header
# Fields that take several columns (Email, Email 2); a second column for any other field is
# kept as a custom field under its own header.
_REPEATABLE = frozenset(
    {"email", "phone", "tags", "interests", "notes", "children", "family", "milestones"}
)
PREVIEW_ROWS = 3  # rows shown as read by --dry-run
_CHUNK = 1000  # drafts per upsert_many call (one transaction each)
_PRELOAD_ROWS = 5_000  # purchase lines from which customers' keys are read all at once
_LIST_FIELDS = frozenset(
    {"emails", "phones", "tags", "interests", "milestones", "family", "external_ids"}
)


@dataclass
class Problem:
    """A value that could not be imported, located as a spreadsheet shows it."""

    file: str
    row: int
    column: str
    value: str
    why: str

    def __str__(self) -> str:
        column = f", column {self.column}" if self.column else ""
        value = f" {self.value!r}" if self.value else ""
        return f"{self.file} row {self.row}{column}:{value} {self.why}"


@dataclass
class ImportReport:
    """What an import did, row by row.

    Contacts: ``created + updated + merged + unchanged + rejected`` is the number of data rows
    (blank rows are skipped); ``merged`` counts rows combined into the contact of an earlier
    row of the same file; ``needs_review`` counts saves that queued a possible duplicate for the
    owner to decide (those rows are also counted as created or updated).

    Purchases: ``created``, ``updated`` and ``unchanged`` count orders (the lines of one
    order are one purchase; a line without an order id is one): new, changed since the last
    import (a later refund, a new line) and already recorded as they are (or corrected by the
    owner, which imports leave alone); ``rejected`` lines could not be read and
    ``needs_review`` ones matched no customer: those are kept in ``unmatched`` (cells as in
    the file, under ``header``).
    """

    file: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    needs_review: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    unmatched: list[list[str]] = field(default_factory=list)
    read_as: str = ""  # how the file was read: "read as UTF-8, comma-separated"
    understood: Understood | None = None  # the format, mapping and first rows (--dry-run)
    skipped: dict[str, int] = field(default_factory=dict)  # purchases: not sales, by why

    def write_unmatched(self, path: Path) -> None:
        """Write the unmatched purchase lines, with the file's header, as a CSV file to fix and
        import again (already recorded lines are not counted twice)."""
        with write_atomically(path) as handle:
            writer = SpreadsheetWriter(handle)
            writer.writerow(self.header)
            writer.writerows(self.unmatched)


# -- headers ---------------------------------------------------------------------------------


def _fold_header(text: str) -> str:
    """``E-mail Address `` -> ``emailaddress``: case, accents, spaces and punctuation ignored
    (``#`` reads as "number": ``Member #`` is ``membernumber``)."""
    bare = unicodedata.normalize("NFKD", text.casefold().replace("#", "number"))
    return "".join(c for c in bare if c.isalnum() and not unicodedata.combining(c))


def _lookup(synonyms: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {_fold_header(name): target for target, names in synonyms.items() for name in names}


_CONTACT_LOOKUP = _lookup(HEADER_SYNONYMS)


def map_headers(
    headers: Sequence[str],
    overrides: Mapping[str, str] | None = None,
    *,
    synonyms: Mapping[str, Sequence[str]] = HEADER_SYNONYMS,
    keep_unknown: bool = True,
) -> dict[int, str]:
    """Which field each column holds: ``{column index: field}``.

    A field is a key of ``synonyms`` (``external_id:<kind>`` for a customer, member or loyalty
    card number; a header written ``External ID: <kind>`` too), or ``custom:<name>`` for a
    column kept as a custom field:
    a column not recognised (unless ``keep_unknown`` is false), a second column for a field that
    takes one (a second ``Company``), or a header written ``custom: X``. Columns mapped to
    ``ignore`` are left out, as are unrecognised ones without ``keep_unknown``.

    ``overrides`` maps a column (its header as written, or case/punctuation-insensitively) to a
    field, ``external_id`` (its kind the header) or ``external_id:<kind>``, ``custom`` or
    ``ignore``; an unknown column or field raises :class:`InvalidValue`.
    """
    lookup = _CONTACT_LOOKUP if synonyms is HEADER_SYNONYMS else _lookup(synonyms)
    forced = _forced_columns(headers, overrides or {}, synonyms)
    mapped: dict[int, str] = {}
    taken: set[str] = set()
    for index, raw in enumerate(headers):
        header = raw.strip()
        target = forced.get(index) or _guess(header, lookup)
        if target == IGNORE:
            continue
        if target and (target not in taken or target in _REPEATABLE or _is_external(target)):
            taken.add(target)
            mapped[index] = target
        elif keep_unknown or (target or "").startswith("custom:"):
            mapped[index] = (
                target if target and target.startswith("custom:") else f"custom:{header}"
            )
    return _unique_custom_names(mapped, headers)


def _guess(header: str, lookup: Mapping[str, str]) -> str | None:
    if header.casefold().startswith("custom:"):
        return f"custom:{header[7:].strip()}"
    prefix, colon, kind = header.partition(":")
    if colon and _fold_header(prefix) == "externalid":
        try:
            return _external_target(kind, header)
        except InvalidValue:
            return None  # no kind to read: kept as a custom field
    folded = _fold_header(header)
    return lookup.get(folded) or lookup.get("".join(c for c in folded if not c.isdigit()))


def _forced_columns(
    headers: Sequence[str], overrides: Mapping[str, str], synonyms: Mapping[str, Sequence[str]]
) -> dict[int, str]:
    forced: dict[int, str] = {}
    stripped = [h.strip() for h in headers]
    folded = [_fold_header(h) for h in headers]
    fields = sorted(synonyms)
    for column, target in overrides.items():
        name = target.strip()
        if name.lower() == CUSTOM:
            name = f"custom:{column.strip()}"
        elif name.lower() == IGNORE:
            name = IGNORE
        elif name.lower() == EXTERNAL_ID or _is_external(name):
            name = _external_target(name[len(EXTERNAL_ID) + 1 :] or column, target)
        elif not name.startswith("custom:") and name not in synonyms:
            fields = [f for f in fields if not _is_external(f)]
            choices = ", ".join([*fields, EXTERNAL_ID, f"{EXTERNAL_ID}:KIND", CUSTOM, IGNORE])
            raise InvalidValue("mapping", target, f"is not a field; use one of {choices}")
        if column.strip() in stripped:
            indexes = [i for i, h in enumerate(stripped) if h == column.strip()]
        else:
            indexes = [i for i, h in enumerate(folded) if h == _fold_header(column)]
        if not indexes:
            known = ", ".join(repr(h) for h in stripped)
            raise InvalidValue(
                "mapping", column, f"no column has this header; the columns are {known}"
            )
        forced.update(dict.fromkeys(indexes, name))
    return forced


def _is_external(target: str) -> bool:
    return target.lower().startswith(f"{EXTERNAL_ID}:")


def _external_target(kind: str, written: str) -> str:
    """``external_id:<kind>`` with the kind in its stored form."""
    try:
        return f"{EXTERNAL_ID}:{identity.external_id_kind(kind)}"
    except InvalidValue as error:
        raise InvalidValue("mapping", written, error.why) from None


def _unique_custom_names(mapped: dict[int, str], headers: Sequence[str]) -> dict[int, str]:
    """``custom:Note``, ``custom:Note (2)``; a blank header becomes ``column N``."""
    seen: dict[str, int] = {}
    for index, target in mapped.items():
        if not target.startswith("custom:"):
            continue
        name = target[7:] or f"column {index + 1}"
        seen[name] = seen.get(name, 0) + 1
        mapped[index] = f"custom:{name}" if seen[name] == 1 else f"custom:{name} ({seen[name]})"
    return mapped


# -- reading files ---------------------------------------------------------------------------


@dataclass
class _Table:
    """A CSV file's header and its records, numbered as a spreadsheet shows them; ``problems``
    met reading it (NUL characters removed, rows left out as ``left_out``: a cell too large)."""

    name: str
    header: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]]
    read_as: str = ""
    problems: list[Problem] = field(default_factory=list)
    left_out: int = 0


def _read_table(
    path: Path,
    encoding: str | None,
    synonyms: Mapping[str, Sequence[str]],
    mapping: Mapping[str, str] | None,
) -> _Table:
    """Read the file (:func:`~relationkit.csvfiles.read_csv`: encoding and delimiter guessed),
    find the header (the first non-blank row; refused when it looks like a customer) and keep
    the non-blank records with their row numbers."""
    csv_text = read_csv(path, encoding=encoding)
    table = _Table(path.name, [], 0, [], csv_text.read_as)
    for record in csv_text.records:
        if not any(cell.strip() for cell in record.cells):
            continue
        if not table.header_row:
            table.header, table.header_row = [c.strip() for c in record.cells], record.number
            _refuse_data_as_header(table, synonyms, mapping)
        elif record.too_large:
            table.left_out += 1
        else:
            table.rows.append((record.number, record.cells))
    for note in csv_text.notes:
        column = table.header[note.column] if note.column < len(table.header) else ""
        table.problems.append(
            Problem(table.name, note.row, column or f"column {note.column + 1}", "", note.why)
        )
    return table


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}")
_NUMBER = re.compile(r"[+(]?[\d\s().,$€£-]{3,}")


def _refuse_data_as_header(
    table: _Table, synonyms: Mapping[str, Sequence[str]], mapping: Mapping[str, str] | None
) -> None:
    """A first row with no column name relationkit knows and an email, phone, date or amount
    in it is a customer, not a header: refuse rather than read every row under its values."""
    lookup = _CONTACT_LOOKUP if synonyms is HEADER_SYNONYMS else _lookup(synonyms)
    named = {_fold_header(column) for column in mapping or {}}
    if any(_guess(h, lookup) or _fold_header(h) in named for h in table.header if h):
        return
    found = next(
        ((n, kind) for n, h in enumerate(table.header, 1) if (kind := _data_kind(h))), None
    )
    if found is None:
        return
    known = ", ".join(names[0].title() for names in list(synonyms.values())[:6])
    raise InvalidValue(
        "file",
        table.name,
        f"row {table.header_row} is not a header row: column {found[0]} holds {found[1]} and "
        f"no column has a name relationkit knows; add a first row naming the columns ({known}, "
        "...) and import again (nothing was imported)",
    )


def _data_kind(cell: str) -> str:
    """What kind of customer data ``cell`` holds (``an email address``), or ``""``."""
    text = cell.strip()
    if _EMAIL.fullmatch(text):
        return "an email address"
    if _DATE.fullmatch(text):
        return "a date"
    if _NUMBER.fullmatch(text) and sum(c.isdigit() for c in text) >= 3:
        return "a phone number or an amount"
    return ""


def _cells(
    record: list[str], columns: Mapping[int, str], header: list[str]
) -> list[tuple[str, str, str]]:
    """``(field, column header, value)`` for mapped cells, then cells beyond the header (kept
    as custom fields ``column N``)."""
    cells = [
        (target, header[index], trim(record[index]) if index < len(record) else "")
        for index, target in columns.items()
    ]
    for index in range(len(header), len(record)):
        name = f"column {index + 1}"
        cells.append((f"custom:{name}", name, trim(record[index])))
    return cells


# -- contacts --------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    draft: Contact
    keys: set[tuple[str, str]]
    given_id: str  # the relationkit id column's value, if any


def import_contacts_csv(
    ws: Workspace,
    path: Path | str,
    *,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    encoding: str | None = None,
    format: str | None = None,
) -> ImportReport:
    """Import contacts from a CSV file; each row is saved with :meth:`Workspace.upsert_many`.

    The file's format (Google Contacts, Outlook, Shopify...: :mod:`relationkit.formats`) is
    recognised from its header unless ``format`` names it; what was understood (format,
    mapping, first rows as read, columns left out) is ``report.understood``.

    A row with unreadable values still imports with the rest (each problem is reported and
    the value kept, see :func:`~relationkit.parsing.contact_from_fields`); a row with no name,
    email, phone or LinkedIn URL is rejected. Rows of the same file that share an email, phone,
    LinkedIn URL or relationkit id are one person: they are combined (later rows win for
    single values, lists are united) before saving. A row with none of these (a name and an
    address) is known by its content, recorded as a source reference of the file. So
    importing the same file again changes nothing. ``dry_run`` does all of it in a transaction
    that is then rolled back. The file is read by :func:`~relationkit.csvfiles.read_csv`
    (``encoding`` guessed unless given; how it was read is ``report.read_as``).
    """
    path = Path(path)
    table = _read_table(path, encoding, HEADER_SYNONYMS, mapping)
    from .formats.contacts import contact_layout, preview_row

    report = _report(table)
    layout = contact_layout(table.header, format, mapping)
    report.understood = layout.understood
    source, at = f"csv:{path.name}", utcnow()
    total = len(table.rows)
    report_progress = progress or (lambda _done, _total: None)
    rows: list[_Row] = []
    for done, (number, record) in enumerate(table.rows, start=1):
        row = _contact_row(ws, report, table, layout, number, record, source, at)
        if row is not None:
            rows.append(row)
            if len(layout.understood.preview) < PREVIEW_ROWS:
                layout.understood.preview.append(preview_row(row.draft))
        if done % _CHUNK == 0:
            report_progress(done // 2, total)
    groups = _group_rows(rows)
    try:
        with ws.transaction() if dry_run else nullcontext():
            written = 0
            for start in range(0, len(groups), _CHUNK):
                chunk = groups[start : start + _CHUNK]
                for group, result in zip(chunk, _save(ws, chunk, source, at), strict=True):
                    _count(report, group, result)
                written += sum(len(g) for g in chunk)
                report_progress(total // 2 + written // 2, total)
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    report_progress(total, total)
    return report


def _report(table: _Table) -> ImportReport:
    """An empty report on ``table`` with what reading it found."""
    report = ImportReport(file=table.name, header=table.header, read_as=table.read_as)
    report.problems += table.problems
    report.rejected += table.left_out
    return report


class _RollBack(Exception):
    """Raised inside a dry run's transaction so that nothing it did is kept."""


def _contact_row(
    ws: Workspace,
    report: ImportReport,
    table: _Table,
    layout: ContactLayout,
    number: int,
    record: list[str],
    source: str,
    at: datetime,
) -> _Row | None:
    """One record read into a draft, its problems reported; None (and rejected) when there is
    nothing to tell who the person is."""
    located = _cells(record, layout.columns, table.header)
    fields = layout.fields(located, record)
    draft, problems = contact_from_fields(fields, region=ws.config.region, source=source, at=at)
    for problem in problems:
        report.problems.append(_located(table.name, number, problem, located))
    if not identity.tells_who(draft):
        report.rejected += 1
        shown = "; ".join(f"{h}={v}" for _t, h, v in located if v)
        why = "nothing tells who this is: no name, email, phone, LinkedIn URL or street address"
        report.problems.append(Problem(table.name, number, "", shown, why))
        return None
    if not identity.match_keys(draft):
        # Nothing identifies the person (a name and an address, say): the row itself does, so
        # that importing the file again finds the contact it made instead of making another.
        draft.sources[source] = SourceRef(source, _row_id(record))
    keys = identity.match_keys(draft)
    given_id = draft.id if fields.get("id") else ""
    if given_id:
        keys.add(("id", given_id))
    return _Row(number, draft, keys, given_id)


def _row_id(record: list[str]) -> str:
    """``row:<hash>`` of a row's cells (spacing and case aside): the same row, the same id."""
    cells = "\x1f".join(" ".join(cell.split()).casefold() for cell in record)
    return "row:" + hashlib.blake2b(cells.rstrip("\x1f").encode(), digest_size=10).hexdigest()


def _located(
    file: str, number: int, problem: InvalidValue, located: list[tuple[str, str, str]]
) -> Problem:
    """The problem placed in the column that holds its value (the field's own columns first)."""
    value = str(problem.value)
    target = problem.field.lower().replace(" ", "_")
    own = [(h, v) for t, h, v in located if t == target] or [(h, v) for _t, h, v in located]
    column = next((h for h, v in own if v == value), None) or next(
        (h for h, v in own if value in v), own[0][0] if own else ""
    )
    return Problem(file, number, column, value, problem.why)


def _group_rows(rows: list[_Row]) -> list[list[_Row]]:
    """Rows sharing any identity key, in file order of their first row (union-find); a row
    whose first name differs from the row that holds the key is another member of a household."""
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, str], int] = {}
    for i, row in enumerate(rows):
        for key in row.keys:
            if key in owner and identity.names_conflict(rows[owner[key]].draft, row.draft):
                continue
            if key in owner:
                a, b = root(owner[key]), root(i)
                parent[max(a, b)] = min(a, b)
            else:
                owner[key] = i
    groups: dict[int, list[_Row]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(root(i), []).append(row)
    return list(groups.values())


def _save(ws: Workspace, groups: list[list[_Row]], source: str, at: datetime) -> list[Upsert]:
    """Save each group as one draft: rows naming an existing relationkit id update that contact
    in place; the rest go through ``upsert_many`` (identity keys decide)."""
    from .workspace import Upsert

    drafts = [_combined(group) for group in groups]
    results: dict[int, Upsert] = {}
    for position, draft in enumerate(drafts):
        if any(row.given_id for row in groups[position]):
            try:
                existing = ws.get_contact(draft.id)
            except NotFound:
                continue
            changed = _fold(existing, draft)
            if changed:
                ws.save_contact(existing, changed=changed)
            results[position] = Upsert(existing, "updated" if changed else "unchanged", changed)
    rest = [i for i in range(len(drafts)) if i not in results]
    for position, result in zip(
        rest, ws.upsert_many([drafts[i] for i in rest], source=source, at=at), strict=True
    ):
        results[position] = result
    return [results[i] for i in range(len(drafts))]


def _combined(group: list[_Row]) -> Contact:
    """One draft from rows of the same person; a field any row gives keeps its provenance."""
    draft = group[0].draft
    for row in group[1:]:
        _fold(draft, row.draft)
        for name, provenance in row.draft.provenance.items():
            draft.provenance.setdefault(name, provenance)
    draft.id = next((row.given_id for row in group if row.given_id), draft.id)
    return draft


def _fold(contact: Contact, draft: Contact) -> list[str]:
    """Apply the fields ``draft`` gives to ``contact`` as an upsert does (lists united, custom
    fields added, notes appended, anything else replaced); the names of fields that changed."""
    changed = []
    for name in CONTACT_FIELDS:
        if name not in draft.provenance:
            continue
        value, current = getattr(draft, name), getattr(contact, name)
        if name == "external_ids":
            value = united(current, value)  # K-1 and k1 are one number
        elif name in _LIST_FIELDS:
            value = current + [v for v in value if v not in current]
        elif name == "custom":
            value = {**current, **value}
        elif name == "notes" and current and value not in current:
            value = f"{current}\n\n{value}"
        provenance = draft.provenance[name]
        if contact.set(name, value, source=provenance.source, at=provenance.at):
            changed.append(name)
    return changed


def _count(report: ImportReport, group: list[_Row], result: Upsert) -> None:
    if result.action == "unchanged":
        report.unchanged += len(group)
        return
    setattr(report, result.action, getattr(report, result.action) + 1)
    report.merged += len(group) - 1
    if result.review:
        report.needs_review += 1


# -- purchases -------------------------------------------------------------------------------


def import_purchases_csv(
    ws: Workspace,
    path: Path | str,
    *,
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    source: str = "csv",
    encoding: str | None = None,
) -> ImportReport:
    """Import purchases (a till's or online shop's export), each line matched to a customer.

    A line's customer is found by email, else phone, else a name only one contact has. Lines
    matched to nobody are reported (``needs_review``) and kept in ``report.unmatched`` with the
    file's header (:meth:`ImportReport.write_unmatched` writes them out to fix and import
    again); unreadable lines are ``rejected``. Lines with the same order id are one purchase
    (:mod:`relationkit.orders`): amounts added up, items listed, the order's fields (date,
    customer, currency, status) taken from its first line when later ones leave them blank, a
    negative line a refund of the order; a status column and a refunded-amount column are read.
    Each purchase's id is ``order:<order id>`` or, without one, ``line:<hash of its date,
    amount, customer and items>`` (``#2``, ``#3`` for repeats in the file), under ``source``:
    re-importing a file, or a later and longer export, updates each order and records nothing
    twice. Give two shops' files different ``source`` names if their order numbers could
    collide. Unrecognised columns are not imported (reported).
    """
    path = Path(path)
    table = _read_table(path, encoding, PURCHASE_HEADER_SYNONYMS, mapping)
    report = _report(table)
    columns = map_headers(
        table.header, mapping, synonyms=PURCHASE_HEADER_SYNONYMS, keep_unknown=False
    )
    ignored = {_fold_header(c) for c, f in (mapping or {}).items() if f.strip().lower() == IGNORE}
    for index, header in enumerate(table.header):
        if index not in columns and header and _fold_header(header) not in ignored:
            why = "column not imported; --map it to items or note to keep it, or to ignore"
            report.problems.append(Problem(table.name, table.header_row, header, "", why))
    finder = _CustomerFinder(ws, preload=len(table.rows) >= _PRELOAD_ROWS)
    seen: dict[str, int] = {}
    orders = OrderCollector(ws)
    previous: dict[str, str] = {}
    order = ("", "")  # the last line's order key and currency
    total = len(table.rows)
    for done, (number, record) in enumerate(table.rows, start=1):
        located = _cells(record, columns, table.header)
        fields: dict[str, str] = {}
        for target, _header, value in located:
            if not fields.get(target):
                fields[target] = value
        if fields.get("order_id") and fields["order_id"] == previous.get("order_id"):
            for name in _ORDER_FIELDS:  # the order's fields, left blank on its later lines
                if not fields.get(name) and previous.get(name):
                    fields[name] = previous[name]
            if not fields.get("amount"):
                fields["amount"] = "0"  # an item of an order whose total is on its first line
        previous = fields
        purchase, problems = purchase_fields(
            fields, region=ws.config.region, currency=ws.config.currency, source=source
        )
        report.problems += [_located(table.name, number, p, located) for p in problems]
        if purchase is None:
            report.rejected += 1
            continue
        contact_id, why = finder.find(fields)
        if contact_id is None:
            report.needs_review += 1
            report.unmatched.append(record)
            shown = fields.get("email") or fields.get("phone") or _full_name(fields)
            report.problems.append(Problem(table.name, number, "", shown, why))
            continue
        purchase.contact_id = contact_id
        purchase.external_id = _purchase_id(purchase, fields, seen)
        if purchase.external_id == order[0] and purchase.currency != order[1]:
            why = f"is not its order's currency ({order[1]}); amounts are never added across"
            report.problems.append(Problem(table.name, number, "", purchase.currency, why))
            report.rejected += 1
            continue
        order = (purchase.external_id, purchase.currency)
        orders.add(
            purchase,
            status_given=bool(fields.get("status")),
            refunded_given=bool(fields.get("refunded")),
        )
        if progress and done % _CHUNK == 0:
            progress(done, total)
    counts = orders.finish()
    report.created += counts.created
    report.updated += counts.updated
    report.unchanged += counts.unchanged + counts.kept_corrected
    if progress:
        progress(total, total)
    return report


def _full_name(fields: Mapping[str, str]) -> str:
    parts = (fields.get("given_name", ""), fields.get("family_name", ""))
    return fields.get("name") or " ".join(p for p in parts if p)


def _purchase_id(purchase: Purchase, fields: Mapping[str, str], seen: dict[str, int]) -> str:
    """``order:GL-1001`` (every line of that order) or ``line:<hash>`` for a line without an
    order id; a repeat of such a line within the file gets ``#2``, ``#3``."""
    if purchase.external_id:
        return f"{ORDER_PREFIX}{purchase.external_id}"
    who = (
        fields.get("email", "").lower(),
        fields.get("phone", ""),
        _full_name(fields).casefold(),
    )
    what = (purchase.date.isoformat(), str(purchase.amount), purchase.currency)
    line = "\x1f".join((*who, *what, purchase.category, purchase.items, purchase.note))
    base = "line:" + hashlib.blake2b(line.encode(), digest_size=10).hexdigest()
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}#{seen[base]}"


class _CustomerFinder:
    """Finds a purchase line's customer: email, then phone, then a name only one contact has."""

    def __init__(self, ws: Workspace, *, preload: bool = False) -> None:
        self.ws = ws
        self.cache: dict[tuple[str, str], tuple[str | None, str]] = {}
        # For a large file: every email and phone's owner read at once, not one query each.
        self.owners = ws.key_owners(("email", "phone")) if preload else {}

    def find(self, fields: Mapping[str, str]) -> tuple[str | None, str]:
        """``(contact id, "")`` or ``(None, why not)``."""
        tried = []
        for kind, value in (
            ("email", fields.get("email", "")),
            ("phone", fields.get("phone", "")),
            ("name", _full_name(fields)),
        ):
            if not value:
                continue
            key = (kind, value.casefold())
            if key not in self.cache:
                self.cache[key] = (
                    self._by_name(value) if kind == "name" else self._by_ref(kind, value)
                )
            found, why = self.cache[key]
            if found:
                return found, ""
            tried.append(why)
        return None, "; ".join(tried) or "no customer email, phone or name on this line"

    def _by_ref(self, kind: str, value: str) -> tuple[str | None, str]:
        if self.owners:
            try:
                normalised = (
                    identity.normalise_email(value)
                    if kind == "email"
                    else identity.normalise_phone(value, self.ws.config.region)
                )
            except InvalidValue:
                normalised = ""
            owner = self.owners.get((kind, normalised))
            if owner is not None:
                return owner, ""  # merges move keys to the survivor
        try:
            return self.ws.get_contact(value).id, ""
        except NotFound:
            return None, f"no customer has the {kind} {value}"

    def _by_name(self, name: str) -> tuple[str | None, str]:
        wanted = identity.fold(name)
        same = [c for c in self.ws.find_contacts(name) if identity.fold(c.name) == wanted]
        if len(same) == 1:
            return same[0].id, ""
        if same:
            return None, f"{len(same)} customers are called {name}; add their email or phone"
        return None, f"no customer is called {name}"
