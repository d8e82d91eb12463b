"""Normalisers: the one stored form of an email, phone, name or LinkedIn URL.

Each is pure and raises only :class:`~relationkit.errors.InvalidValue`, whose reason is written
for the person who typed the value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from nameparser import HumanName

from ..errors import InvalidValue
from ..models import Contact

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w]+")
_PHONE_IDD = re.compile(r"^\s*\(?\s*00\s*")
# Scripts written without spaces between family and given name, or whose order varies.
_UNSPLIT_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL")
_LINKEDIN_SLUG = re.compile(r"^[\w-]{1,100}$")


def fold(text: str) -> str:
    """Text for matching: casefolded, accents removed, punctuation as single spaces."""
    # Unicode's compatibility caseless match: decompose, casefold, decompose again.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", unicodedata.normalize("NFC", bare).replace("_", " ")).strip()


def name_key(contact: Contact) -> str:
    """A contact's name for matching: given and family name (else display name), folded."""
    parts = " ".join(p for p in (contact.given_name, contact.family_name) if p)
    return fold(parts or contact.display_name)


# -- email -----------------------------------------------------------------------------------


_CACHE_SIZE = 100_000
_emails: dict[str, str] = {}
_phones: dict[tuple[str, str], tuple[str, str]] = {}


def _remember(cache: dict[Any, Any], pairs: dict[Any, Any]) -> None:
    """Keep recent results (validating costs far more than a look-up); a full cache restarts."""
    if len(cache) > _CACHE_SIZE:
        cache.clear()
    cache.update(pairs)


def normalise_email(text: str) -> str:
    """A validated email address, lower-cased whole (``Ann Lee <Ann@X.com>`` -> ``ann@x.com``).

    The local part is lower-cased too: mail systems that treat case as significant are
    vanishingly rare, and one spelling per address is what keeps a customer from doubling.
    """
    known = _emails.get(text)
    if known is not None:
        return known
    try:
        checked = validate_email(text.strip(), check_deliverability=False, allow_display_name=True)
    except EmailNotValidError as error:
        raise InvalidValue("email", text, _plain_email_reason(error)) from None
    normal = checked.normalized.lower()
    _remember(_emails, {text: normal, normal: normal})
    return normal


def _plain_email_reason(error: EmailNotValidError) -> str:
    reason = str(error).removeprefix("The email address is not valid. ")
    return reason[:1].lower() + reason[1:] if reason else "is not an email address"


# -- phone -----------------------------------------------------------------------------------


def split_phone(text: str, region: str = "US") -> tuple[str, str]:
    """A phone number as ``(E.164, extension)``; the extension is ``""`` when there is none.

    Spaces, dots, dashes, brackets, letters on the keypad and a leading ``00`` (the
    international prefix of most countries) are accepted; numbers without a country code are
    read as ``region``'s. E.164 cannot carry an extension, so it comes back apart for the
    caller to keep (importers put it in the contact's ``custom["phone extension"]``).
    """
    known = _phones.get((text, region))
    if known is not None:
        return known
    cleaned = _PHONE_IDD.sub("+", text)
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidValue("phone", text, _plain_phone_reason(error)) from None
    # Not is_possible_number: it also accepts a local number without its area code (555-0199),
    # which no one can dial from elsewhere and which would match the wrong customer.
    if (
        phonenumbers.is_possible_number_with_reason(number)
        != phonenumbers.ValidationResult.IS_POSSIBLE
    ):
        raise InvalidValue("phone", text, _impossible_reason(number))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    result = e164, number.extension or ""
    _remember(_phones, {(text, region): result, (e164, region): (e164, "")})
    return result


def normalise_phone(text: str, region: str = "US") -> str:
    """A phone number in E.164 (``(415) 555-0134`` -> ``+14155550134``); see :func:`split_phone`.

    An extension (``x12``, ``ext. 12``) is dropped: the E.164 form is the matching key.
    """
    return split_phone(text, region)[0]


