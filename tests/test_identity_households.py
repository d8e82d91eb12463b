"""The household rule: a shared phone or email is one person only when the first names agree."""

from __future__ import annotations

import pytest

from relationkit.errors import InvalidValue
from relationkit.identity import names_conflict
from relationkit.importers import import_contacts_csv
from relationkit.models import Contact

LANDLINE = "+14155550100"


def person(name: str, given: str = "", family: str = "") -> Contact:
    return Contact(display_name=name, given_name=given, family_name=family)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jon", "John"),
        ("Ann", "Anne"),
        ("Bob", "Robert"),
        ("Kathy", "Kathleen"),
        ("Liz", "Elizabeth"),
        ("J", "John"),
        ("Stephen", "Steven"),
        ("José", "Jose"),
    ],
)
def test_one_persons_first_names_agree(a, b):
    assert names_conflict(person(f"{a} Miller"), person(f"{b} Miller")) is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jane", "John"),
        ("James", "Jane"),
        ("Mary", "Martha"),
        ("Hannah", "Ivan"),
        ("Peter", "Jane"),
    ],
)
def test_household_members_first_names_conflict(a, b):
    reason = names_conflict(person(f"{a} Miller"), person(f"{b} Miller"))
    assert reason == f"different first names: {a} / {b}"


def test_missing_or_swapped_names_never_conflict():
    assert names_conflict(person(""), person("Jane Miller")) is None
    assert names_conflict(person("Miller"), person("Jane Miller")) is None  # only a family name
    assert names_conflict(person("Miller, Jane"), person("Jane Miller")) is None
    assert names_conflict(person("", "Miller", "Jane"), person("", "Jane", "Miller")) is None
    assert names_conflict(person("Dr. Jane Miller PhD"), person("Jane Miller")) is None


def test_names_in_scripts_without_spaces_are_compared_whole():
    assert names_conflict(person("王小明"), person("王小明")) is None
    assert names_conflict(person("王小明"), person("王小红")) is not None
    # Google Contacts splits the name the sheet keeps whole, in either order: still one person.
    assert names_conflict(person("田中 さくら"), person("", "さくら", "田中")) is None
    assert names_conflict(person("田中 さくら"), person("", "田中", "さくら")) is None


def test_only_the_first_given_name_counts():
    assert names_conflict(person("Mary Ann Miller"), person("Mary Miller")) is None
    assert names_conflict(person("Ann Marie Miller"), person("Mary Miller")) is not None


def test_import_keeps_a_couple_on_one_landline_apart(ws, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(
        "Name,Email,Phone\n"
        f"John Miller,john@example.com,{LANDLINE}\n"
        f"Jane Miller,jane@example.com,{LANDLINE}\n"
        f"Jon Miller,,{LANDLINE}\n",
        encoding="utf-8",
    )
    report = import_contacts_csv(ws, path)
    assert report.created == 2
    assert report.needs_review == 0
    john = ws.get_contact("john@example.com")
    jane = ws.get_contact("jane@example.com")
    assert john.id != jane.id
    # "Jon Miller" is John typed again (a later row's value wins, as for any field).
    assert (john.name, john.emails, john.phones) == ("Jon Miller", ["john@example.com"], [LANDLINE])
    assert (jane.name, jane.emails, jane.phones) == (
        "Jane Miller",
        ["jane@example.com"],
        [LANDLINE],
    )
    # Importing the file again changes nothing and makes nobody new.
    again = import_contacts_csv(ws, path)
    assert again.created == 0
    assert ws.count_contacts() == 2


def test_a_family_email_is_shared_not_merged(ws):
    jane = ws.add_contact("Jane Miller", email="millers@example.com", birthday="1980-04-02")
    john = ws.add_contact("John Miller", email="millers@example.com", birthday="1978-09-30")
    assert john.id != jane.id
    assert ws.get_contact(jane.id).birthday.iso() == "1980-04-02"
    assert ws.get_contact(john.id).birthday.iso() == "1978-09-30"
    assert ws.get_contact(jane.id).name == "Jane Miller"
    assert ws.duplicates() == []


def test_adding_a_household_member_never_renames_the_customer(ws):
    jane = ws.add_contact("Jane Miller", phone=LANDLINE, notes="likes roses")
    peter = ws.add_contact("Peter Miller", phone=LANDLINE)
    assert peter.id != jane.id
    kept = ws.get_contact(jane.id)
    assert (kept.name, kept.notes) == ("Jane Miller", "likes roses")
    assert ws.count_contacts() == 2
    # The same person again (a nickname, a new email) is still an update of that person.
    again = ws.add_contact("Janie Miller", phone=LANDLINE, email="jane@example.com")
    assert again.id == jane.id


def test_a_household_member_is_given_the_shared_phone_by_adding_it(ws):
    jane = ws.add_contact("Jane Miller", phone=LANDLINE)
    john = ws.add_contact("John Miller", email="john@example.com")
    with pytest.raises(InvalidValue, match="merge them"):  # an edit naming one person only
        ws.update_contact(john, phone=LANDLINE)
    assert ws.add_contact("John Miller", email="john@example.com", phone=LANDLINE).id == john.id
    assert ws.get_contact(john.id).phones == [LANDLINE]
    assert ws.get_contact(jane.id).phones == [LANDLINE]
    assert ws.get_contact(LANDLINE).id == jane.id  # a look-up by the phone finds who had it first
