"""Translating between a People API ``Person`` and relationkit's contact fields (pure functions).

Reading (:func:`person_fields`) gives the loose values ``clean_contact_fields`` normalises;
writing (:func:`person_body`) builds the Person fields for the model fields asked for. When the
person already exists, writing keeps what relationkit does not model: the types of emails and
phones that stay, second addresses, non-LinkedIn URLs, relations that are not family, system
labels ("starred"), other applications' ``clientData``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

CLIENT_KEY = "relationkit_id"

# Every Person field the connector reads (``personFields``) and what model fields each holds.
PERSON_FIELDS: dict[str, tuple[str, ...]] = {
    "names": ("display_name", "given_name", "middle_name", "family_name"),
    "nicknames": ("nickname",),
    "emailAddresses": ("emails",),
    "phoneNumbers": ("phones",),
    "addresses": ("address",),
    "organizations": ("company", "position"),
    "birthdays": ("birthday",),
    "events": ("anniversary", "milestones"),
    "relations": ("family",),
    "interests": ("interests",),
    "biographies": ("notes",),
    "memberships": ("tags",),
    "urls": ("linkedin_url",),
    "userDefined": ("custom",),
}
FIELDS: frozenset[str] = frozenset(f for names in PERSON_FIELDS.values() for f in names)
READ_MASK = ",".join([*PERSON_FIELDS, "clientData", "metadata"])

# Google relation types that are family, as relationkit's ``FamilyMember.relation`` names them.
FAMILY_TYPES = {
    "spouse": "spouse",
    "partner": "partner",
    "domesticPartner": "partner",
    "child": "child",
    "parent": "parent",
    "mother": "parent",
    "father": "parent",
    "sibling": "sibling",
    "brother": "sibling",
    "sister": "sibling",
    "relative": "other",
    "other": "other",
}
ANNIVERSARY = "anniversary"
_COMPUTED = frozenset(
    {
        "metadata",
        "formattedType",
        "displayName",
        "displayNameLastFirst",
        "canonicalForm",
        "formattedProtocol",
    }
)
_LINKEDIN = re.compile(r"linkedin\.com/", re.IGNORECASE)


# -- reading ---------------------------------------------------------------------------------


def person_fields(
    person: dict[str, Any], group_names: dict[str, str], home_group: str | None
) -> dict[str, Any]:
    """The model fields of ``person`` in loose JSON form (normalise with clean_contact_fields).

    ``group_names`` maps user contact group ids to their names (labels become tags);
    ``home_group`` is the synced group, which is not a tag. A value that cannot be put in JSON
    form is passed on as it is, so that cleaning reports it instead of dropping it.
    """
    name = _first(person, "names")
    organization = _first(person, "organizations")
    events = person.get("events") or []
    anniversary = next((e for e in events if e.get("type") == ANNIVERSARY), None)
    return {
        "display_name": name.get("unstructuredName") or name.get("displayName") or "",
        "given_name": name.get("givenName", ""),
        "middle_name": name.get("middleName", ""),
        "family_name": name.get("familyName", ""),
        "nickname": _first(person, "nicknames").get("value", ""),
        "emails": [e["value"] for e in person.get("emailAddresses") or [] if e.get("value")],
        "phones": [p["value"] for p in person.get("phoneNumbers") or [] if p.get("value")],
        "address": _address(_first(person, "addresses")),
        "company": organization.get("name", ""),
        "position": organization.get("title", ""),
        "birthday": _birthday(person.get("birthdays") or []),
        "anniversary": _date_text(anniversary) if anniversary else None,
        "milestones": [
            {"label": e.get("type") or e.get("formattedType") or "event", "date": _date_text(e)}
            for e in events
            if e is not anniversary
        ],
        "family": [
            {"relation": FAMILY_TYPES[r["type"]], "name": r.get("person", "")}
            for r in person.get("relations") or []
            if r.get("type") in FAMILY_TYPES
        ],
        "interests": [i["value"] for i in person.get("interests") or [] if i.get("value")],
        "notes": _first(person, "biographies").get("value", ""),
        "tags": [
            group_names[g] for g in membership_ids(person) if g in group_names and g != home_group
        ],
        "linkedin_url": next((u["value"] for u in _linkedin_urls(person)), ""),
        "custom": {
            u["key"]: u.get("value", "") for u in person.get("userDefined") or [] if u.get("key")
        },
    }


def local_id(person: dict[str, Any]) -> str | None:
    """The relationkit id kept in the person's ``clientData`` (None when absent)."""
    for entry in person.get("clientData") or []:
        if entry.get("key") == CLIENT_KEY and entry.get("value"):
            return str(entry["value"])
    return None


