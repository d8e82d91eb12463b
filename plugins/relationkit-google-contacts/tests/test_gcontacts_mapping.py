"""The Person <-> contact field mapping: round trips (hypothesis) and what writing keeps."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from relationkit.models import PartialDate
from relationkit.sync.values import clean_contact_fields
from relationkit_google_contacts import mapping

GROUPS = {"g1": "Customers", "g2": "vip", "g3": "wholesale"}
HOME = "g1"

text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
word = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


@st.composite
def partial_dates(draw: Any) -> str:
    year = draw(st.none() | st.integers(1900, 2030))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28 if month == 2 and year else 29 if month == 2 else 30))
    return PartialDate(month, day, year).iso()


contact_values = st.fixed_dictionaries(
    {
        "display_name": text,
        "given_name": text,
        "middle_name": text,
        "family_name": text,
        "nickname": text,
        "emails": st.lists(word.map(lambda w: f"{w}@example.com"), unique=True, max_size=3),
        "phones": st.lists(
            st.integers(0, 9999).map(lambda n: f"+1415555{n:04d}"), unique=True, max_size=3
        ),
        "address": st.none()
        | st.fixed_dictionaries(
            {
                "street": word,
                "extended": text,
                "city": text,
                "region": text,
                "postal_code": text,
                "country": text,
                "label": st.sampled_from(["", "home", "work"]),
            }
        ),
        "company": text,
        "position": text,
        "birthday": st.none() | partial_dates(),
        "anniversary": st.none() | partial_dates(),
        "milestones": st.lists(
            st.fixed_dictionaries(
                {"label": word.filter(lambda w: w != "anniversary"), "date": partial_dates()}
            ),
            max_size=2,
        ),
        "family": st.lists(
            st.fixed_dictionaries(
                {
                    "relation": st.sampled_from(
                        ["spouse", "partner", "child", "parent", "sibling", "other"]
                    ),
                    "name": word,
                    "birthday": st.none(),
                }
            ),
            max_size=3,
        ),
        "interests": st.lists(word, max_size=3),
        "notes": text,
        "tags": st.lists(st.sampled_from(["vip", "wholesale"]), unique=True),
        "linkedin_url": st.just("") | word.map(lambda w: f"https://www.linkedin.com/in/{w}"),
        "custom": st.dictionaries(word, text, max_size=3),
    }
)


def written(values: dict[str, Any], existing: dict[str, Any] | None = None) -> dict[str, Any]:
    by_name = {name: g for g, name in GROUPS.items()}
    ids = [HOME] + [by_name[tag] for tag in values.get("tags", [])]
    return mapping.person_body(
        values, set(mapping.PERSON_FIELDS), rk_id="c_1", memberships=ids, existing=existing
    )


def as_stored(body: dict[str, Any]) -> dict[str, Any]:
    """What a read returns for a written body (memberships carry the group id)."""
    person = dict(body, resourceName="people/c1")
    person["memberships"] = [
        {
            "contactGroupMembership": {
                "contactGroupId": m["contactGroupMembership"][
                    "contactGroupResourceName"
                ].removeprefix("contactGroups/")
            }
        }
        for m in body.get("memberships", [])
    ]
    return person


@settings(max_examples=100, deadline=None)
@given(contact_values)
def test_every_field_survives_a_round_trip(values: dict[str, Any]) -> None:
    cleaned, problems = clean_contact_fields(values)
    assert problems == []
    person = as_stored(written(cleaned))
    back, problems = clean_contact_fields(mapping.person_fields(person, GROUPS, HOME))
    assert problems == []
    assert back == cleaned
    assert mapping.local_id(person) == "c_1"


def test_birthday_without_year_is_a_date_without_year() -> None:
    body = written({"birthday": "--03-14"})
    assert body["birthdays"] == [{"date": {"month": 3, "day": 14}}]
    assert (
        mapping.person_fields(
            {"birthdays": [{"date": {"year": 0, "month": 3, "day": 14}}]}, {}, None
        )["birthday"]
        == "--03-14"
    )


def test_writing_keeps_what_relationkit_does_not_model() -> None:
    existing = {
        "emailAddresses": [{"value": "Ann@Example.com", "type": "work", "metadata": {}}],
        "addresses": [{"city": "Old"}, {"city": "Second home"}],
        "urls": [
            {"value": "https://shop.example", "type": "homePage"},
            {"value": "https://linkedin.com/in/old"},
        ],
        "relations": [{"person": "Jo", "type": "mother"}, {"person": "Sam", "type": "manager"}],
        "clientData": [
            {"key": "other-app", "value": "42"},
            {"key": "relationkit_id", "value": "x"},
        ],
        "organizations": [{"name": "Old", "department": "Sales"}],
    }
    values = {
        "emails": ["ann@example.com", "ann@home.example"],
        "address": {"city": "New"},
        "linkedin_url": "https://www.linkedin.com/in/ann",
        "family": [{"relation": "parent", "name": "Jo"}],
        "company": "Lee Gardens",
    }
    body = written(values, existing)
    assert body["emailAddresses"] == [
        {"value": "ann@example.com", "type": "work"},
        {"value": "ann@home.example"},
    ]
    assert body["addresses"] == [{"city": "New"}, {"city": "Second home"}]
    assert body["urls"] == [
        {"value": "https://www.linkedin.com/in/ann", "type": "profile"},
        {"value": "https://shop.example", "type": "homePage"},
    ]
    assert body["relations"] == [
        {"person": "Jo", "type": "mother"},
        {"person": "Sam", "type": "manager"},
    ]
    assert body["clientData"] == [
        {"key": "relationkit_id", "value": "c_1"},
        {"key": "other-app", "value": "42"},
    ]
    assert body["organizations"] == [{"department": "Sales", "name": "Lee Gardens"}]


def test_update_mask_names_the_person_fields_of_changed_model_fields() -> None:
    assert mapping.person_fields_for(["company", "given_name"]) == {"organizations", "names"}
    assert mapping.person_fields_for(["anniversary"]) == {"events"}
