"""What duplicate detection reads from a contact: folded names, address, codes and numbers."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from nameparser.config import CONSTANTS

from ..errors import InvalidValue
from ..models import Contact
from .external import external_id_code
from .normalise import fold as _fold
from .normalise import is_unsplit_script, parse_name

_DIGITS = re.compile(r"\D+")
_ASCII_WORD = re.compile(r"[^a-z0-9]+")
# Words that mean the same in a street address; both sides are rewritten to the long form.
_STREET_WORDS = {
    "st": "street",
    "str": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "dr": "drive",
    "drv": "drive",
    "ln": "lane",
    "ct": "court",
    "crt": "court",
    "pl": "place",
    "cres": "crescent",
    "cr": "crescent",
    "blvd": "boulevard",
    "hwy": "highway",
    "pde": "parade",
    "tce": "terrace",
    "ter": "terrace",
    "sq": "square",
    "cl": "close",
    "cct": "circuit",
    "apt": "apartment",
    "unit": "apartment",
    "flat": "apartment",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "mt": "mount",
}
_COMPANY_SUFFIXES = {
    "inc",
    "ltd",
    "llc",
    "llp",
    "co",
    "corp",
    "company",
    "gmbh",
    "plc",
    "pty",
    "sa",
}
# Shared mailboxes say nothing about who a person is.
_ROLE_MAILBOXES = {
    "info",
    "contact",
    "hello",
    "sales",
    "admin",
    "office",
    "mail",
    "support",
    "enquiries",
    "billing",
    "accounts",
    "team",
    "shop",
    "orders",
    "noreply",
    "reception",
    "hi",
}
PHONE_TAIL = 6


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """:func:`normalise.fold`, remembered: names, towns and postcodes repeat a lot."""
    return _fold(text)


@dataclass(slots=True)
class Profile:
    """One contact reduced to the folded values that duplicate detection compares."""

    id: str
    name: str
    given: str
    family: str
    nickname: str
    street: str
    street_number: str
    extended: str
    city: str
    region: str
    postcode: str
    birthday: str  # YYYYMMDD, or MMDD when the year is unknown
    company: str
    linkedin: str
    emails: frozenset[str]
    email_names: frozenset[str]
    phones: frozenset[str]
    phone_tails: frozenset[str]
    ids: frozenset[tuple[str, str]]  # (kind, code) of each external id


def profile(contact: Contact) -> Profile:
    """Read a contact into a :class:`Profile`."""
    given, family, nickname = _name_parts(contact)
    address = contact.address
    street = _street(address.street if address else "")
    emails = frozenset(e.strip().lower() for e in contact.emails if e.strip())
    phones = frozenset(_DIGITS.sub("", p) for p in contact.phones)
    return Profile(
        id=contact.id,
        name=contact.name,
        given=given,
        family=family,
        nickname=nickname,
        street=street,
        street_number=next((w for w in street.split() if w.isdigit()), ""),
        extended=fold(address.extended) if address else "",
        city=fold(address.city) if address else "",
        region=fold(address.region) if address else "",
        postcode=_code(address.postal_code) if address else "",
        birthday=_birthday(contact),
        company=_company(contact.company),
        linkedin=contact.linkedin_url.strip().lower(),
        emails=emails,
        email_names=frozenset(filter(None, map(_email_name, emails))),
        phones=frozenset(p for p in phones if len(p) >= PHONE_TAIL + 2),
        phone_tails=frozenset(p[-PHONE_TAIL:] for p in phones if len(p) >= PHONE_TAIL + 2),
        ids=frozenset((item.kind, external_id_code(item.value)) for item in contact.external_ids),
    )


def _name_parts(contact: Contact) -> tuple[str, str, str]:
    """Folded given name, family name and nickname, as matching compares them.

    Honorifics and post-nominals (``Dr``, ``Jr``, ``MBA``) are dropped; a name in a
    family-name-first script (``王芳``, or given ``芳`` and family ``王``) is one part, family
    name first, without spaces.
    """
    given, family = contact.given_name, contact.family_name
    if not (given or family) and contact.display_name:
        try:
            parts = parse_name(contact.display_name)
        except InvalidValue:
            return "", "", ""
        given, family = parts.given, parts.family
    if is_unsplit_script(given + family):
        return fold(family + given).replace(" ", ""), "", fold(contact.nickname)
    return _bare_name(fold(given)), _bare_name(fold(family)), fold(contact.nickname)


def _bare_name(part: str) -> str:
    """A folded name part without a leading title or trailing post-nominals (``dr john``,
    ``smith jr``), when a name remains."""
    words = part.split()
    while len(words) > 1 and words[0] in CONSTANTS.titles:
        words.pop(0)
    while len(words) > 1 and (
        words[-1] in CONSTANTS.suffix_acronyms or words[-1] in CONSTANTS.suffix_not_acronyms
    ):
        words.pop()
    return " ".join(words)


def _street(text: str) -> str:
    return " ".join(_STREET_WORDS.get(w, w) for w in fold(text).split())


def _company(text: str) -> str:
    return " ".join(w for w in fold(text).split() if w not in _COMPANY_SUFFIXES)


def _birthday(contact: Contact) -> str:
    day = contact.birthday
    if day is None:
        return ""
    return (
        f"{day.year:04d}{day.month:02d}{day.day:02d}"
        if day.year
        else f"{day.month:02d}{day.day:02d}"
    )


def _email_name(email: str) -> str:
    local = email.partition("@")[0].partition("+")[0]
    name = _ASCII_WORD.sub("", local) if local.isascii() else fold(local).replace(" ", "")
    return "" if name in _ROLE_MAILBOXES or len(name) < 3 else name


def _code(text: str) -> str:
    return fold(text).replace(" ", "")


class Frequencies:
    """How common each value is, so a shared ``Smith`` counts for less than a shared ``Efthimiou``.

    Counts are smoothed towards a typical share ``prior`` with ``weight`` pseudo-contacts, so
    a small address book still gives sensible figures.
    """

    def __init__(
        self, values: Iterable[str], prior: float, weight: float = 1000.0, one_person: int = 1
    ) -> None:
        self.counts = Counter(v for v in values if v)
        self.total = sum(self.counts.values())
        self.prior = prior
        self.weight = weight
        self.one_person = one_person

    def share(self, value: str) -> float:
        """The smoothed chance that a random contact has ``value``.

        A value held by at most ``one_person`` contacts counts once: for an identifying number
        those few are most likely one person entered several times, not a common value.
        """
        count = self.counts.get(value, 0)
        if count <= self.one_person:
            count = min(count, 1)
        return (count + self.weight * self.prior) / (self.total + self.weight)

    def bits(self, value: str, agree_rate: float, cap: float) -> float:
        """Evidence (log2 odds, at most ``cap``) that two contacts sharing ``value`` are one."""
        return min(cap, max(0.0, math.log2(agree_rate / self.share(value))))
