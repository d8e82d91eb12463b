"""Screening: a fast, generous first look at every candidate pair, done on whole arrays.

Only pairs that could pass the full scoring go on to it: names alike in every part both have,
or alike in one part with something personal shared (a birthday, an email name, an external
id), or a certain identifier shared. Screening may let through pairs that scoring then
refuses, never the other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from ._blocking import CERTAIN_KINDS, PERSONAL_KINDS, Indices, Pairs
from ._nicknames import nickname_of
from ._profile import Profile
from ._scoring import INITIAL_ALIKE, NAME_MIN, NAME_SAME, NICKNAME_ALIKE, STREET_MIN

Mask = NDArray[np.bool_]


@dataclass(frozen=True)
class _Column:
    """One text attribute of every profile, with its lengths and first letters."""

    text: NDArray[np.object_]
    code: NDArray[np.int64]
    length: NDArray[np.int64]
    first: NDArray[np.int64]

    @classmethod
    def of(cls, values: list[str]) -> _Column:
        return cls(
            np.array(values, dtype=object),
            _codes(values),
            np.fromiter(map(len, values), dtype=np.int64, count=len(values)),
            _codes([v[:1] for v in values]),
        )

    def both(self, a: Indices, other: _Column, b: Indices) -> Mask:
        return (self.length[a] > 0) & (other.length[b] > 0)


def screen(profiles: Sequence[Profile], pairs: Pairs) -> Mask:
    """Which candidate pairs deserve full scoring: cheap tests first, names last."""
    a, b = pairs.first, pairs.second
    if not len(a):  # no candidates (no contacts, or none with anything in common)
        return np.zeros(0, dtype=bool)
    personal = pairs.shared(*PERSONAL_KINDS) | _same_birthday(profiles, a, b)
    shared = personal | pairs.shared("t") | _same_place_or_firm(profiles, a, b)
    worth = np.flatnonzero(shared)
    names = _names_pass(profiles, a[worth], b[worth], personal[worth])
    result = np.zeros(len(a), dtype=bool)
    result[worth] = names | pairs.shared(*CERTAIN_KINDS)[worth]
    return result


def _names_pass(profiles: Sequence[Profile], a: Indices, b: Indices, personal: Mask) -> Mask:
    """Names alike in every part, or in one part when something personal is shared."""
    given = _Column.of([p.given for p in profiles])
    family = _Column.of([p.family for p in profiles])
    parts, alike, same = _alike_parts(given, family, a, given, family, b, nicknames=True)
    cross = np.flatnonzero(same < parts)
    crossed = _alike_parts(given, family, a[cross], family, given, b[cross])
    for mine, theirs in zip((parts, alike, same), crossed, strict=True):
        mine[cross] = np.maximum(mine[cross], theirs)
    return ((same == parts) & (parts > 0)) | ((alike > 0) & personal)


def _same_place_or_firm(profiles: Sequence[Profile], a: Indices, b: Indices) -> Mask:
    """Where pairs share a postcode, town, address line, company or a similar street."""
    shared = np.zeros(len(a), dtype=bool)
    for name in ("postcode", "city", "extended", "company"):
        values = _codes([getattr(p, name) for p in profiles])
        shared |= (values[a] == values[b]) & (values[a] >= 0)
    # A street counts only with the same house number (or one missing): only those need a look.
    number = _codes([p.street_number for p in profiles])
    street = np.array([p.street for p in profiles], dtype=object)
    numbers_fit = (number[a] == number[b]) | (number[a] < 0) | (number[b] < 0)
    maybe = np.flatnonzero(~shared & numbers_fit & (street[a] != "") & (street[b] != ""))
    ratio = process.cpdist(
        street[a[maybe]], street[b[maybe]], scorer=fuzz.token_sort_ratio, workers=-1
    )
    shared[maybe] = ratio >= STREET_MIN * 100
    return shared


def _alike_parts(
    given_a: _Column,
    family_a: _Column,
    a: Indices,
    given_b: _Column,
    family_b: _Column,
    b: Indices,
    *,
    nicknames: bool = False,
) -> tuple[NDArray[np.int8], NDArray[np.int8], NDArray[np.int8]]:
    """How many name parts both have, how many are alike, and how many are the same name.

    With ``nicknames``, a given name and its nickname (Bob, Robert) are alike, as in scoring.
    """
    parts, alike, same = (np.zeros(len(a), dtype=np.int8) for _ in range(3))
    for x, y in ((given_a, given_b), (family_a, family_b)):
        both = np.flatnonzero(x.both(a, y, b))
        sims = _similarity(x, a[both], y, b[both])
        if nicknames and x is given_a:
            _nicknames_alike(x, a[both], y, b[both], sims)
        parts[both] += 1
        alike[both] += sims >= NAME_MIN
        same[both] += sims >= NAME_SAME
    return parts, alike, same


def _similarity(x: _Column, a: Indices, y: _Column, b: Indices) -> NDArray[np.float32]:
    """Jaro-Winkler per pair, with an initial as alike as full scoring makes it."""
    sims = (x.code[a] == y.code[b]).astype(np.float32)
    differ = np.flatnonzero(sims < 1)
    sims[differ] = process.cpdist(
        x.text[a[differ]],
        y.text[b[differ]],
        scorer=JaroWinkler.normalized_similarity,
        dtype=np.float32,
        workers=-1,
    )
    initial = ((x.length[a] == 1) | (y.length[b] == 1)) & (x.first[a] == y.first[b])
    return np.where(initial, np.maximum(sims, INITIAL_ALIKE), sims)


def _nicknames_alike(
    x: _Column, a: Indices, y: _Column, b: Indices, sims: NDArray[np.float32]
) -> None:
    """Raise to :data:`NICKNAME_ALIKE` the similarity of first names that are nicknames."""
    for at in np.flatnonzero(sims < NICKNAME_ALIKE).tolist():
        if nickname_of(x.text[a[at]].split()[0], y.text[b[at]].split()[0]):
            sims[at] = NICKNAME_ALIKE


def _same_birthday(profiles: Sequence[Profile], a: Indices, b: Indices) -> Mask:
    """True where the pair shares a birthday, or a day and month when one year is unknown."""
    full = _codes([p.birthday for p in profiles])
    day = _codes([p.birthday[-4:] for p in profiles])
    yearless = np.array([len(p.birthday) == 4 for p in profiles])
    same_day = (day[a] == day[b]) & (day[a] >= 0)
    return same_day & ((full[a] == full[b]) | yearless[a] | yearless[b])


def _codes(values: list[str]) -> NDArray[np.int64]:
    """Each distinct value as a number (the empty string as -1), so pairs compare fast."""
    table: dict[str, int] = {"": -1}
    return np.fromiter(
        (table.setdefault(v, len(table)) for v in values), dtype=np.int64, count=len(values)
    )
