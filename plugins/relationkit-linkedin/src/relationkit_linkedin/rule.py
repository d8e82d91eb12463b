"""The ``linkedin_connect`` rule: a few customers a week to connect with on LinkedIn.

Each week (Monday to Sunday) at most ``per_week`` customers the owner is not yet connected with
(see :func:`.importer.is_connected`) are suggested, most valuable first: spend in the past 12
months counts fully and older spend a fifth, a customer seen within ``recent_days`` counts half
again, and a known company or position a quarter more. Nobody is suggested again within
``repeat_after_days``, nor ever after ``relationkit linkedin dismiss``; do-not-contact customers
never are. Each suggestion carries the reason, a LinkedIn people-search link for the name and
company (their profile when it is already on file) and, in the follow-up's note, a short
invitation to adapt (LinkedIn caps invitation notes at 200 characters for most members).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from relationkit.errors import NotFound
from relationkit.followups.channels import choose_channel
from relationkit.followups.context import CustomerStats, PlaybookContext
from relationkit.followups.rule import fill
from relationkit.followups.wording import day, week_key
from relationkit.identity import parse_name
from relationkit.models import Channel, Contact, FollowUp, FollowUpStatus
from relationkit.workspace import Workspace

from .importer import is_connected

NAME = "linkedin_connect"
DISMISSED = "LinkedIn suggestions"  # custom field set by `relationkit linkedin dismiss`
SEARCH_URL = "https://www.linkedin.com/search/results/people/"


class LinkedInConnect:
    name: ClassVar[str] = NAME
    title: ClassVar[str] = "Connect with customers on LinkedIn"
    defaults: ClassVar[dict[str, Any]] = {
        "per_week": 2,
        "repeat_after_days": 180,
        "recent_days": 90,
        "minutes": 3,
        "value": 5.0,  # value: this, plus value_share of the ranking score
        "value_share": 0.02,
        "business": "",  # your shop's name, for the invitation
        "signature": "",  # how you sign the invitation
        "note_max_chars": 200,
        "title": "Connect with {name} on LinkedIn",
        "reason": "{standing}{work}; find them: {link}",
        "note": "Hi {first_name}, thank you for being such a loyal customer{of_business}. "
        "I'd be glad to stay in touch here as well.{signed}",
    }

    def generate(self, context: PlaybookContext) -> Iterator[FollowUp]:
        settings = context.settings
        monday = context.today - timedelta(days=context.today.weekday())
        already = sum(
            1
            for cid in context.contacts
            if (context.last_followup(NAME, cid) or date.min) >= monday
        )
        room = int(settings["per_week"]) - already
        if room <= 0:
            return
        ranked = sorted(
            (c for c in context.contacts.values() if self._eligible(c, context)),
            key=lambda c: (-_score(c, context.stat(c.id), context.today, settings), c.name, c.id),
        )
        spenders = sorted((s.spend_12m, cid) for cid, s in context.stats.items() if s.spend_12m > 0)
        ranks = {cid: len(spenders) - i for i, (_, cid) in enumerate(spenders)}
        for contact in ranked[:room]:
            yield self._suggest(contact, context, ranks.get(contact.id), week_key(monday))

    def _eligible(self, contact: Contact, context: PlaybookContext) -> bool:
        if is_connected(contact) or DISMISSED in contact.custom or contact.consent.do_not_contact:
            return False
        if not (contact.given_name or contact.family_name or contact.display_name):
            return False  # an email address alone finds nobody on LinkedIn
        # The engine drops a follow-up with no allowed channel: don't spend the week's room on it.
        if choose_channel(contact, marketing=False, hint=Channel.LINKEDIN) is None:
            return False
        last = context.last_followup(NAME, contact.id)
        return last is None or (context.today - last).days >= context.settings["repeat_after_days"]

    def _suggest(
        self, contact: Contact, context: PlaybookContext, rank: int | None, week: str
    ) -> FollowUp:
        settings = context.settings
        stats = context.stat(contact.id)
        first_name = contact.given_name or parse_name(contact.name).given or contact.name
        values = {
            "name": contact.name,
            "first_name": first_name,
            "company": contact.company,
            "position": contact.position,
            "standing": _standing(stats, rank, context, int(settings["recent_days"])),
            "work": _work(contact),
            "link": profile_or_search_link(contact),
            "of_business": f" of {settings['business']}" if settings["business"] else "",
            "signed": f" {settings['signature']}" if settings["signature"] else "",
        }
        note = fill(settings["note"], NAME, "note", **values)
        score = _score(contact, stats, context.today, settings)
        return FollowUp(
            contact_id=contact.id,
            rule=NAME,
            key=f"week:{week}",
            title=fill(settings["title"], NAME, "title", **values),
            reason=fill(settings["reason"], NAME, "reason", **values),
            due=context.today,
            channel=Channel.LINKEDIN,
            minutes=int(settings["minutes"]),
            value=float(settings["value"]) + score * float(settings["value_share"]),
            note=textwrap.shorten(note, int(settings["note_max_chars"]), placeholder="…"),
        )


def dismiss(ws: Workspace, ref: str, today: date | None = None) -> tuple[Contact, list[FollowUp]]:
    """Never suggest this customer again: ``ref`` is a suggestion's id or the customer (id,
    email, phone or LinkedIn URL). Their open suggestions are skipped; returns both."""
    try:
        followup = ws.get_followup(ref)
    except NotFound:
        contact = ws.get_contact(ref)
    else:
        if followup.rule != NAME:
            raise NotFound(f"follow-up {ref} is a {followup.rule} follow-up, not a LinkedIn one")
        contact = ws.get_contact(followup.contact_id)
    with ws.transaction():
        skipped = [
            ws.update_followup(f, status=FollowUpStatus.SKIPPED) for f in _waiting(ws, contact)
        ]
        on = (today or date.today()).isoformat()
        if contact.set(
            "custom", {**contact.custom, DISMISSED: f"dismissed {on}"}, source="linkedin"
        ):
            ws.save_contact(contact, changed=["custom"])
    return contact, skipped


def close_suggestions(ws: Workspace, contact: Contact, on: date) -> None:
    """The owner is now connected with this customer: their waiting suggestions are done."""
    for followup in _waiting(ws, contact):
        ws.complete_followup(followup, "Connected on LinkedIn", on=on, source="linkedin")


def _waiting(ws: Workspace, contact: Contact) -> list[FollowUp]:
    """The customer's open and snoozed LinkedIn suggestions."""
    waiting = ws.followups(contact=contact, status=[FollowUpStatus.OPEN, FollowUpStatus.SNOOZED])
    return [f for f in waiting if f.rule == NAME]


