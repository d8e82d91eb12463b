"""Merging two contacts into one without losing anything.

Rules, field by field:

- Lists (emails, phones, tags, interests, milestones, family, external ids) are united,
  survivor's first, without repeats (tags and interests compared without case; a family
  member known on both sides keeps the birthday either side knew).
- Notes: both kept; the absorbed contact's notes follow under a line naming where they came from.
- Other fields: when one side is empty the other's value is taken. When both differ, the value
  set more recently (by provenance, else by ``updated_at``) wins and the other is kept in
  ``custom`` under ``"<field> (before merge)"``, so it can always be read back.
- ``custom``: united; a key both have with different values keeps the survivor's, and the
  absorbed value goes under ``"<key> (before merge)"``.
- Consent: if either says do not contact, the merge does. Marketing consent, its date, source
  and channels come from whichever side recorded consent most recently.
- Source references and provenance are united (for one field, the newer provenance is kept);
  the ids, created_at (the earlier) and history stay with the survivor.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from ..models import (
    CONTACT_FIELDS,
    Address,
    Consent,
    Contact,
    FamilyMember,
    PartialDate,
    Provenance,
    SourceRef,
    utcnow,
)
from .external import external_id_key
from .normalise import fold

_LIST_KEYS: dict[str, Callable[[Any], Hashable]] = {
    "emails": str.lower,
    "phones": str,
    "tags": str.casefold,
    "interests": str.casefold,
    "milestones": lambda m: (fold(m.label), m.date),
    "family": lambda f: (fold(f.relation), fold(f.name)),
    "external_ids": external_id_key,
}
_SPECIAL = {"notes", "custom", "consent", *_LIST_KEYS}
BEFORE_MERGE = "{} (before merge)"


def choose_survivor(a: Contact, b: Contact) -> tuple[Contact, Contact]:
    """``(survivor, absorbed)``: the older contact survives; if equally old, the fuller one.

    Equal on both counts, the smaller id survives, so the choice never depends on order.
    """

    def rank(c: Contact) -> tuple[datetime, int, str]:
        return c.created_at, -_filled(c), c.id

    return (a, b) if rank(a) <= rank(b) else (b, a)


def merge_contacts(survivor: Contact, absorbed: Contact, *, at: datetime | None = None) -> Contact:
    """One contact holding everything both knew (see the module notes for each rule).

    Pure: neither argument changes. The result keeps the survivor's id and is stamped ``at``.
    """
    merged = survivor.copy()
    merged.id = survivor.id
    for name, key in _LIST_KEYS.items():
        setattr(merged, name, _union(getattr(survivor, name), getattr(absorbed, name), key))
    merged.family = [_fill_birthday(m, absorbed.family) for m in merged.family]
    merged.notes = _join_notes(survivor.notes, absorbed.notes, absorbed)
    merged.custom = _merge_custom(survivor.custom, absorbed.custom)
    merged.consent = _merge_consent(survivor.consent, absorbed.consent)
    merged.provenance = _merge_provenance(survivor.provenance, absorbed.provenance)
    for name in CONTACT_FIELDS:
        if name not in _SPECIAL:
            _merge_scalar(merged, survivor, absorbed, name)
    merged.sources = _merge_sources(survivor.sources, absorbed.sources)
    merged.created_at = min(survivor.created_at, absorbed.created_at)
    merged.updated_at = max(survivor.updated_at, absorbed.updated_at, at or utcnow())
    merged.merged_into = None
    if survivor.deleted_at is None or absorbed.deleted_at is None:  # one of them is a customer
        merged.deleted_at, merged.deleted_by = None, ""
    return merged


def _filled(contact: Contact) -> int:
    return sum(1 for value in contact.field_values().values() if _has(value))


def _has(value: Any) -> bool:
    if isinstance(value, Address):
        return not value.is_empty()
    if isinstance(value, Consent):
        return value != Consent()
    return bool(value)


def _union(first: list[Any], second: list[Any], key: Callable[[Any], Hashable]) -> list[Any]:
    seen: dict[Hashable, Any] = {}
    for item in [*first, *second]:
        seen.setdefault(key(item), item)
    return list(seen.values())


def _fill_birthday(member: FamilyMember, others: list[FamilyMember]) -> FamilyMember:
    """The same family member known on both sides keeps whichever birthday is known."""
    if member.birthday is not None:
        return member
    same = _LIST_KEYS["family"](member)
    known = next(
        (o.birthday for o in others if _LIST_KEYS["family"](o) == same and o.birthday), None
    )
    return FamilyMember(member.relation, member.name, known)


def _join_notes(kept: str, added: str, absorbed: Contact) -> str:
    if not added.strip() or added.strip() in kept:
        return kept
    if not kept.strip():
        return added
    return f"{kept}\n\n--- from {absorbed.name} ({absorbed.id}), merged ---\n{added}"


def _merge_custom(kept: dict[str, str], added: dict[str, str]) -> dict[str, str]:
    merged = dict(kept)
    for key, value in added.items():
        if not merged.get(key):
            merged[key] = value
        elif merged[key] != value:
            _keep_aside(merged, key, value)
    return merged


def _keep_aside(custom: dict[str, str], key: str, value: str) -> None:
    """Keep a value that lost a merge under ``"<key> (before merge)"``, adding to what is there."""
    aside = BEFORE_MERGE.format(key)
    earlier = [v for v in custom.get(aside, "").split(" | ") if v]
    if value not in earlier:
        custom[aside] = " | ".join([*earlier, value])


def _merge_consent(a: Consent, b: Consent) -> Consent:
    """Do-not-contact from either side; everything else from the most recent consent."""
    latest = max((a, b), key=lambda c: (c.given_at is not None, c.given_at or datetime.min, c is a))
    if latest.marketing is None and latest.given_at is None:
        latest = a if a.marketing is not None else b
    return Consent(
        marketing=latest.marketing,
        given_at=latest.given_at,
        source=latest.source,
        do_not_contact=a.do_not_contact or b.do_not_contact,
        channels=list(latest.channels),
    )


def _merge_scalar(merged: Contact, survivor: Contact, absorbed: Contact, name: str) -> None:
    """Take the absorbed value if the survivor has none or it is newer; keep the loser aside."""
    mine, theirs = getattr(survivor, name), getattr(absorbed, name)
    newer = _set_at(absorbed, name) > _set_at(survivor, name)
    winner, loser = (
        (absorbed, survivor) if _has(theirs) and (newer or not _has(mine)) else (survivor, absorbed)
    )
    setattr(merged, name, getattr(winner, name))
    if name in winner.provenance:
        merged.provenance[name] = winner.provenance[name]
    elif name in merged.provenance and winner is survivor:
        del merged.provenance[name]
    lost = getattr(loser, name)
    if _has(lost) and lost != getattr(winner, name):
        _keep_aside(merged.custom, name, _as_text(lost))


def _set_at(contact: Contact, name: str) -> datetime:
    found = contact.provenance.get(name)
    return found.at if found else contact.updated_at


def _as_text(value: Any) -> str:
    if isinstance(value, Address):
        return value.one_line()
    if isinstance(value, PartialDate):
        return value.iso()
    return str(value)


def _merge_sources(kept: dict[str, SourceRef], added: dict[str, SourceRef]) -> dict[str, SourceRef]:
    """Every reference survives; two items in one tool both stay (the second keyed by its id)."""
    merged = dict(kept)
    for key, ref in added.items():
        current = merged.get(key)
        if current is None:
            merged[key] = ref
        elif (current.connector, current.external_id) != (ref.connector, ref.external_id):
            merged[f"{key}#{ref.external_id}"] = ref
        elif _newer(ref, current):
            merged[key] = ref
    return merged


def _newer(ref: SourceRef, than: SourceRef) -> bool:
    return ref.last_seen is not None and (than.last_seen is None or ref.last_seen > than.last_seen)


def _merge_provenance(
    kept: dict[str, Provenance], added: dict[str, Provenance]
) -> dict[str, Provenance]:
    merged = dict(kept)
    for name, prov in added.items():
        if name not in merged or prov.at > merged[name].at:
            merged[name] = prov
    return merged
