"""Running the playbook: every enabled rule over the customers, then storing what is new.

Consent and channel are decided here, once, for every rule (built-in or plugin):

- a do-not-contact customer gets nothing at all, personal notes included;
- a marketing follow-up needs ``consent.marketing is True``;
- the channel is the customer's preferred one when their consent allows it and we can reach
  them there, else the next best allowed, reachable one (:mod:`.channels`); with none, the
  suggestion is dropped and counted in ``no_channel``.

Open and snoozed follow-ups that no longer hold are retired (marked skipped, so the digest,
the sheet and the calendar drop them): those of a customer whose consent no longer allows them,
and, for a rule that says its suggestions describe a state (``retires_unsuggested = True``: a
lapsed customer, a check-in that is due), those it no longer suggests because the state ended
(the customer bought again, or was in touch).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .. import plugins
from ..errors import describe
from ..logs import CUSTOMER_DATA
from ..models import Contact, FollowUp
from ..settings import playbook_problems, raise_if_bad
from .channels import choose_channel
from .context import PlaybookContext, load_context
from .rule import Rule, rule_settings

if TYPE_CHECKING:
    from ..workspace import FollowUpRef, Workspace

log = logging.getLogger(__name__)


@dataclass
class GenerateResult:
    """What one playbook run did."""

    today: date
    created: list[FollowUp] = field(default_factory=list)  # new follow-ups, now stored
    retired: list[FollowUpRef] = field(default_factory=list)  # open ones that no longer hold
    suggested: Counter[str] = field(default_factory=Counter)  # per rule, before de-duplication
    no_channel: Counter[str] = field(default_factory=Counter)  # per rule: no allowed channel
    failed: dict[str, str] = field(default_factory=dict)  # rule name -> what went wrong


def generate(ws: Workspace, today: date | None = None) -> GenerateResult:
    """Run every enabled rule as of ``today`` and store the new follow-ups (known ones are
    left as they are, with the owner's done, skipped and snoozed decisions)."""
    today = today or date.today()
    result = GenerateResult(today)
    raise_if_bad(playbook_problems(ws.config, unknown_tables=False))
    rules = plugins.rules()
    settings = {rule.name: rule_settings(rule, ws.config.playbook.get(rule.name)) for rule in rules}
    enabled = [rule for rule in rules if settings[rule.name]["enabled"]]
    if not enabled:
        return result
    context = load_context(ws, today)
    suggestions: list[FollowUp] = []
    still: dict[str, set[tuple[str, str]]] = {}  # rule -> (contact, key) it suggests today
    for rule in enabled:
        kept = _run(rule, context.with_settings(settings[rule.name]), result)
        suggestions += kept
        if getattr(rule, "retires_unsuggested", False) and rule.name not in result.failed:
            still[rule.name] = {(f.contact_id, f.key) for f in kept}
    result.created = ws.save_followups(suggestions)
    result.retired = [
        f
        for f in ws.waiting_followups()
        if _no_longer_holds(f, context.contacts.get(f.contact_id), still)
    ]
    ws.retire_followups([f.id for f in result.retired])
    return result


def _no_longer_holds(
    followup: FollowUpRef, contact: Contact | None, still: dict[str, set[tuple[str, str]]]
) -> bool:
    if contact is not None and (
        contact.consent.do_not_contact
        or (followup.marketing and contact.consent.marketing is not True)
    ):
        return True
    suggested = still.get(followup.rule)
    return suggested is not None and (followup.contact_id, followup.key) not in suggested


def _run(rule: Rule, context: PlaybookContext, result: GenerateResult) -> list[FollowUp]:
    """One rule's suggestions with consent applied and channels chosen. A failing rule (a
    plugin's, say) is reported in the result instead of stopping the others."""
    kept = []
    try:
        for followup in rule.generate(context):
            contact = context.contacts.get(followup.contact_id)
            if contact is None or contact.consent.do_not_contact:
                continue
            if followup.marketing and contact.consent.marketing is not True:
                continue
            result.suggested[rule.name] += 1
            channel = choose_channel(contact, marketing=followup.marketing, hint=followup.channel)
            if channel is None:
                result.no_channel[rule.name] += 1
                continue
            followup.rule, followup.channel = rule.name, channel
            kept.append(followup)
    except Exception as exc:  # a broken rule must not cost the owner the whole digest
        log.warning("follow-up rule %s failed: %s", rule.name, describe(exc))
        log.debug("follow-up rule %s failed", rule.name, exc_info=exc, extra=CUSTOMER_DATA)
        result.failed[rule.name] = describe(exc)
        return []
    return kept
