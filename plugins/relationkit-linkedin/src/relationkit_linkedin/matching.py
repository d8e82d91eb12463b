"""Which customer a LinkedIn connection is: by profile URL or email, else by name and company.

A profile URL or an email address the customer already has is certain, unless the connection's
name disagrees with hers (:func:`relationkit.identity.names_agree`: a typo, an initial or a
nickname still agrees) or, found by email, she has another profile on file: then the owner
decides, and nothing is written to her until then. Otherwise names are
compared with rapidfuzz (word order and the space between family and given name ignored, so
``王 芳`` meets ``王芳``) and so are companies. Only one customer with the same name *and* the
same company is a match; a same-name customer with another or no company, a close-but-not-same
name at the same company, or several candidates are uncertain: the owner decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process

from relationkit.identity import fold, match_keys, name_key, names_agree
from relationkit.models import Contact

from .export import Connection

SAME_NAME = 95.0  # name score from which two names are the same name
CLOSE_NAME = 85.0  # below this, a name is somebody else's
SAME_COMPANY = 90.0

Outcome = Literal["matched", "review", "conflict", "none"]


@dataclass
class Candidate:
    contact: Contact
    score: float  # 0..1
    reasons: list[str]


@dataclass
class Match:
    """What a connection is: ``matched`` to one customer, ``review`` (candidates for the owner),
    ``conflict`` (its URL and its email belong to two customers) or ``none`` (not a customer)."""

    outcome: Outcome
    candidates: list[Candidate] = field(default_factory=list)
    why: str = ""  # for ``none``: why nobody matched

    @property
    def contact(self) -> Contact:
        return self.candidates[0].contact


class Matcher:
    """Matches connections against a fixed set of customers (loaded once per import)."""

    def __init__(self, contacts: Iterable[Contact]) -> None:
        self.contacts = {c.id: c for c in contacts}
        self.by_key = {key: c for c in self.contacts.values() for key in match_keys(c)}
        self.names = {cid: name_key(c) for cid, c in self.contacts.items() if _has_name(c)}
        self.bare_names = {cid: n.replace(" ", "") for cid, n in self.names.items()}

    def is_certain(self, connection: Connection) -> bool:
        """Does the profile URL or the email say who it is?"""
        keys = (("linkedin", connection.url), ("email", connection.email))
        return any(value and (kind, value) in self.by_key for kind, value in keys)

    def match(self, connection: Connection, rejected: Iterable[str] = ()) -> Match:
        """The customer(s) ``connection`` may be; ids in ``rejected`` the owner said it is not."""
        by_url = self.by_key.get(("linkedin", connection.url)) if connection.url else None
        by_email = self.by_key.get(("email", connection.email)) if connection.email else None
        if by_url and by_email and by_url.id != by_email.id:
            return Match(
                "conflict",
                [
                    Candidate(by_url, 1.0, ["has this LinkedIn profile"]),
                    Candidate(by_email, 1.0, ["has this connection's email address"]),
                ],
            )
        if by_url or by_email:
            return _certain(connection, by_url or by_email, bool(by_url), set(rejected))
        return self._by_name(connection, set(rejected))

    def _by_name(self, connection: Connection, rejected: set[str]) -> Match:
        scores = self._name_scores(connection)
        company = fold(connection.company)
        strong: list[Candidate] = []
        weak: list[Candidate] = []
        why = "not a customer"
        for contact_id, name_score in scores.items():
            contact = self.contacts[contact_id]
            if contact_id in rejected:
                why = "you said it is not a customer"
                continue
            if _other_profile(contact, connection):
                why = "the customer with that name has another LinkedIn profile"
                continue
            theirs = fold(contact.company)
            company_score = fuzz.token_set_ratio(company, theirs) if company and theirs else None
            same_company = company_score is not None and company_score >= SAME_COMPANY
            score = (name_score + (company_score or 0)) / 200
            if name_score >= SAME_NAME and same_company:
                strong.append(Candidate(contact, score, ["same name", "same company"]))
            elif name_score >= SAME_NAME:
                why = "another company on file" if company_score is not None else "company unknown"
                weak.append(Candidate(contact, score, ["same name", why]))
            elif same_company:
                weak.append(Candidate(contact, score, ["similar name", "same company"]))
        if len(strong) == 1 and not weak:
            return Match("matched", strong)
        found = sorted(strong + weak, key=lambda c: -c.score)
        return Match("review", found) if found else Match("none", why=why)

    def _name_scores(self, connection: Connection) -> dict[str, float]:
        """Name score (0..100) of every customer whose name is close to the connection's."""
        first, last = fold(connection.first_name), fold(connection.last_name)
        scores: dict[str, float] = {}
        spaced = " ".join(p for p in (first, last) if p)
        if not spaced:
            return scores
        found = process.extract(
            spaced, self.names, scorer=fuzz.token_sort_ratio, score_cutoff=CLOSE_NAME, limit=None
        )
        for bare in {f"{first}{last}".replace(" ", ""), f"{last}{first}".replace(" ", "")}:
            found += process.extract(
                bare, self.bare_names, scorer=fuzz.ratio, score_cutoff=CLOSE_NAME, limit=None
            )
        for _, score, contact_id in found:
            scores[contact_id] = max(score, scores.get(contact_id, 0.0))
        return scores


def _certain(connection: Connection, contact: Contact, by_url: bool, rejected: set[str]) -> Match:
    """The customer the profile or the email names, unless something says it is someone else:
    another name (then writing would give her somebody else's job), or, for an email, another
    profile on file (replacing it would lose hers): the owner decides."""
    how = "same LinkedIn profile" if by_url else "same email address"
    if contact.id in rejected:
        return Match("none", why="you said it is not a customer")
    named = Contact(given_name=connection.first_name, family_name=connection.last_name)
    if not names_agree(contact, named):
        return Match("review", [Candidate(contact, 0.5, [how, "another name"])])
    if _other_profile(contact, connection):
        return Match("review", [Candidate(contact, 0.9, [how, "another LinkedIn profile"])])
    return Match("matched", [Candidate(contact, 1.0, [how])])


def _has_name(contact: Contact) -> bool:
    return bool(contact.given_name or contact.family_name or contact.display_name)


def _other_profile(contact: Contact, connection: Connection) -> bool:
    """The customer already has a different LinkedIn profile: not this connection."""
    return bool(contact.linkedin_url and connection.url and contact.linkedin_url != connection.url)
