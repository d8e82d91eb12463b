"""Identity keys: the values that say two records are certainly the same person.

The store keeps one row per ``(kind, value)`` under a unique constraint, so no two contacts can
hold the same key, and a new record sharing a key updates the contact that holds it.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import InvalidValue
from ..models import Contact
from .normalise import normalise_email, normalise_linkedin_url, normalise_phone

Key = tuple[str, str]


def match_keys(contact: Contact) -> set[Key]:
    """``("email", …)``, ``("phone", …)``, ``("linkedin", …)`` and ``("source", "connector:id")``.

    Values are normalised again so that a stray un-normalised value still meets its twin; one
    that cannot be normalised is used trimmed and lower-cased rather than dropped.
    """
    keys = {("email", _key(normalise_email, e)) for e in contact.emails if e.strip()}
    keys |= {("phone", _key(normalise_phone, p)) for p in contact.phones if p.strip()}
    if contact.linkedin_url.strip():
        keys.add(("linkedin", _key(normalise_linkedin_url, contact.linkedin_url)))
    keys |= {
        ("source", f"{ref.connector}:{ref.external_id}")
        for ref in contact.sources.values()
        if ref.external_id
    }
    return keys


def _key(normalise: Callable[[str], str], value: str) -> str:
    try:
        return normalise(value)
    except InvalidValue:
        return value.strip().lower()