def search_link(contact: Contact) -> str:
    """A LinkedIn people search for the contact's name and company."""
    keywords = " ".join(p for p in (contact.name, contact.company) if p)
    return f"{SEARCH_URL}?{urlencode({'keywords': keywords}, quote_via=quote)}"


def profile_or_search_link(contact: Contact) -> str:
    """Their profile when it is on file, else a people search for name and company."""
    return contact.linkedin_url or search_link(contact)


def _score(contact: Contact, stats: CustomerStats, today: date, settings: dict[str, Any]) -> float:
    """Relationship value: recent spend, older spend, recency, and known work details."""
    value = float(stats.spend_12m) + 0.2 * float(stats.total_spend - stats.spend_12m)
    recent = stats.last_touch and (today - stats.last_touch).days <= settings["recent_days"]
    value *= 1.5 if recent else 1.0
    return value * (1.25 if contact.company or contact.position else 1.0)


def _standing(
    stats: CustomerStats, rank: int | None, context: PlaybookContext, recent_days: int
) -> str:
    if rank is not None:
        text = f"your #{rank} customer by spend ({context.money(stats.spend_12m)} in 12 months)"
    elif stats.total_spend > 0:
        text = f"a customer who spent {context.money(stats.total_spend)} with you"
    else:
        text = "a customer you know"
    if stats.last_touch and (context.today - stats.last_touch).days <= recent_days:
        text += f", last seen {day(stats.last_touch)}"
    return text


def _work(contact: Contact) -> str:
    if contact.position and contact.company:
        return f", {contact.position} at {contact.company}"
    if contact.company or contact.position:
        return f", {contact.company or contact.position}"
    return ""
