"""The household rule: a shared email, phone or address is one person only when the names agree.

Families share a landline, a mobile or a family email address. Two records sharing such a key are
still two people when their first names clearly differ (Jane and John Miller); they are one
person when the names agree allowing for typos (Jon, John), nicknames (Bob, Robert, from the
curated ``nicknames`` list), initials (J., John), a missing part, accents and a swapped order.
"""

from __future__ import annotations

from functools import lru_cache

from nicknames import NickNamer
from rapidfuzz.distance import JaroWinkler

from ..models import Contact
from ._profile import _name_parts

# Given names at least this alike (Jaro-Winkler) are one name mistyped: Ann/Anne, Jon/John,
# Stephen/Steven; James/Jane (0.83) and Mary/Martha (0.83) are two names.
SAME_GIVEN = 0.88


def names_conflict(a: Contact, b: Contact) -> str | None:
    """Why ``a`` and ``b`` are two people despite what they share, or None when their names may
    be one person's (also when either has no first name: nothing contradicts then)."""
    given_a, family_a, nick_a = _name_parts(a)
    given_b, family_b, nick_b = _name_parts(b)
    if not (given_a and given_b):
        return None
    if given_names_agree(given_a, given_b) or {nick_a, nick_b} & {given_a, given_b} - {""}:
        return None
    if not (family_a and family_b):
        # One word alone ("Miller") may be a family name: it conflicts only with both parts.
        single, other = (given_a, family_b) if not family_a else (given_b, family_a)
        return None if other and given_names_agree(single, other) else _reason(a, b)
    if given_names_agree(given_a, family_b) and given_names_agree(family_a, given_b):
        return None  # typed family name first on one side
    return _reason(a, b)


def _reason(a: Contact, b: Contact) -> str:
    return f"different first names: {_first(a)} / {_first(b)}"


@lru_cache(maxsize=1 << 14)
def given_names_agree(x: str, y: str) -> bool:
    """Whether two folded first names (not empty) can be one person's: the same name mistyped, a
    nickname of it or an initial. Only the first word counts (Mary Ann, Mary)."""
    x, y = x.split()[0], y.split()[0]
    if x == y:
        return True
    if len(x) == 1 or len(y) == 1:
        return x[0] == y[0]
    if JaroWinkler.normalized_similarity(x, y) >= SAME_GIVEN:
        return True
    names = _nicknamer()
    if y in names.nicknames_of(x) or x in names.nicknames_of(y):
        return True
    return bool((names.canonicals_of(x) | {x}) & (names.canonicals_of(y) | {y}))


@lru_cache(maxsize=1)
def _nicknamer() -> NickNamer:
    return NickNamer()


def _first(contact: Contact) -> str:
    """The first name as the owner typed it, for the reason shown in the review queue."""
    return contact.given_name or (contact.display_name.split() or [""])[0]
