"""Splitting a merge back into the two contacts it came from.

A merge record keeps three snapshots: the survivor and the absorbed contact just before the
merge, and the merged contact the merge made. :func:`split_survivor` gives the survivor back
its own values while keeping every edit made since the merge, field by field:

- a field still as the merge left it gets the survivor's value from before the merge;
- a list (emails, phones, tags...) edited since keeps the edit, minus the items that came only
  from the absorbed contact;
- ``custom`` is judged key by key the same way (a key set since the merge stays);
- notes edited since lose the absorbed contact's notes the merge added, and keep the rest;
- any other field edited since keeps the edit.

The absorbed contact comes back as it was before the merge. A field either contact gets back
is stamped ``("unmerge", at)``, a change made now: the next sync writes it to the tools.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..models import CONTACT_FIELDS, Contact, Provenance
from ..store.codec import contact_from_dict, contact_to_dict, field_from_jsonable

UNMERGE = "unmerge"
_LISTS = ("emails", "phones", "tags", "interests", "milestones", "family")


def split_survivor(
    current: Contact, survivor: Contact, absorbed: Contact, merged: Contact, *, at: datetime
) -> Contact:
    """The survivor after the unmerge: ``current`` without what the merge brought from
    ``absorbed``, edits since the merge kept (see the module notes)."""
    now, before, other, made = (contact_to_dict(c) for c in (current, survivor, absorbed, merged))
    result = contact_from_dict(now)
    for name in CONTACT_FIELDS:
        value = _split_field(name, now.get(name), before.get(name), other.get(name), made.get(name))
        if value == now.get(name):
            continue
        setattr(result, name, field_from_jsonable(name, value))
        result.provenance[name] = Provenance(UNMERGE, at)
    theirs = {(r.connector, r.external_id) for r in absorbed.sources.values()}
    mine = {(r.connector, r.external_id) for r in survivor.sources.values()}
    result.sources = {
        key: ref
        for key, ref in result.sources.items()
        if (ref.connector, ref.external_id) not in theirs - mine
    }
    result.created_at = survivor.created_at
    if current.deleted_at is None and merged.deleted_at is None:
        result.deleted_at, result.deleted_by = survivor.deleted_at, survivor.deleted_by
    result.updated_at = max(current.updated_at, at)
    return result


def restore_absorbed(absorbed: Contact, merged: Contact, *, at: datetime) -> Contact:
    """The absorbed contact as it was before the merge, active again; the fields where it
    differs from the merged contact (what its records in the tools now hold) are stamped now."""
    restored = absorbed.copy()
    restored.id = absorbed.id
    restored.merged_into = None
    for name in CONTACT_FIELDS:
        if getattr(restored, name) != getattr(merged, name):
            restored.provenance[name] = Provenance(UNMERGE, at)
    restored.updated_at = max(absorbed.updated_at, at)
    return restored


def _split_field(name: str, now: Any, before: Any, other: Any, made: Any) -> Any:
    if now == made:
        return before
    if name in _LISTS:
        brought = [item for item in other or [] if item not in (before or [])]
        return [item for item in now or [] if item not in brought]
    if name == "custom":
        return _split_custom(now or {}, before or {}, made or {})
    if name == "notes":
        return _split_notes(now or "", before or "", made or "")
    return now


def _split_custom(
    now: dict[str, str], before: dict[str, str], made: dict[str, str]
) -> dict[str, str]:
    result = dict(now)
    for key, value in made.items():
        if result.get(key) != value:
            continue  # set or removed since the merge: the edit stays
        if key in before:
            result[key] = before[key]
        else:
            del result[key]
    return result


def _split_notes(now: str, before: str, made: str) -> str:
    """The notes without the part the merge added (``made`` is ``before`` plus that part)."""
    if not before:
        return now[len(made) :].lstrip("\n") if now.startswith(made) else now
    added = made[len(before) :] if made.startswith(before) else ""
    return now.replace(added, "", 1) if added and added in now else now
