"""The relationship model: contacts, what they bought, every interaction and every follow-up.

These are plain dataclasses with no database or network code. Values are stored normalised
(emails lower-cased and validated, phones in E.164, names parsed) by :mod:`relationkit.identity`;
the store persists them and the sync engine moves them between tools.

Derived figures (last interaction, purchase statistics) are never typed in: see
:class:`ContactStats`, computed from purchases and interactions.
"""

from __future__ import annotations

import calendar
import re
import uuid
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Any


def new_id(prefix: str) -> str:
    """A new stable id such as ``c_1f0a…``: short, url- and sheet-safe, never reused."""
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Channel(StrEnum):
    """How a customer likes to be reached."""

    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"
    POST = "post"
    IN_PERSON = "in_person"
    LINKEDIN = "linkedin"  # a LinkedIn invitation or message

    @classmethod
    def parse(cls, text: str) -> Channel:
        """Read a channel as people write it ("E-mail", "text", "in person", "mail")."""
        key = re.sub(r"[^a-z]", "", text.lower())
        for channel, words in _CHANNEL_WORDS.items():
            if key in words:
                return channel
        choices = ", ".join(c.value for c in cls)
        raise ValueError(f"unknown channel {text!r}; use one of {choices}")


_CHANNEL_WORDS: dict[Channel, set[str]] = {
    Channel.EMAIL: {"email", "mail", "emailaddress"},
    Channel.PHONE: {"phone", "call", "telephone", "tel", "mobile", "phonecall"},
    Channel.SMS: {"sms", "text", "textmessage", "whatsapp", "message"},
    Channel.POST: {"post", "letter", "postal", "postalmail", "snailmail", "card"},
    Channel.IN_PERSON: {"inperson", "person", "visit", "instore", "face", "facetoface"},
    Channel.LINKEDIN: {"linkedin"},
}


class InteractionKind(StrEnum):
    VISIT = "visit"
    CALL = "call"
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"
    NOTE = "note"
    GIFT = "gift"
    EVENT = "event"
    MEETING = "meeting"
    SOCIAL = "social"
    OTHER = "other"

    @classmethod
    def of_channel(cls, channel: Channel | None) -> InteractionKind:
        """The touchpoint that reaching out on ``channel`` makes (a call for phone, ...)."""
        return _CHANNEL_INTERACTION.get(channel, cls.OTHER) if channel else cls.OTHER


_CHANNEL_INTERACTION = {
    Channel.EMAIL: InteractionKind.EMAIL,
    Channel.PHONE: InteractionKind.CALL,
    Channel.SMS: InteractionKind.SMS,
    Channel.POST: InteractionKind.LETTER,
    Channel.IN_PERSON: InteractionKind.VISIT,
    Channel.LINKEDIN: InteractionKind.SOCIAL,
}


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"
    SNOOZED = "snoozed"


_PARTIAL_DATE = re.compile(r"^(?:(\d{4})|-)-(\d{2})-?(\d{2})$")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date whose year may be unknown (birthdays people share without the year).

    ISO form is ``1984-03-14`` with a year and ``--03-14`` without (vCard 4 writes ``--0314``).
    """

    month: int
    day: int
    year: int | None = None

    def __post_init__(self) -> None:
        # Feb 29 is valid without a year; with a year, the year must be a leap year.
        check_year = self.year if self.year is not None else 2000
        if not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is not 1-12")
        if not 1 <= self.day <= calendar.monthrange(check_year, self.month)[1]:
            raise ValueError(f"{self.iso()} is not a real date")

    @classmethod
    def from_date(cls, value: date) -> PartialDate:
        return cls(value.month, value.day, value.year)

    @classmethod
    def parse_iso(cls, text: str) -> PartialDate:
        """Parse ``YYYY-MM-DD``, ``--MM-DD`` or ``--MMDD``."""
        found = _PARTIAL_DATE.match(text.strip())
        if not found:
            raise ValueError(f"{text!r} is not YYYY-MM-DD or --MM-DD")
        year, month, day = found.groups()
        return cls(int(month), int(day), int(year) if year else None)

    def iso(self) -> str:
        prefix = f"{self.year:04d}" if self.year is not None else "-"
        return f"{prefix}-{self.month:02d}-{self.day:02d}"

    def to_date(self) -> date | None:
        return date(self.year, self.month, self.day) if self.year is not None else None

    def occurrence_in(self, year: int) -> date:
        """This date's anniversary in ``year``; Feb 29 falls on Feb 28 in common years."""
        day = min(self.day, calendar.monthrange(year, self.month)[1])
        return date(year, self.month, day)

    def next_occurrence(self, on_or_after: date) -> date:
        this_year = self.occurrence_in(on_or_after.year)
        return this_year if this_year >= on_or_after else self.occurrence_in(on_or_after.year + 1)

    def age_on(self, day: date) -> int | None:
        """Years completed on ``day`` (None without a year)."""
        if self.year is None:
            return None
        had_birthday = (day.month, day.day) >= (self.month, self.day)
        return day.year - self.year - (0 if had_birthday else 1)

    def __str__(self) -> str:
        return self.iso()