_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
        "has no country code we know; write it with + and the country code, like +44 20 7946 0958"
    ),
    phonenumbers.NumberParseException.NOT_A_NUMBER: "is not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "is too short after the country code",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "is too short to be a phone number",
    phonenumbers.NumberParseException.TOO_LONG: "is too long to be a phone number",
}


def _plain_phone_reason(error: phonenumbers.NumberParseException) -> str:
    return _PARSE_REASONS.get(error.error_type, "is not a phone number")


def _impossible_reason(number: phonenumbers.PhoneNumber) -> str:
    result = phonenumbers.is_possible_number_with_reason(number)
    region = phonenumbers.region_code_for_number(number) or f"+{number.country_code}"
    if result == phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return "has no area code: write the whole number, area code included"
    if result in (
        phonenumbers.ValidationResult.TOO_SHORT,
        phonenumbers.ValidationResult.INVALID_LENGTH,
    ):
        return f"has too few digits for a {region} number"
    if result == phonenumbers.ValidationResult.TOO_LONG:
        return f"has too many digits for a {region} number"
    return "has no country code we know; write it with + and the country code"


# -- names -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameParts:
    """A person's name in parts; any part may be empty."""

    given: str = ""
    middle: str = ""
    family: str = ""
    prefix: str = ""
    suffix: str = ""
    nickname: str = ""

    def full(self) -> str:
        """The parts in reading order (without the nickname)."""
        parts = (self.prefix, self.given, self.middle, self.family, self.suffix)
        return " ".join(p for p in parts if p)


def parse_name(text: str) -> NameParts:
    """Split a name as people write it: ``Lee, Ann``, ``Dr. Ann B. Lee Jr.``, ``Bob "Rob" Lee``.

    All-lower or all-upper names are capitalised (``ann lee`` -> ``Ann Lee``); mixed case is
    kept. Names in scripts where the order of family and given name cannot be told apart
    (Chinese, Japanese, Korean) are kept whole as the given name. Empty text gives empty parts.
    """
    clean = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if not clean:
        return NameParts()
    if not any(c.isalpha() for c in clean):
        raise InvalidValue("name", text, "has no letters in it")
    if is_unsplit_script(clean):
        return NameParts(given=clean)
    human = HumanName(clean)
    human.capitalize(force=False)
    return NameParts(
        given=human.first,
        middle=human.middle,
        family=human.last,
        prefix=human.title,
        suffix=human.suffix,
        nickname=human.nickname,
    )


def is_unsplit_script(text: str) -> bool:
    """Whether ``text`` is in a script written family name first, unspaced (CJK)."""
    return any(
        unicodedata.name(c, "").startswith(_UNSPLIT_SCRIPTS) for c in text if ord(c) > 0x2E7F
    )


# -- LinkedIn --------------------------------------------------------------------------------


def normalise_linkedin_url(text: str) -> str:
    """A LinkedIn profile as ``https://www.linkedin.com/in/<slug>`` with a lower-case slug.

    Accepts any scheme or none, country hosts (``uk.linkedin.com``), a trailing slash, query
    strings and sub-pages (``/in/ann-lee/details/experience``).
    """
    host, path = _host_and_path(text.strip())
    if host != "linkedin.com" and not host.endswith(".linkedin.com"):
        raise InvalidValue("LinkedIn URL", text, "is not a linkedin.com address")
    segments = [s for s in path.split("/") if s]
    if len(segments) < 2 or segments[0].lower() != "in":
        raise InvalidValue(
            "LinkedIn URL",
            text,
            "is not a person's profile; it should look like linkedin.com/in/name",
        )
    slug = unicodedata.normalize("NFC", unquote(segments[1]).lower())
    if not _LINKEDIN_SLUG.match(slug):
        raise InvalidValue("LinkedIn URL", text, "has a profile name LinkedIn would not allow")
    return f"https://www.linkedin.com/in/{quote(slug, safe='-_')}"


def _host_and_path(raw: str) -> tuple[str, str]:
    """The lower-case host and the path of a URL written with or without its scheme."""
    try:
        parts = urlsplit(raw if "//" in raw else f"//{raw}")
        return (parts.hostname or "").lower(), parts.path
    except ValueError:  # a malformed IPv6 host or port
        return "", ""
