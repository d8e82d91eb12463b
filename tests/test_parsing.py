"""Reading loose values: dates, amounts, yes/no, channels, tags, whole contacts and purchases."""

from __future__ import annotations

import calendar
import contextlib
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from relationkit.errors import InvalidValue
from relationkit.models import Address, Channel, Consent, FamilyMember, PartialDate
from relationkit.parsing import (
    NUL_REMOVED,
    contact_from_fields,
    parse_amount,
    parse_bool,
    parse_channel,
    parse_consent,
    parse_date,
    parse_partial_date,
    parse_tags,
    purchase_fields,
)

# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1980-03-14",
        "1980/03/14",
        "19800314",
        "3/14/1980",
        "03-14-1980",
        "3/14/80",
        "14.03.1980",
        "14.3.1980",
        "14 Mar 1980",
        "14-Mar-1980",
        "14 March 1980",
        "March 14, 1980",
        "Mar. 14, 1980",
        "Friday, March 14, 1980",
        "14th of March 1980",
        "1980 Mar 14",
        "14. März 1980",
        "14 mars 1980",
        "1980-03-14T10:00",
        "1980-03-14 10:00:00+02:00",
        "1980-03-14T10:00:00Z",
        "3/14/1980 10:00 AM",
        "  14 MAR 1980  ",
    ],
)
def test_dates_as_people_write_them(text):
    assert parse_date(text) == date(1980, 3, 14)


def test_slashes_are_day_first_outside_the_us_and_dots_always():
    assert parse_date("14/3/1980", region="GB") == date(1980, 3, 14)
    assert parse_date("4/3/1980", region="de") == date(1980, 3, 4)
    assert parse_date("4/3/1980", region="US") == date(1980, 4, 3)
    assert parse_date("4.3.1980", region="US") == date(1980, 3, 4)


def test_typed_values_and_spreadsheet_serial_numbers():
    assert parse_date(date(2024, 3, 14)) == date(2024, 3, 14)
    assert parse_date(datetime(2024, 3, 14, 23, 59)) == date(2024, 3, 14)
    assert parse_date(45365) == date(2024, 3, 14)
    assert parse_date(45365.75) == date(2024, 3, 14)
    assert parse_date(Decimal(1)) == date(1899, 12, 31)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("4/31/2024", "day 31 does not exist in April"),
        ("31.04.2024", "day 31 does not exist in April"),
        ("2/29/1981", "29 February only exists in leap years; 1981 is not one"),
        ("2024-13-01", "month 13 does not exist"),
        ("14/3/1980", "month 14 does not exist; dates here are read month first"),
        ("hello", "not a date: expected e.g. 2024-03-14 or 14 Mar 2024"),
        ("Mar 2024", "has no day"),
        ("14 Mar", "has no year"),
        ("45365", "looks like a spreadsheet day number"),
        ("", "is empty"),
        ("14 Mar 1980 and more", "not a date"),
    ],
)
def test_bad_dates_say_why_in_plain_words(text, why):
    with pytest.raises(InvalidValue) as raised:
        parse_date(text)
    assert why in raised.value.why
    assert raised.value.value == text


def test_two_digit_years_are_never_in_the_future():
    this_year = date.today().year % 100
    assert parse_date(f"1/2/{this_year:02d}").year == date.today().year
    assert parse_date(f"1/2/{(this_year + 1) % 100:02d}").year == date.today().year - 99


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("--03-14", PartialDate(3, 14)),
        ("--0314", PartialDate(3, 14)),
        ("14 Mar", PartialDate(3, 14)),
        ("March 14", PartialDate(3, 14)),
        ("3/14", PartialDate(3, 14)),
        ("14.03.", PartialDate(3, 14)),
        ("29 Feb", PartialDate(2, 29)),
        ("1980-03-14", PartialDate(3, 14, 1980)),
    ],
)
def test_partial_dates(text, expected):
    assert parse_partial_date(text) == expected


