"""Blocking: which pairs of contacts are worth comparing at all, without comparing every pair.

Each contact gets a few block keys (name beginnings either way round, postcode, birthday,
street, phone ending, email, email name, identifying numbers, LinkedIn profile). Contacts
sharing a key are compared; a block larger than ``cap`` (every Smith, a busy postcode) is sorted
by name and each contact is compared only with its ``window`` nearest neighbours, so the work
grows with the number of contacts, not with its square.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

from ._profile import Profile

BLOCK_CAP = 40
WINDOW = 5
# One bit per kind of block, so a pair remembers what brought it in.
KINDS = {kind: 1 << bit for bit, kind in enumerate("npbactemil")}
PERSONAL_KINDS = ("e", "m", "i", "l")  # email name, email, id number, LinkedIn
CERTAIN_KINDS = ("m", "i", "l")

Indices = NDArray[np.int64]


@dataclass(frozen=True)
class Pairs:
    """Candidate pairs as index arrays (``first < second``) and the kinds of block they share."""

    first: Indices
    second: Indices
    kinds: NDArray[np.int64]

    def shared(self, *kinds: str) -> NDArray[np.bool_]:
        """Which pairs share a block of one of ``kinds``."""
        return (self.kinds & sum(KINDS[k] for k in kinds)) != 0


def block_keys(p: Profile) -> Iterator[str]:
    """The blocks a profile belongs to, as ``kind:value``."""
    if p.given and p.family:
        yield f"n:{p.family[:3]}{p.given[:1]}"
        yield f"n:{p.given[:3]}{p.family[:1]}"
    elif p.given or p.family:
        yield f"n:{(p.given or p.family)[:4]}"
    if p.postcode:
        yield f"p:{p.postcode}"
    if p.birthday:
        yield f"b:{p.birthday[-4:]}"
    if p.street:
        yield f"a:{p.street[:8]}"
    if p.company:
        yield f"c:{p.company}"
    if p.linkedin:
        yield f"l:{p.linkedin}"
    yield from (f"t:{tail}" for tail in p.phone_tails)
    yield from (f"m:{email}" for email in p.emails)
    yield from (f"e:{name}" for name in p.email_names)
    yield from (f"i:{kind}:{code}" for kind, code in p.ids)


def candidate_pairs(
    profiles: Sequence[Profile], cap: int = BLOCK_CAP, window: int = WINDOW
) -> Pairs:
    """Every pair of profiles that share a block (sorted-neighbourhood pairs in large ones)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, p in enumerate(profiles):
        for key in set(block_keys(p)):
            blocks[key].append(index)
    found: dict[str, list[Indices]] = defaultdict(list)
    for key, members in blocks.items():
        if len(members) > 1:
            kind = key.partition(":")[0]
            found[kind].append(
                _block_pairs(members, profiles, _ORDERS.get(kind, _by_name), cap, window)
            )
    by_kind = {kind: _unique(parts) for kind, parts in found.items()}
    everything = _unique(list(by_kind.values()))
    kinds = np.zeros(len(everything), dtype=np.int64)
    for kind, pairs in by_kind.items():
        kinds |= np.where(_within(everything, pairs), KINDS[kind], 0)
    size = max(len(profiles), 1)
    return Pairs(everything // size, everything % size, kinds)


def _block_pairs(
    members: list[int],
    profiles: Sequence[Profile],
    order: Callable[[Profile], tuple[str, ...]],
    cap: int,
    window: int,
) -> Indices:
    """Pairs within one block, encoded ``low * n + high``: all of them, or sorted neighbours."""
    size = len(profiles)
    if len(members) <= cap:
        ids = np.array(members, dtype=np.int64)
        left, right = _triangle(len(members))
        return _encode(ids[left], ids[right], size)
    ranked = np.array(sorted(members, key=lambda i: order(profiles[i])), dtype=np.int64)
    return np.concatenate(
        [_encode(ranked[:-step], ranked[step:], size) for step in range(1, window + 1)]
    )


@cache
def _triangle(size: int) -> tuple[Indices, Indices]:
    left, right = np.triu_indices(size, k=1)
    return left.astype(np.int64), right.astype(np.int64)


def _encode(a: Indices, b: Indices, size: int) -> Indices:
    return np.minimum(a, b) * size + np.maximum(a, b)


def _unique(parts: list[Indices]) -> Indices:
    """Sorted distinct values (by sorting: numpy's hashing ``unique`` crawls on these codes)."""
    if not parts:
        return np.empty(0, dtype=np.int64)
    values = np.sort(np.concatenate(parts))
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def _within(values: Indices, sorted_set: Indices) -> NDArray[np.bool_]:
    """Which of ``values`` are in ``sorted_set``."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def _by_name(p: Profile) -> tuple[str, ...]:
    return p.family, p.given


# How a block too large to compare whole is sorted: neighbours should be likely duplicates.
_ORDERS: dict[str, Callable[[Profile], tuple[str, ...]]] = {
    "p": lambda p: (p.street, p.family, p.given),
    "b": lambda p: (p.birthday, p.family, p.given),
}
