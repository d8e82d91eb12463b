"""relationkit.identity.change: is a changed record still the same person?"""

from __future__ import annotations

import pytest

from relationkit.identity.change import identity_keys, names_agree, someone_else


def _named(name: str, **fields: object) -> dict[str, object]:
    return {"display_name": name, **fields}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Ann Lee", "Anne Lee"),  # a typo
        ("Robert Day", "Rob Day"),  # a short form
        ("Ann Lee", "A. Lee"),  # an initial
        ("Ann Lee", "Lee, Ann"),  # written the other way round
        ("Ann Lee", "Ann Ross"),  # married: the given name stays
        ("Ann Lee", ""),  # no name says nothing
    ],
)
def test_names_that_can_be_one_person(before: str, after: str) -> None:
    assert names_agree(_named(before), _named(after))


@pytest.mark.parametrize(
    ("before", "after"), [("Ann Lee", "Dan Ross"), ("Cat Ames", "Fay Dunn"), ("Ann Lee", "Bob Lee")]
)
def test_names_of_other_people(before: str, after: str) -> None:
    assert not names_agree(_named(before), _named(after))


def test_the_name_shown_and_the_name_parts_are_compared_each() -> None:
    before = _named("Ann Lee", given_name="Ann", family_name="Lee")
    # A copied row whose Name was retyped while First and Last name still say Ann Lee.
    assert not names_agree(before, _named("Dan Ross", given_name="Ann", family_name="Lee"))


def test_someone_else_needs_a_new_name_and_none_of_the_old_keys() -> None:
    ann = _named("Ann Lee", emails=["ann@example.com"], phones=["+14155550134"])
    assert someone_else(ann, _named("Dan Ross", emails=["dan@example.com"], phones=[]))
    assert not someone_else(ann, _named("Dan Ross", phones=["+1 415 555 0134"]))
    assert not someone_else(ann, _named("Ann Ross", emails=["ann.ross@example.com"]))
    assert not someone_else(ann, {"emails": ["dan@example.com"]})  # no name: cannot say


def test_identity_keys_are_read_as_stored() -> None:
    keys = identity_keys(
        {"emails": ["Ann@Example.com"], "phones": ["+1 (415) 555-0134"], "linkedin_url": ""}
    )
    assert keys == {"email:ann@example.com", "phone:14155550134"}
