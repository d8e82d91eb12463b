"""Reading loosely typed values the way shop owners type them into model values.

Every parser takes text (or an already typed value: a ``date``, a number from a spreadsheet)
and returns the model value, or raises :class:`~relationkit.errors.InvalidValue` whose ``why``
is written for the person who typed it. :func:`contact_from_fields` and
:func:`purchase_fields` read a whole record and collect problems instead of failing: a bad
email does not lose the customer's phone number.

Conventions:

- Dates written with slashes or dashes (``3/14/1980``) are month-first in the US and its
  territories (:data:`MONTH_FIRST_REGIONS`) and day-first elsewhere; dates with dots
  (``14.03.1980``) are always day-first. A value that does not fit the region's order is
  refused rather than guessed (``14/3/1980`` in the US). Two-digit years are the latest year
  ending in those digits that is not in the future (``80`` -> 1980, ``24`` -> 2024).
- In amounts, a single ``,`` or ``.`` followed by exactly three digits groups thousands
  (``1,240`` and ``1.240`` are both 1240) except for currencies with three decimals (KWD...);
  otherwise the last separator is the decimal one (``1.240,50``, ``1,240.50``, ``12,5``).
- Empty values (``None``, blank text, empty lists) mean "not given".
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar

from nameparser.config import CONSTANTS as _NAME_WORDS

from .errors import InvalidValue
from .identity import (
    NameParts,
    external_ids,
    normalise_email,
    normalise_linkedin_url,
    parse_name,
    split_phone,
)
from .identity.external import united
from .models import (
    Address,
    Channel,
    Consent,
    Contact,
    ExternalId,
    FamilyMember,
    Milestone,
    PartialDate,
    Provenance,
    Purchase,
    PurchaseStatus,
    utcnow,
)

T = TypeVar("T")

MONTH_FIRST_REGIONS = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM", "FM", "MH", "PW", "PH"})

_DATE_EXAMPLES = "expected e.g. 2024-03-14 or 14 Mar 2024"
_EXCEL_EPOCH = date(1899, 12, 30)

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan jänner janvier janv enero ene gennaio gen januari janeiro",
        "february feb februar février févr fevrier fevr febrero febbraio februari fevereiro fev",
        "march mar märz marz mrz mars marzo maart mrt março marco",
        "april apr avril avr abril abr aprile",
        "may mai mayo maggio mag mei maio",
        "june jun juni juin junio giugno giu junho",
        "july jul juli juillet juil julio luglio lug julho",
        "august aug août aout agosto ago augustus",
        "september sep sept septembre septiembre setiembre settembre set setembro",
        "october oct oktober okt octobre octubre ottobre ott outubro out",
        "november nov novembre noviembre novembro",
        "december dec dez dezember décembre decembre déc diciembre dic dicembre dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number
_WEEKDAYS = frozenset(
    """
    monday mon tuesday tue tues wednesday wed thursday thu thur thurs friday
    fri saturday sat sunday sun
    """.split()  # noqa: SIM905
)
_FILLER = frozenset({"of", "the", "de", "del"})

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YEARLESS_ISO = re.compile(r"--(\d{2})-?(\d{2})")
_NUMERIC = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})(?:\2('?\d{2}|\d{4}))?\.?")
_TIME = re.compile(
    r"(?:(?<=\d)t|[\s,]+(?:at\s+)?)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[ap]\.?m\.?)?"
    r"\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$"
)
_DATE_TOKEN = re.compile(r"[^\W\d_]+\.?|'?\d+(?:st|nd|rd|th|er|º)?\.?")
_ORDINAL = re.compile(r"(?:st|nd|rd|th|er|º)$")
_DATE_JUNK = re.compile(r"[\s,./\-]+")


# -- dates -----------------------------------------------------------------------------------


def parse_date(value: Any, *, region: str = "US") -> date:
    """A full date from text, a ``date``/``datetime`` or a spreadsheet serial number.

    Raises :class:`InvalidValue` for unreadable or impossible dates and for dates without a
    year (use :func:`parse_partial_date` for birthdays, where the year may be unknown).
    """
    partial = parse_partial_date(value, region=region)
    if partial.year is None:
        raise InvalidValue("date", value, "has no year; write it with the year, e.g. 14 Mar 1980")
    return date(partial.year, partial.month, partial.day)


def parse_partial_date(value: Any, *, region: str = "US") -> PartialDate:
    """A date whose year may be missing (``--03-14``, ``14 Mar``, ``3/14`` in the US).

    Accepts everything :func:`parse_date` does, which always gives a year.
    """
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, datetime):
        return PartialDate.from_date(value.date())
    if isinstance(value, date):
        return PartialDate.from_date(value)
    if isinstance(value, bool) or value is None:
        raise InvalidValue("date", value, f"not a date: {_DATE_EXAMPLES}")
    if isinstance(value, int | float | Decimal):
        return PartialDate.from_date(_from_serial(value))
    if not isinstance(value, str):
        raise InvalidValue("date", value, f"not a date: {_DATE_EXAMPLES}")
    text = value.strip().casefold()
    if not text:
        raise InvalidValue("date", value, f"is empty: {_DATE_EXAMPLES}")
    year, month, day = _read_date(text, region.upper(), value)
    return _checked(value, year, month, day)


def _from_serial(number: float | Decimal) -> date:
    """A spreadsheet serial number (day 0 = 1899-12-30; a fraction is the time of day)."""
    try:
        return _EXCEL_EPOCH + timedelta(days=int(number))
    except (OverflowError, ValueError, InvalidOperation):
        raise InvalidValue(
            "date", number, "is not a spreadsheet date number (days since 1899-12-30)"
        ) from None


def _read_date(text: str, region: str, original: str) -> tuple[int | None, int, int]:
    """``(year or None, month, day)`` from lower-cased text, not yet checked for validity."""
    text = _TIME.sub("", text)
    if found := _ISO.fullmatch(text) or _COMPACT.fullmatch(text):
        year, month, day = found.groups()
        return int(year), int(month), int(day)
    if found := _YEARLESS_ISO.fullmatch(text):
        return None, int(found[1]), int(found[2])
    if found := _NUMERIC.fullmatch(text):
        first, separator, second, year = found.groups()
        if separator != "." and region in MONTH_FIRST_REGIONS:
            month, day = int(first), int(second)
            if month > 12 >= day:
                raise InvalidValue(
                    "date",
                    original,
                    f"month {month} does not exist; dates here are read month first "
                    "(3/14/1980), so write it as 2024-03-14 or 14 Mar 2024",
                )
        else:
            day, month = int(first), int(second)
        return (_full_year(year) if year else None), month, day
    return _read_worded_date(text, original)


def _read_worded_date(text: str, original: str) -> tuple[int | None, int, int]:
    """Dates with the month in words: ``14 Mar 1980``, ``March 14, 1980``, ``Fri 14th of March``."""
    not_a_date = InvalidValue("date", original, f"not a date: {_DATE_EXAMPLES}")
    month = None
    numbers: list[str] = []
    for token in _DATE_TOKEN.findall(text):
        word = token.rstrip(".")
        if word[0].isdigit() or word[0] == "'":
            numbers.append(_ORDINAL.sub("", word))
        elif word in _MONTHS and month is None:
            month = _MONTHS[word]
        elif word not in _WEEKDAYS and word not in _FILLER:
            raise not_a_date
    if _DATE_JUNK.sub("", _DATE_TOKEN.sub("", text)):
        raise not_a_date
    if month is None:
        if text.isdigit() and len(text) == 5:
            raise InvalidValue(
                "date", original, "looks like a spreadsheet day number; format the column as dates"
            )
        raise not_a_date
    years = [n for n in numbers if len(n) == 4 or n.startswith("'")]
    days = [n for n in numbers if n not in years]
    if len(days) == 2 and not years:
        days, years = days[:1], days[1:]
    if not days and years:
        raise InvalidValue("date", original, "has no day; write it e.g. 14 Mar 1980")
    if (
        len(days) != 1
        or len(years) > 1
        or len(days[0]) > 2
        or any(len(y) not in (2, 3, 4) for y in years)
    ):
        raise not_a_date
    return (_full_year(years[0]) if years else None), month, int(days[0])


def _full_year(text: str) -> int:
    """A four-digit year; ``80`` and ``'80`` are the latest such year not in the future."""
    digits = text.lstrip("'")
    if len(digits) == 4:
        return int(digits)
    this_year = date.today().year
    return this_year - (this_year - int(digits)) % 100


