"""Duplicate detection at scale: 100,000 synthetic contacts with planted duplicates.

    uv run --all-packages python benchmarks/identity_dedup.py [--contacts 100000] [--seed 7]

People get names drawn from a long-tailed distribution, emails, phones in a few local area
codes, addresses in a handful of towns, birthdays and employers; some share a household
(same surname, address and landline, different given name and birthday), which must *not* be
reported. About one in twelve people is typed in twice with realistic noise: a nickname, an
initial, a typo, swapped name parts, accents dropped, another email at the same name,
"Street" written "St", fields missing. Each planted duplicate keeps at least one thing beside
the name in common with its original (without it nothing could tell them apart).
Prints the time taken and precision/recall on the planted pairs.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import Measure

from relationkit.identity import find_duplicates
from relationkit.models import Address, Contact, PartialDate


def _words(text: str) -> list[str]:
    return text.split()


TITLE = "Identity: likely duplicates"
ABOUT = """
find_duplicates over synthetic contacts with planted duplicates and households (see
benchmarks/bench_dedup.py); target: 100,000 contacts in under 60 s. A household pair reported
is a false positive (two people at one address).
"""
GIVEN = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily "
    "Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Dorothy George Melissa "
    "Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia "
    "Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda Larry "
    "Pamela Justin Emma Scott Nicole Brandon Helen Benjamin Samantha Samuel Katherine Gregory "
    "Christine Alexander Debra Frank Rachel Patrick Carolyn Raymond Janet Jack Catherine "
    "Dennis Maria Jerry Heather Tyler Diane Aaron Ruth Jose Julie Adam Olivia Nathan Joyce "
    "Henry Virginia Zoë José Renée Søren Chloé Anaïs Ann Anne Lee Mei Wei Aisha Omar Priya "
    "Raj Yuki Kenji "
)
FAMILY = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Müller Schäfer Øster Núñez Peña Côté Bélanger O'Brien McDonald "
)
NICKNAMES = {
    "Robert": "Bob",
    "William": "Bill",
    "Richard": "Dick",
    "James": "Jim",
    "Elizabeth": "Liz",
    "Margaret": "Peggy",
    "Katherine": "Kate",
    "Christopher": "Chris",
    "Michael": "Mike",
    "Jennifer": "Jenny",
    "Joseph": "Joe",
    "Thomas": "Tom",
    "Daniel": "Dan",
    "Matthew": "Matt",
    "Anthony": "Tony",
    "Patricia": "Pat",
    "Samantha": "Sam",
    "Nicholas": "Nick",
}
SYLLABLES = _words("ka lo mi ra ten vor bel an dro sel wick ham ford ley ton berg stein ov ski ez ")
STREETS = [
    f"{w} {k}"
    for w in _words("Oak Maple Cedar Pine Elm Main High Church Mill Park Lake Hill Bridge Station")
    for k in ("Street", "Road", "Avenue", "Lane", "Drive")
]
SHORT = {"Street": "St", "Road": "Rd", "Avenue": "Ave", "Lane": "Ln", "Drive": "Dr"}
TOWNS = [(f"Town{i}", f"{97000 + i * 7}") for i in range(25)]
AREA_CODES = ("415", "510", "650", "707", "925", "408")
DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com")
_serial = itertools.count(1)  # an email address belongs to one person


@dataclass
class Planted:
    contacts: list[Contact]
    duplicates: set[frozenset[str]]
    households: set[frozenset[str]]


def synthetic(count: int, seed: int = 7) -> Planted:
    """``count`` contacts: people, their household members and noisy second records."""
    rng = random.Random(seed)
    families = FAMILY + [_made_up_name(rng) for _ in range(6000)]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(families))]
    contacts: list[Contact] = []
    duplicates: set[frozenset[str]] = set()
    households: set[frozenset[str]] = set()
    while len(contacts) < count:
        person = _person(rng, rng.choices(families, weights)[0])
        contacts.append(person)
        roll = rng.random()
        if roll < 0.08:
            twin = _noisy_copy(rng, person)
            contacts.append(twin)
            duplicates.add(frozenset((person.id, twin.id)))
        elif roll < 0.16:
            partner = _household_member(rng, person)
            contacts.append(partner)
            households.add(frozenset((person.id, partner.id)))
    return Planted(contacts[:count], duplicates, households)


def _made_up_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _person(rng: random.Random, family: str) -> Contact:
    given = rng.choice(GIVEN)
    town, postcode = rng.choice(TOWNS)
    slug = f"{given}.{family}".lower().replace("'", "")
    return Contact(
        display_name=f"{given} {family}",
        given_name=given,
        family_name=family,
        emails=[f"{slug}{next(_serial)}@{rng.choice(DOMAINS)}"] if rng.random() < 0.7 else [],
        phones=[_phone(rng)] if rng.random() < 0.6 else [],
        address=Address(f"{rng.randint(1, 400)} {rng.choice(STREETS)}", "", town, "CA", postcode)
        if rng.random() < 0.5
        else None,
        birthday=_birthday(rng) if rng.random() < 0.35 else None,
        company=f"{_made_up_name(rng)} {rng.choice(('Ltd', 'Inc', 'Bakery', 'Garage'))}"
        if rng.random() < 0.3
        else "",
    )


def _phone(rng: random.Random) -> str:
    return f"+1{rng.choice(AREA_CODES)}{rng.randint(2000000, 9999999)}"


def _birthday(rng: random.Random) -> PartialDate:
    day = PartialDate(rng.randint(1, 12), rng.randint(1, 28), rng.randint(1940, 2005))
    return day if rng.random() < 0.8 else replace(day, year=None)


def _household_member(rng: random.Random, person: Contact) -> Contact:
    """Someone living with ``person``: same surname, address and landline; not a duplicate."""
    member = _person(rng, person.family_name)
    while member.given_name == person.given_name:
        member = _person(rng, person.family_name)
    member.address = person.address
    member.phones = list(person.phones) if rng.random() < 0.5 else member.phones
    return member


def _noisy_copy(rng: random.Random, person: Contact) -> Contact:
    """``person`` typed in again elsewhere: name noise, some fields missing, one still shared."""
    given, family = _noisy_name(rng, person.given_name, person.family_name)
    copy = Contact(display_name=f"{given} {family}", given_name=given, family_name=family)
    shared = [
        name
        for name in ("emails", "phones", "address", "birthday", "company")
        if getattr(person, name)
    ]
    keep = {name for name in shared if rng.random() < 0.5} or (
        {rng.choice(shared)} if shared else set()
    )
    if "emails" in keep:
        local = person.emails[0].partition("@")[0]
        copy.emails = [f"{local}@{rng.choice(DOMAINS)}"]
    if "phones" in keep:
        copy.phones = list(person.phones)
    if "address" in keep and person.address:
        street = person.address.street
        for long, short in SHORT.items():
            street = street.replace(long, short) if rng.random() < 0.5 else street
        copy.address = replace(person.address, street=street)
    if "birthday" in keep and person.birthday:
        copy.birthday = (
            person.birthday if rng.random() < 0.7 else replace(person.birthday, year=None)
        )
    if "company" in keep:
        copy.company = person.company
    return copy


def _noisy_name(rng: random.Random, given: str, family: str) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.15 and given in NICKNAMES:
        return NICKNAMES[given], family
    if roll < 0.3:
        return given[0], family
    if roll < 0.5:
        return _typo(rng, given), family
    if roll < 0.6:
        return given, _typo(rng, family)
    if roll < 0.65:
        return family, given
    return given, family


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    at = rng.randint(1, len(word) - 2)
    action = rng.choice(("drop", "swap", "double"))
    if action == "drop":
        return word[:at] + word[at + 1 :]
    if action == "swap":
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + word[at] + word[at:]


def measure(count: int, seed: int = 7) -> dict[str, float]:
    planted = synthetic(count, seed)
    started, cpu = time.perf_counter(), time.process_time()
    found = {frozenset((c.a, c.b)) for c in find_duplicates(planted.contacts)}
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    hits = len(found & planted.duplicates)
    return {
        "contacts": len(planted.contacts),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "precision": hits / len(found) if found else 0.0,
        "recall": hits / len(planted.duplicates),
        "households_reported": len(found & planted.households),
        "households": len(planted.households),
    }


def run(quick: bool = False) -> list[Measure]:
    """The harness entry point (see benchmarks/run.py)."""
    figures = measure(10_000 if quick else 100_000)
    group = f"{figures['contacts']:,.0f} contacts"
    return [
        Measure(
            group, "find_duplicates", figures["seconds"], "s", "< 60 s", figures["seconds"] < 60
        ),
        Measure(group, "precision on planted duplicates", figures["precision"], "ratio"),
        Measure(group, "recall on planted duplicates", figures["recall"], "ratio"),
        Measure(group, "households reported", figures["households_reported"], "pairs", "0"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    figures = measure(args.contacts, args.seed)
    print(
        f"{figures['contacts']:,} contacts: {figures['seconds']:.1f} s "
        f"({figures['cpu_seconds']:.1f} s CPU); precision {figures['precision']:.3f}, "
        f"recall {figures['recall']:.3f}; household pairs reported "
        f"{figures['households_reported']} of {figures['households']}"
    )


if __name__ == "__main__":
    main()
