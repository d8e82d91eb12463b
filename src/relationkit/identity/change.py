"""Is a record that changed still the same person? Compares two versions of a contact's fields
(JSON form, as the sync engine keeps them) by name and by the keys that identify a person.

A record retyped as someone else (a copied row, a contact overwritten on a phone, columns sorted
without the rest of the row) changes its name *and* keeps none of its emails, phones or LinkedIn
profile. A person who marries keeps her given name; one who moves keeps her email; a typo,
nickname or initial still reads as the same name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rapidfuzz.distance import JaroWinkler

from ..errors import InvalidValue
from ._scoring import NAME_SAME
from .normalise import fold, parse_name

_DIGITS = re.compile(r"\D+")
_PREFIX = 3  # a name this long that starts another is its short form (Rob, Robert)


def identity_keys(fields: Mapping[str, Any]) -> set[str]:
    """The emails, phone numbers (digits) and LinkedIn profile of a record's fields."""
    keys = {f"email:{str(e).strip().lower()}" for e in fields.get("emails") or [] if str(e).strip()}
    keys |= {f"phone:{d}" for p in fields.get("phones") or [] if (d := _DIGITS.sub("", str(p)))}
    if linkedin := str(fields.get("linkedin_url") or "").strip().lower():
        keys.add(f"linkedin:{linkedin}")
    return keys


def name_of(fields: Mapping[str, Any]) -> tuple[str, str, str]:
    """Folded (given, family, nickname) of a record's name as shown (``display_name``), else of
    its name parts; empty parts when unknown."""
    if fields.get("display_name"):
        try:
            parts = parse_name(str(fields["display_name"]))
        except InvalidValue:
            return "", "", ""
        return fold(parts.given), fold(parts.family), fold(parts.nickname)
    return _parts_of(fields)


def _parts_of(fields: Mapping[str, Any]) -> tuple[str, str, str]:
    names = ("given_name", "family_name", "nickname")
    given, family, nickname = (fold(str(fields.get(n) or "")) for n in names)
    return given, family, nickname


def names_agree(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two records' names can be one person's. The name as shown and the name parts
    are compared each (when both records have them): the given names (or nicknames) alike,
    allowing a typo, an initial or a short form; or, when one has no given name, the family
    names alike; also given and family name typed the wrong way round. A missing name agrees
    with anything (it says nothing)."""
    readings = []
    if a.get("display_name") and b.get("display_name"):
        readings.append((name_of(a), name_of(b)))
    parts_a, parts_b = _parts_of(a), _parts_of(b)
    if any(parts_a[:2]) and any(parts_b[:2]):
        readings.append((parts_a, parts_b))
    return all(_agree(x, y) for x, y in readings)


def _agree(a: tuple[str, str, str], b: tuple[str, str, str]) -> bool:
    given_a, family_a, nick_a = a
    given_b, family_b, nick_b = b
    if not (given_a or family_a) or not (given_b or family_b):
        return True
    firsts_a = {given_a, nick_a} - {""}
    firsts_b = {given_b, nick_b} - {""}
    if firsts_a and firsts_b:
        if any(_alike(x, y) for x in firsts_a for y in firsts_b):
            return True
        crossed = given_a and given_b and family_a and family_b
        return bool(crossed and _alike(given_a, family_b) and _alike(family_a, given_b))
    return _alike(family_a or given_a, family_b or given_b)


def someone_else(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """True when ``after`` no longer reads as the person ``before`` was: the name changed to
    another name and no email, phone or LinkedIn profile of ``before`` is left in ``after``."""
    if "display_name" not in after and "given_name" not in after:
        return False
    return not names_agree(before, after) and not identity_keys(before) & identity_keys(after)


def _alike(x: str, y: str) -> bool:
    if x == y:
        return True
    short, long = sorted((x, y), key=len)
    if (len(short) == 1 or len(short) >= _PREFIX) and long.startswith(short):
        return True  # an initial, or a short form
    return JaroWinkler.normalized_similarity(x, y) >= NAME_SAME
