"""names_agree: typos, initials, nicknames and swapped order agree; another person does not."""

from __future__ import annotations

import pytest

from relationkit.identity import names_agree
from relationkit.models import Contact


def named(given: str, family: str, nickname: str = "") -> Contact:
    return Contact(given_name=given, family_name=family, nickname=nickname)


@pytest.mark.parametrize(
    ("on_file", "given", "family", "agree"),
    [
        (named("Ann", "Lee"), "Anne", "Lee", True),  # a typo
        (named("Ann", "Lee"), "A.", "Lee", True),  # an initial
        (named("Ann", "Lee"), "Lee", "Ann", True),  # swapped
        (named("Margaret", "Ng"), "Meg", "Ng", True),  # a nickname
        (named("Ann", "Lee", nickname="Nana"), "Nana", "Lee", True),  # her own nickname
        (named("Maria", "García López"), "María", "Garcia", True),  # one of two family names
        (Contact(display_name="王芳"), "芳", "王", True),
        (Contact(emails=["x@example.com"]), "Dan", "Ross", True),  # no name: nothing disagrees
        (named("Ann", "Lee"), "Dan", "Ross", False),
        (named("Ann", "Lee"), "Tom", "Lee", False),  # one household, another person
        (named("Ann", "Lee"), "Ann", "Smith", False),
        (named("James", "Hart"), "Jane", "Hart", False),
    ],
)
def test_names_agree(on_file: Contact, given: str, family: str, agree: bool) -> None:
    assert names_agree(on_file, named(given, family)) is agree
    assert names_agree(named(given, family), on_file) is agree
