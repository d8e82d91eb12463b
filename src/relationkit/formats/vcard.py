"""vCard import (2.1, 3.0, 4.0) with :mod:`vobject`: what iPhone, macOS and Android share
contacts as, and what ``relationkit export vcard`` writes.

vobject unfolds lines and decodes quoted-printable and charsets; this module reads its
properties into the fields :func:`~relationkit.parsing.contact_from_fields` takes: Apple's
``X-APPLE-OMIT-YEAR`` and ``--MMDD`` birthdays as year-less dates, grouped properties
(``item1.URL`` with ``item1.X-ABLabel:LinkedIn``) by their label, photos left out with a note.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import vobject

from ..errors import InvalidValue
from ..importers import PREVIEW_ROWS, ImportReport, Problem, _RollBack
from ..models import SourceRef, utcnow
from ..parsing import contact_from_fields
from .contacts import _event, _relation, _website, preview_row
from .layout import Understood

if TYPE_CHECKING:
    from ..workspace import Workspace

_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")  # _$!<Anniversary>!$_ -> Anniversary
_SKIPPED = {"PHOTO": "photos", "LOGO": "logos", "SOUND": "sounds", "KEY": "keys"}


def import_vcard(ws: Workspace, path: Path | str, *, dry_run: bool = False) -> ImportReport:
    """Import every card of a ``.vcf`` file; re-importing finds the same contacts (by email,
    phone, LinkedIn URL, else the card's UID under source ``vcard:<file name>``)."""
    path = Path(path)
    report = ImportReport(file=path.name, read_as="read as vCard")
    report.understood = Understood("vcard", "vCard file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    source, at = f"vcard:{path.name}", utcnow()
    drafts = []
    try:
        with _unreadable_lines() as skipped:
            cards = [
                (card, len(skipped))  # lines skipped up to the end of this card
                for card in vobject.readComponents(_join_soft_breaks(text), ignoreUnreadable=True)
            ]
    except vobject.base.ParseError as error:
        line = getattr(error, "lineNumber", None)
        where = f" (line {line} cannot be read)" if line else ""
        raise InvalidValue("file", path.name, f"is not a readable vCard file{where}") from None
    before = 0
    for number, (card, skipped_so_far) in enumerate(cards, start=1):
        if skipped_so_far > before:
            why = f"{skipped_so_far - before} line(s) of this card could not be read; left out"
            report.problems.append(Problem(path.name, number, "", "", why))
        before = skipped_so_far
        fields = _card_fields(card, report.understood)
        draft, problems = contact_from_fields(fields, region=ws.config.region, source=source, at=at)
        for problem in problems:
            report.problems.append(
                Problem(path.name, number, problem.field, str(problem.value), problem.why)
            )
        if not draft.name and not draft.emails and not draft.phones:
            report.rejected += 1
            report.problems.append(
                Problem(path.name, number, "", "", "card has no name, email or phone")
            )
            continue
        uid = _value(card, "uid")
        draft.sources[source] = SourceRef(source, uid or f"card:{number}")
        drafts.append(draft)
        if len(report.understood.preview) < PREVIEW_ROWS:
            report.understood.preview.append(preview_row(draft))
    try:
        with ws.transaction() if dry_run else nullcontext():
            for result in ws.upsert_many(drafts, source=source, at=at):
                setattr(report, result.action, getattr(report, result.action) + 1)
                report.needs_review += bool(result.review)
            if dry_run:
                raise _RollBack  # out of the transaction: nothing kept
    except _RollBack:
        pass
    return report


@contextmanager
def _unreadable_lines() -> Iterator[list[int]]:
    """A growing list of the lines vobject skips as unreadable (its own line numbers). vobject
    logs each with the line's text (customer data), so its log is taken over while reading."""
    lines: list[int] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if found := re.match(r"Skipped line (\d+)", record.getMessage()):
                lines.append(int(found.group(1)))

    logger = logging.getLogger("vobject.base")
    handler, propagate = Collect(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _join_soft_breaks(text: str) -> str:
    """Quoted-printable values (vCard 2.1, old Android) continue a line ending in ``=`` on the
    next, unindented, line; vobject reads only folded (indented) lines, so join them first."""
    out: list[str] = []
    joining = False
    for line in text.splitlines():
        if joining:
            out[-1] = out[-1][:-1] + line
        else:
            out.append(line)
        head = out[-1].split(":", 1)[0].upper()
        joining = "QUOTED-PRINTABLE" in head and out[-1].endswith("=")
    return "\n".join(out) + "\n"


def _value(card: Any, name: str) -> str:
    child = getattr(card, name, None)
    return str(child.value).strip() if child is not None else ""


def _card_fields(card: Any, understood: Understood) -> dict[str, Any]:
    """One card's properties as contact fields."""
    fields: dict[str, Any] = {"custom": {}, "email": [], "phone": [], "tags": []}
    labels = {
        child.group: _label(str(child.value))
        for child in card.getChildren()
        if child.group and child.name == "X-ABLABEL"
    }
    for child in card.getChildren():
        name, value = child.name, child.value
        label = labels.get(child.group, "") if child.group else ""
        if name in _SKIPPED:
            understood.ignore(f"{_SKIPPED[name]} (not stored)", name)
        elif name == "FN":
            fields["name"] = str(value)
        elif name == "N":
            fields.update(
                given_name=value.given, middle_name=value.additional, family_name=value.family
            )
            prefix, suffix = _joined(value.prefix), _joined(value.suffix)
            if prefix or suffix:
                parts = (prefix, value.given, _joined(value.additional), value.family, suffix)
                fields.setdefault("name", " ".join(p for p in map(_joined, parts) if p))
        elif name == "NICKNAME":
            fields["nickname"] = _joined(value)
        elif name == "EMAIL":
            fields["email"].append(str(value))
        elif name == "TEL":
            fields["phone"].append(str(value).removeprefix("tel:"))
        elif name == "ADR" and "street" not in fields:
            parts = ("street", "extended", "city", "region", "code", "country")
            fields.update({p: _joined(getattr(value, p)) for p in parts})
            fields["postal_code"] = fields.pop("code")
            kinds = [t.lower() for t in child.params.get("TYPE", [])]
            fields["address_label"] = next((k for k in kinds if k in ("home", "work")), "")
        elif name == "ORG":
            fields["company"] = _joined(value[0] if isinstance(value, list) else value)
        elif name == "TITLE":
            fields["position"] = str(value)
        elif name == "NOTE":
            fields["notes"] = str(value)
        elif name == "CATEGORIES":
            fields["tags"] += list(value) if isinstance(value, list) else [str(value)]
        elif name == "BDAY":
            fields["birthday"] = _date(str(value), child.params)
        elif name in ("ANNIVERSARY", "X-ANNIVERSARY"):
            fields["anniversary"] = _date(str(value), child.params)
        elif name == "X-ABDATE":
            _event(fields, label, _date(str(value), child.params))
        elif name == "X-ABRELATEDNAMES" or name == "RELATED":
            _relation(fields, label or _joined(child.params.get("TYPE", [""])), str(value))
        elif name in ("URL", "X-SOCIALPROFILE"):
            _website(fields, label, str(value))
    return fields


def _label(text: str) -> str:
    found = _APPLE_LABEL.match(text.strip())
    return found.group(1) if found else text.strip()


def _joined(value: Any) -> str:
    return " ".join(str(v) for v in value if v) if isinstance(value, list) else str(value or "")


def _date(text: str, params: dict[str, list[str]]) -> str:
    """``1604-05-12`` with ``X-APPLE-OMIT-YEAR=1604`` is ``--05-12``; ``--0512`` stays as it is."""
    omitted = params.get("X-APPLE-OMIT-YEAR", [""])[0]
    compact = text.strip()
    if omitted and compact.startswith(omitted):
        return "--" + compact[len(omitted) :].lstrip("-")
    return compact.split("T")[0]