def _checked(original: Any, year: int | None, month: int, day: int) -> PartialDate:
    """A PartialDate, or an InvalidValue saying in plain words why the date does not exist."""
    if year is not None and not 1 <= year <= 9999:
        raise InvalidValue("date", original, f"year {year} is out of range")
    if not 1 <= month <= 12:
        raise InvalidValue("date", original, f"month {month} does not exist")
    last = calendar.monthrange(year if year is not None else 2000, month)[1]
    if not 1 <= day <= last:
        month_name = calendar.month_name[month]
        if month == 2 and day == 29:
            raise InvalidValue(
                "date", original, f"29 February only exists in leap years; {year} is not one"
            )
        raise InvalidValue("date", original, f"day {day} does not exist in {month_name}")
    return PartialDate(month, day, year)


def _parse_moment(value: Any, *, region: str) -> datetime:
    """A moment (consent given at): ISO date-time text or a ``datetime``; a date alone is
    midnight. Times without a zone are taken as UTC."""
    moment = value if isinstance(value, datetime) else None
    if isinstance(value, str) and ":" in value:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        moment = datetime.combine(parse_date(value, region=region), time())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- amounts ---------------------------------------------------------------------------------

# Active ISO 4217 codes (2024).
_ISO_CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW
    ZWL
    """.split()  # noqa: SIM905
)
_THREE_DECIMALS = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})
_DOLLARS = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD", "JMD", "BSD", "BBD"})
_KRONA = frozenset({"SEK", "NOK", "DKK", "ISK"})
# Currency marks other than ISO codes; "" means "the default currency if it is of that kind".
_SYMBOLS = {
    "us$": "USD",
    "usd$": "USD",
    "c$": "CAD",
    "ca$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "mx$": "MXN",
    "r$": "BRL",
    "$": "",
    "dollar": "",
    "dollars": "",
    "€": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "¥": "",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₪": "ILS",
    "₫": "VND",
    "₱": "PHP",
    "฿": "THB",
    "₦": "NGN",
    "₴": "UAH",
    "zł": "PLN",
    "kč": "CZK",
    "fr.": "CHF",
    "kr": "",
    "kr.": "",
}
_MARK = re.compile(
    r"^(?:"
    + "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
    + r"|[a-z]{3}(?![a-z]))",
)
_MARK_END = re.compile(
    r"(?:(?<![a-z])[a-z]{3}|"
    + "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
    + r")$",
)
_NUMBER = re.compile(r"\d(?:[\d.,' \u00a0\u202f’]*\d)?|[.,]\d+")
_GROUP_SPACE = re.compile(r"[' \u00a0\u202f’]+")
_GROUP_MARK = re.compile(r"[.,]")
_AMOUNT_EXAMPLES = "expected e.g. 1,240.50, 1.240,50 € or EUR 5"
_PLAIN_AMOUNT = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")  # never a thousands grouping


def parse_amount(value: Any, *, currency: str = "USD") -> tuple[Decimal, str]:
    """An amount of money and its currency code: ``$1,240.50``, ``1.240,50 €``, ``EUR 5``.

    ``(12.00)`` and ``-12`` are negative (a refund); ``currency`` is used when the value
    names none and decides what ``$``, ``¥`` and ``kr`` mean.
    """
    default = currency.upper()
    if isinstance(value, bool) or value is None:
        raise InvalidValue("amount", value, f"not an amount: {_AMOUNT_EXAMPLES}")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
        if not number.is_finite():
            raise InvalidValue("amount", value, "is not a number")
        return _storable(number + 0, value), default
    if not isinstance(value, str):
        raise InvalidValue("amount", value, f"not an amount: {_AMOUNT_EXAMPLES}")
    if _PLAIN_AMOUNT.fullmatch(value):  # 12, -5.5, 1240.50: most lines of an export
        return _storable(Decimal(value) + 0, value), default
    text = value.strip().casefold().replace("\u2212", "-")
    if not text:
        raise InvalidValue("amount", value, f"is empty: {_AMOUNT_EXAMPLES}")
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    text, signs, marks = _strip_marks(text)
    codes = {_currency_code(mark, default, value) for mark in marks}
    if len(codes) > 1:
        raise InvalidValue("amount", value, f"names two currencies ({', '.join(sorted(codes))})")
    if len(signs) > 1 or (signs and negative):
        raise InvalidValue("amount", value, "has more than one sign")
    code = codes.pop() if codes else default
    if not _NUMBER.fullmatch(text):
        raise InvalidValue("amount", value, f"not an amount: {_AMOUNT_EXAMPLES}")
    number = Decimal(_plain_number(text, code, value))
    if negative or signs == ["-"]:
        number = -number
    return _storable(number + 0, value), code  # + 0 turns -0 into 0


MAX_AMOUNT = Decimal("999999999999.99")  # what the store's NUMERIC(14, 2) holds


def _storable(number: Decimal, original: Any) -> Decimal:
    if abs(number) > MAX_AMOUNT:
        raise InvalidValue("amount", original, f"is larger than {MAX_AMOUNT:,}")
    return number


def _strip_marks(text: str) -> tuple[str, list[str], list[str]]:
    """Peel currency marks and signs off both ends: ``-$ 12`` -> ``("12", ["-"], ["$"])``."""
    signs: list[str] = []
    marks: list[str] = []
    while True:
        before = text
        text = text.strip()
        if text and text[0] in "+-":
            signs.append(text[0])
            text = text[1:]
        elif found := _MARK.match(text):
            marks.append(found[0])
            text = text[found.end() :]
        if text and text[-1] in "+-":
            signs.append(text[-1])
            text = text[:-1]
        elif found := _MARK_END.search(text):
            marks.append(found[0])
            text = text[: found.start()]
        if text == before:
            return text, signs, marks


def _currency_code(mark: str, default: str, original: str) -> str:
    if mark not in _SYMBOLS:
        code = mark.upper()
        if code not in _ISO_CURRENCIES:
            raise InvalidValue("amount", original, f"{mark.upper()} is not a currency code")
        return code
    code = _SYMBOLS[mark]
    if code:
        return code
    if mark.startswith("kr"):
        if default in _KRONA:
            return default
        raise InvalidValue("amount", original, "kr could be SEK, NOK, DKK or ISK; write the code")
    if mark == "¥":
        return default if default in ("JPY", "CNY") else "JPY"
    return default if default in _DOLLARS else "USD"


def _not_an_amount(original: str) -> InvalidValue:
    return InvalidValue("amount", original, f"not an amount: {_AMOUNT_EXAMPLES}")


def _plain_number(text: str, currency: str, original: str) -> str:
    """Digits with at most one ``.`` as decimal point, from any common grouping."""
    if _GROUP_SPACE.search(text):
        groups = _GROUP_SPACE.split(text)
        if any(len(g) < 3 or not g[:3].isdigit() for g in groups[1:]):
            raise _not_an_amount(original)
        text = "".join(groups)
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        decimal_mark = "." if text.rfind(".") > text.rfind(",") else ","
    elif dots + commas == 1:
        mark = "." if dots else ","
        whole, _, fraction = text.partition(mark)
        thousands = (
            len(fraction) == 3 and whole not in ("", "0") and currency not in _THREE_DECIMALS
        )
        decimal_mark = "" if thousands else mark
    else:
        decimal_mark = ""
    whole, _, fraction = text.rpartition(decimal_mark) if decimal_mark else (text, "", "")
    if "." in fraction or "," in fraction or ("." in whole and "," in whole):
        raise _not_an_amount(original)
    groups = _GROUP_MARK.split(whole)
    # Thousands come in threes; Indian grouping (1,00,000) has pairs before the last three.
    if len(groups) > 1 and not (
        1 <= len(groups[0]) <= 3
        and len(groups[-1]) == 3
        and all(len(g) in (2, 3) for g in groups[1:])
    ):
        raise _not_an_amount(original)
    digits = "".join(groups) or "0"
    return f"{digits}.{fraction}" if fraction else digits


# -- yes/no, channels, tags, consent ---------------------------------------------------------

_TRUE = frozenset(
    """
    yes y true t 1 x ✓ ✔ ☑ ✅ on ok checked optedin
    optin subscribed agreed agree consented ja oui si sí
    """.split()  # noqa: SIM905
)
_FALSE = frozenset(
    """
    no n false f 0 ✗ ✘ ☐ ❌ off unchecked optedout optout unsubscribed
    declined refused nein non
    """.split()  # noqa: SIM905
)
# Written in a marketing column, these mean "no marketing, and do not contact at all".
_NO_CONTACT = frozenset({"donotcontact", "dnc", "nocontact", "donotcall"})
_BOOL_PUNCTUATION = re.compile(r"[\s\-_.]+")


def parse_bool(value: Any) -> bool:
    """Yes or no as people write it: yes/no, y/n, true/false, 1/0, x, ✓, opted in, opt-out..."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal) and value in (0, 1):
        return bool(value)
    key = _BOOL_PUNCTUATION.sub("", value.casefold()) if isinstance(value, str) else None
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise InvalidValue("yes/no", value, "not yes or no: write yes/no, true/false, 1/0 or x")


