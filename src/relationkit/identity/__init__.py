"""Identity: one stored form per value, keys that can't be shared, likely duplicates, and merging.

- Normalisers give the one stored form of an email, phone, name or LinkedIn URL.
- :func:`external_ids` reads a customer, member or loyalty card number of a kind;
  :func:`external_id_key` is what two records sharing it have in common.
- :func:`match_keys` lists the values no two contacts may share (the store enforces it).
- :func:`names_conflict` tells a household (a shared phone or email, different first names) from
  one person: shared keys make one person only when the names agree.
- :func:`find_duplicates` suggests pairs that are probably one person, with reasons;
  :func:`group_duplicates` gathers them into groups (one person typed five times is one group).
- :func:`merge_contacts` joins two contacts into one, losing nothing.
- :func:`names_agree` says whether two names may be one person's (typos, initials, nicknames).
"""

from .external import external_id_key, external_id_kind, external_ids
from .groups import STRONG_SCORE, DuplicateGroup, group_duplicates
from .keys import match_keys, tells_who
from .match import DEFAULT_THRESHOLD, DuplicateCandidate, find_duplicates
from .merge import choose_survivor, merge_contacts
from .names import names_agree, names_conflict
from .normalise import (
    NameParts,
    fold,
    name_key,
    normalise_email,
    normalise_linkedin_url,
    normalise_phone,
    parse_name,
    split_phone,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "STRONG_SCORE",
    "DuplicateCandidate",
    "DuplicateGroup",
    "NameParts",
    "choose_survivor",
    "external_id_key",
    "external_id_kind",
    "external_ids",
    "find_duplicates",
    "fold",
    "group_duplicates",
    "match_keys",
    "merge_contacts",
    "name_key",
    "names_agree",
    "names_conflict",
    "normalise_email",
    "normalise_linkedin_url",
    "normalise_phone",
    "parse_name",
    "split_phone",
    "tells_who",
]
