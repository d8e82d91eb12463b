"""Identity keys and likely duplicates, on crafted address books with true and false pairs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from relationkit.identity import (
    DuplicateCandidate,
    find_duplicates,
    group_duplicates,
    match_keys,
)
from relationkit.models import Address, Contact, ExternalId, PartialDate, SourceRef

# -- identity keys ---------------------------------------------------------------------------


def test_match_keys_cover_emails_phones_linkedin_and_sources() -> None:
    contact = Contact(
        emails=["Ann@Example.com"],
        phones=["+14155550134"],
        linkedin_url="uk.linkedin.com/in/Ann-Lee/",
        sources={"google": SourceRef("google_contacts", "people/c123")},
    )
    assert match_keys(contact) == {
        ("email", "ann@example.com"),
        ("phone", "+14155550134"),
        ("linkedin", "https://www.linkedin.com/in/ann-lee"),
        ("source", "google_contacts:people/c123"),
    }


def test_match_keys_keep_a_value_that_cannot_be_normalised() -> None:
    assert match_keys(Contact(emails=["  Not An Email "])) == {("email", "not an email")}


def test_contact_without_identifiers_has_no_keys() -> None:
    assert match_keys(Contact(display_name="Ann Lee", emails=["  "])) == set()


# -- likely duplicates -----------------------------------------------------------------------


def person(name: str, **fields: Any) -> Contact:
    """A contact named ``name`` (given and family name split at the first space)."""
    given, _, family = name.partition(" ")
    fields.setdefault("id", f"c_{name.lower().replace(' ', '_')}")
    return Contact(display_name=name, given_name=given, family_name=family, **fields)


def pairs(found: list[DuplicateCandidate]) -> set[frozenset[str]]:
    return {frozenset((c.a, c.b)) for c in found}


def street(text: str, postcode: str = "94110", city: str = "San Francisco") -> Address:
    return Address(street=text, city=city, region="CA", postal_code=postcode)


def test_similar_names_and_a_shared_address_are_reported_with_reasons() -> None:
    ann = person("Ann Lee", address=street("12 Oak Street"))
    anne = person("Anne Lee", address=street("12 Oak St"))
    [found] = find_duplicates([ann, anne])
    assert (found.a, found.b) == tuple(sorted((ann.id, anne.id)))
    assert 0.5 <= found.score <= 1
    assert found.reasons[0] == "names 'Ann Lee' and 'Anne Lee' are 97% alike"
    assert "same street address" in found.reasons
    assert "same postcode 94110" in found.reasons


@pytest.mark.parametrize(
    ("shared", "reason"),
    [
        ({"birthday": PartialDate(3, 14, 1984)}, "same date of birth 1984-03-14"),
        ({"phones": ["+14155550134"]}, "same phone number"),
        ({"emails": ["ann@example.com"]}, "same email ann@example.com"),
    ],
)
def test_one_personal_thing_in_common_is_enough(shared: dict[str, Any], reason: str) -> None:
    found = find_duplicates([person("Ann Lee", **shared), person("Ann Lee", id="c_2", **shared)])
    assert reason in found[0].reasons


def test_yearless_birthday_matches_a_full_one() -> None:
    found = find_duplicates(
        [
            person("Ann Lee", birthday=PartialDate(3, 14), company="Lee Gardens"),
            person("Anne Lee", birthday=PartialDate(3, 14, 1984)),
        ]
    )
    assert "same birthday 03-14" in found[0].reasons


def test_phone_endings_and_email_names_count() -> None:
    found = find_duplicates(
        [
            person("Robert Stone", phones=["+14155550134"], emails=["rob.stone@gmail.com"]),
            person("Rob Stone", phones=["+15105550134"], emails=["rob.stone@work.example"]),
        ]
    )
    [candidate] = found
    assert "phones end in the same 6 digits" in candidate.reasons
    assert "same email name 'robstone'" in candidate.reasons


def test_initial_swapped_parts_and_accents_still_match() -> None:
    base = {"address": street("4 Elm Road"), "birthday": PartialDate(1, 2, 1970)}
    contacts = [
        person("José Núñez", **base),
        Contact(id="c_swapped", given_name="Nunez", family_name="Jose", **base),
        person("J Nunez", **base),
    ]
    assert len(pairs(find_duplicates(contacts))) == 3


def test_same_name_alone_is_not_a_duplicate() -> None:
    a = person("John Smith", address=street("1 Main St", "10001", "New York"))
    b = person("John Smith", address=street("9 Pine Rd", "60601", "Chicago"))
    b.id = "c_other"
    assert find_duplicates([a, b]) == []


def test_a_household_is_not_a_duplicate() -> None:
    home = {"address": street("12 Oak Street"), "phones": ["+14155550134"]}
    ann = person("Ann Lee", birthday=PartialDate(3, 14, 1984), **home)
    bob = person("Bob Lee", birthday=PartialDate(7, 2, 1982), **home)
    james, jane = person("James Lee", **home), person("Jane Lee", **home)
    assert find_duplicates([ann, bob, james, jane]) == []


def test_different_given_names_need_something_personal() -> None:
    home = {"address": street("12 Oak Street")}
    thomas = person("Thomas Rokobaro", **home)
    flynn = person("Flynn Rokobaro", **home)
    assert find_duplicates([thomas, flynn]) == []
    thomas.external_ids = [ExternalId("member number", "1451137")]
    flynn.external_ids = [ExternalId("member number", "1451137")]
    [found] = find_duplicates([thomas, flynn])
    assert "same member number 1451137" in found.reasons
    assert (
        found.reasons[0]
        == "names 'Thomas Rokobaro' and 'Flynn Rokobaro' share the family name only"
    )


def test_different_birthdays_speak_against() -> None:
    a = person("Ann Lee", company="Acme", birthday=PartialDate(3, 14, 1984))
    b = person("Ann Lee", company="Acme", birthday=PartialDate(9, 1, 1960))
    b.id = "c_b"
    assert find_duplicates([a, b]) == []


def test_decided_and_merged_contacts_are_skipped() -> None:
    a = person("Ann Lee", emails=["ann@example.com"])
    b = person("Anne Lee", emails=["ann@example.com"])
    assert len(find_duplicates([a, b])) == 1
    assert find_duplicates([a, b], decided={frozenset((a.id, b.id))}) == []
    b.merged_into = a.id
    assert find_duplicates([a, b]) == []


def test_threshold_filters_and_results_come_most_likely_first() -> None:
    strong = [
        person("Ann Lee", emails=["ann@example.com"], birthday=PartialDate(3, 14, 1984)),
        person("Anne Lee", emails=["ann@example.com"], birthday=PartialDate(3, 14, 1984)),
    ]
    weak = [
        person("Bob Stone", company="Stone Garage"),
        person("Bobby Stone", company="Stone Garage"),
    ]
    found = find_duplicates(strong + weak, threshold=0.0)
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    assert pairs(find_duplicates(strong + weak, threshold=0.999)) <= {
        frozenset(c.id for c in strong)
    }


def test_contacts_named_only_by_display_name_are_parsed() -> None:
    a = Contact(display_name="Lee, Ann", address=street("12 Oak Street"))
    b = Contact(display_name="Ann Lee", address=street("12 Oak Street"))
    assert len(find_duplicates([a, b])) == 1


def test_a_common_name_counts_for_less_than_a_rare_one() -> None:
    smiths = [
        Contact(id=f"c_s{i}", given_name="John", family_name="Smith", company=f"Firm {i}")
        for i in range(300)
    ]
    pair = [
        Contact(id="c_x", given_name="John", family_name="Smith", company="Acme"),
        Contact(id="c_y", given_name="John", family_name="Smith", company="Acme"),
    ]
    rare = [
        Contact(id="c_r1", given_name="John", family_name="Efthimiou", company="Acme"),
        Contact(id="c_r2", given_name="John", family_name="Efthimiou", company="Acme"),
    ]
    found = {
        frozenset((c.a, c.b)): c.score for c in find_duplicates(smiths + pair + rare, threshold=0)
    }
    assert found[frozenset(("c_r1", "c_r2"))] > found[frozenset(("c_x", "c_y"))]


def test_blocking_finds_pairs_in_a_large_address_book() -> None:
    crowd = [
        Contact(
            id=f"c_{i:05d}",
            given_name=f"Person{i}",
            family_name=f"Family{i % 97}",
            address=street(f"{i} Long Road", "94110"),
            created_at=datetime(2020, 1, 1, tzinfo=UTC),
        )
        for i in range(3000)
    ]
    twin = Contact(
        id="c_twin",
        given_name="Person17",
        family_name="Family17",
        address=street("17 Long Rd", "94110"),
    )
    found = find_duplicates([*crowd, twin])
    assert frozenset(("c_00017", "c_twin")) in pairs(found)


# -- names: nicknames, titles, family name first --------------------------------------------


@pytest.mark.parametrize(("short", "full"), [("Bob", "Robert"), ("Kathy", "Kathleen")])
def test_a_nickname_matches_the_given_name(short: str, full: str) -> None:
    home = {"address": street("12 Oak Street")}
    [found] = find_duplicates([person(f"{short} Lee", **home), person(f"{full} Lee", **home)])
    assert "same street address" in found.reasons


def test_two_names_sharing_a_nickname_are_two_people() -> None:
    home = {"address": street("12 Oak Street")}  # both are "Chris": siblings, not one person
    assert (
        find_duplicates([person("Christopher Lee", **home), person("Christina Lee", **home)]) == []
    )


def test_titles_and_post_nominals_are_ignored_for_matching_but_kept() -> None:
    home = {"address": street("12 Oak Street")}
    titled = Contact(id="c_dr", given_name="Dr John", family_name="Smith Jr", **home)
    mba = Contact(id="c_mba", display_name="Kim Lee, MBA", **home)
    [found, found_mba] = sorted(
        find_duplicates([titled, person("John Smith", **home), mba, person("Kim Lee", **home)]),
        key=lambda c: c.a,
    )
    assert found.reasons[0] == "names 'Dr John Smith Jr' and 'John Smith' are 100% alike"
    assert found_mba.reasons[0] == "names 'Kim Lee, MBA' and 'Kim Lee' are 100% alike"
    assert titled.name == "Dr John Smith Jr"


def test_a_cjk_name_compares_family_name_first() -> None:
    home = {"address": street("12 Oak Street")}
    whole = Contact(id="c_whole", display_name="王芳", **home)
    split = Contact(id="c_split", given_name="芳", family_name="王", **home)
    other = Contact(id="c_other", display_name="王明", **home)
    assert pairs(find_duplicates([whole, split, other])) == {frozenset(("c_whole", "c_split"))}


# -- place -------------------------------------------------------------------------------------


def test_a_shared_postcode_counts_when_the_towns_differ() -> None:
    ann = person("Ann Lee", address=Address(city="Brisbane", postal_code="4000"))
    anne = person("Anne Lee", address=Address(city="Spring Hill", postal_code="4000"))
    [found] = find_duplicates([ann, anne])
    assert "same postcode 4000" in found.reasons
    elsewhere = person("Anne Lee", address=Address(city="Spring Hill", postal_code="4064"))
    assert find_duplicates([ann, elsewhere]) == []


# -- groups ------------------------------------------------------------------------------------


def test_a_person_typed_five_times_is_one_group() -> None:
    base = {"address": street("12 Oak Street"), "birthday": PartialDate(3, 14, 1984)}
    typed = [
        person("Ann Lee", **base),
        person("Anne Lee", **base),
        person("A Lee", **base),
        Contact(id="c_swapped", given_name="Lee", family_name="Ann", **base),
        person("Annie Lee", **base),
    ]
    found = find_duplicates([*typed, person("Bob Stone", address=street("1 Elm Road"))])
    assert len(found) == 10
    [group] = group_duplicates(found)
    assert group.ids == sorted(c.id for c in typed)
    assert group.complete
    assert len(group.pairs) == 10


def pair(a: str, b: str, score: float) -> DuplicateCandidate:
    return DuplicateCandidate(a, b, score, [f"{a}~{b}"])


def test_a_weak_link_does_not_chain_two_groups() -> None:
    groups = group_duplicates(
        [pair("a", "b", 0.99), pair("c", "d", 0.98), pair("b", "c", 0.6), pair("a", "c", 0.55)]
    )
    assert [(g.ids, [p.reasons[0] for p in g.pairs]) for g in groups] == [
        (["a", "b"], ["a~b"]),
        (["c", "d"], ["c~d"]),
        (["b", "c"], ["b~c"]),
        (["a", "c"], ["a~c"]),
    ]


def test_a_group_linked_pair_by_pair_says_it_is_not_complete() -> None:
    [group] = group_duplicates([pair("a", "b", 0.99), pair("b", "c", 0.95)])
    assert group.ids == ["a", "b", "c"]
    assert not group.complete
    [whole] = group_duplicates([pair("a", "b", 0.99), pair("b", "c", 0.95), pair("a", "c", 0.7)])
    assert whole.complete
    assert [p.score for p in whole.pairs] == [0.99, 0.95, 0.7]


def test_queued_review_pairs_never_join_groups() -> None:
    groups = group_duplicates([pair("a", "b", 0.99)], weak=[pair("b", "c", 0.99)])
    assert [g.ids for g in groups] == [["a", "b"], ["b", "c"]]
