"""Normalisers: examples people type, and properties that must hold for any text."""

from __future__ import annotations

from dataclasses import replace

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from relationkit.errors import InvalidValue
from relationkit.identity import (
    NameParts,
    fold,
    name_key,
    normalise_email,
    normalise_linkedin_url,
    normalise_phone,
    parse_name,
    split_phone,
)
from relationkit.models import Contact

# -- email -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ann.Lee@Example.COM", "ann.lee@example.com"),
        ("  ann@example.com \n", "ann@example.com"),
        ("Ann Lee <Ann@Example.com>", "ann@example.com"),
        ("josé@exämple.com", "josé@exämple.com"),
    ],
)
def test_email_is_validated_and_lower_cased(text: str, expected: str) -> None:
    assert normalise_email(text) == expected


@pytest.mark.parametrize(
    "text", ["", "ann", "ann@", "@example.com", "ann@@example.com", "a b@c.com"]
)
def test_malformed_email_is_refused_in_plain_words(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalise_email(text)
    assert caught.value.field == "email"
    assert "EmailNotValidError" not in str(caught.value)


@settings(deadline=None)  # shared CI machines stall now and then
@given(st.text())
@example("İ@example.com")
def test_email_never_raises_anything_else_and_is_idempotent(text: str) -> None:
    try:
        once = normalise_email(text)
    except InvalidValue:
        return
    assert normalise_email(once) == once


@settings(deadline=None)
@given(
    st.from_regex(r"[A-Za-z0-9._%+-]{1,20}@[A-Za-z0-9-]{1,20}\.(com|org|CO\.UK)", fullmatch=True)
)
def test_plausible_emails_are_kept_lower_case(text: str) -> None:
    try:
        assert normalise_email(text) == text.lower()
    except InvalidValue as error:  # consecutive dots or leading dashes are really invalid
        assert error.why


# -- phone -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["(415) 555-0134", "415.555.0134", "415 555 0134", "+1 415-555-0134", "1 (415) 555 0134"],
)
def test_us_phone_formats_become_e164(text: str) -> None:
    assert normalise_phone(text) == "+14155550134"


def test_leading_00_is_the_international_prefix_whatever_the_region() -> None:
    assert normalise_phone("0044 20 7946 0958") == "+442079460958"
    assert normalise_phone("(0044) 20 7946 0958", region="DE") == "+442079460958"


def test_region_reads_national_numbers() -> None:
    assert normalise_phone("020 7946 0958", region="GB") == "+442079460958"


def test_extension_is_split_off_and_dropped_from_the_key() -> None:
    assert split_phone("415-555-0134 ext. 12") == ("+14155550134", "12")
    assert normalise_phone("+44 20 7946 0958 x3") == "+442079460958"
    assert split_phone("415 555 0134")[1] == ""


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("12", "too"),
        ("hello", "not a phone"),
        ("+999 123 456", "country code"),
        ("", "not"),
        ("555-0199", "no area code"),  # a local number: dialled from elsewhere it is no one's
    ],
)
def test_impossible_numbers_are_refused(text: str, why: str) -> None:
    with pytest.raises(InvalidValue, match=why):
        normalise_phone(text)


@settings(deadline=None)
@given(st.text())
@example("00")
@example("(00")
def test_phone_never_raises_anything_else_and_is_idempotent(text: str) -> None:
    try:
        once = normalise_phone(text)
    except InvalidValue:
        return
    assert normalise_phone(once) == once
    assert normalise_phone(once, region="JP") == once


@settings(deadline=None)
@given(
    st.sampled_from(["US", "GB", "DE", "FR", "AU", "JP", "IN", "BR"]),
    st.integers(min_value=0, max_value=10**12),
)
def test_e164_round_trips_through_phonenumbers(region: str, national: int) -> None:
    code = phonenumbers.country_code_for_region(region)
    try:
        e164 = normalise_phone(f"+{code}{national}", region)
    except InvalidValue:
        return
    parsed = phonenumbers.parse(e164, None)
    assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == e164
    assert e164.startswith(f"+{code}")