def test_partial_dates_follow_the_region():
    assert parse_partial_date("4/3") == PartialDate(4, 3)
    assert parse_partial_date("4/3", region="FR") == PartialDate(3, 4)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.floats(), st.none(), st.booleans()))
def test_date_parsers_raise_only_invalid_value(value):
    for parser in (parse_date, parse_partial_date):
        with contextlib.suppress(InvalidValue):
            parser(value)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1000, 1, 1)), st.sampled_from(["US", "GB"]))
def test_dates_round_trip_through_common_spellings(day, region):
    month = calendar.month_abbr[day.month]
    numeric = (
        f"{day.month}/{day.day}/{day.year}"
        if region == "US"
        else f"{day.day}/{day.month}/{day.year}"
    )
    for text in (
        day.isoformat(),
        f"{day.day} {month} {day.year}",
        f"{calendar.month_name[day.month]} {day.day}, {day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        numeric,
    ):
        assert parse_date(text, region=region) == day


@given(st.dates())
def test_partial_iso_round_trips(day):
    partial = PartialDate(day.month, day.day)
    assert parse_partial_date(partial.iso()) == partial
    assert parse_partial_date(PartialDate.from_date(day).iso()) == PartialDate.from_date(day)


# -- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("$1,240.50", "1240.50", "USD"),
        ("1.240,50 €", "1240.50", "EUR"),
        ("1 240,50 EUR", "1240.50", "EUR"),
        ("1'240.50 CHF", "1240.50", "CHF"),
        ("-12", "-12", "USD"),
        ("(12.00)", "-12.00", "USD"),
        ("-$12", "-12", "USD"),
        ("$-12", "-12", "USD"),
        ("12-", "-12", "USD"),
        ("EUR 5", "5", "EUR"),
        ("5 usd", "5", "USD"),
        ("£3.50", "3.50", "GBP"),
        ("12,5", "12.5", "USD"),
        ("1,240", "1240", "USD"),
        ("1.240", "1240", "USD"),
        ("0.125", "0.125", "USD"),
        ("KWD 1.250", "1.250", "KWD"),
        ("1,00,000", "100000", "USD"),
        (".5", "0.5", "USD"),
        ("US$ 3", "3", "USD"),
        ("$5 USD", "5", "USD"),
    ],
)
def test_amounts_as_shops_write_them(text, amount, currency):
    assert parse_amount(text) == (Decimal(amount), currency)


def test_dollar_and_krona_signs_follow_the_default_currency():
    assert parse_amount("$5", currency="CAD") == (Decimal(5), "CAD")
    assert parse_amount("$5", currency="EUR") == (Decimal(5), "USD")
    assert parse_amount("5 kr", currency="sek") == (Decimal(5), "SEK")
    assert parse_amount(12.5) == (Decimal("12.5"), "USD")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("abc", "ABC is not a currency code"),
        ("€5 USD", "names two currencies"),
        ("12.5.3", "not an amount"),
        ("12,", "not an amount"),
        ("$", "not an amount"),
        ("", "is empty"),
        ("5 kr", "kr could be SEK"),
        ("(-5)", "more than one sign"),
    ],
)
def test_bad_amounts(text, why):
    with pytest.raises(InvalidValue) as raised:
        parse_amount(text)
    assert why in raised.value.why


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.floats(), st.none(), st.booleans(), st.decimals()))
def test_parse_amount_raises_only_invalid_value(value):
    with contextlib.suppress(InvalidValue):
        parse_amount(value)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_amounts_round_trip_in_english_and_european_formats(number):
    english = f"{number:,.2f}"
    european = english.replace(",", " ").replace(".", ",").replace(" ", ".")
    assert parse_amount(english) == (number, "USD")
    assert parse_amount(f"{european} €") == (number, "EUR")
    assert parse_amount(f"({abs(number):,.2f})")[0] == -abs(number)