# How tills, shops and payment processors write what happened to a sale (Shopify financial
# status, Stripe payment status, WooCommerce order status, Square, PayPal), folded.
_STATUS_WORDS: dict[PurchaseStatus, frozenset[str]] = {
    PurchaseStatus.PAID: frozenset(
        [
            "paid",
            "succeeded",
            "success",
            "successful",
            "complete",
            "completed",
            "captured",
            "settled",
            "approved",
            "partiallypaid",
            "processed",
            "fulfilled",
            "closed",
        ]
    ),
    PurchaseStatus.PARTIALLY_REFUNDED: frozenset({"partiallyrefunded", "partialrefund"}),
    PurchaseStatus.REFUNDED: frozenset(
        {"refunded", "fullyrefunded", "refund", "reversed", "returned", "chargeback"}
    ),
    PurchaseStatus.PENDING: frozenset(
        [
            "pending",
            "authorized",
            "authorised",
            "uncaptured",
            "unpaid",
            "processing",
            "onhold",
            "awaitingpayment",
            "incomplete",
            "requirespaymentmethod",
            "requiresaction",
            "open",
        ]
    ),
    PurchaseStatus.FAILED: frozenset(
        {"failed", "declined", "denied", "expired", "rejected", "error", "blocked"}
    ),
    PurchaseStatus.VOIDED: frozenset(
        {"voided", "void", "cancelled", "canceled", "cancel", "deleted", "trash"}
    ),
}
_STATUS_BY_WORD = {word: status for status, words in _STATUS_WORDS.items() for word in words}


