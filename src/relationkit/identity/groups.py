"""Duplicate groups: one person typed five times is one group of five, not ten pairs.

Likely pairs (from :func:`find_duplicates`) that link contacts into a cluster where every two
are a likely pair make one group. A cluster linked only pair by pair (A like B, B like C, A not
like C) is not joined through its weaker links: only *strong* pairs (scored at least
:data:`STRONG_SCORE`) join groups there; a weaker pair is shown as a group of its own two
contacts, or inside a group holding both. A pair waiting in the review queue (a household,
say) never joins anything. A group whose members are not all pairwise likely says so
(``complete`` is False): the owner should read its pairs before merging it whole.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from .match import DuplicateCandidate

STRONG_SCORE = 0.9  # a pair this likely joins a group even where not every two members match


@dataclass
class DuplicateGroup:
    """Contacts that are probably one person, with the pairs (and reasons) that say so."""

    ids: list[str]
    pairs: list[DuplicateCandidate] = field(default_factory=list)

    @property
    def score(self) -> float:
        """The strongest pair's score."""
        return max(p.score for p in self.pairs)

    @property
    def complete(self) -> bool:
        """Whether every two members are a likely pair (not only linked through others)."""
        return _complete(self.ids, self.pairs)


def group_duplicates(
    pairs: Iterable[DuplicateCandidate],
    *,
    weak: Iterable[DuplicateCandidate] = (),
    strong: float = STRONG_SCORE,
) -> list[DuplicateGroup]:
    """Gather likely pairs into groups, most likely first (see the module docstring).

    ``weak`` pairs (the review queue) never join groups whatever their score.
    """
    found: list[DuplicateGroup] = []
    leftover = list(weak)
    for cluster in _clusters(pairs).values():
        ids = _ids(cluster)
        if _complete(ids, cluster):
            found.append(DuplicateGroup(ids, cluster))
            continue
        strong_parts = _clusters(p for p in cluster if p.score >= strong)
        found += [DuplicateGroup(_ids(part), part) for part in strong_parts.values()]
        leftover += [p for p in cluster if p.score < strong]
    member_of = {cid: group for group in found for cid in group.ids}
    for pair in leftover:
        group = member_of.get(pair.a)
        if group is not None and group is member_of.get(pair.b):
            group.pairs.append(pair)
        else:
            found.append(DuplicateGroup(sorted((pair.a, pair.b)), [pair]))
    for group in found:
        group.pairs.sort(key=_most_likely)
    return sorted(found, key=lambda g: (-g.score, -len(g.ids), g.ids))


def _clusters(pairs: Iterable[DuplicateCandidate]) -> dict[str, list[DuplicateCandidate]]:
    """The pairs of each connected cluster of contacts, keyed by one member."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pairs = list(pairs)
    for pair in pairs:
        parent[root(pair.a)] = root(pair.b)
    clusters: dict[str, list[DuplicateCandidate]] = defaultdict(list)
    for pair in pairs:
        clusters[root(pair.a)].append(pair)
    return clusters


def _ids(pairs: Iterable[DuplicateCandidate]) -> list[str]:
    return sorted({x for p in pairs for x in (p.a, p.b)})


def _complete(ids: list[str], pairs: Iterable[DuplicateCandidate]) -> bool:
    linked = {frozenset((p.a, p.b)) for p in pairs}
    if len(linked) < len(ids) * (len(ids) - 1) // 2:
        return False  # too few pairs (and no need to list every two of a big cluster)
    return all(frozenset(two) in linked for two in combinations(ids, 2))


def _most_likely(pair: DuplicateCandidate) -> tuple[float, str, str]:
    return -pair.score, pair.a, pair.b
