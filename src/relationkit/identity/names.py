"""Can two names be one person's? A typo, an initial, a nickname or swapped order still agree.

Two questions are asked of names. :func:`names_agree` (every name part both have agrees) is what
an import asks when an email or profile already says who a record is. :func:`names_conflict` is
the household rule: families share a landline, a mobile or a family email, so a shared key makes
one person only when the first names agree (Jane and John Miller are two people; Ann Lee and Ann
Smith may be one, married).

Duplicate detection weighs names as evidence among other values (:mod:`._scoring`); this answers
the plainer question an import asks when an email or profile already says who a record is:
does its name contradict that? Name parts are compared as duplicate detection compares them
(folded, Jaro-Winkler, an initial as alike as a name starting with it); a given name also agrees
with its nicknames (``Meg`` and ``Margaret``, from the ``nicknames`` data set) and with the
contact's own ``nickname``.
"""

from __future__ import annotations

from ..models import Contact
from ._nicknames import forms as _forms
from ._profile import _name_parts
from ._scoring import NAME_SAME, _alike


def names_agree(a: Contact, b: Contact) -> bool:
    """Whether ``a`` and ``b`` may be one person by their names.

    Every name part both have must agree (given with given, family with family, or the two read
    the other way round); a contact without a name agrees with anyone (nothing contradicts).
    So ``Ann Lee`` agrees with ``Anne Lee``, ``A. Lee``, ``Lee Ann`` and (nickname ``Annie``)
    ``Annie Lee``, not with ``Dan Ross``, ``Tom Lee`` or ``Ann Smith``.
    """
    given_a, family_a, nick_a = _name_parts(a)
    given_b, family_b, nick_b = _name_parts(b)
    if not (given_a or family_a) or not (given_b or family_b):
        return True
    if _one_name_spaced_or_turned(given_a, family_a, given_b, family_b):
        return True  # 王芳 and 芳 王: one name, spaced or not
    straight = _given_alike(given_a, given_b, nick_a, nick_b) and _family_alike(family_a, family_b)
    crossed = _given_alike(given_a, family_b, nick_a, nick_b) and _family_alike(family_a, given_b)
    return straight or crossed


def names_conflict(a: Contact, b: Contact) -> str | None:
    """Why ``a`` and ``b`` are two people despite a key they share (their first names differ),
    or None when they may be one person (also when either has no first name)."""
    given_a, family_a, nick_a = _name_parts(a)
    given_b, family_b, nick_b = _name_parts(b)
    if not (given_a and given_b):
        return None
    if _one_name_spaced_or_turned(given_a, family_a, given_b, family_b):
        return None
    if _given_alike(given_a, given_b, nick_a, nick_b):
        return None
    if not (family_a and family_b):
        # One word alone ("Miller") may be a family name: it conflicts only with both parts.
        single, other = (given_a, family_b) if not family_a else (given_b, family_a)
        if other and _family_alike(single, other):
            return None
    elif _given_alike(given_a, family_b, nick_a, nick_b) and _family_alike(family_a, given_b):
        return None  # the family name typed first on one side
    return f"different first names: {_first(a)} / {_first(b)}"


def _first(contact: Contact) -> str:
    """The first name as it was typed, for a reason shown to the owner."""
    return contact.given_name or (contact.display_name.split() or [""])[0]


def _one_name_spaced_or_turned(given_a: str, family_a: str, given_b: str, family_b: str) -> bool:
    """王芳 and 芳 王, 田中さくら and さくら 田中: one name written together or apart, in either
    order (names in scripts without spaces are read whole, family name first)."""
    x, y = _bare(given_a, family_a), _bare(given_b, family_b)
    return len(x) == len(y) and x in y + y


def _bare(first: str, second: str) -> str:
    return f"{first}{second}".replace(" ", "")


def _given_alike(x: str, y: str, nick_x: str, nick_y: str) -> bool:
    """Given names ``x`` and ``y`` agree; ``nick_x`` is the nickname of the one called ``x``."""
    if not (x and y):
        return True
    first_x, first_y = x.split()[0], y.split()[0]
    if _alike(x, y) >= NAME_SAME or _alike(first_x, first_y) >= NAME_SAME:
        return True
    if (nick_x and nick_x in (y, first_y)) or (nick_y and nick_y in (x, first_x)):
        return True  # the name someone goes by
    return bool(_forms(first_x) & _forms(first_y))


def _family_alike(x: str, y: str) -> bool:
    if not (x and y):
        return True
    if _alike(x, y) >= NAME_SAME:
        return True
    return bool(set(x.split()) & set(y.split()))  # Garcia Lopez and Garcia