# -- yes/no, channels, tags, consent ---------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["yes", "Y", "TRUE", "1", "x", "✓", "opted in", "Opt-In", "subscribed"]
)
def test_yes(text):
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["no", "n", "False", "0", "opt-out", "opted out", "unsubscribed"])
def test_no(text):
    assert parse_bool(text) is False


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), st.integers(), st.none()))
def test_small_parsers_raise_only_invalid_value(value):
    for parser in (parse_bool, parse_channel):
        with contextlib.suppress(InvalidValue):
            parser(value)
    assert all(isinstance(tag, str) and tag for tag in parse_tags(value))


def test_channels_and_tags():
    assert parse_channel("E-mail") is Channel.EMAIL
    assert parse_channel("text") is Channel.SMS
    with pytest.raises(InvalidValue, match="use one of email"):
        parse_channel("pigeon")
    assert parse_tags("mowers, roses; #seeds | Mowers") == ["mowers", "roses", "seeds"]
    assert parse_tags(["a ", "", "b"]) == ["a", "b"]


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters=",;|\n#"), min_size=1)))
@example(["\uf900"])  # a compatibility ideograph: NFC makes it another code point
def test_tags_round_trip(tags):
    tags = [unicodedata.normalize("NFC", t) for t in tags]  # text is read in NFC (U+F900 -> 豈)
    expected = list({" ".join(t.split()).casefold(): " ".join(t.split()) for t in reversed(tags)})
    assert {t.casefold() for t in parse_tags(", ".join(tags))} == {
        t.casefold() for t in expected if t
    }


def test_consent():
    consent = parse_consent(
        "opted in", given_at="2024-03-14", source="shop form", channels="email, text"
    )
    assert consent == Consent(
        marketing=True,
        given_at=datetime(2024, 3, 14, tzinfo=UTC),
        source="shop form",
        channels=[Channel.EMAIL, Channel.SMS],
    )
    with pytest.raises(InvalidValue, match="marketing"):
        parse_consent("perhaps")


# -- whole contacts --------------------------------------------------------------------------


def test_contact_from_fields_reads_everything():
    at = datetime(2026, 1, 2, tzinfo=UTC)
    contact, problems = contact_from_fields(
        {
            "name": "Dr. Ann B. Lee",
            "email": "Ann@Example.com; ann.lee@work.example",
            "phones": ["(415) 555-0134 ext. 12", "+44 20 7946 0958"],
            "address": "412 Alder St",
            "City": "Portland",
            "state": "OR",
            "zip": 97205,
            "birthday": "--03-14",
            "anniversary": "June 2, 2001",
            "company": " Lee  Gardens ",
            "title": "Owner",
            "notes": "Likes roses\r\nAsks about blackspot",
            "tags": "mowers; roses",
            "interests": ["roses"],
            "preferred channel": "e-mail",
            "marketing": "yes",
            "linkedin": "uk.linkedin.com/in/Ann-Lee/",
            "spouse": "Jim",
            "children": "Tom (2015-04-01) and Lucy",
            "Loyalty card": 1234,
            "custom": {"shoe size": "38"},
        },
        source="csv:test.csv",
        at=at,
    )
    assert problems == []
    assert (contact.display_name, contact.given_name, contact.middle_name, contact.family_name) == (
        "Dr. Ann B. Lee",
        "Ann",
        "B.",
        "Lee",
    )
    assert contact.emails == ["ann@example.com", "ann.lee@work.example"]
    assert contact.phones == ["+14155550134", "+442079460958"]
    assert contact.address == Address(
        street="412 Alder St", city="Portland", region="OR", postal_code="97205"
    )
    assert contact.birthday == PartialDate(3, 14)
    assert contact.anniversary == PartialDate(6, 2, 2001)
    assert (contact.company, contact.position) == ("Lee Gardens", "Owner")
    assert contact.notes == "Likes roses\nAsks about blackspot"
    assert contact.tags == ["mowers", "roses"] and contact.interests == ["roses"]
    assert contact.preferred_channel is Channel.EMAIL
    assert contact.consent == Consent(marketing=True, source="csv:test.csv")
    assert contact.linkedin_url == "https://www.linkedin.com/in/ann-lee"
    assert contact.family == [
        FamilyMember("spouse", "Jim"),
        FamilyMember("child", "Tom", PartialDate(4, 1, 2015)),
        FamilyMember("child", "Lucy"),
    ]
    assert contact.custom == {"Loyalty card": "1234", "shoe size": "38", "phone extension": "12"}
    assert set(contact.provenance) == {
        "display_name", "given_name", "middle_name", "family_name", "emails", "phones", "address",
        "birthday", "anniversary", "company", "position", "notes", "tags", "interests",
        "preferred_channel", "consent", "linkedin_url", "family", "custom",
    }  # fmt: skip
    assert {(p.source, p.at) for p in contact.provenance.values()} == {("csv:test.csv", at)}