def parse_status(value: Any) -> PurchaseStatus:
    """What happened to a sale, as shops write it: ``Paid``, ``partially_refunded``,
    ``Failed``, ``declined``, ``voided``, ``Cancelled``, ``pending``, ``Succeeded``..."""
    if isinstance(value, PurchaseStatus):
        return value
    key = _BOOL_PUNCTUATION.sub("", value.casefold()) if isinstance(value, str) else None
    if key in _STATUS_BY_WORD:
        return _STATUS_BY_WORD[key]
    choices = ", ".join(s.value for s in PurchaseStatus)
    raise InvalidValue("status", value, f"not a payment status; use one of {choices}")


def parse_currency(value: Any) -> str:
    """A three-letter ISO currency code (``usd`` -> ``USD``)."""
    code = _text(value).upper()
    if code not in _ISO_CURRENCIES:
        raise InvalidValue("currency", value, "is not a currency code like USD or EUR")
    return code


def parse_channel(value: Any) -> Channel:
    """A preferred channel as people write it: ``E-mail``, ``text``, ``in person``, ``phone``."""
    if isinstance(value, Channel):
        return value
    try:
        return Channel.parse(str(value))
    except ValueError:
        choices = ", ".join(c.value for c in Channel)
        raise InvalidValue(
            "channel", value, f"not a channel we know; use one of {choices}"
        ) from None


_LIST_SEPARATORS = re.compile(r"[,;|\n]")


def parse_tags(value: Any) -> list[str]:
    """Tags from ``"a, b; c"`` (or a list of such): trimmed, ``#`` dropped, no repeats (case
    ignored)."""
    if value is None:
        return []
    values = value if isinstance(value, Iterable) and not isinstance(value, str) else [value]
    items = [item for v in values for item in _LIST_SEPARATORS.split(_text(v))]
    tags: dict[str, str] = {}
    for item in items:
        tag = " ".join(item.split()).lstrip("#").strip()
        if tag:
            tags.setdefault(tag.casefold(), tag)
    return list(tags.values())


def parse_consent(
    marketing: Any = None,
    *,
    given_at: Any = None,
    source: str = "",
    do_not_contact: Any = None,
    channels: Any = None,
    region: str = "US",
) -> Consent:
    """A :class:`Consent` from loose values (``marketing="opted in"``, ``channels="email, sms"``).

    Raises :class:`InvalidValue` for the first value that cannot be read.
    """
    problems: list[InvalidValue] = []
    consent = _consent(
        {
            "marketing": marketing,
            "marketing_given_at": given_at,
            "consent_source": source,
            "do_not_contact": do_not_contact,
            "consent_channels": channels,
        },
        region,
        problems.append,
    )
    if problems:
        raise problems[0]
    return consent