@dataclass
class Address:
    """A postal address as people write it; only the parts known are filled in."""

    street: str = ""
    extended: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    label: str = ""

    def is_empty(self) -> bool:
        return not any(
            (self.street, self.extended, self.city, self.region, self.postal_code, self.country)
        )

    def one_line(self) -> str:
        parts = [
            self.street,
            self.extended,
            self.city,
            f"{self.region} {self.postal_code}".strip(),
            self.country,
        ]
        return ", ".join(p for p in parts if p)


@dataclass
class Milestone:
    """A dated event worth remembering: an anniversary, a graduation, a shop's opening day."""

    label: str
    date: PartialDate


@dataclass
class FamilyMember:
    """Spouse, partner or child, with what the owner knows of them."""

    relation: str  # spouse, partner, child, parent, sibling, other
    name: str
    birthday: PartialDate | None = None


@dataclass
class Consent:
    """What the customer agreed to, and when and where they said so.

    ``marketing`` is None while unknown: relationkit then suggests only personal, non-marketing
    outreach. ``do_not_contact`` overrides everything. ``channels``, when not empty, lists the
    channels the customer agreed to be contacted on.
    """

    marketing: bool | None = None
    given_at: datetime | None = None
    source: str = ""
    do_not_contact: bool = False
    channels: list[Channel] = field(default_factory=list)

    def allows(self, channel: Channel, *, marketing: bool) -> bool:
        """May we reach out on ``channel``? Marketing needs explicit consent."""
        if self.do_not_contact:
            return False
        if marketing and self.marketing is not True:
            return False
        return not self.channels or channel in self.channels


@dataclass(frozen=True)
class ExternalId:
    """A number the business itself gave the customer: ``kind`` says which (``customer number``,
    ``member number``, ``loyalty card``, ``square customer id``), ``value`` is as written.

    Kinds are lower-case words (see :func:`relationkit.identity.external_id_kind`); two records
    sharing the same value of the same kind are very likely one customer (see docs/cli.md).
    """

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


@dataclass
class SourceRef:
    """Where a contact also lives: a connector's id for it, its version there and when we saw it."""

    connector: str
    external_id: str
    etag: str = ""
    last_seen: datetime | None = None
    removed: bool = False  # gone from that tool; the contact itself stays in relationkit


@dataclass
class Provenance:
    """Which source last set a field, and when."""

    source: str
    at: datetime


# Fields of Contact that carry per-field provenance (everything the owner or a tool can set).
CONTACT_FIELDS: tuple[str, ...] = (
    "display_name",
    "given_name",
    "middle_name",
    "family_name",
    "nickname",
    "emails",
    "phones",
    "address",
    "company",
    "position",
    "birthday",
    "anniversary",
    "milestones",
    "family",
    "interests",
    "notes",
    "tags",
    "preferred_channel",
    "consent",
    "linkedin_url",
    "external_ids",
    "custom",
)


@dataclass
class Contact:
    """One person the business has a relationship with."""

    id: str = field(default_factory=lambda: new_id("c"))
    display_name: str = ""
    given_name: str = ""
    middle_name: str = ""
    family_name: str = ""
    nickname: str = ""
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    address: Address | None = None
    company: str = ""
    position: str = ""
    birthday: PartialDate | None = None
    anniversary: PartialDate | None = None
    milestones: list[Milestone] = field(default_factory=list)
    family: list[FamilyMember] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    preferred_channel: Channel | None = None
    consent: Consent = field(default_factory=Consent)
    linkedin_url: str = ""
    external_ids: list[ExternalId] = field(default_factory=list)
    custom: dict[str, str] = field(default_factory=dict)
    sources: dict[str, SourceRef] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    merged_into: str | None = None  # set on a contact absorbed by a merge; it then only redirects
    # Set on a deleted customer (``Workspace.delete_contact``): out of every list, digest and
    # tool, history kept, until ``Workspace.undelete_contact``. ``deleted_by`` is who deleted it.
    deleted_at: datetime | None = None
    deleted_by: str = ""

    @property
    def name(self) -> str:
        """The name to show: as typed, else built from its parts, else by what the customer
        has (the first email or phone, ``Customer at 12 Oak St``)."""
        if self.display_name:
            return self.display_name
        built = " ".join(p for p in (self.given_name, self.middle_name, self.family_name) if p)
        if built or self.emails or self.phones:
            return built or (self.emails or self.phones)[0]
        if self.address and self.address.street:
            return f"Customer at {self.address.street}"
        return self.id

    @property
    def email(self) -> str:
        return self.emails[0] if self.emails else ""

    @property
    def phone(self) -> str:
        return self.phones[0] if self.phones else ""

    def set(self, name: str, value: Any, *, source: str, at: datetime | None = None) -> bool:
        """Set field ``name`` from ``source`` and record provenance; True when it changed."""
        if name not in CONTACT_FIELDS:
            raise AttributeError(f"Contact has no settable field {name!r}")
        if getattr(self, name) == value:
            return False
        when = at or utcnow()
        setattr(self, name, value)
        self.provenance[name] = Provenance(source, when)
        self.updated_at = max(self.updated_at, when)
        return True

    def field_values(self) -> dict[str, Any]:
        """The settable fields and their values (what sync compares)."""
        return {name: getattr(self, name) for name in CONTACT_FIELDS}

    def copy(self) -> Contact:
        return replace(
            self,
            **{f.name: _deep_copy(getattr(self, f.name)) for f in fields(self) if f.name != "id"},
        )