def test_bad_values_are_reported_and_kept_while_the_rest_builds():
    contact, problems = contact_from_fields(
        {
            "name": "Bob Smith",
            "email": "bob@@example, bob@example.com",
            "phone": "12",
            "birthday": "31 April",
            "preferred_channel": "pigeon",
            "marketing": "maybe",
            "linkedin_url": "example.com/bob",
        }
    )
    assert [(p.field, p.value) for p in problems] == [
        ("email", "bob@@example"),
        ("phone", "12"),
        ("birthday", "31 April"),
        ("preferred channel", "pigeon"),
        ("marketing", "maybe"),
        ("LinkedIn URL", "example.com/bob"),
    ]
    assert problems[2].why == "day 31 does not exist in April"
    assert contact.emails == ["bob@example.com"]
    assert contact.family_name == "Smith"
    assert contact.custom == {
        "invalid email": "bob@@example",
        "invalid phone": "12",
        "invalid birthday": "31 April",
        "invalid preferred channel": "pigeon",
        "invalid marketing": "maybe",
        "invalid LinkedIn URL": "example.com/bob",
    }


def test_empty_values_are_not_given_and_get_no_provenance():
    contact, problems = contact_from_fields(
        {"name": "Ann", "email": "", "company": "  ", "tags": [], "birthday": None, "marketing": ""}
    )
    assert problems == []
    assert set(contact.provenance) == {"display_name", "given_name"}
    assert contact.consent == Consent()


def test_explicit_name_parts_win_over_guessing():
    contact, _ = contact_from_fields(
        {"name": "Mary Ann Lee", "given_name": "Mary Ann", "family_name": "Lee"}
    )
    assert (contact.given_name, contact.middle_name, contact.family_name) == ("Mary Ann", "", "Lee")
    only_parts, _ = contact_from_fields({"first name": "Ann", "last name": "Lee"})
    assert only_parts.display_name == "" and only_parts.name == "Ann Lee"


def test_a_name_without_letters_is_kept_as_a_problem():
    contact, problems = contact_from_fields({"name": "12345", "email": "a@example.com"})
    assert [p.field for p in problems] == ["name"]
    assert contact.display_name == "" and contact.custom == {"invalid name": "12345"}


def test_emails_split_on_separators_but_not_inside_one_mistyped_address():
    contact, _ = contact_from_fields({"email": "a@x.com b@x.com; Ann <c@x.com>, d@x.com/e@x.com"})
    assert contact.emails == ["a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com"]
    _, problems = contact_from_fields({"email": "mike.brown at gmail.com"})
    assert [p.value for p in problems] == ["mike.brown at gmail.com"]


def test_do_not_contact_written_in_the_marketing_column():
    contact, problems = contact_from_fields({"marketing": "Do not contact"}, source="csv")
    assert not problems
    assert contact.consent == Consent(marketing=False, do_not_contact=True, source="csv")


def test_do_not_contact_false_is_still_a_value():
    contact, _ = contact_from_fields({"do_not_contact": "no", "consent_source": "form"})
    assert contact.consent == Consent(do_not_contact=False, source="form")
    assert "consent" in contact.provenance


