"""CSV import of contacts and purchases, with columns recognised by their headers.

Headers are matched case-, space- and punctuation-insensitively against :data:`HEADER_SYNONYMS`
(contacts) and :data:`PURCHASE_HEADER_SYNONYMS` (purchases); ``mapping`` (``--map
COLUMN=field``) overrides the guess, and ``ignore`` skips a column. :func:`map_headers` is the
one place this happens, so the Google Sheets plugin reads a sheet exactly as a CSV file is read.

Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import identity
from .errors import InvalidValue, NotFound
from .models import CONTACT_FIELDS, Contact, Purchase, SourceRef, utcnow
from .parsing import contact_from_fields, purchase_fields

if TYPE_CHECKING:
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
    "city": ("city", "town", "address city", "home city", "default address city"),
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
        "paid at", "created", "day",
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
        "receipt number", "invoice", "invoice number", "sale id",
    ),
}  # fmt: skip

IGNORE = "ignore"
CUSTOM = "custom"
# Fields that take several columns (Email, Email 2); a second column for any other field is
# kept as a custom field under its own header.
_REPEATABLE = frozenset(
    {"email", "phone", "tags", "interests", "notes", "children", "family", "milestones"}
)
_CHUNK = 1000  # drafts per upsert_many call (one transaction each)
_LIST_FIELDS = frozenset({"emails", "phones", "tags", "interests", "milestones", "family"})


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

    Purchases: ``created`` lines were recorded, ``unchanged`` ones were already recorded,
    ``rejected`` ones could not be read and ``needs_review`` ones matched no customer: those
    are kept in ``unmatched`` (cells as in the file, under ``header``).
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

    def write_unmatched(self, path: Path) -> None:
        """Write the unmatched purchase lines, with the file's header, as a CSV file to fix and
        import again (already recorded lines are not counted twice)."""
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.header)
            writer.writerows(self.unmatched)


# -- headers ---------------------------------------------------------------------------------


def _fold_header(text: str) -> str:
    """``E-mail Address `` -> ``emailaddress``: case, accents, spaces and punctuation ignored."""
    bare = unicodedata.normalize("NFKD", text.casefold())
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

    A field is a key of ``synonyms``, or ``custom:<name>`` for a column kept as a custom field:
    a column not recognised (unless ``keep_unknown`` is false), a second column for a field that
    takes one (a second ``Company``), or a header written ``custom: X``. Columns mapped to
    ``ignore`` are left out, as are unrecognised ones without ``keep_unknown``.

    ``overrides`` maps a column (its header as written, or case/punctuation-insensitively) to a
    field, ``custom`` or ``ignore``; an unknown column or field raises :class:`InvalidValue`.
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
        if target and (target not in taken or target in _REPEATABLE):
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
        elif not name.startswith("custom:") and name not in synonyms:
            choices = ", ".join([*fields, CUSTOM, IGNORE])
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
    """A CSV file's header and its records, numbered as a spreadsheet shows them."""

    name: str
    header: list[str]
    header_row: int
    rows: list[tuple[int, list[str]]]


def _read_table(path: Path) -> _Table:
    """Decode (UTF-8 with or without BOM, else Windows-1252), sniff the delimiter, find the
    header (the first non-blank row) and keep non-blank records with their row numbers."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    sample = "\n".join(text.splitlines()[:50])
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    header: list[str] | None = None
    header_row = 0
    rows: list[tuple[int, list[str]]] = []
    for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), start=1):
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header, header_row = [cell.strip() for cell in record], number
        else:
            rows.append((number, record))
    return _Table(path.name, header or [], header_row, rows)


def _cells(
    record: list[str], columns: Mapping[int, str], header: list[str]
) -> list[tuple[str, str, str]]:
    """``(field, column header, value)`` for mapped cells, then cells beyond the header (kept
    as custom fields ``column N``)."""
    cells = [
        (target, header[index], record[index].strip() if index < len(record) else "")
        for index, target in columns.items()
    ]
    for index in range(len(header), len(record)):
        name = f"column {index + 1}"
        cells.append((f"custom:{name}", name, record[index].strip()))
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
) -> ImportReport:
    """Import contacts from a CSV file; each row is saved with :meth:`Workspace.upsert_many`.

    A row with unreadable values still imports with the rest (each problem is reported and
    the value kept, see :func:`~relationkit.parsing.contact_from_fields`); a row with no name,
    email, phone or LinkedIn URL is rejected. Rows of the same file that share an email, phone,
    LinkedIn URL or relationkit id are one person: they are combined (later rows win for
    single values, lists are united) before saving. A row with none of these (a name and an
    address) is known by its content, recorded as a source reference of the file. So
    importing the same file again changes nothing. ``dry_run`` does all of it in a transaction
    that is then rolled back.
    """
    path = Path(path)
    table = _read_table(path)
    report = ImportReport(file=table.name, header=table.header)
    columns = map_headers(table.header, mapping)
    source, at = f"csv:{path.name}", utcnow()
    total = len(table.rows)
    report_progress = progress or (lambda _done, _total: None)
    rows: list[_Row] = []
    for done, (number, record) in enumerate(table.rows, start=1):
        row = _contact_row(ws, report, table, columns, number, record, source, at)
        if row is not None:
            rows.append(row)
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


class _RollBack(Exception):
    """Raised inside a dry run's transaction so that nothing it did is kept."""