def _deep_copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__") and not value.__dataclass_params__.frozen:
        return replace(value, **{f.name: _deep_copy(getattr(value, f.name)) for f in fields(value)})
    return value


class PurchaseStatus(StrEnum):
    """What happened to a sale's money. Only paid money that stayed counts as spend."""

    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"  # paid, then some of it given back
    REFUNDED = "refunded"  # paid, then all of it given back
    PENDING = "pending"  # not paid yet (authorised, awaiting payment)
    FAILED = "failed"  # the payment was declined or expired
    VOIDED = "voided"  # cancelled before money moved, or struck out by the owner


# Statuses whose money never came in: nothing counts, however large the amount.
NO_MONEY = frozenset({PurchaseStatus.PENDING, PurchaseStatus.FAILED, PurchaseStatus.VOIDED})


@dataclass
class Conflict:
    """A field changed in two places since the last sync, as the sync settled it.

    ``kept`` is what relationkit holds since (the winner's value, or both combined: emails
    added, notes joined, ``both_kept``), ``lost`` the value set aside, both in JSON form
    (:mod:`relationkit.store.codec`). A source is a connector's name, or ``api``/``cli`` for a
    value set in relationkit; ``lost_record`` is the losing record's id in that tool.
    ``resolution`` is None while the conflict is open, then ``used_other`` or ``dismissed``
    (:meth:`relationkit.workspace.Workspace.resolve_conflict`).
    """

    id: int
    kind: str  # contact or followup
    local_id: str
    field: str
    kept: Any
    kept_source: str
    kept_at: datetime
    lost: Any
    lost_source: str
    lost_record: str
    lost_at: datetime
    both_kept: bool
    at: datetime  # when the sync settled it
    resolution: str | None = None
    resolved_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.resolution is None


@dataclass
class Purchase:
    """One order (or a till sale): what a customer bought, and what happened to the money.

    ``amount`` is what was charged (the order's lines added up), ``refunded`` what was given
    back; :attr:`kept` is the money that came in and stayed, the only money that counts as
    spend. A purchase with a negative amount and no order is a refund on its own.
    """

    contact_id: str
    date: date
    amount: Decimal
    currency: str = "USD"
    category: str = ""
    items: str = ""  # the order's lines, "; "-separated
    note: str = ""
    source: str = ""
    external_id: str = ""  # the till's or shop's order id, so re-importing does not double-count
    status: PurchaseStatus = PurchaseStatus.PAID
    refunded: Decimal = Decimal(0)
    edited_at: datetime | None = None  # corrected by the owner: imports leave it alone
    id: str = field(default_factory=lambda: new_id("p"))
    created_at: datetime = field(default_factory=utcnow)

    @property
    def order_id(self) -> str:
        """The shop's order id (the same as :attr:`external_id`)."""
        return self.external_id

    @property
    def kept(self) -> Decimal:
        """The money that came in and stayed: nothing for a failed, voided, pending or fully
        refunded sale; the amount less refunds otherwise (negative for a lone refund)."""
        return kept_money(self.status, self.amount, self.refunded)


def kept_money(status: PurchaseStatus, amount: Decimal, refunded: Decimal) -> Decimal:
    """See :attr:`Purchase.kept`."""
    if status in NO_MONEY or status == PurchaseStatus.REFUNDED:
        return Decimal("0.00")
    return amount - refunded


