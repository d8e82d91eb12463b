"""Turning model objects into JSON-able dicts and back (the store and the sync engine use this).

The encoded form is stable and canonical (sorted keys, ISO dates, Decimal as strings), so two
equal contacts encode to equal JSON and a hash of the encoding tells whether anything changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from ..models import (
    Address,
    Channel,
    Consent,
    Contact,
    ExternalId,
    FamilyMember,
    Milestone,
    PartialDate,
    Provenance,
    SourceRef,
)

_PLAIN = frozenset({str, int, float, bool, type(None)})


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def to_jsonable(value: Any) -> Any:
    """A JSON-able form of model values (dataclasses become dicts, dates ISO strings)."""
    kind = type(value)
    if kind in _PLAIN:  # most values: checked first, exactly (a StrEnum is not plain)
        return value
    encode = _ENCODERS.get(kind)
    if encode is None:
        encode = _ENCODERS[kind] = _encoder_for(kind)
    return encode(value)


# Encoders by exact type, found once per type: a contact holds dozens of values, and encoding
# them is much of the cost of saving it.
_ENCODERS: dict[type, Callable[[Any], Any]] = {}


def _encoder_for(kind: type) -> Callable[[Any], Any]:
    if issubclass(kind, PartialDate):
        return PartialDate.iso
    if issubclass(kind, Enum):
        return lambda v: v.value
    if issubclass(kind, datetime | date):
        return lambda v: v.isoformat()
    if issubclass(kind, Decimal):
        return str
    if is_dataclass(kind):
        names = _field_names(kind)
        return lambda v: {name: to_jsonable(getattr(v, name)) for name in names}
    if issubclass(kind, dict):
        return lambda v: {str(k): to_jsonable(x) for k, x in v.items()}
    if issubclass(kind, list | tuple | set | frozenset):
        return lambda v: [to_jsonable(x) for x in v]
    return lambda v: v


def _partial(value: str | None) -> PartialDate | None:
    return PartialDate.parse_iso(value) if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def field_from_jsonable(name: str, value: Any) -> Any:
    """Decode one settable Contact field (see ``CONTACT_FIELDS``) from its JSON form."""
    decoders = _FIELD_DECODERS.get(name)
    return decoders(value) if decoders else value


_FIELD_DECODERS: dict[str, Any] = {
    "emails": list,
    "phones": list,
    "interests": list,
    "tags": list,
    "custom": dict,
    "address": lambda v: Address(**v) if v else None,
    "birthday": _partial,
    "anniversary": _partial,
    "milestones": lambda v: [
        Milestone(m["label"], PartialDate.parse_iso(m["date"])) for m in v or []
    ],
    "family": lambda v: [
        FamilyMember(m["relation"], m["name"], _partial(m.get("birthday"))) for m in v or []
    ],
    "external_ids": lambda v: [ExternalId(x["kind"], x["value"]) for x in v or []],
    "preferred_channel": lambda v: Channel(v) if v else None,
    "consent": lambda v: (
        Consent(
            marketing=v.get("marketing"),
            given_at=_dt(v.get("given_at")),
            source=v.get("source", ""),
            do_not_contact=bool(v.get("do_not_contact")),
            channels=[Channel(c) for c in v.get("channels", [])],
        )
        if v
        else Consent()
    ),
}


def contact_to_dict(contact: Contact) -> dict[str, Any]:
    return to_jsonable(contact)


def contact_from_dict(data: dict[str, Any]) -> Contact:
    contact = Contact(id=data["id"])
    for name, value in data.items():
        if name in ("id",):
            continue
        if name == "sources":
            contact.sources = {
                k: SourceRef(
                    connector=s["connector"],
                    external_id=s["external_id"],
                    etag=s.get("etag", ""),
                    last_seen=_dt(s.get("last_seen")),
                    removed=bool(s.get("removed")),
                )
                for k, s in (value or {}).items()
            }
        elif name == "provenance":
            contact.provenance = {
                k: Provenance(p["source"], datetime.fromisoformat(p["at"]))
                for k, p in (value or {}).items()
            }
        elif name in ("created_at", "updated_at"):
            setattr(contact, name, datetime.fromisoformat(value))
        elif name == "merged_into":
            contact.merged_into = value
        elif name == "deleted_at":
            contact.deleted_at = _dt(value)
        elif name == "deleted_by":
            contact.deleted_by = value or ""
        else:
            setattr(contact, name, field_from_jsonable(name, value))
    return contact


def canonical_json(value: Any) -> str:
    return json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(value: Any) -> str:
    """A short hash of a value's canonical JSON: equal values, equal fingerprints."""
    return hashlib.blake2b(canonical_json(value).encode(), digest_size=12).hexdigest()
