"""Scoring one pair: evidence in bits (log2 odds, Fellegi-Sunter style) with plain-words reasons.

Agreement on a value counts for more the rarer the value is (see :class:`Frequencies`);
disagreement counts against. No training labels are needed: agreement rates and typical
shares are set from what is known of contact data, and value shares are read from the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from ._nicknames import nickname_of
from ._profile import PHONE_TAIL, Frequencies, Profile

Evidence = tuple[float, str]  # bits, and the reason when the bits speak for a match
NAME_MIN = 0.8  # name parts less alike than this (Jaro-Winkler) are different names
NAME_SAME = 0.88  # parts this alike are one name mistyped (Ann, Anne); James and Jane are not
STREET_MIN = 0.85  # street addresses less alike than this (token sort ratio) differ
INITIAL_ALIKE = 0.9  # how alike an initial is to a name starting with it
NICKNAME_ALIKE = 0.92  # how alike a given name is to its nickname (Bob, Robert)
CERTAIN = 12.0  # bits for a shared email, phone or LinkedIn profile
PERSONAL = 4.0  # bits of a personal match that make a partly alike name worth a look
ID_CAP = 20.0  # an id number is issued to one customer: the strongest evidence there is
RARE_ID = 8.0  # bits of a shared id number (share under 1/256) that outweigh different names
ID_DIFFERS = -1.0  # different ids of one kind: customers get new cards, so only a little


@dataclass(frozen=True)
class Verdict:
    bits: float
    reasons: list[str]


class Scorer:
    """Compares pairs of profiles of one address book, knowing how common each value is."""

    def __init__(self, profiles: Sequence[Profile]) -> None:
        def freq(values: Callable[[Profile], Iterable[str]], prior: float) -> Frequencies:
            return Frequencies((v for p in profiles for v in values(p)), prior)

        self.given = freq(lambda p: [p.given], 0.01)
        self.family = freq(lambda p: [p.family], 0.002)
        self.postcode = freq(lambda p: [p.postcode], 0.01)
        self.city = freq(lambda p: [p.city], 0.01)
        self.street = freq(lambda p: [p.street], 1e-4)
        self.extended = freq(lambda p: [p.extended], 1e-3)
        self.company = freq(lambda p: [p.company], 2e-3)
        self.birthday = freq(lambda p: [p.birthday], 1 / 25000)
        self.email_name = freq(lambda p: p.email_names, 1e-4)
        self.phone_tail = freq(lambda p: p.phone_tails, 1e-5)
        self.ids = Frequencies((f"{k}:{c}" for p in profiles for k, c in p.ids), 1e-6, one_person=5)

    def score(self, a: Profile, b: Profile) -> Verdict | None:
        """The evidence for one pair; None unless names are alike and one more thing is shared.

        When only one name part is alike (``Thomas Rokobaro`` and ``Flynn Rokobaro``), the two
        may be one household rather than one person: then something personal (an email, an
        identifying number, a birthday, a LinkedIn profile) must agree as well. When no part is
        alike, only a certain identifier (the same email or LinkedIn profile, or the same rare id
        number) can outweigh the names.
        """
        bits, reason, alike = self._names(a, b)
        ids = self._ids(a, b)
        certain = [*self._emails(a, b), *self._linkedin(a, b), *ids]
        personal = [*certain, *self._birthday(a, b)]
        if (
            alike == "none"
            and not any(bits >= CERTAIN for bits, _ in certain)
            and not any(bits >= RARE_ID and reason.startswith("same ") for bits, reason in ids)
        ):
            return None
        if alike == "partly" and not any(bits >= PERSONAL for bits, _ in personal):
            return None
        household = [*self._phones(a, b), *self._address(a, b), *self._company(a, b)]
        evidence = personal + household
        if not any(bits > 0 and reason for bits, reason in evidence):
            return None
        shared = [reason for bits, reason in evidence if bits >= 0 and reason]
        return Verdict(bits + sum(b for b, _ in personal + household), [reason, *shared])

    # -- names -----------------------------------------------------------------------------

    def _names(self, a: Profile, b: Profile) -> tuple[float, str, Literal["all", "partly", "none"]]:
        """Bits, reason and whether all, some or none of the name parts both have are alike."""
        sims = _name_sims(a, b)
        alike = [part for part in sims if part[0] >= NAME_MIN]
        same = [part for part in sims if part[0] >= NAME_SAME]
        bits = 0.0
        for sim, value, table in sims:
            frequencies = self.given if table == "given" else self.family
            bits += _scaled(frequencies.bits(value, 0.9, 8.0), sim) if sim >= NAME_MIN else -4.0
        if not alike:
            return bits, f"different names {a.name!r} and {b.name!r}", "none"
        if len(same) < len(sims):
            return (
                bits,
                f"names {a.name!r} and {b.name!r} share the {alike[0][2]} name only",
                "partly",
            )
        percent = round(100 * sum(s for s, _, _ in sims) / len(sims))
        if a.name == b.name:
            return bits, f"same name {a.name!r}", "all"
        return bits, f"names {a.name!r} and {b.name!r} are {percent}% alike", "all"

    # -- things that identify a person -------------------------------------------------------

    def _emails(self, a: Profile, b: Profile) -> list[Evidence]:
        if not (a.emails and b.emails):
            return []
        if same := a.emails & b.emails:
            return [(CERTAIN, f"same email {min(same)}")]
        if same := a.email_names & b.email_names:
            name = min(same)
            return [(self.email_name.bits(name, 0.5, 8.0), f"same email name {name!r}")]
        return [(-1.0, "")]

    def _phones(self, a: Profile, b: Profile) -> list[Evidence]:
        if not (a.phones and b.phones):
            return []
        if a.phones & b.phones:
            return [(CERTAIN, "same phone number")]
        if same := a.phone_tails & b.phone_tails:
            bits = self.phone_tail.bits(min(same), 0.3, 8.0)
            return [(bits, f"phones end in the same {PHONE_TAIL} digits")]
        return [(-1.0, "")]

    def _linkedin(self, a: Profile, b: Profile) -> list[Evidence]:
        if not (a.linkedin and b.linkedin):
            return []
        return [(CERTAIN, "same LinkedIn profile")] if a.linkedin == b.linkedin else [(-4.0, "")]

    def _ids(self, a: Profile, b: Profile) -> list[Evidence]:
        """The same id of one kind is strong evidence; a different one of that kind only weak
        evidence against (a new card, a second account). Ids one character apart count for
        nothing either way: a typo, or the neighbouring customer's number."""
        if same := a.ids & b.ids:
            kind, code = min(same)
            return [(self._id_bits(f"{kind}:{code}"), f"same {kind} {code}")]
        kinds = {kind for kind, _ in a.ids} & {kind for kind, _ in b.ids}
        if not kinds:
            return []
        pairs = [(x, y) for k, x in a.ids if k in kinds for j, y in b.ids if j == k]
        if any(min(len(x), len(y)) >= 4 and OSA.distance(x, y) <= 1 for x, y in pairs):
            return [(0.0, "")]  # a typo or the next customer: no evidence either way
        return [(ID_DIFFERS, "")]

    def _id_bits(self, key: str) -> float:
        """A number held by a few contacts was issued to one customer: the strongest evidence
        there is, in a small address book too; one many hold (``0``, ``n/a``) counts as rare
        as it is."""
        if self.ids.counts.get(key, 0) <= self.ids.one_person:
            return ID_CAP
        return self.ids.bits(key, 0.9, ID_CAP)

    def _birthday(self, a: Profile, b: Profile) -> list[Evidence]:
        x, y = a.birthday, b.birthday
        if not (x and y):
            return []
        if x == y:
            return [(self.birthday.bits(x, 0.9, 10.0), _birthday_reason(x))]
        if x[-4:] == y[-4:] and min(len(x), len(y)) == 4:
            return [(5.0, _birthday_reason(x[-4:]))]
        if len(x) == len(y) == 8 and OSA.distance(x, y) <= 1:
            return [(3.0, "dates of birth differ by one digit")]
        return [(-6.0, "")]

    def _address(self, a: Profile, b: Profile) -> list[Evidence]:
        return [
            *max(self._lines(a, b), self._lines(a, _swapped_lines(b)), key=_total),
            *self._place(a, b),
            *_exact(a.region, b.region, None, 0.9, 0.5, -1.0, ""),
        ]

    def _lines(self, a: Profile, b: Profile) -> list[Evidence]:
        return [
            *self._street(a, b),
            *_exact(a.extended, b.extended, self.extended, 0.8, 5.0, -1.0, "same address line {}"),
        ]

    def _place(self, a: Profile, b: Profile) -> list[Evidence]:
        """Town and postcode say much the same thing, so only the stronger of the two counts.

        A shared postcode keeps its weight when the towns differ (a suburb written for the
        town, or the other way round); only when neither agrees do they count against.
        """
        found = [
            *_exact(a.city, b.city, self.city, 0.85, 5.0, -1.5, "same town {}"),
            *_exact(a.postcode, b.postcode, self.postcode, 0.9, 6.0, -1.5, "same postcode {}"),
        ]
        agree = sorted((e for e in found if e[1]), key=lambda e: -e[0])
        if not agree:
            return [(-1.5, "")] if found else []
        return [agree[0], *((0.0, reason) for _, reason in agree[1:])]

    def _street(self, a: Profile, b: Profile) -> list[Evidence]:
        if not (a.street and b.street):
            return []
        if a.street_number and b.street_number and a.street_number != b.street_number:
            return [(-2.0, "")]
        sim = fuzz.token_sort_ratio(a.street, b.street) / 100
        if sim < STREET_MIN:
            return [(-2.0, "")]
        bits = _scaled(self.street.bits(a.street, 0.8, 9.0), sim)
        return [(bits, "same street address" if sim == 1 else "similar street address")]

    def _company(self, a: Profile, b: Profile) -> list[Evidence]:
        if a.company and a.company == b.company:
            return [(self.company.bits(a.company, 0.6, 6.0), "same company")]
        return []


