"""Identity keys: the values that say two records are certainly the same person.

The store keeps one row per ``(kind, value)`` under a unique constraint, so no two contacts can
hold the same key, and a new record sharing a key updates the contact that holds it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from ..errors import InvalidValue
from ..models import Contact
from .external import external_id_key
from .normalise import normalise_email, normalise_linkedin_url, normalise_phone

Key = tuple[str, str]


def match_keys(contact: Contact) -> set[Key]:
    """``("email", …)``, ``("phone", …)``, ``("linkedin", …)``, ``("external", "kind:code")``
    (a customer or member number, see :mod:`.external`) and ``("source", "connector:id")``.

    Values are normalised again so that a stray un-normalised value still meets its twin; one
    that cannot be normalised is used trimmed and lower-cased rather than dropped.
    """
    keys = {("email", _key("email", e)) for e in contact.emails if e.strip()}
    keys |= {("phone", _key("phone", p)) for p in contact.phones if p.strip()}
    if contact.linkedin_url.strip():
        keys.add(("linkedin", _key("linkedin", contact.linkedin_url)))
    keys |= {("external", external_id_key(item)) for item in contact.external_ids}
    keys |= {
        ("source", f"{ref.connector}:{ref.external_id}")
        for ref in contact.sources.values()
        if ref.external_id
    }
    return keys


_NORMALISERS: dict[str, Callable[[str], str]] = {
    "email": normalise_email,
    "phone": normalise_phone,
    "linkedin": normalise_linkedin_url,
}


@lru_cache(maxsize=1 << 16)
def _key(kind: str, value: str) -> str:
    """The normalised key (cached: stored values are already normal, so this mostly confirms)."""
    try:
        return _NORMALISERS[kind](value)
    except InvalidValue:
        return value.strip().lower()


_NAME_FIELDS = ("display_name", "given_name", "family_name")


def tells_who(contact: Contact) -> bool:
    """Whether anything says who this is: a name, any identity key (an email, phone, LinkedIn
    URL, or any other kind :func:`match_keys` lists), or a street address.

    A row with no name but one of these is a customer, named by what it has (``Contact.name``).
    """
    if any(getattr(contact, name) for name in _NAME_FIELDS) or match_keys(contact):
        return True
    return bool(contact.address and contact.address.street.strip())