def _consent(
    values: Mapping[str, Any], region: str, report: Callable[[InvalidValue], None]
) -> Consent:
    def read(key: str, parser: Callable[[Any], T]) -> T | None:
        value = values.get(key)
        if _is_empty(value):
            return None
        try:
            return parser(value)
        except InvalidValue as error:
            report(InvalidValue(key.replace("_", " "), value, error.why))
            return None

    channels = read("consent_channels", lambda v: [parse_channel(c) for c in parse_tags(v)])
    marketing = values.get("marketing")
    if (
        isinstance(marketing, str)
        and _BOOL_PUNCTUATION.sub("", marketing.casefold()) in _NO_CONTACT
    ):
        values = {**values, "marketing": False, "do_not_contact": True}
    return Consent(
        marketing=read("marketing", parse_bool),
        given_at=read("marketing_given_at", lambda v: _parse_moment(v, region=region)),
        source=_text(values.get("consent_source")),
        do_not_contact=bool(read("do_not_contact", parse_bool)),
        channels=list(dict.fromkeys(channels or [])),
    )


# -- whole records ---------------------------------------------------------------------------

# Keys contact_from_fields understands (after lower-casing, spaces and dashes as underscores),
# mapped to the name it files them under. Anything else becomes a custom field.
CONTACT_KEYS: dict[str, str] = {
    "id": "id",
    "name": "name",
    "full_name": "name",
    "display_name": "name",
    "given_name": "given_name",
    "first_name": "given_name",
    "middle_name": "middle_name",
    "family_name": "family_name",
    "last_name": "family_name",
    "surname": "family_name",
    "nickname": "nickname",
    "email": "emails",
    "emails": "emails",
    "phone": "phones",
    "phones": "phones",
    "address": "address",
    "street": "street",
    "extended": "extended",
    "city": "city",
    "region": "region",
    "state": "region",
    "postal_code": "postal_code",
    "zip": "postal_code",
    "postcode": "postal_code",
    "country": "country",
    "address_label": "address_label",
    "company": "company",
    "organization": "company",
    "organisation": "company",
    "position": "position",
    "title": "position",
    "job_title": "position",
    "birthday": "birthday",
    "anniversary": "anniversary",
    "notes": "notes",
    "note": "notes",
    "tags": "tags",
    "interests": "interests",
    "preferred_channel": "preferred_channel",
    "channel": "preferred_channel",
    "consent": "consent",
    "marketing": "marketing",
    "marketing_given_at": "marketing_given_at",
    "consent_source": "consent_source",
    "do_not_contact": "do_not_contact",
    "consent_channels": "consent_channels",
    "linkedin_url": "linkedin_url",
    "linkedin": "linkedin_url",
    "external_id": "external_ids",
    "external_ids": "external_ids",
    "spouse": "spouse",
    "partner": "partner",
    "children": "children",
    "family": "family",
    "milestones": "milestones",
    "custom": "custom",
}
# Keys whose values add up when given more than once (two email columns, two note columns).
_MULTI = frozenset(
    {
        "emails",
        "phones",
        "tags",
        "interests",
        "notes",
        "children",
        "family",
        "milestones",
        "external_ids",
        "custom",
    }
)
_ADDRESS_PARTS = ("street", "extended", "city", "region", "postal_code", "country", "address_label")
_CONSENT_KEYS = (
    "marketing",
    "marketing_given_at",
    "consent_source",
    "do_not_contact",
    "consent_channels",
)
_NAME_PART_KEYS = ("given_name", "middle_name", "family_name")
_KEY_SPACE = re.compile(r"[\s\-]+")
_EMAIL_SPLIT = re.compile(r"[;,/\n](?![^<]*>)")
_PHONE_SPLIT = re.compile(r"[;,\n]+")
_DIGITS = re.compile(r"\d")
_MIN_PHONE_DIGITS = 7  # fewer digits around a "/" are an area code, not a number of their own
_FAMILY_SPLIT = re.compile(r"[,;\n&]+|\s+and\s+")
_FAMILY_LIST_SPLIT = re.compile(r"[;\n]+")
_FAMILY_ITEM = re.compile(
    r"^(?:(?P<relation>[\w ]+):\s*)?(?P<name>[^()]*?)\s*(?:\((?P<birthday>[^()]*)\))?$"
)


# Sources where values are typed as the customer gives them (a consent is dated then).
_TYPED = ("api", "cli")


def contact_from_fields(
    fields: Mapping[str, Any],
    *,
    region: str = "US",
    source: str = "api",
    at: datetime | None = None,
) -> tuple[Contact, list[InvalidValue]]:
    """A draft :class:`Contact` from loose values, and every problem found reading them.

    Keys are model field names or friendly aliases (see :data:`CONTACT_KEYS`): ``name`` (split
    into parts unless ``given_name``/``middle_name``/``family_name`` are given as keys), ``email``
    and ``phone`` (a list, or text with several separated by ``;`` ``,`` ``/``), ``address`` (one
    line, kept as the street, or an :class:`Address`) or its parts (``street``, ``city``,
    ``state``, ``zip``, ``country``), ``birthday``, ``anniversary``, ``company``, ``position``,
    ``notes``, ``tags``, ``interests``, ``preferred_channel``, ``marketing``,
    ``marketing_given_at``, ``consent_source`` (default: ``source``), ``do_not_contact``,
    ``linkedin_url``, ``spouse``/``partner``/``children``/``family``, ``milestones``,
    ``custom`` (a dict) and ``id`` (a relationkit id, as exports carry it). Any other key becomes
    a custom field under its own name.

    Nothing is dropped: a value that cannot be read is reported and kept as text in
    ``custom["invalid <field>"]`` (several joined by ``; ``); NUL characters (U+0000), which no
    database stores, are removed from any value and reported (:data:`NUL_REMOVED`); a phone
    extension goes to ``custom["phone extension"]``. Empty values mean "not given". Every field
    given a value gets provenance ``(source, at)``. A marketing consent given without
    ``marketing_given_at`` is dated ``at`` when ``source`` is ``api`` or ``cli`` (typed as the
    customer says it); from a file it stays undated.
    """
    builder = _ContactBuilder(region, source, at or utcnow())
    builder.build(fields)
    return builder.draft, builder.problems


