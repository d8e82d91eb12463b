from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relationkit.models import (
    Channel,
    Consent,
    Contact,
    ContactStats,
    Interaction,
    InteractionKind,
    PartialDate,
    Purchase,
)
from relationkit.store.codec import contact_from_dict, contact_to_dict, fingerprint


def test_partial_date_without_year_round_trips():
    birthday = PartialDate.parse_iso("--03-14")
    assert birthday.year is None
    assert birthday.iso() == "--03-14"
    assert PartialDate.parse_iso("--0314") == birthday
    assert birthday.next_occurrence(date(2026, 3, 15)) == date(2027, 3, 14)


def test_leap_day_birthday_falls_on_feb_28_in_common_years():
    leap = PartialDate(2, 29)
    assert leap.next_occurrence(date(2027, 1, 1)) == date(2027, 2, 28)
    assert leap.next_occurrence(date(2028, 1, 1)) == date(2028, 2, 29)
    with pytest.raises(ValueError, match="not a real date"):
        PartialDate(2, 29, 2027)


def test_age_needs_a_year():
    assert PartialDate(3, 14, 1980).age_on(date(2026, 3, 13)) == 45
    assert PartialDate(3, 14, 1980).age_on(date(2026, 3, 14)) == 46
    assert PartialDate(3, 14).age_on(date(2026, 3, 14)) is None


@given(st.dates(min_value=date(1, 1, 1)), st.booleans())
def test_partial_date_iso_round_trip(day: date, keep_year: bool):
    value = PartialDate(day.month, day.day, day.year if keep_year else None)
    assert PartialDate.parse_iso(value.iso()) == value


def test_channel_parses_what_people_write():
    assert Channel.parse("E-mail") is Channel.EMAIL
    assert Channel.parse("Text message") is Channel.SMS
    assert Channel.parse("in person") is Channel.IN_PERSON
    with pytest.raises(ValueError, match="unknown channel"):
        Channel.parse("pigeon")


def test_consent_rules():
    assert not Consent(do_not_contact=True).allows(Channel.PHONE, marketing=False)
    assert not Consent(marketing=None).allows(Channel.EMAIL, marketing=True)
    assert Consent(marketing=None).allows(Channel.EMAIL, marketing=False)
    only_post = Consent(marketing=True, channels=[Channel.POST])
    assert only_post.allows(Channel.POST, marketing=True)
    assert not only_post.allows(Channel.EMAIL, marketing=True)


def test_set_records_provenance_and_reports_change():
    contact = Contact(display_name="Ann")
    assert contact.set("company", "Lee Gardens", source="sheet")
    assert contact.provenance["company"].source == "sheet"
    assert not contact.set("company", "Lee Gardens", source="contacts")
    assert contact.provenance["company"].source == "sheet"
    with pytest.raises(AttributeError):
        contact.set("id", "x", source="sheet")


def test_codec_round_trip_keeps_everything():
    contact = Contact(
        display_name="Ann Lee", emails=["ann@example.com"], birthday=PartialDate(3, 14)
    )
    contact.set("consent", Consent(marketing=True, channels=[Channel.EMAIL]), source="form")
    contact.set("preferred_channel", Channel.EMAIL, source="form")
    decoded = contact_from_dict(contact_to_dict(contact))
    assert decoded == contact
    assert fingerprint(decoded.field_values()) == fingerprint(contact.field_values())


def test_stats_are_derived_from_history():
    today = date(2026, 11, 23)
    purchases = [
        Purchase("c", today - timedelta(days=400), Decimal("50")),
        Purchase("c", today - timedelta(days=100), Decimal("100")),
        Purchase("c", today - timedelta(days=40), Decimal("200")),
        Purchase("c", today - timedelta(days=10), Decimal("-20")),  # a refund
    ]
    interactions = [Interaction("c", today - timedelta(days=5), InteractionKind.CALL)]
    stats = ContactStats.compute(purchases, interactions, today)
    assert stats.purchase_count == 3
    assert stats.spend_12m == Decimal("280")
    assert stats.total_spend == Decimal("330")
    assert stats.typical_gap == timedelta(days=180)
    assert stats.last_purchase == today - timedelta(days=40)
    assert stats.last_interaction == today - timedelta(days=5)
    assert stats.last_touch == today - timedelta(days=5)
