"""The weekly digest: this week's follow-ups, most valuable first, within a time budget.

``[playbook.digest]`` sets ``budget_minutes`` (15) and ``stale_days`` (30: open follow-ups
overdue by more than that are left out, as a birthday card two months late is no use).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..models import Contact, FollowUp, FollowUpStatus
from ..settings import (
    check_table,
    playbook_problems,
    raise_if_bad,
    schema_from_defaults,
    with_defaults,
)
from .engine import GenerateResult, generate

if TYPE_CHECKING:
    from ..workspace import Workspace

DIGEST_DEFAULTS: dict[str, Any] = {"budget_minutes": 15, "stale_days": 30}
DIGEST_SCHEMA = schema_from_defaults(DIGEST_DEFAULTS)


@dataclass
class DigestItem:
    """One follow-up with the contact it is about."""

    followup: FollowUp
    contact: Contact


@dataclass
class Digest:
    """This week's plan: the chosen follow-ups and what is left for later."""

    today: date
    week_end: date
    budget_minutes: int
    items: list[DigestItem] = field(default_factory=list)
    later: int = 0  # actionable follow-ups left out for lack of time
    later_minutes: int = 0
    stale: int = 0  # open follow-ups overdue by more than stale_days, not shown
    generated: GenerateResult | None = None

    @property
    def minutes(self) -> int:
        return sum(item.followup.minutes for item in self.items)

    @property
    def no_channel(self) -> int:
        """Suggestions dropped this run because no allowed, reachable channel was left."""
        return sum(self.generated.no_channel.values()) if self.generated else 0


def digest_settings(playbook: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``[playbook.digest]`` over the defaults; a bad or unknown value is a ConfigError."""
    configured = playbook.get("digest", {})
    problems = check_table(configured, DIGEST_SCHEMA)
    if problems:
        raise ConfigError(
            "[playbook.digest]: "
            + "; ".join(message for _, message in problems)
            + " (see docs/playbook.md)"
        )
    return with_defaults(configured, DIGEST_SCHEMA)


def weekly_digest(
    ws: Workspace, today: date | None = None, budget_minutes: int | None = None
) -> Digest:
    """Run the playbook, then pick this week's follow-ups: open ones due by the end of the week
    and snoozed ones whose snooze ends by then, highest value first, as many as fit in
    ``budget_minutes`` (default from ``[playbook.digest]``, else 15). The highest-value one is
    shown even when it alone takes longer than the budget."""
    today = today or date.today()
    raise_if_bad(playbook_problems(ws.config, unknown_tables=False))
    settings = digest_settings(ws.config.playbook)
    budget = int(budget_minutes if budget_minutes is not None else settings["budget_minutes"])
    week_end = today + timedelta(days=6)
    digest = Digest(today, week_end, budget, generated=generate(ws, today))
    oldest = today - timedelta(days=int(settings["stale_days"]))
    candidates = []
    for followup in ws.followups(status=FollowUpStatus.OPEN, due_by=week_end):
        if followup.due < oldest:
            digest.stale += 1
        else:
            candidates.append(followup)
    candidates += [
        f
        for f in ws.followups(status=FollowUpStatus.SNOOZED)
        if (f.snoozed_until or today) <= week_end
    ]
    candidates.sort(key=lambda f: (-f.value, f.due, f.id))
    chosen: list[FollowUp] = []
    used = 0
    for followup in candidates:
        if used + followup.minutes <= budget or not chosen:
            chosen.append(followup)
            used += followup.minutes
        else:
            digest.later += 1
            digest.later_minutes += followup.minutes
    digest.items = [DigestItem(f, ws.get_contact(f.contact_id)) for f in chosen]
    return digest
