"""Likely duplicates: pairs of contacts that are probably one person, with the reasons why."""

from __future__ import annotations

import gc
import math
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..models import Contact
from ._blocking import candidate_pairs
from ._profile import profile
from ._scoring import Scorer
from ._screen import screen

DEFAULT_THRESHOLD = 0.5
# Bits of evidence at which a pair is as likely one person as two (score 0.5). Chosen on FEBRL1
# and the synthetic benchmark: the same common name in the same town stays below it; a similar
# name with a shared street address, birthday or phone ending goes above.
EVEN_ODDS_BITS = 16.0


@dataclass
class DuplicateCandidate:
    """Two contacts that may be one person: ``score`` from 0 to 1 and reasons in plain words."""

    a: str
    b: str
    score: float
    reasons: list[str]


def find_duplicates(
    contacts: Iterable[Contact],
    *,
    decided: Collection[frozenset[str]] = frozenset(),
    threshold: float = DEFAULT_THRESHOLD,
) -> list[DuplicateCandidate]:
    """Pairs of contacts likely to be one person, most likely first.

    A pair needs similar names plus at least one more thing in common (address, birthday,
    phone ending, email name, company, an external id). The same external id of the same kind
    (a customer or member number) is the strongest evidence there is; a different one of the
    same kind counts only a little against (customers get new cards), and numbers one
    character apart count for nothing (neighbouring numbers are neighbouring customers).
    ``decided`` holds pairs the owner already ruled on. Merged-away contacts are skipped.
    Contacts are grouped into blocks first, so 100,000 take seconds.
    """
    with _collector_paused():
        live = [c for c in contacts if c.merged_into is None]
        profiles = [profile(c) for c in live]
        pairs = candidate_pairs(profiles)
        worth = screen(profiles, pairs)
        scorer = Scorer(profiles)
        found = []
        for i, j in zip(pairs.first[worth].tolist(), pairs.second[worth].tolist(), strict=True):
            a, b = profiles[i], profiles[j]
            verdict = scorer.score(a, b)
            if verdict is None or frozenset((a.id, b.id)) in decided:
                continue
            score = _probability(verdict.bits)
            if score >= threshold:
                first, second = sorted((a.id, b.id))
                found.append(DuplicateCandidate(first, second, round(score, 4), verdict.reasons))
    return sorted(found, key=lambda c: (-c.score, c.a, c.b))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: profiling 100,000 contacts makes millions of small objects
    (none in cycles), and the collector would walk them all again and again, doubling the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _probability(bits: float) -> float:
    return 1 / (1 + math.pow(2.0, EVEN_ODDS_BITS - bits))