def _swapped_lines(p: Profile) -> Profile:
    """The profile with its two address lines the other way round (a common typing slip)."""
    if not (p.street and p.extended):
        return p
    return replace(p, street=p.extended, extended=p.street)


def _total(evidence: list[Evidence]) -> float:
    return sum(bits for bits, _ in evidence)


def _name_sims(a: Profile, b: Profile) -> list[tuple[float, str, str]]:
    """(similarity, the more common value, which table) for each name part both have.

    Given and family name may have been typed the wrong way round; the better reading wins.
    """
    straight = _pair_sims((a.given, b.given, "given"), (a.family, b.family, "family"))
    if (
        straight
        and straight[0][2] == "given"
        and straight[0][0] < NICKNAME_ALIKE
        and nickname_of(a.given.split()[0], b.given.split()[0])
    ):
        straight[0] = (NICKNAME_ALIKE, *straight[0][1:])
    crossed = _pair_sims((a.given, b.family, "given"), (a.family, b.given, "family"))
    return max(straight, crossed, key=_reading_quality)


def _reading_quality(sims: list[tuple[float, str, str]]) -> tuple[int, int, float]:
    return len(sims), sum(s >= NAME_SAME for s, _, _ in sims), sum(s for s, _, _ in sims)


def _pair_sims(*parts: tuple[str, str, str]) -> list[tuple[float, str, str]]:
    return [(_alike(x, y), min(x, y), table) for x, y, table in parts if x and y]


def _alike(x: str, y: str) -> float:
    """Jaro-Winkler similarity; an initial matches a name starting with it."""
    if x == y:
        return 1.0
    if len(x) == 1 or len(y) == 1:
        return INITIAL_ALIKE if x[0] == y[0] else 0.0
    return JaroWinkler.normalized_similarity(x, y)


def _scaled(bits: float, sim: float) -> float:
    """Full evidence for an exact match, less the further the values are apart."""
    return bits if sim >= 1 else bits * (0.7 if sim >= 0.92 else 0.4)


def _exact(
    x: str,
    y: str,
    frequencies: Frequencies | None,
    agree_rate: float,
    cap: float,
    against: float,
    reason: str,
) -> list[Evidence]:
    if not (x and y):
        return []
    if x != y:
        return [(against, "")]
    bits = frequencies.bits(x, agree_rate, cap) if frequencies else cap
    return [(bits, reason.format(x) if reason else "")]


def _birthday_reason(value: str) -> str:
    if len(value) == 8:
        return f"same date of birth {value[:4]}-{value[4:6]}-{value[6:]}"
    return f"same birthday {value[:2]}-{value[2:]}"
