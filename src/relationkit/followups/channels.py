"""Choosing how to reach a customer: their preferred channel when they allow it and we can.

Order of preference: the customer's own preferred channel, then the channel that suits the
rule's action (its hint), then email, phone, text message and post. A channel qualifies when
the customer's consent allows it (:meth:`Consent.allows`) and we have the means: an email
address for email, a phone number for calls and texts, a postal address for post. In person
counts only when the customer said they prefer it (we cannot plan to meet someone who does not
come in). LinkedIn is the channel only of actions that happen there (a connection invitation):
a rule asks for it with the hint, and then no other channel stands in for it.
"""

from __future__ import annotations

from ..models import Channel, Contact

FALLBACK_ORDER = (Channel.EMAIL, Channel.PHONE, Channel.SMS, Channel.POST)


def reachable(contact: Contact, channel: Channel) -> bool:
    """Do we have what it takes to use ``channel`` with this contact?"""
    if channel is Channel.EMAIL:
        return bool(contact.emails)
    if channel in (Channel.PHONE, Channel.SMS):
        return bool(contact.phones)
    if channel is Channel.POST:
        return contact.address is not None and not contact.address.is_empty()
    if channel is Channel.LINKEDIN:
        return bool(
            contact.linkedin_url
            or contact.display_name
            or contact.given_name
            or contact.family_name
        )
    return contact.preferred_channel is Channel.IN_PERSON


def choose_channel(
    contact: Contact, *, marketing: bool, hint: Channel | None = None
) -> Channel | None:
    """The best allowed, reachable channel for this contact, or None when there is none."""
    if hint is Channel.LINKEDIN:
        allowed = contact.consent.allows(hint, marketing=marketing) and reachable(contact, hint)
        return hint if allowed else None
    candidates = (contact.preferred_channel, hint, *FALLBACK_ORDER)
    for channel in dict.fromkeys(c for c in candidates if c is not None):
        if contact.consent.allows(channel, marketing=marketing) and reachable(contact, channel):
            return channel
    return None