def membership_ids(person: dict[str, Any]) -> list[str]:
    """The ids of the contact groups (labels) the person belongs to."""
    found = []
    for membership in person.get("memberships") or []:
        group = membership.get("contactGroupMembership") or {}
        gid = group.get("contactGroupId") or (
            group.get("contactGroupResourceName") or ""
        ).removeprefix("contactGroups/")
        if gid:
            found.append(gid)
    return found


def updated_at(person: dict[str, Any]) -> datetime | None:
    """When the contact last changed (its CONTACT source's ``updateTime``)."""
    for source in (person.get("metadata") or {}).get("sources") or []:
        if source.get("type") == "CONTACT" and source.get("updateTime"):
            return datetime.fromisoformat(source["updateTime"].replace("Z", "+00:00"))
    return None


def is_deleted(person: dict[str, Any]) -> bool:
    return bool((person.get("metadata") or {}).get("deleted"))


def _first(person: dict[str, Any], name: str) -> dict[str, Any]:
    items = person.get(name) or []
    return items[0] if items and isinstance(items[0], dict) else {}


def _address(item: dict[str, Any]) -> dict[str, str] | None:
    parts = {
        "street": item.get("streetAddress", ""),
        "extended": item.get("extendedAddress", ""),
        "city": item.get("city", ""),
        "region": item.get("region", ""),
        "postal_code": item.get("postalCode", ""),
        "country": item.get("country", ""),
    }
    if not any(parts.values()) and item.get("formattedValue"):
        parts["street"] = item["formattedValue"]  # typed as one line on a phone
    if not any(parts.values()):
        return None
    return {**parts, "label": item.get("type", "")}


def _birthday(items: list[dict[str, Any]]) -> Any:
    dated = next((b for b in items if b.get("date")), None)
    if dated is not None:
        return _date_text(dated)
    text = next((b["text"] for b in items if b.get("text")), None)
    return text  # an ISO text reads; anything else is reported by cleaning


def _date_text(item: dict[str, Any]) -> Any:
    """``{"date": {"year": 1984, "month": 3, "day": 14}}`` -> ``"1984-03-14"`` (``--03-14``)."""
    date = item.get("date") or {}
    try:
        month, day = int(date["month"]), int(date["day"])
        year = int(date.get("year") or 0)
    except (KeyError, TypeError, ValueError):
        return date or item.get("text")  # unreadable: cleaning reports it
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def _linkedin_urls(person: dict[str, Any]) -> Iterable[dict[str, Any]]:
    return (u for u in person.get("urls") or [] if _LINKEDIN.search(u.get("value", "")))


# -- writing ---------------------------------------------------------------------------------


def person_fields_for(model_fields: Iterable[str]) -> set[str]:
    """The Person fields that hold ``model_fields`` (for an ``updateMask``)."""
    wanted = set(model_fields)
    return {p for p, names in PERSON_FIELDS.items() if wanted & set(names)}