def _contact_row(
    ws: Workspace,
    report: ImportReport,
    table: _Table,
    columns: Mapping[int, str],
    number: int,
    record: list[str],
    source: str,
    at: datetime,
) -> _Row | None:
    """One record read into a draft, its problems reported; None (and rejected) when there is
    nothing to tell who the person is."""
    fields: dict[str, Any] = {}
    custom: dict[str, str] = {}
    located = _cells(record, columns, table.header)
    for target, _header, value in located:
        if target.startswith("custom:"):
            if value:
                custom[target[7:]] = value
        elif target in _REPEATABLE:
            fields.setdefault(target, []).append(value)
        else:
            fields[target] = value
    fields["custom"] = custom
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
        if name in _LIST_FIELDS:
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
) -> ImportReport:
    """Import purchases (a till's or online shop's export), each line matched to a customer.

    A line's customer is found by email, else phone, else a name only one contact has. Lines
    matched to nobody are reported (``needs_review``) and kept in ``report.unmatched`` with the
    file's header (:meth:`ImportReport.write_unmatched` writes them out to fix and import
    again); unreadable lines are ``rejected``. Each purchase's id is ``order:<order id>`` or,
    without one, ``line:<hash of its date, amount, customer and items>`` (``#2``, ``#3`` for
    repeats in the file), under ``source``: re-importing a file, or an export overlapping an
    earlier one, records nothing twice. Give two shops' files different ``source`` names if
    their order numbers could collide. Unrecognised columns are not imported (reported).
    """
    path = Path(path)
    table = _read_table(path)
    report = ImportReport(file=table.name, header=table.header)
    columns = map_headers(
        table.header, mapping, synonyms=PURCHASE_HEADER_SYNONYMS, keep_unknown=False
    )
    ignored = {_fold_header(c) for c, f in (mapping or {}).items() if f.strip().lower() == IGNORE}
    for index, header in enumerate(table.header):
        if index not in columns and header and _fold_header(header) not in ignored:
            why = "column not imported; --map it to items or note to keep it, or to ignore"
            report.problems.append(Problem(table.name, table.header_row, header, "", why))
    finder = _CustomerFinder(ws)
    seen: dict[str, int] = {}
    batch: list[Purchase] = []
    total = len(table.rows)
    for done, (number, record) in enumerate(table.rows, start=1):
        located = _cells(record, columns, table.header)
        fields: dict[str, str] = {}
        for target, _header, value in located:
            if not fields.get(target):
                fields[target] = value
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
        batch.append(purchase)
        if len(batch) >= _CHUNK:
            _record(ws, batch, report)
        if progress and done % _CHUNK == 0:
            progress(done, total)
    _record(ws, batch, report)
    if progress:
        progress(total, total)
    return report


def _record(ws: Workspace, batch: list[Purchase], report: ImportReport) -> None:
    if batch:
        fresh = ws.record_purchases(batch)
        report.created += fresh
        report.unchanged += len(batch) - fresh
        batch.clear()


def _full_name(fields: Mapping[str, str]) -> str:
    parts = (fields.get("given_name", ""), fields.get("family_name", ""))
    return fields.get("name") or " ".join(p for p in parts if p)


def _purchase_id(purchase: Purchase, fields: Mapping[str, str], seen: dict[str, int]) -> str:
    """``order:GL-1001`` or ``line:<hash>``; a repeat within the file gets ``#2``, ``#3``."""
    if purchase.external_id:
        base = f"order:{purchase.external_id}"
    else:
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

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.cache: dict[tuple[str, str], tuple[str | None, str]] = {}

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