class _ContactBuilder:
    """Reads one record into a draft, collecting problems and keeping unreadable values."""

    def __init__(self, region: str, source: str, at: datetime) -> None:
        self.region = region
        self.source = source
        self.at = at
        self.draft = Contact()
        self.problems: list[InvalidValue] = []
        self.custom: dict[str, str] = {}

    def build(self, fields: Mapping[str, Any]) -> None:
        known, present = self._sort(without_nul(fields, self.problems))
        self._names(known, present)
        self._emails(known.get("emails"))
        self._phones(known.get("phones"))
        self._address(known)
        for name in ("company", "position"):
            if text := _one_line(known.get(name)):
                self.put(name, text)
        if notes := trim(_text(known.get("notes")).replace("\r\n", "\n")):
            self.put("notes", notes)
        for name in ("birthday", "anniversary"):
            if (day := self.read(name, known.get(name), self._partial)) is not None:
                self.put(name, day)
        for name in ("tags", "interests"):
            if items := parse_tags(known.get(name)):
                self.put(name, items)
        channel = self.read("preferred channel", known.get("preferred_channel"), parse_channel)
        if channel is not None:
            self.put("preferred_channel", channel)
        self._consent(known, present)
        linkedin = self.read("LinkedIn URL", known.get("linkedin_url"), normalise_linkedin_url)
        if linkedin:
            self.put("linkedin_url", linkedin)
        self._family(known)
        self._milestones(known.get("milestones"))
        self._external_ids(known.get("external_ids"))
        if ident := _text(known.get("id")):
            self.draft.id = ident
        if self.custom:
            self.put("custom", self.custom)

    def _sort(self, fields: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
        """Known keys by their canonical name (repeats combined); the rest into custom."""
        known: dict[str, Any] = {}
        present: set[str] = set()
        for key, value in fields.items():
            name = CONTACT_KEYS.get(_key(key))
            if name is None:
                self._keep(key.strip(), value)
                continue
            present.add(name)
            if _is_empty(value):
                continue
            if name == "custom" and isinstance(value, Mapping):
                for custom_key, custom_value in value.items():
                    self._keep(str(custom_key), custom_value)
            elif name not in known:
                known[name] = value
            elif name in _MULTI:
                known[name] = [*_as_list(known[name]), *_as_list(value)]
            else:
                self._keep(key.strip(), value)
        return known, present

    def _keep(self, key: str, value: Any) -> None:
        if not _is_empty(value):
            text = _text(value)
            self.custom[key] = f"{self.custom[key]}; {text}" if key in self.custom else text

    def put(self, name: str, value: Any) -> None:
        """Set a field with provenance, even when the value equals the draft's default."""
        self.draft.set(name, value, source=self.source, at=self.at)
        self.draft.provenance[name] = Provenance(self.source, self.at)

    def read(self, field: str, value: Any, parser: Callable[[Any], T]) -> T | None:
        """``parser(value)``; on failure the problem is recorded and the text kept in custom."""
        if _is_empty(value):
            return None
        try:
            return parser(value)
        except InvalidValue as error:
            self.invalid(field, value, error.why)
            return None

    def invalid(self, field: str, value: Any, why: str) -> None:
        self.problems.append(InvalidValue(field, value, why))
        self._keep(f"invalid {field}", value)

    def _partial(self, value: Any) -> PartialDate:
        return parse_partial_date(value, region=self.region)

    def _names(self, known: dict[str, Any], present: set[str]) -> None:
        name = _one_line(known.get("name"))
        parts = self.read("name", name, _parse_name)
        if parts is not None:
            self.put("display_name", name)
        if parts is not None and not present.intersection(_NAME_PART_KEYS):
            for field, part in (
                ("given_name", parts.given),
                ("middle_name", parts.middle),
                ("family_name", parts.family),
            ):
                if part:
                    self.put(field, part)
        for field in (*_NAME_PART_KEYS, "nickname"):
            if text := _one_line(known.get(field)):
                self.put(field, text)
        if parts is not None and parts.nickname and "nickname" not in present:
            self.put("nickname", parts.nickname)

    def _emails(self, value: Any) -> None:
        emails: list[str] = []
        for item in _as_list(value):
            text = _text(item)
            for chunk in _email_chunks(text):
                if (email := self.read("email", chunk, normalise_email)) and email not in emails:
                    emails.append(email)
        if emails:
            self.put("emails", emails)

    def _phones(self, value: Any) -> None:
        phones: list[str] = []
        extensions: list[str] = []
        for item in _as_list(value):
            for chunk in filter(None, (c.strip() for c in _PHONE_SPLIT.split(_text(item)))):
                for number, extension in self._split_phones(chunk):
                    if number not in phones:
                        phones.append(number)
                    if extension:
                        extensions.append(extension)
        if phones:
            self.put("phones", phones)
        if extensions:
            self._keep("phone extension", "; ".join(extensions))

    def _split_phones(self, chunk: str) -> list[tuple[str, str]]:
        """One number, or several separated by ``/`` when each part is a whole number by itself
        (``030/1234567`` is one Berlin number; ``555-0134 / 555-0187`` are two)."""
        parts = chunk.split("/")
        if len(parts) > 1 and all(
            len(_DIGITS.findall(part)) >= _MIN_PHONE_DIGITS for part in parts
        ):
            found = [self.read("phone", part.strip(), self._phone) for part in parts]
            return [number for number in found if number]
        number = self.read("phone", chunk, self._phone)
        return [number] if number else []

    def _phone(self, text: str) -> tuple[str, str]:
        return split_phone(text, self.region)

    def _address(self, known: dict[str, Any]) -> None:
        value = known.get("address")
        if isinstance(value, Address):
            address = value
        elif isinstance(value, Mapping):
            try:
                address = Address(**{k: _text(v) for k, v in value.items()})
            except TypeError:
                self.invalid("address", value, "has parts an address does not have")
                return
        else:
            address = Address(street=", ".join(_text(value).splitlines()).strip())
        for part in _ADDRESS_PARTS:
            if text := _one_line(known.get(part)):
                setattr(address, "label" if part == "address_label" else part, text)
        if not address.is_empty():
            self.put("address", address)

    def _consent(self, known: dict[str, Any], present: set[str]) -> None:
        value = known.get("consent")
        if isinstance(value, Consent):
            self.put("consent", value)
            return
        if not known.keys() & set(_CONSENT_KEYS):
            return
        consent = _consent(known, self.region, self._report_consent)
        if consent.marketing is not None and "consent_source" not in present:
            consent.source = self.source
        if consent.marketing is not None and consent.given_at is None and self.source in _TYPED:
            consent.given_at = self.at  # said now, to whoever types it; a file does not say when
        self.put("consent", consent)

    def _report_consent(self, problem: InvalidValue) -> None:
        self.invalid(problem.field, problem.value, problem.why)

    def _family(self, known: dict[str, Any]) -> None:
        members: list[FamilyMember] = []
        for relation, key, splitter in (
            ("spouse", "spouse", _FAMILY_SPLIT),
            ("partner", "partner", _FAMILY_SPLIT),
            ("child", "children", _FAMILY_SPLIT),
            ("", "family", _FAMILY_LIST_SPLIT),  # "spouse: Jane; child: Tom (2015-04-01)"
        ):
            for item in _as_list(known.get(key)):
                if isinstance(item, FamilyMember):
                    members.append(item)
                    continue
                for chunk in filter(None, (c.strip() for c in splitter.split(_text(item)))):
                    if member := self._family_member(chunk, relation):
                        members.append(member)
        if members:
            self.put("family", members)

    def _family_member(self, text: str, relation: str) -> FamilyMember | None:
        """``Tom``, ``child: Tom``, ``Tom (2015-04-01)``; the relation defaults to the column's."""
        found = _FAMILY_ITEM.match(text)
        if not found or not found["name"]:
            self.invalid(
                "family", text, "write family as e.g. 'spouse: Jane; child: Tom (2015-04-01)'"
            )
            return None
        birthday = None
        if found["birthday"]:
            birthday = self.read("family birthday", found["birthday"], self._partial)
        return FamilyMember(
            (found["relation"] or relation or "other").strip().lower(), found["name"], birthday
        )

    def _milestones(self, value: Any) -> None:
        milestones: list[Milestone] = []
        for item in _as_list(value):
            if isinstance(item, Milestone):
                milestones.append(item)
                continue
            for chunk in filter(None, (c.strip() for c in _text(item).split(";"))):
                label, colon, when = chunk.rpartition(":")
                if not colon or not label.strip():
                    self.invalid(
                        "milestones", chunk, "write milestones as e.g. 'Opened shop: 2010-05-01'"
                    )
                    continue
                if (day := self.read("milestones", when.strip(), self._partial)) is not None:
                    milestones.append(Milestone(label.strip(), day))
        if milestones:
            self.put("milestones", milestones)

    def _external_ids(self, value: Any) -> None:
        """:class:`ExternalId` items, ``(kind, text)`` pairs or a ``{kind: text}`` mapping."""
        pairs = value.items() if isinstance(value, Mapping) else _as_list(value)
        found: list[ExternalId] = []
        for item in pairs:
            kind, text = (item.kind, item.value) if isinstance(item, ExternalId) else item
            read = self.read(str(kind), _text(text), lambda t, k=str(kind): external_ids(k, t))
            found = united(found, read or [])
        if found:
            self.put("external_ids", found)


_PLAIN_NAME_WORD = re.compile(r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)*|[A-Z]'[A-Z][a-z]+")
# Words nameparser treats specially (titles, suffixes, particles, "and"): such names go to it.
_SPECIAL_NAME_WORDS = frozenset().union(
    _NAME_WORDS.titles,
    _NAME_WORDS.first_name_titles,
    _NAME_WORDS.suffix_acronyms,
    _NAME_WORDS.suffix_not_acronyms,
    _NAME_WORDS.prefixes,
    _NAME_WORDS.conjunctions,
)


def _parse_name(text: str) -> NameParts:
    """:func:`~relationkit.identity.parse_name`, with a shortcut for the commonest case: two
    plain capitalised words (``Ann Lee``), which nameparser always splits into given and family
    name. nameparser costs about 0.5 ms a name, more than a whole import row's budget."""
    words = text.split(" ")
    if (
        len(words) == 2
        and all(_PLAIN_NAME_WORD.fullmatch(word) for word in words)
        and not any(word.lower() in _SPECIAL_NAME_WORDS for word in words)
    ):
        return NameParts(given=words[0], family=words[1])
    return parse_name(text)


def _email_chunks(text: str) -> list[str]:
    """Addresses split on ``;`` ``,`` ``/`` (outside ``<...>``), and on spaces between several
    bare addresses; ``Ann Lee <ann@x.com>`` and a mistyped ``ann at x.com`` stay whole."""
    return [
        part
        for chunk in _EMAIL_SPLIT.split(text)
        for part in (
            chunk.split() if chunk.count("@") > 1 and "<" not in chunk else [chunk.strip()]
        )
        if part
    ]


def purchase_fields(
    fields: Mapping[str, Any],
    *,
    region: str = "US",
    currency: str = "USD",
    source: str = "api",
) -> tuple[Purchase | None, list[InvalidValue]]:
    """A draft :class:`Purchase` (``contact_id`` still empty) from loose values, and problems.

    Keys: ``date``, ``amount`` (``total``), ``currency``, ``category``, ``items``, ``note``,
    ``order_id``, ``status`` (see :func:`parse_status`) and ``refunded`` (the amount given
    back). Without a readable date and amount there is no purchase (None); an unreadable
    status or refund is a problem and the purchase is kept as paid, without a refund.
    """
    problems: list[InvalidValue] = []
    values = {_key(k): v for k, v in without_nul(fields, problems).items()}
    amount = values.get("amount", values.get("total"))
    on = code = number = None
    try:
        on = parse_date(values.get("date"), region=region)
    except InvalidValue as error:
        why = "has no date" if _is_empty(values.get("date")) else error.why
        problems.append(InvalidValue("date", _text(values.get("date")), why))
    column_currency = _text(values.get("currency")).upper()
    if column_currency and column_currency not in _ISO_CURRENCIES:
        problems.append(
            InvalidValue("currency", values["currency"], "is not a currency code like USD or EUR")
        )
        column_currency = ""
    try:
        number, code = parse_amount(amount, currency=column_currency or currency)
    except InvalidValue as error:
        why = "has no amount" if _is_empty(amount) else error.why
        problems.append(InvalidValue("amount", amount, why))
    if code and column_currency and code != column_currency:
        why = f"is in {code} but the currency column says {column_currency}"
        problems.append(InvalidValue("amount", amount, why))
        number = None
    if on is None or number is None or code is None:
        return None, problems
    status = PurchaseStatus.PAID
    if not _is_empty(values.get("status")):
        try:
            status = parse_status(values["status"])
        except InvalidValue as error:
            problems.append(error)
    refunded = Decimal(0)
    if not _is_empty(values.get("refunded")):
        try:
            refunded = _refund(values["refunded"], code)
        except InvalidValue as error:
            problems.append(error)
    purchase = Purchase(
        contact_id="",
        date=on,
        amount=number,
        currency=code,
        category=" ".join(_text(values.get("category")).split()),
        items=_text(values.get("items")),
        note=_text(values.get("note")),
        source=source,
        external_id=_text(values.get("order_id")).strip(),
        status=status,
        refunded=refunded,
    )
    return purchase, problems


def _refund(value: Any, currency: str) -> Decimal:
    """An amount given back (a refund written ``-12`` or ``(12.00)`` is 12), in ``currency``."""
    number, code = parse_amount(value, currency=currency)
    if code != currency:
        raise InvalidValue("refunded", value, f"is in {code} but the sale is in {currency}")
    return abs(number)


# -- helpers ---------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _key(name: str) -> str:
    """A field name as looked up: lower case, spaces and dashes as underscores."""
    return _KEY_SPACE.sub("_", name.strip().lower())


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset | dict):
        return not any(
            not _is_empty(v) for v in (value.values() if isinstance(value, dict) else value)
        )
    return False