@settings(deadline=None)
@given(st.sampled_from(["US", "GB", "FR"]), st.sampled_from(" .-"))
def test_separators_do_not_matter(region: str, separator: str) -> None:
    example_number = phonenumbers.example_number(region)
    national = phonenumbers.format_number(example_number, phonenumbers.PhoneNumberFormat.NATIONAL)
    written = national.replace(" ", separator)
    expected = phonenumbers.format_number(example_number, phonenumbers.PhoneNumberFormat.E164)
    assert normalise_phone(written, region) == expected


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Ann Lee", NameParts(given="Ann", family="Lee")),
        ("Lee, Ann", NameParts(given="Ann", family="Lee")),
        ("ann lee", NameParts(given="Ann", family="Lee")),
        ("Dr. Ann B. Lee Jr.", NameParts("Ann", "B.", "Lee", "Dr.", "Jr.")),
        ('Robert "Bob" Smith', NameParts(given="Robert", family="Smith", nickname="Bob")),
        ("de la Vega, Juan", NameParts(given="Juan", family="de la Vega")),
        ("Иван Петров", NameParts(given="Иван", family="Петров")),
        ("山田太郎", NameParts(given="山田太郎")),
        ("김 민수", NameParts(given="김 민수")),
        ("Ann", NameParts(given="Ann")),
        ("", NameParts()),
        ("   ", NameParts()),
    ],
)
def test_names_are_split_as_people_write_them(text: str, parts: NameParts) -> None:
    assert parse_name(text) == parts


def test_a_name_without_letters_is_refused() -> None:
    with pytest.raises(InvalidValue, match="no letters"):
        parse_name("12345")


def test_mixed_case_is_kept() -> None:
    assert parse_name("Ann McDonald-deVries").family == "McDonald-deVries"


@settings(deadline=None)
@given(st.text())
def test_parse_name_never_raises_anything_else(text: str) -> None:
    try:
        parts = parse_name(text)
    except InvalidValue:
        return
    assert isinstance(parts, NameParts)


@settings(deadline=None)
@given(
    st.lists(
        st.sampled_from(["ann", "LEE", "Zoë", "O'Brien", "de", "Jr.", "Dr.", "José"]),
        min_size=1,
        max_size=4,
    )
)
def test_parse_name_is_stable_on_its_own_output(words: list[str]) -> None:
    once = parse_name(" ".join(words))
    assert parse_name(once.full()) == replace(once, nickname="")


# -- folding and name keys -------------------------------------------------------------------


def test_fold_drops_case_accents_and_punctuation() -> None:
    assert fold("  Zoë  O'Brien-Núñez ") == "zoe o brien nunez"
    assert fold("STRASSE") == fold("straße")


@settings(deadline=None)
@given(st.text())
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


def test_name_key_uses_parts_else_display_name() -> None:
    assert name_key(Contact(given_name="Zoë", family_name="Côté")) == "zoe cote"
    assert name_key(Contact(display_name="José Núñez")) == "jose nunez"


# -- LinkedIn --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "linkedin.com/in/Ann-Lee",
        "http://uk.linkedin.com/in/ann-lee/",
        "www.linkedin.com/in/ann-lee?trk=public_profile",
        "https://www.linkedin.com/in/ann-lee/details/experience/",
        " HTTPS://WWW.LINKEDIN.COM/in/ANN-LEE ",
    ],
)
def test_linkedin_profiles_become_one_canonical_url(text: str) -> None:
    assert normalise_linkedin_url(text) == "https://www.linkedin.com/in/ann-lee"


def test_linkedin_slug_with_accents_is_percent_encoded_once() -> None:
    url = normalise_linkedin_url("linkedin.com/in/Jos%C3%A9-garcía")
    assert url == "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa"
    assert normalise_linkedin_url(url) == url


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("https://www.linkedin.com/company/acme", "not a person's profile"),
        ("linkedin.com", "not a person's profile"),
        ("https://example.com/in/ann", "not a linkedin.com address"),
        ("https://notlinkedin.com/in/ann", "not a linkedin.com address"),
        ("linkedin.com/in/ann lee", "profile name"),
        ("http://[linkedin.com/in/x", "not a linkedin.com address"),
    ],
)
def test_non_profile_urls_are_refused(text: str, why: str) -> None:
    with pytest.raises(InvalidValue, match=why):
        normalise_linkedin_url(text)


@settings(deadline=None)
@given(st.text())
@example("linkedin.com/in/İ")
def test_linkedin_never_raises_anything_else_and_is_idempotent(text: str) -> None:
    try:
        once = normalise_linkedin_url(text)
    except InvalidValue:
        return
    assert normalise_linkedin_url(once) == once


@settings(deadline=None)
@given(st.from_regex(r"[A-Za-z0-9-]{1,30}", fullmatch=True), st.sampled_from(["", "/", "?trk=x"]))
def test_any_profile_slug_round_trips(slug: str, tail: str) -> None:
    url = normalise_linkedin_url(f"linkedin.com/in/{slug}{tail}")
    assert url == f"https://www.linkedin.com/in/{slug.lower()}"