def settled_status(status: PurchaseStatus, amount: Decimal, refunded: Decimal) -> PurchaseStatus:
    """``status`` made to agree with the refunds: a paid order refunded in full is refunded,
    in part partially refunded (a status saying so already is kept)."""
    if status in (PurchaseStatus.PAID, PurchaseStatus.PARTIALLY_REFUNDED) and refunded > 0:
        if amount > 0 and refunded >= amount:
            return PurchaseStatus.REFUNDED
        return PurchaseStatus.PARTIALLY_REFUNDED
    return status


@dataclass
class Interaction:
    """A touchpoint: a visit, a call, an email, a gift, a note about the customer."""

    contact_id: str
    date: date
    kind: InteractionKind = InteractionKind.NOTE
    summary: str = ""
    source: str = ""
    external_id: str = ""
    followup_id: str | None = None  # the follow-up this interaction completed, if any
    id: str = field(default_factory=lambda: new_id("i"))
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class FollowUp:
    """A suggested piece of outreach: who, what, why, how and by when."""

    contact_id: str
    rule: str
    key: str  # what makes it unique for its rule, e.g. "birthday:2026" (no duplicate suggestions)
    title: str
    reason: str
    due: date
    channel: Channel | None = None
    minutes: int = 5
    value: float = 0.0  # how much it matters; the digest takes the highest first
    marketing: bool = False
    status: FollowUpStatus = FollowUpStatus.OPEN
    snoozed_until: date | None = None
    done_at: datetime | None = None
    note: str = ""
    published: dict[str, str] = field(default_factory=dict)  # connector -> where (row id, event id)
    id: str = field(default_factory=lambda: new_id("f"))
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)

    def is_actionable(self, today: date) -> bool:
        if self.status == FollowUpStatus.OPEN:
            return True
        return self.status == FollowUpStatus.SNOOZED and (self.snoozed_until or today) <= today


@dataclass
class ContactStats:
    """Figures derived from a contact's purchases and interactions (never typed in).

    Money is what came in and stayed (:attr:`Purchase.kept`). ``total_spend`` and
    ``spend_12m`` are in the shop's currency: purchases in other currencies count only when
    the owner set a conversion rate for them; ``spend_by_currency`` keeps every currency apart.
    A visit is an order whose money stayed (three lines of one order are one visit).
    """

    purchase_count: int = 0  # orders whose money stayed (visits)
    purchase_days: int = 0  # the days with such an order (what repeat-purchase models count)
    first_purchase: date | None = None
    last_purchase: date | None = None
    total_spend: Decimal = Decimal(0)
    spend_12m: Decimal = Decimal(0)
    typical_gap: timedelta | None = None  # median days between purchase dates
    last_interaction: date | None = None  # last logged interaction
    last_touch: date | None = None  # last interaction or purchase, whichever is later
    spend_by_currency: dict[str, Decimal] = field(default_factory=dict)  # every currency apart

    @classmethod
    def compute(
        cls,
        purchases: list[Purchase],
        interactions: list[Interaction],
        today: date,
        *,
        currency: str = "USD",
        rates: dict[str, Decimal] | None = None,
    ) -> ContactStats:
        stats = cls()
        year_ago = today - timedelta(days=365)
        visits = sorted(p.date for p in purchases if p.kept > 0)
        for purchase in purchases:
            kept = purchase.kept
            if not kept:
                continue
            by = stats.spend_by_currency
            by[purchase.currency] = by.get(purchase.currency, Decimal(0)) + kept
            shop = in_currency(kept, purchase.currency, currency, rates)
            if shop is None:
                continue
            stats.total_spend += shop
            if year_ago < purchase.date <= today:
                stats.spend_12m += shop
        stats.purchase_count = len(visits)
        days = sorted(set(visits))
        stats.purchase_days = len(days)
        if days:
            stats.first_purchase, stats.last_purchase = days[0], days[-1]
        if len(days) > 1:
            gaps = sorted((b - a).days for a, b in pairwise(days))
            middle = len(gaps) // 2
            median = gaps[middle] if len(gaps) % 2 else (gaps[middle - 1] + gaps[middle]) / 2
            stats.typical_gap = timedelta(days=median)
        stats.last_interaction = max((i.date for i in interactions), default=None)
        stats.last_touch = max(
            filter(None, (stats.last_interaction, stats.last_purchase)), default=None
        )
        return stats


def in_currency(
    amount: Decimal, code: str, shop: str, rates: dict[str, Decimal] | None
) -> Decimal | None:
    """``amount`` of ``code`` in the shop's currency: itself, converted at the owner's rate
    (``rates[code]`` of the shop's currency for one ``code``), or None when there is no rate."""
    if code == shop:
        return amount
    rate = (rates or {}).get(code)
    return None if rate is None else (amount * rate).quantize(Decimal("0.01"))
