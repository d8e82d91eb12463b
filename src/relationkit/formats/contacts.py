"""Customer exports: Google Contacts, Outlook, Shopify, Square, Wix, WooCommerce, Mailchimp.

Each format names its columns (:class:`~relationkit.formats.layout.Column`); a column it does
not name is read as a generic file's is (:data:`~relationkit.importers.HEADER_SYNONYMS`), and
``--map`` overrides both. Its ``fix`` then corrects what the export writes in its own way (the
values Google joins with ``" ::: "``, Shopify's leading apostrophes, Outlook's ``0/0/00``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..importers import _REPEATABLE, EXTERNAL_ID, _is_external, map_headers
from ..models import Contact, FamilyMember, Milestone, PartialDate
from .layout import IGNORE_PREFIX, READ_PREFIX, Column, FormatInfo, Understood, choose, fold_header

Fields = dict[str, Any]
Fix = Callable[[Fields, Mapping[str, str]], None]


@dataclass(frozen=True)
class ContactFormat(FormatInfo):
    """A customer export: its columns and the fix for its quirks."""

    fix: Fix | None = None


@dataclass
class ContactLayout:
    """How one file's columns are read: ``columns`` as :func:`map_headers` gives them (``read:``
    columns included, for ``fix``), and what was understood."""

    header: list[str]
    columns: dict[int, str]
    understood: Understood
    fix: Fix | None = None

    def fields(self, located: Sequence[tuple[str, str, str]], record: Sequence[str]) -> Fields:
        """The fields of one record for :func:`~relationkit.parsing.contact_from_fields`."""
        fields: Fields = {}
        custom: dict[str, str] = {}
        for target, _header, value in located:
            if target.startswith("custom:"):
                if value:
                    custom[target[7:]] = value
            elif target.startswith(READ_PREFIX):
                continue
            elif _is_external(target):
                fields.setdefault("external_ids", []).append(
                    (target[len(EXTERNAL_ID) + 1 :], value)
                )
            elif target in _REPEATABLE:
                fields.setdefault(target, []).append(value)
            else:
                fields[target] = value
        fields["custom"] = custom
        if self.fix is not None:
            by_header = {
                h: (record[i].strip() if i < len(record) else "") for i, h in enumerate(self.header)
            }
            self.fix(fields, by_header)
        return fields


def contact_layout(
    header: Sequence[str], forced: str | None = None, mapping: Mapping[str, str] | None = None
) -> ContactLayout:
    """The layout of a customer file: the format ``forced`` (``--format``) or recognised from
    ``header``, its columns, and ``mapping`` (``--map``) over both."""
    fmt = choose(CONTACT_FORMATS, header, forced)
    generic = map_headers(header, mapping)
    mapped = {fold_header(column) for column in mapping or {}}
    understood = Understood() if fmt is None else Understood(fmt.name, fmt.title)
    columns: dict[int, str] = {}
    taken: set[str] = set()
    for index, name in enumerate(header):
        target = generic.get(index)
        if fmt is not None and fold_header(name) not in mapped:
            target = fmt.target(name) or target
        if target is None:
            if name.strip():
                understood.ignore("mapped to ignore", name)
            continue
        if target.startswith(IGNORE_PREFIX):
            understood.ignore(target[len(IGNORE_PREFIX) :], name)
            continue
        if target in taken and target not in _REPEATABLE and ":" not in target:
            target = f"custom:{name.strip()}"
        taken.add(target)
        columns[index] = target
        understood.mapping.append((name, target))
    return ContactLayout(list(header), columns, understood, fmt.fix if fmt else None)


# -- shared fixes ------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_LINKEDIN = re.compile(r"linkedin\.com/", re.IGNORECASE)


def _whole_name(fields: Fields, prefix: str, suffix: str) -> None:
    """The display name with the prefix and suffix kept (``Dr. Ann Lee Jr.``); a Chinese,
    Japanese or Korean name family name first, unspaced (``王小明``)."""
    given, middle, family = (
        fields.get(k, "") for k in ("given_name", "middle_name", "family_name")
    )
    if _CJK.search(f"{given}{family}"):
        fields["name"] = " ".join(p for p in (prefix, f"{family}{middle}{given}", suffix) if p)
    elif prefix or suffix:
        fields["name"] = " ".join(p for p in (prefix, given, middle, family, suffix) if p)


def _website(fields: Fields, label: str, url: str) -> None:
    if _LINKEDIN.search(url) and not fields.get("linkedin_url"):
        fields["linkedin_url"] = url
    elif url:
        fields["custom"][f"Website ({label})" if label else "Website"] = url


def _relation(fields: Fields, label: str, name: str) -> None:
    kind = label.strip().lower()
    if kind in ("spouse", "wife", "husband"):
        fields.setdefault("spouse", []).append(name)
    elif kind in ("partner", "domestic partner"):
        fields.setdefault("partner", []).append(name)
    elif kind in ("child", "son", "daughter", "children"):
        fields.setdefault("children", []).append(name)
    else:
        fields.setdefault("family", []).append(f"{kind or 'other'}: {name}")


def _event(fields: Fields, label: str, when: str) -> None:
    kind = label.strip().lower()
    if kind in ("anniversary", "birthday") and not fields.get(kind):
        fields[kind] = when
    else:
        fields.setdefault("milestones", []).append(f"{label.strip() or 'Event'}: {when}")


def _consent_word(text: str) -> bool | None:
    """``Subscribed``/``yes``/``true`` -> True, ``Unsubscribed``/``no`` -> False, else None
    (never subscribed, pending, blank: nothing was said)."""
    word = text.strip().lower().replace("_", " ")
    if word in ("subscribed", "yes", "true", "1", "opted in", "confirmed"):
        return True
    if word in ("unsubscribed", "no", "false", "0", "opted out"):
        return False
    return None


def _set_consent(fields: Fields, by_channel: Mapping[str, bool | None]) -> None:
    """Marketing consent from per-channel answers: yes on any channel (those channels listed),
    no when every answer given is no, nothing when no answer was given."""
    said = {channel: answer for channel, answer in by_channel.items() if answer is not None}
    if not said:
        return
    agreed = [channel for channel, answer in said.items() if answer]
    fields["marketing"] = "yes" if agreed else "no"
    if agreed and len(said) > 1:
        fields["consent_channels"] = ", ".join(agreed)


# -- Google Contacts -------------------------------------------------------------------------

_GOOGLE_JOIN = " ::: "
_GOOGLE_PAIR = re.compile(r"(Event|Relation|Website|Custom Field) (\d+) - (Label|Type|Value)", re.I)


def _google_split(text: str) -> list[str]:
    return [part.strip() for part in text.split(":::") if part.strip()]


def _fix_google(fields: Fields, values: Mapping[str, str]) -> None:
    for key, value in list(fields.items()):
        if isinstance(value, list):
            fields[key] = [part for item in value for part in _google_split(item)]
        elif isinstance(value, str) and ":::" in value:
            fields[key] = _google_split(value)[0]
    labels = values.get("Labels") or values.get("Group Membership") or ""
    fields["tags"] = [label for label in _google_split(labels) if not label.startswith("*")]
    _whole_name(fields, values.get("Name Prefix", ""), values.get("Name Suffix", ""))
    pairs: dict[tuple[str, str], dict[str, str]] = {}
    for header, value in values.items():
        if found := _GOOGLE_PAIR.fullmatch(header.strip()):
            kind, number, part = found.groups()
            slot = "value" if part.lower() == "value" else "label"
            pairs.setdefault((kind.lower(), number), {})[slot] = value
    for (kind, _number), pair in pairs.items():
        values_ = _google_split(pair.get("value", ""))
        labels_ = _google_split(pair.get("label", "")) or [""]
        for position, value in enumerate(values_):
            label = labels_[min(position, len(labels_) - 1)].lstrip("* ")
            {"event": _event, "relation": _relation, "website": _website}.get(kind, _custom_pair)(
                fields, label, value
            )


def _custom_pair(fields: Fields, label: str, value: str) -> None:
    fields["custom"][label or "Custom field"] = value


_PAIR_READ = (
    "read:birthday, anniversary, milestones, family, LinkedIn URL or custom field by its label"
)
GOOGLE = ContactFormat(
    "google",
    "Google Contacts CSV",
    (
        ("First Name", "Last Name", "Labels", "E-mail 1 - Value"),
        ("Given Name", "Family Name", "Group Membership"),
    ),
    (
        Column(r"Name (Prefix|Suffix)", "read:name prefix and suffix (kept in the display name)"),
        Column(
            r"Labels|Group Membership", "read:tags (system labels such as * myContacts dropped)"
        ),
        Column(r"(Event|Relation|Website|Custom Field) \d+ - (Label|Type|Value)", _PAIR_READ),
        Column(
            r"(E-mail|Phone|IM) \d+ - (Label|Type)",
            "ignore:labels of emails and phones (Home, Work, Mobile)",
        ),
        Column(r"Phonetic .*|.*Yomi.*|File As", "ignore:phonetic names and sorting names"),
        Column(r"Photo", "ignore:photos (links to Google's servers)"),
        Column(
            r"Address \d+ - Formatted", "ignore:formatted addresses (the address parts are read)"
        ),
        Column(r"Address 1 - (Label|Type)", "address_label"),
        Column(r"Organization( \d+)? - Type", "ignore:organization types"),
        Column(r"Organization( \d+)? - Department|Organization Department", "custom:Department"),
        Column(r"Organization( 1)? - (Title)|Organization Title", "position"),
        Column(r"Organization( 1)? - Name|Organization Name", "company"),
        Column(r"Additional Name", "middle_name"),
    ),
    "contacts.google.com > Export > Google CSV",
    _fix_google,
)

# -- Outlook ---------------------------------------------------------------------------------

_X500 = re.compile(r"^/o=", re.IGNORECASE)
_OUTLOOK_NO_DATE = re.compile(r"^0?0/0?0/0{2,4}$")
_ADDRESS_PARTS = (
    "Street",
    "Street 2",
    "Street 3",
    "City",
    "State",
    "Postal Code",
    "Country/Region",
)


def _fix_outlook(fields: Fields, values: Mapping[str, str]) -> None:
    emails = [e for e in fields.get("email", []) if not _X500.match(e.strip())]
    fields["email"] = emails
    for name in ("birthday", "anniversary"):
        if _OUTLOOK_NO_DATE.match(str(fields.get(name, ""))):
            fields.pop(name)
    _whole_name(fields, values.get("Title", ""), values.get("Suffix", ""))
    home, business = (_outlook_address(values, kind) for kind in ("Home", "Business"))
    chosen, label = (home, "home") if any(home.values()) else (business, "work")
    if any(chosen.values()):
        fields.update(chosen, address_label=label)
    if chosen is home and any(business.values()):
        fields["custom"]["Business address"] = ", ".join(v for v in business.values() if v)
    for header in ("Web Page", "Personal Web Page"):
        _website(fields, header, values.get(header, ""))


def _outlook_address(values: Mapping[str, str], kind: str) -> dict[str, str]:
    part = {p: values.get(f"{kind} {p}", "") for p in _ADDRESS_PARTS}
    extended = ", ".join(p for p in (part["Street 2"], part["Street 3"]) if p)
    return {
        "street": part["Street"],
        "extended": extended,
        "city": part["City"],
        "region": part["State"],
        "postal_code": part["Postal Code"],
        "country": part["Country/Region"],
    }


OUTLOOK = ContactFormat(
    "outlook",
    "Outlook CSV",
    (("First Name", "Last Name", "E-mail Address", "Business Street"),),
    (
        Column(r"Title|Suffix", "read:name prefix and suffix (kept in the display name)"),
        Column(r"Job Title", "position"),
        Column(r"Department", "custom:Department"),
        Column(r"E-mail( \d)? Address", "email"),
        Column(r"E-mail( \d)? (Type|Display Name)", "ignore:email types and display names"),
        Column(r"(Home|Business|Mobile|Car|Other|Primary|Company Main|Radio) Phone( 2)?", "phone"),
        Column(
            r".* Fax|Pager|Telex|TTY/TDD Phone|ISDN|Callback",
            "ignore:fax, pager, telex and callback numbers",
        ),
        Column(
            r"(Home|Business) (Street( 2| 3)?|City|State|Postal Code|Country/Region)",
            "read:address (home, else business; the other kept as a custom field)",
        ),
        Column(
            r"(Home|Business|Other) (PO Box|Address PO Box)"
            r"|Other (Street( 2| 3)?|City|State|Postal Code|Country/Region)",
            "ignore:PO boxes and other addresses",
        ),
        Column(r"(Personal )?Web Page", "read:LinkedIn URL, or a custom website field"),
        Column(r"Categories", "tags"),
        Column(r"Hobby", "interests"),
        Column(
            r"Gender|Priority|Sensitivity|Private|Initials",
            "ignore:Outlook's defaults (Gender, Priority, Sensitivity, Private, Initials)",
        ),
        Column(r".*Yomi", "ignore:phonetic names and sorting names"),
    ),
    "Outlook > File > Open & Export > Import/Export > Export to a file > Comma Separated Values",
    _fix_outlook,
)

# -- Shopify customers -----------------------------------------------------------------------


def _fix_shopify(fields: Fields, values: Mapping[str, str]) -> None:
    for key, value in list(fields.items()):
        if isinstance(value, str):
            fields[key] = value.removeprefix("'")
        elif isinstance(value, list):  # external ids are (kind, value) pairs
            fields[key] = [
                (v[0], v[1].removeprefix("'")) if isinstance(v, tuple) else v.removeprefix("'")
                for v in value
            ]
    fields["custom"] = {k: v.removeprefix("'") for k, v in fields["custom"].items()}
    email = values.get("Accepts Email Marketing", values.get("Accepts Marketing", ""))
    _set_consent(
        fields,
        {
            "email": _consent_word(email),
            "sms": _consent_word(values.get("Accepts SMS Marketing", "")),
        },
    )


SHOPIFY = ContactFormat(
    "shopify",
    "Shopify customers export",
    (
        ("Customer ID", "Accepts Email Marketing"),
        ("Accepts Marketing", "Total Spent", "Total Orders"),
    ),
    (
        Column(
            r"Accepts (Email |SMS )?Marketing", "read:marketing consent (email and SMS channels)"
        ),
        Column(r"Customer ID", "external_id:shopify customer id"),
        Column(
            r"Total Spent|Total Orders",
            "ignore:Shopify's totals (import the orders export instead)",
        ),
        Column(r"Tax Exempt", "ignore:tax settings"),
        Column(r"Province|Country", "ignore:names spelled out next to their codes"),
    ),
    "Shopify admin > Customers > Export > CSV for Excel, Numbers, or other spreadsheet programs",
    _fix_shopify,
)

# -- Square customers ------------------------------------------------------------------------


def _fix_square(fields: Fields, values: Mapping[str, str]) -> None:
    birthday = str(fields.get("birthday", ""))
    if birthday.startswith("0000-"):  # Square writes a birthday without its year as 0000-MM-DD
        fields["birthday"] = "--" + birthday[5:]
    said = _consent_word(values.get("Email Subscription Status", ""))
    unsubscribed = _consent_word(values.get("Email Unsubscribed", ""))  # older exports
    if said is None and unsubscribed is not None:
        said = not unsubscribed
    _set_consent(fields, {"email": said})


SQUARE = ContactFormat(
    "square",
    "Square customer directory export",
    (
        ("Square Customer ID",),
        ("Reference ID", "Email Subscription Status"),
        ("Reference ID", "Email Unsubscribed"),
    ),
    (
        Column(r"Reference ID", "external_id:reference id"),
        Column(r"Square Customer ID", "external_id:square customer id"),
        Column(r"Email Subscription Status|Email Unsubscribed", "read:marketing consent"),
        Column(r"Memo", "notes"),
        Column(r"Company Name", "company"),
        Column(r"Street Address 1", "street"),
        Column(r"Street Address 2", "extended"),
        Column(
            r"Creation Source|First Visit|Last Visit|Transaction Count|Transaction Total"
            r"|Total Spend|Instant Profile|Blocked from Online Booking",
            "ignore:Square's visit counts, totals and bookkeeping",
        ),
    ),
    "Square Dashboard > Customers > Directory > Import / Export > Export Customers",
    _fix_square,
)

# -- Wix -------------------------------------------------------------------------------------


def _fix_wix(fields: Fields, values: Mapping[str, str]) -> None:
    lowered = {k.strip().lower(): v for k, v in values.items()}
    _set_consent(
        fields,
        {
            "email": _consent_word(lowered.get("email subscriber status", "")),
            "sms": _consent_word(lowered.get("sms subscriber status", "")),
        },
    )


WIX = ContactFormat(
    "wix",
    "Wix contacts export",
    (("Email Subscriber Status",),),
    (
        Column(r"(Email|SMS) subscriber status", "read:marketing consent (email and SMS channels)"),
        Column(r"Address \d+ - (Zip|Zip/Postal Code|Postal Code)", "postal_code"),
        Column(r"Address \d+ - (State|State/Region|Region)", "region"),
        Column(r"Address \d+ - (Street|Street Address)", "street"),
        Column(
            r"(Email|Phone) \d+ Label", "ignore:labels of emails and phones (Home, Work, Mobile)"
        ),
        Column(
            r"Created At.*|Last Activity.*|Source|Contact ID", "ignore:Wix's activity log and ids"
        ),
    ),
    "Wix dashboard > Contacts > More Actions > Export",
    _fix_wix,
)

# -- WooCommerce customers -------------------------------------------------------------------

WOOCOMMERCE = ContactFormat(
    "woocommerce",
    "WooCommerce customers report",
    (("Username", "Date registered", "Total spend"),),
    (
        Column(r"Username", "custom:WooCommerce username"),
        Column(r"Country / Region", "country"),
        Column(
            r"Last active|Date registered|Orders|Total spend|AOV",
            "ignore:WooCommerce's order counts and totals (import the orders instead)",
        ),
    ),
    "WordPress admin > WooCommerce > Customers > Download",
)

# -- Mailchimp audience ----------------------------------------------------------------------

_MAILCHIMP_PARTS = {
    6: ("street", "extended", "city", "region", "postal_code", "country"),
    5: ("street", "city", "region", "postal_code", "country"),
}


def _fix_mailchimp(fields: Fields, values: Mapping[str, str]) -> None:
    address = values.get("Address", "")
    parts = [p.strip() for p in re.split(r"\s{2,}", address) if p.strip()]
    if names := _MAILCHIMP_PARTS.get(len(parts)):
        fields.update(zip(names, parts, strict=True))
    elif address:
        fields["address"] = address
    fields["tags"] = [t.strip().strip('"') for t in fields.get("tags", []) for t in t.split('","')]
    if "UNSUB_TIME" in values:
        fields["marketing"] = "no"
        fields["marketing_given_at"] = values["UNSUB_TIME"]
    elif "CLEAN_TIME" not in values:
        fields["marketing"] = "yes"
        fields["marketing_given_at"] = values.get("CONFIRM_TIME") or values.get("OPTIN_TIME", "")
    fields["consent_source"] = "mailchimp"


MAILCHIMP = ContactFormat(
    "mailchimp",
    "Mailchimp audience export",
    (("MEMBER_RATING", "LEID"), ("OPTIN_TIME", "EUID")),
    (
        Column(r"Address", "read:address (Mailchimp separates its parts with two spaces)"),
        Column(
            r"OPTIN_TIME|CONFIRM_TIME|UNSUB_TIME",
            "read:marketing consent and its date (subscribed, unsubscribed or cleaned file)",
        ),
        Column(r"UNSUB_.*|CLEAN_.*", "ignore:unsubscribe and cleaning details"),
        Column(
            r"MEMBER_RATING|OPTIN_IP|CONFIRM_IP|LATITUDE|LONGITUDE|GMTOFF|DSTOFF|TIMEZONE|CC|REGION|LAST_CHANGED|LEID|EUID|SSUB_.*",
            "ignore:Mailchimp's list data (ratings, IP addresses, locations, ids)",
        ),
        Column(r"NOTES", "notes"),
        Column(r"TAGS", "tags"),
    ),
    "Mailchimp > Audience > All contacts > Export Audience",
    _fix_mailchimp,
)

CONTACT_FORMATS: tuple[ContactFormat, ...] = (
    GOOGLE, OUTLOOK, SHOPIFY, SQUARE, WIX, WOOCOMMERCE, MAILCHIMP,
)  # fmt: skip


def preview_row(draft: Contact) -> dict[str, str]:
    """A draft's fields as read, as text (``--dry-run`` shows the first rows so)."""
    shown: dict[str, str] = {}
    for name in draft.provenance:
        value = getattr(draft, name, None)
        if name == "address" and value is not None:
            text = value.one_line()
        elif name == "consent":
            text = {True: "yes", False: "no", None: "unknown"}[value.marketing]
            text += f" ({', '.join(value.channels)})" if value.channels else ""
        elif name == "custom":
            text = "; ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, list):
            text = "; ".join(_item_text(v) for v in value)
        elif isinstance(value, PartialDate):
            text = value.iso()
        else:
            text = str(value)
        if text:
            shown[name] = text
    return shown


def _item_text(item: object) -> str:
    if isinstance(item, FamilyMember):
        return f"{item.relation}: {item.name}"
    if isinstance(item, Milestone):
        return f"{item.label}: {item.date.iso()}"
    return str(item)
