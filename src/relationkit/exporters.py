"""Export contacts as CSV (re-importable unchanged) or vCard 3.0/4.0."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Literal

from .csvfiles import SpreadsheetWriter
from .importers import map_headers
from .models import Contact, PartialDate

if TYPE_CHECKING:
    from .workspace import Workspace

# (header, value) per column; every header reads back as its field through HEADER_SYNONYMS.
_COLUMNS: tuple[tuple[str, Callable[[Contact], str]], ...] = (
    ("relationkit id", lambda c: c.id),
    ("Name", lambda c: c.display_name),
    ("Given Name", lambda c: c.given_name),
    ("Middle Name", lambda c: c.middle_name),
    ("Family Name", lambda c: c.family_name),
    ("Nickname", lambda c: c.nickname),
    ("Email", lambda c: "; ".join(c.emails)),
    ("Phone", lambda c: "; ".join(c.phones)),
    ("Street", lambda c: c.address.street if c.address else ""),
    ("Address 2", lambda c: c.address.extended if c.address else ""),
    ("City", lambda c: c.address.city if c.address else ""),
    ("State", lambda c: c.address.region if c.address else ""),
    ("Postal Code", lambda c: c.address.postal_code if c.address else ""),
    ("Country", lambda c: c.address.country if c.address else ""),
    ("Address Label", lambda c: c.address.label if c.address else ""),
    ("Company", lambda c: c.company),
    ("Position", lambda c: c.position),
    ("Birthday", lambda c: c.birthday.iso() if c.birthday else ""),
    ("Anniversary", lambda c: c.anniversary.iso() if c.anniversary else ""),
    ("Milestones", lambda c: "; ".join(f"{m.label}: {m.date.iso()}" for m in c.milestones)),
    (
        "Family",
        lambda c: "; ".join(
            f"{m.relation}: {m.name}" + (f" ({m.birthday.iso()})" if m.birthday else "")
            for m in c.family
        ),
    ),
    ("Interests", lambda c: "; ".join(c.interests)),
    ("Tags", lambda c: "; ".join(c.tags)),
    ("Notes", lambda c: c.notes),
    ("Preferred Channel", lambda c: c.preferred_channel.value if c.preferred_channel else ""),
    ("Marketing", lambda c: _yes_no(c.consent.marketing)),
    ("Consent Date", lambda c: c.consent.given_at.isoformat() if c.consent.given_at else ""),
    ("Consent Source", lambda c: c.consent.source),
    ("Consent Channels", lambda c: "; ".join(ch.value for ch in c.consent.channels)),
    ("Do Not Contact", lambda c: _yes_no(c.consent.do_not_contact)),
    ("LinkedIn", lambda c: c.linkedin_url),
)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def export_csv(ws: Workspace, fh: IO[str], *, raw: bool = False) -> int:
    """Write every contact as one CSV row with all its fields; returns the number of rows.

    Lists are joined with ``; ``; external ids take a column per kind (``Customer number``,
    or ``External ID: <kind>`` for a kind no usual header names); each custom field is a column
    of its own (headed ``custom: <name>`` when its name would read as a standard column). A cell
    a spreadsheet would run as a formula gets a leading ``'``
    (:func:`~relationkit.csvfiles.escape_formula`) unless ``raw``. Importing the file with
    :func:`~relationkit.importers.import_contacts_csv` changes nothing.
    """
    contacts = list(ws.contacts())
    kinds = sorted({item.kind for contact in contacts for item in contact.external_ids})
    custom_keys = sorted({key for contact in contacts for key in contact.custom})
    standard = [header for header, _value in _COLUMNS] + [_kind_header(k) for k in kinds]
    custom_headers = [_custom_header(key, standard) for key in custom_keys]
    writer = SpreadsheetWriter(fh, raw=raw)
    writer.writerow(standard + custom_headers)
    for contact in contacts:
        row = [value(contact) for _header, value in _COLUMNS]
        row += ["; ".join(x.value for x in contact.external_ids if x.kind == k) for k in kinds]
        writer.writerow(row + [contact.custom.get(key, "") for key in custom_keys])
    return len(contacts)


def _kind_header(kind: str) -> str:
    """``Customer number`` when import reads that header as this kind, else
    ``External ID: <kind>``."""
    plain = kind.capitalize()
    return plain if map_headers([plain]).get(0) == f"external_id:{kind}" else f"External ID: {kind}"


def _custom_header(key: str, standard: list[str]) -> str:
    """The key itself, unless it would be read back as another column."""
    plain = map_headers([*standard, key])[len(standard)] == f"custom:{key}"
    return key if plain and key.strip() == key and key else f"custom: {key}"


# -- vCard -----------------------------------------------------------------------------------


def export_vcard(ws: Workspace, fh: IO[str], version: Literal["3.0", "4.0"] | str = "4.0") -> int:
    """Write every contact as a vCard (RFC 2426 for 3.0, RFC 6350 for 4.0); returns the count.

    Year-less birthdays are ``--MMDD`` in 4.0 and, in 3.0 (which has no such dates), Apple's
    widely read ``BDAY;X-APPLE-OMIT-YEAR=1604:1604-MM-DD``. Lines end in CRLF and are folded at
    75 octets.
    """
    if version not in ("3.0", "4.0"):
        raise ValueError(f"vCard version {version!r}: use 3.0 or 4.0")
    count = 0
    for contact in ws.contacts():
        for line in vcard_lines(contact, version):
            fh.write(_folded(line))
        count += 1
    return count


def vcard_lines(contact: Contact, version: str = "4.0") -> list[str]:
    """One contact's vCard, unfolded, one property per line."""
    v4 = version == "4.0"
    lines = ["BEGIN:VCARD", f"VERSION:{version}", "PRODID:-//relationkit//relationkit//EN"]
    lines.append(f"UID;VALUE=text:{_text(contact.id)}" if v4 else f"UID:{_text(contact.id)}")
    lines.append(f"FN:{_text(contact.name)}")
    lines.append(
        "N:" + _structured(contact.family_name, contact.given_name, contact.middle_name, "", "")
    )
    if contact.nickname:
        lines.append(f"NICKNAME:{_text(contact.nickname)}")
    for n, email in enumerate(contact.emails):
        pref = (
            (";PREF=1" if v4 else ";TYPE=INTERNET,PREF")
            if n == 0
            else ("" if v4 else ";TYPE=INTERNET")
        )
        lines.append(f"EMAIL{pref}:{_text(email)}")
    for n, phone in enumerate(contact.phones):
        pref = (";PREF=1" if v4 else ";TYPE=PREF") if n == 0 else ""
        if v4 and phone.startswith("+") and phone[1:].isdigit():
            lines.append(f"TEL;VALUE=uri{pref}:tel:{phone}")
        else:
            lines.append(f"TEL{pref}:{_text(phone)}")
    if contact.address and not contact.address.is_empty():
        a = contact.address
        kind = a.label.lower() if a.label.lower() in ("home", "work") else ""
        param = f";TYPE={kind}" if kind else ""
        lines.append(
            f"ADR{param}:"
            + _structured("", a.extended, a.street, a.city, a.region, a.postal_code, a.country)
        )
    if contact.company:
        lines.append(f"ORG:{_structured(contact.company)}")
    if contact.position:
        lines.append(f"TITLE:{_text(contact.position)}")
    if contact.birthday:
        lines.append(_date_line("BDAY", contact.birthday, v4))
    if contact.anniversary:
        lines.append(_date_line("ANNIVERSARY" if v4 else "X-ANNIVERSARY", contact.anniversary, v4))
    if contact.notes:
        lines.append(f"NOTE:{_text(contact.notes)}")
    if contact.tags:
        lines.append("CATEGORIES:" + ",".join(_text(tag) for tag in contact.tags))
    if contact.linkedin_url:
        lines.append(f"URL:{contact.linkedin_url}")
    lines.append("END:VCARD")
    return lines


def _date_line(name: str, day: PartialDate, v4: bool) -> str:
    if day.year is not None:
        return f"{name}:{day.year:04d}{day.month:02d}{day.day:02d}" if v4 else f"{name}:{day.iso()}"
    if v4:
        return f"{name}:--{day.month:02d}{day.day:02d}"
    return f"{name};X-APPLE-OMIT-YEAR=1604:1604-{day.month:02d}-{day.day:02d}"


def _text(value: str) -> str:
    """A TEXT value escaped: backslash, comma, semicolon and newlines."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def _structured(*components: str) -> str:
    return ";".join(_text(c) for c in components)


def _folded(line: str) -> str:
    """The line with CRLF, folded so no physical line exceeds 75 octets (never inside a
    UTF-8 character); continuation lines start with one space."""
    data = line.encode()
    pieces = []
    start, limit = 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1
        pieces.append(data[start:end].decode())
        start, limit = end, 74
    return "\r\n ".join(pieces) + "\r\n"


__all__ = ["export_csv", "export_vcard", "vcard_lines"]
