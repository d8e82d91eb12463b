"""Merging two contacts keeps everything either knew."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from relationkit.identity import choose_survivor, merge_contacts
from relationkit.models import (
    Address,
    Channel,
    Consent,
    Contact,
    FamilyMember,
    Milestone,
    PartialDate,
    Provenance,
    SourceRef,
)

EARLY = datetime(2024, 1, 1, tzinfo=UTC)
LATE = EARLY + timedelta(days=30)


def ann() -> Contact:
    return Contact(
        id="c_ann",
        display_name="Ann Lee",
        given_name="Ann",
        family_name="Lee",
        emails=["ann@example.com"],
        phones=["+14155550134"],
        company="Lee Gardens",
        tags=["mowers", "VIP"],
        interests=["roses"],
        milestones=[Milestone("shop opened", PartialDate(5, 1, 2010))],
        family=[FamilyMember("spouse", "Bob")],
        notes="likes roses",
        custom={"loyalty card": "1234"},
        consent=Consent(marketing=True, given_at=EARLY, source="till", channels=[Channel.EMAIL]),
        sources={"google": SourceRef("google_contacts", "people/1", last_seen=EARLY)},
        provenance={"company": Provenance("import", EARLY)},
        created_at=EARLY,
        updated_at=EARLY,
    )


def anne() -> Contact:
    return Contact(
        id="c_anne",
        display_name="Anne Lee",
        given_name="Anne",
        family_name="Lee",
        emails=["ANN@example.com", "anne.lee@work.example"],
        phones=["+442079460958"],
        company="Lee Garden Centre",
        address=Address(street="12 Oak Street", city="Springfield"),
        birthday=PartialDate(3, 14),
        tags=["vip", "hedges"],
        interests=["Roses", "tulips"],
        milestones=[Milestone("Shop opened", PartialDate(5, 1, 2010))],
        family=[FamilyMember("spouse", "bob", PartialDate(7, 2)), FamilyMember("child", "Cy")],
        notes="pays by card",
        custom={"loyalty card": "9999", "shoe size": "6"},
        consent=Consent(do_not_contact=True),
        sources={
            "google": SourceRef("google_contacts", "people/2"),
            "sheet": SourceRef("sheets", "row-9"),
        },
        provenance={"company": Provenance("google_contacts", LATE)},
        created_at=LATE,
        updated_at=LATE,
    )


def test_lists_are_united_without_repeats() -> None:
    merged = merge_contacts(ann(), anne(), at=LATE)
    assert merged.emails == ["ann@example.com", "anne.lee@work.example"]
    assert merged.phones == ["+14155550134", "+442079460958"]
    assert merged.tags == ["mowers", "VIP", "hedges"]
    assert merged.interests == ["roses", "tulips"]
    assert len(merged.milestones) == 1
    assert merged.family == [
        FamilyMember("spouse", "Bob", PartialDate(7, 2)),
        FamilyMember("child", "Cy"),
    ]


def test_notes_are_both_kept_and_marked() -> None:
    merged = merge_contacts(ann(), anne())
    assert merged.notes.startswith("likes roses\n\n--- from Anne Lee (c_anne), merged ---\n")
    assert merged.notes.endswith("pays by card")
    assert merge_contacts(merged, anne()).notes == merged.notes


def test_empty_fields_are_filled_and_conflicts_keep_the_loser_in_custom() -> None:
    merged = merge_contacts(ann(), anne())
    assert merged.address == anne().address
    assert merged.birthday == PartialDate(3, 14)
    assert merged.company == "Lee Garden Centre"  # set more recently
    assert merged.custom["company (before merge)"] == "Lee Gardens"
    assert merged.provenance["company"] == Provenance("google_contacts", LATE)
    assert merged.display_name == "Anne Lee"  # no provenance: the later-updated contact's
    assert merged.custom["display_name (before merge)"] == "Ann Lee"
    assert merged.custom["loyalty card"] == "1234"
    assert merged.custom["loyalty card (before merge)"] == "9999"
    assert merged.custom["shoe size"] == "6"


def test_nothing_is_lost() -> None:
    merged = merge_contacts(ann(), anne())
    text = repr(merged)
    for side in (ann(), anne()):
        for value in (
            side.display_name,
            side.given_name,
            side.company,
            side.notes,
            *side.custom.values(),
        ):
            assert value in text


def test_do_not_contact_wins_and_the_latest_consent_is_kept() -> None:
    merged = merge_contacts(ann(), anne())
    assert merged.consent.do_not_contact is True
    assert merged.consent.marketing is True and merged.consent.given_at == EARLY
    newer = anne()
    newer.consent = Consent(marketing=False, given_at=LATE, source="web form")
    merged = merge_contacts(ann(), newer)
    assert (merged.consent.marketing, merged.consent.source) == (False, "web form")
    assert merged.consent.do_not_contact is False


def test_sources_and_history_stay_with_the_survivor() -> None:
    merged = merge_contacts(ann(), anne(), at=LATE + timedelta(days=1))
    assert merged.id == "c_ann"
    assert merged.merged_into is None
    assert merged.created_at == EARLY
    assert merged.updated_at == LATE + timedelta(days=1)
    assert {(r.connector, r.external_id) for r in merged.sources.values()} == {
        ("google_contacts", "people/1"),
        ("google_contacts", "people/2"),
        ("sheets", "row-9"),
    }


def test_merge_is_pure() -> None:
    survivor, absorbed = ann(), anne()
    merge_contacts(survivor, absorbed)
    assert survivor == ann() and absorbed == anne()


def test_the_older_contact_survives_then_the_fuller_one() -> None:
    old, new = ann(), anne()
    assert choose_survivor(new, old) == (old, new)
    same_age = anne()
    same_age.created_at = EARLY
    sparse = Contact(id="c_a", display_name="Ann", created_at=EARLY)
    assert choose_survivor(sparse, same_age) == (same_age, sparse)