def _as_list(value: Any) -> list[Any]:
    if _is_empty(value):
        return []
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def trim(text: str) -> str:
    """``text`` without the whitespace around it, except whitespace before ``= + - @`` (a tab
    before ``=1+1``): that is kept, so trimming never makes text a spreadsheet would run as a
    formula out of text it would not. A plain number (`` -5``) is trimmed."""
    stripped = text.strip()
    if (
        stripped[:1] in _FORMULA_CHARS
        and text[:1].isspace()
        and not _PLAIN_NUMBER.fullmatch(stripped)
    ):
        return text.rstrip()
    return stripped


def _one_line(value: Any) -> str:
    """``value`` as text on one line, runs of whitespace as one space (see :func:`trim`)."""
    text = _text(value)
    kept = text[: len(text) - len(text.lstrip())]
    return kept + " ".join(text.split())


_FORMULA_CHARS = ("=", "+", "-", "@")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_NUL = "\x00"
NUL_REMOVED = "had NUL character(s) (U+0000), which cannot be stored; read without them"


def _without_nul(value: Any) -> Any:
    """``value`` (text, or lists and mappings of it) with NUL characters removed."""
    if isinstance(value, str):
        return value.replace(_NUL, "")
    if isinstance(value, Mapping):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, tuple):  # (kind, value) pairs of external ids stay pairs
        return tuple(_without_nul(v) for v in value)
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def without_nul(fields: Mapping[str, Any], problems: list[InvalidValue]) -> dict[str, Any]:
    """``fields`` with NUL characters (U+0000, which no database stores) removed from their
    text; a problem noted in ``problems`` for each field that had one."""
    clean = {}
    for key, value in fields.items():
        clean[_without_nul(key)] = cleaned = _without_nul(value)
        if cleaned != value or _NUL in str(key):
            problems.append(InvalidValue(_without_nul(str(key)), cleaned, NUL_REMOVED))
    return clean


def _text(value: Any) -> str:
    """Any loose value as text: numbers without a spurious ``.0``, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return trim(unicodedata.normalize("NFC", value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date | PartialDate):
        return value.isoformat() if isinstance(value, date) else value.iso()
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return "; ".join(t for t in (_text(v) for v in value) if t)
    return str(value)