def test_phone_slashes_split_only_between_whole_numbers():
    two, problems = contact_from_fields({"phone": "415-555-0134 / 415-555-0187"})
    assert two.phones == ["+14155550134", "+14155550187"] and not problems
    berlin, problems = contact_from_fields({"phone": "030/12345678"}, region="DE")
    assert berlin.phones == ["+493012345678"] and not problems


def test_a_second_value_for_a_single_field_becomes_custom():
    contact, _ = contact_from_fields({"company": "Lee Gardens", "organisation": "Lee Ltd"})
    assert contact.company == "Lee Gardens"
    assert contact.custom == {"organisation": "Lee Ltd"}


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["name", "email", "phone", "birthday", "marketing", "tags", "address", "x"]
        ),
        st.text(),
    )
)
def test_contact_from_fields_never_raises(fields):
    contact, problems = contact_from_fields(fields)
    assert all(isinstance(p, InvalidValue) for p in problems)
    for problem in problems:
        # a value read without its NUL characters is kept in its field, anything else in custom
        if problem.why != NUL_REMOVED:
            assert f"invalid {problem.field}" in contact.custom
    assert "\x00" not in repr(contact.field_values())
    assert sum(p.why == NUL_REMOVED for p in problems) == sum("\x00" in v for v in fields.values())


# -- purchases -------------------------------------------------------------------------------


def test_purchase_fields():
    purchase, problems = purchase_fields(
        {"date": "3/4/2023", "total": "$649.00", "category": "mowers", "order id": " GL-1 "}
    )
    assert problems == []
    assert (purchase.date, purchase.amount, purchase.currency) == (
        date(2023, 3, 4),
        Decimal("649.00"),
        "USD",
    )
    assert (purchase.category, purchase.external_id, purchase.contact_id) == ("mowers", "GL-1", "")
    refund, _ = purchase_fields({"date": "2023-03-05", "amount": "(20,00 €)"}, currency="EUR")
    assert (refund.amount, refund.currency) == (Decimal("-20.00"), "EUR")


def test_purchase_fields_without_date_or_amount_give_no_purchase():
    purchase, problems = purchase_fields({"date": "", "amount": "€5", "currency": "USD"})
    assert purchase is None
    assert [(p.field, p.why) for p in problems] == [
        ("date", "has no date"),
        ("amount", "is in EUR but the currency column says USD"),
    ]


_NAME_WORDS = [
    "Ann", "Lee", "Dean", "Major", "Judge", "Sister", "King", "Van", "Von", "De", "Jr", "Sr",
    "Ii", "Iii", "Phd", "Md", "Esq", "And", "Y", "Mr", "Mrs", "Dr", "Bob", "O'Brien", "D'Angelo",
    "Smith-Jones", "Mac", "La", "Du", "St", "Bin", "Abu", "Del", "Ed", "Al", "Lord", "Lady",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from(_NAME_WORDS), st.from_regex(r"\A[A-Z][a-z]{1,8}\Z")),
        min_size=2,
        max_size=2,
    )
)
def test_the_plain_name_shortcut_agrees_with_parse_name(words):
    from relationkit.identity import parse_name
    from relationkit.parsing import _parse_name

    text = " ".join(words)
    assert _parse_name(text) == parse_name(text)


def test_a_consent_typed_in_is_dated_and_one_from_a_file_is_not() -> None:
    at = datetime(2026, 5, 2, 10, 0, tzinfo=UTC)
    typed, _ = contact_from_fields({"name": "Ann", "marketing": "yes"}, source="cli", at=at)
    assert (typed.consent.marketing, typed.consent.given_at) == (True, at)
    filed, _ = contact_from_fields({"name": "Ann", "marketing": "yes"}, source="csv", at=at)
    assert (filed.consent.marketing, filed.consent.given_at) == (True, None)
    dated, _ = contact_from_fields(
        {"name": "Ann", "marketing": "no", "marketing_given_at": "2025-01-02"}, source="api", at=at
    )
    assert dated.consent.given_at is not None and dated.consent.given_at.year == 2025
