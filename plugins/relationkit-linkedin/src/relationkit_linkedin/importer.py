"""``relationkit linkedin import``: record which customers the owner is connected with.

Each connection is matched to a customer (:mod:`.matching`). A matched customer gets the
profile URL, company and position with provenance ``linkedin``, and the connection date in
``custom["LinkedIn connected on"]`` (ISO date). Values carry the export's time: a value on file
that is newer than the export (the owner typed a new company yesterday) is kept. Connections
who are not customers are not added; uncertain ones (a customer's email under another name, or
another profile than hers) wait in :mod:`.review` and change nothing; a connection whose
profile and email belong to two different customers puts that pair in the duplicates queue.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from relationkit.importers import Problem
from relationkit.models import Contact
from relationkit.workspace import Workspace

from . import review
from .export import Connection, read_export
from .matching import Match, Matcher

SOURCE = "linkedin"
CONNECTED_ON = "LinkedIn connected on"  # custom field: ISO date, or "unknown"


@dataclass
class Row:
    """What happened to one line of the export."""

    line: int
    name: str
    outcome: str  # matched, queued, skipped
    why: str
    contact_id: str = ""


@dataclass
class ImportResult:
    """Counts and, line by line, what an import did. ``matched`` = ``updated`` + unchanged."""

    file: str
    matched: int = 0
    updated: int = 0
    queued: int = 0
    skipped: int = 0
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    has_email_column: bool = True

    def skipped_reasons(self) -> Counter[str]:
        return Counter(r.why for r in self.rows if r.outcome == "skipped")


def import_connections(
    ws: Workspace, path: Path, *, exported_at: datetime | None = None
) -> ImportResult:
    """Import ``Connections.csv`` into ``ws``; ``exported_at`` defaults to the file's mtime."""
    export = read_export(path)
    at = exported_at or datetime.fromtimestamp(path.stat().st_mtime, UTC)
    result = ImportResult(export.file, problems=export.problems)
    result.has_email_column = export.has_email_column
    with ws.transaction():
        matcher = Matcher(ws.contacts())
        entries = review.load(ws)
        # Certain matches first: a customer they give a profile to is then out of the running
        # for name matches, so one import decides what importing it twice would.
        for connection in sorted(export.connections, key=lambda c: not matcher.is_certain(c)):
            entry = entries.get(connection.slug)
            match = matcher.match(connection, entry.rejected if entry else ())
            row = _record(ws, connection, match, at, entries, entry)
            result.rows.append(row)
            if row.outcome == "matched":
                result.matched += 1
                result.updated += row.why == "updated"
            elif row.outcome == "queued":
                result.queued += 1
            else:
                result.skipped += 1
        review.save(ws, entries)
    result.rows.sort(key=lambda row: row.line)
    return result


def _record(
    ws: Workspace,
    connection: Connection,
    match: Match,
    at: datetime,
    entries: dict[str, review.Pending],
    entry: review.Pending | None,
) -> Row:
    row = Row(connection.line, connection.name, "skipped", match.why)
    if match.outcome == "matched":
        contact = match.contact
        changed = apply_connection(contact, connection, at)
        if changed:
            ws.save_contact(contact, changed=changed)
        from .rule import close_suggestions  # the rule reads this module's is_connected

        close_suggestions(ws, contact, connection.connected_on or at.date())
        if entry is not None:
            del entries[connection.slug]
        why = "updated" if changed else "unchanged"
        return Row(connection.line, connection.name, "matched", why, contact.id)
    if match.outcome == "conflict":
        a, b = (c.contact.id for c in match.candidates)
        reasons = [f"LinkedIn export line {connection.line}: one has the profile, one the email"]
        ws.queue_review(a, b, 1.0, reasons, SOURCE)
        row.outcome, row.why = "queued", "its profile and email belong to two customers"
        return row
    if match.outcome == "review":
        if not connection.slug:
            row.why = "no profile URL to review it by"
            return row
        candidates = [
            {"id": c.contact.id, "score": round(c.score, 3), "reasons": c.reasons}
            for c in match.candidates
        ]
        rejected = entry.rejected if entry else []
        entries[connection.slug] = review.Pending(connection, candidates, rejected)
        row.outcome = "queued"
        row.why = "; ".join(" and ".join(c.reasons) for c in match.candidates)
    return row


def apply_connection(contact: Contact, connection: Connection, at: datetime) -> list[str]:
    """Give ``contact`` the connection's profile, company, position and date; changed fields."""
    changed = []
    for name in ("linkedin_url", "company", "position"):
        value = getattr(connection, name if name != "linkedin_url" else "url")
        known = contact.provenance.get(name)
        if not value or (known and known.at > at and getattr(contact, name)):
            continue  # nothing to say, or the value on file is newer than the export
        if contact.set(name, value, source=SOURCE, at=at):
            changed.append(name)
    on = connection.connected_on.isoformat() if connection.connected_on else "unknown"
    if contact.custom.get(CONNECTED_ON) in (None, "unknown") or on != "unknown":
        custom = {**contact.custom, CONNECTED_ON: on}
        if contact.set("custom", custom, source=SOURCE, at=at):
            changed.append("custom")
    return changed


def is_connected(contact: Contact) -> bool:
    """Has an import recorded that the owner is connected with this customer?"""
    return CONNECTED_ON in contact.custom


def link(ws: Workspace, ref: str, contact_ref: str, at: datetime | None = None) -> Contact:
    """The owner says waiting connection ``ref`` is customer ``contact_ref``: record it."""
    with ws.transaction():
        entries, entry = review.take(ws, ref)
        contact = ws.get_contact(contact_ref)
        changed = apply_connection(contact, entry.connection, at or datetime.now(UTC))
        if changed:
            ws.save_contact(contact, changed=changed)
        del entries[entry.connection.slug]
        review.save(ws, entries)
    return contact


def not_a_match(ws: Workspace, ref: str) -> review.Pending:
    """The owner says waiting connection ``ref`` is none of its candidates (remembered)."""
    with ws.transaction():
        entries, entry = review.take(ws, ref)
        entry.rejected = list(dict.fromkeys(entry.rejected + [c["id"] for c in entry.candidates]))
        entry.candidates = []
        review.save(ws, entries)
    return entry