def person_body(
    values: dict[str, Any],
    fields: Iterable[str],
    *,
    rk_id: str,
    memberships: list[str],
    existing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The Person fields ``fields`` (plus ``clientData``) for model ``values`` in JSON form.

    ``memberships`` are the contact group ids the person must belong to (the synced group and
    one per tag); ``existing`` is the person as Google holds it now, whose entries relationkit
    does not model are kept.
    """
    old = existing or {}
    body: dict[str, Any] = {}
    for name in fields:
        if name == "memberships":
            body[name] = [
                {"contactGroupMembership": {"contactGroupResourceName": f"contactGroups/{g}"}}
                for g in memberships
            ]
        else:
            body[name] = _WRITERS[name](values, old)
    body["clientData"] = [{"key": CLIENT_KEY, "value": rk_id}] + [
        _clean(c) for c in old.get("clientData") or [] if c.get("key") != CLIENT_KEY
    ]
    return body


def as_is(existing: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A Person field's entries as Google holds them, ready to be written back unchanged."""
    return [_clean(i) for i in existing.get(name) or []]


def _clean(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _COMPUTED}


def _rest(old: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The entries after the first, which relationkit does not model."""
    return [_clean(i) for i in (old.get(name) or [])[1:]]


def _first_of(old: dict[str, Any], name: str) -> dict[str, Any]:
    return _clean(_first(old, name))


def _names(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    name = {
        "givenName": v.get("given_name", ""),
        "middleName": v.get("middle_name", ""),
        "familyName": v.get("family_name", ""),
        "unstructuredName": v.get("display_name", ""),
    }
    name = {k: s for k, s in name.items() if s}
    return ([name] if name else []) + _rest(old, "names")


def _nicknames(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    first = [{"value": v["nickname"]}] if v.get("nickname") else []
    return first + _rest(old, "nicknames")


def _kept_type(old_items: list[dict[str, Any]], value: str, key: Any) -> dict[str, Any]:
    for item in old_items:
        if item.get("value") and key(item["value"]) == key(value):
            return {"value": value, **({"type": item["type"]} if item.get("type") else {})}
    return {"value": value}


def _emails(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    existing = old.get("emailAddresses") or []
    return [_kept_type(existing, e, str.casefold) for e in v.get("emails") or []]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)[-9:]


def _phones(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    existing = old.get("phoneNumbers") or []
    return [_kept_type(existing, p, _digits) for p in v.get("phones") or []]


def _addresses(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    address = v.get("address") or {}
    item = {
        "streetAddress": address.get("street", ""),
        "extendedAddress": address.get("extended", ""),
        "city": address.get("city", ""),
        "region": address.get("region", ""),
        "postalCode": address.get("postal_code", ""),
        "country": address.get("country", ""),
        "type": address.get("label", ""),
    }
    item = {k: s for k, s in item.items() if s}
    first = [item] if set(item) - {"type"} else []
    return first + _rest(old, "addresses")


def _organizations(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    item = _first_of(old, "organizations")
    item.pop("name", None)
    item.pop("title", None)
    if v.get("company"):
        item["name"] = v["company"]
    if v.get("position"):
        item["title"] = v["position"]
    first = [item] if item.get("name") or item.get("title") else []
    return first + _rest(old, "organizations")


def _date(text: str) -> dict[str, int]:
    """``"1984-03-14"`` or ``"--03-14"`` as a Google Date (no ``year`` when unknown)."""
    year, month, day = text.rsplit("-", 2)
    date = {"month": int(month), "day": int(day)}
    if year.strip("-"):
        date = {"year": int(year), **date}
    return date


def _birthdays(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"date": _date(v["birthday"])}] if v.get("birthday") else []


def _events(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    events = (
        [{"date": _date(v["anniversary"]), "type": ANNIVERSARY}] if v.get("anniversary") else []
    )
    events += [
        {"date": _date(m["date"]), "type": m.get("label") or "other"}
        for m in v.get("milestones") or []
    ]
    return events


def _relations(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    existing = old.get("relations") or []
    written = []
    for member in v.get("family") or []:
        same = next(
            (
                r
                for r in existing
                if r.get("person") == member["name"]
                and FAMILY_TYPES.get(r.get("type", "")) == member["relation"]
            ),
            None,
        )  # keep Google's finer type ("mother" rather than "parent")
        written.append(
            {"person": member["name"], "type": same["type"] if same else member["relation"]}
        )
    foreign = [_clean(r) for r in existing if r.get("type") not in FAMILY_TYPES]
    return written + foreign


def _interests(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"value": i} for i in v.get("interests") or []]


def _biographies(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    first = [{"value": v["notes"], "contentType": "TEXT_PLAIN"}] if v.get("notes") else []
    return first + _rest(old, "biographies")


def _urls(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    kept = [_clean(u) for u in old.get("urls") or [] if not _LINKEDIN.search(u.get("value", ""))]
    if not v.get("linkedin_url"):
        return kept
    return [{"value": v["linkedin_url"], "type": "profile"}, *kept]


def _user_defined(v: dict[str, Any], old: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": str(s)} for k, s in (v.get("custom") or {}).items()]


_WRITERS = {
    "names": _names,
    "nicknames": _nicknames,
    "emailAddresses": _emails,
    "phoneNumbers": _phones,
    "addresses": _addresses,
    "organizations": _organizations,
    "birthdays": _birthdays,
    "events": _events,
    "relations": _relations,
    "interests": _interests,
    "biographies": _biographies,
    "urls": _urls,
    "userDefined": _user_defined,
}
