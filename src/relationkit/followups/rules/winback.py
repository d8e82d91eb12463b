"""Win back lapsed customers, most valuable first, with the action that fits their value.

Lapsed: the days since the last purchase are more than ``gap_multiple`` times the customer's
own typical gap between purchases and more than ``min_days``; a one-time buyer is lapsed after
``one_time_days``. Customers gone longer than ``max_days`` are left alone. The action follows
what they spent in all: a call, a small gift, a handwritten note, or an invitation (the only
promotional one, so it needs marketing consent).

A BG/NBD model (:mod:`..bgnbd`) fitted to every customer's history gives each one's probability
of still being "alive" (buying, maybe elsewhere or just slowly): shown in the reason, and it
lifts those likelier to respond: value = total spend × ``recovery_share`` × (½ + ½ P(alive)).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np

from ...models import Channel, FollowUp
from ...settings import Setting
from ..bgnbd import BGNBD, fit
from ..context import CustomerStats, PlaybookContext
from ..rule import fitting_title
from ..wording import plural

_ACTIONS = ("call", "gift", "note", "invitation")
_HINTS = {
    "call": Channel.PHONE,
    "gift": Channel.POST,
    "note": Channel.POST,
    "invitation": Channel.EMAIL,
}
_FIT_SAMPLE = 10_000  # customers the model is fitted on (a fixed random sample beyond that)
_FIT_MINIMUM = 30  # customers with a repeat purchase needed before the model is trusted


class WinBack:
    retires_unsuggested: ClassVar[bool] = True  # an open one ends with the state it is about
    name: ClassVar[str] = "winback"
    title: ClassVar[str] = "Win back lapsed customers"
    defaults: ClassVar[dict[str, Any]] = {
        "gap_multiple": 2.0,
        "min_days": 60,
        "one_time_days": 180,
        "max_days": 730,
        "call_from": 1000.0,  # total spend from which the action is a call
        "gift_from": 500.0,
        "note_from": 150.0,  # below this: an invitation
        "probability_alive": True,  # use the BG/NBD model
        "recovery_share": 0.2,
        "minutes": {"call": 10, "gift": 10, "note": 5, "invitation": 3},
        "call_title": "Call {name}: we miss you",
        "gift_title": "Send {name} a small thank-you gift",
        "note_title": "Write {name} a handwritten note",
        "invitation_title": "Invite {name} back with an offer",
        # When the customer's own channel is not the action's (a call to someone who prefers
        # email): the action's title would not fit.
        "other_title": "Get in touch with {name}: we miss you",
    }
    settings_schema: ClassVar[dict[str, Setting]] = {
        "minutes": Setting(
            dict,
            defaults["minutes"],
            "minutes each action takes (the actions left out keep theirs)",
            items=Setting(int, minimum=0),
            keys=_ACTIONS,
        ),
        "recovery_share": Setting(
            float, 0.2, "share of the total spend won back", minimum=0, maximum=1
        ),
    }

    def generate(self, context: PlaybookContext) -> Iterator[FollowUp]:
        settings = context.settings
        lapsed = [(cid, s) for cid, s in context.stats.items() if _is_lapsed(context, s, settings)]
        alive = (
            self._alive(context, [s for _, s in lapsed]) if settings["probability_alive"] else None
        )
        for index, (contact_id, stats) in enumerate(lapsed):
            assert stats.last_purchase is not None
            action = _action(float(stats.total_spend), settings)
            p_alive = None if alive is None else float(alive[index])
            contact = context.contacts[contact_id]
            weight = 1.0 if p_alive is None else 0.5 + 0.5 * p_alive
            title, channel = fitting_title(
                contact,
                settings,
                self.name,
                (f"{action}_title", "other_title"),
                hint=_HINTS[action],
                marketing=action == "invitation",
                name=contact.name,
            )
            yield FollowUp(
                contact_id=contact_id,
                rule=self.name,
                key=f"lapsed:{stats.last_purchase.isoformat()}",
                title=title,
                reason=_reason(context, stats, p_alive),
                due=context.today,
                channel=channel,
                minutes={**self.defaults["minutes"], **settings["minutes"]}[action],
                value=float(stats.total_spend) * settings["recovery_share"] * weight,
                marketing=action == "invitation",
            )

    def _alive(self, context: PlaybookContext, lapsed: list[CustomerStats]) -> np.ndarray | None:
        """P(alive) for each lapsed customer, or None when there is too little history to fit."""
        model = context.shared("bgnbd", lambda: _fit_model(context))
        if model is None:
            return None
        return model.p_alive(*_history(context, lapsed))


def _is_lapsed(context: PlaybookContext, stats: CustomerStats, settings: dict[str, Any]) -> bool:
    if stats.last_purchase is None or stats.total_spend <= 0:
        return False
    days = (context.today - stats.last_purchase).days
    if stats.typical_gap is not None:
        limit = max(settings["gap_multiple"] * stats.typical_gap.days, settings["min_days"])
    else:
        limit = settings["one_time_days"]
    return limit < days <= settings["max_days"]


def _action(spend: float, settings: dict[str, Any]) -> str:
    for action in _ACTIONS[:-1]:
        if spend >= settings[f"{action}_from"]:
            return action
    return _ACTIONS[-1]


def _reason(context: PlaybookContext, stats: CustomerStats, p_alive: float | None) -> str:
    assert stats.last_purchase is not None
    days = (context.today - stats.last_purchase).days
    if stats.typical_gap is not None:
        gap = stats.typical_gap.days
        text = (
            f"last bought {days} days ago, {days / max(gap, 1):.1f}× their usual "
            f"{plural(gap, 'day')} between visits; {context.money(stats.total_spend)} in all "
            f"over {plural(stats.purchase_count, 'visit')}"
        )
    else:
        text = f"bought once, {days} days ago, for {context.money(stats.total_spend)}"
    if p_alive is not None:
        text += f"; about {p_alive:.0%} likely still a customer"
    return text


def _history(context: PlaybookContext, customers: list[CustomerStats]) -> tuple[np.ndarray, ...]:
    """(x, t_x, T) in weeks: repeat purchase days, first to last purchase, first to today."""
    today = context.today.toordinal()
    first = np.array([s.first_purchase.toordinal() for s in customers if s.first_purchase], float)
    last = np.array([s.last_purchase.toordinal() for s in customers if s.last_purchase], float)
    x = np.array([s.purchase_days - 1 for s in customers if s.first_purchase], float)
    return x, (last - first) / 7, (today - first) / 7


def _fit_model(context: PlaybookContext) -> BGNBD | None:
    # By id: the sample must not depend on the order the store listed the customers in.
    buyers = [s for _, s in sorted(context.stats.items()) if s.first_purchase is not None]
    if len(buyers) > _FIT_SAMPLE:
        chosen = np.random.default_rng(0).choice(len(buyers), _FIT_SAMPLE, replace=False)
        buyers = [buyers[i] for i in sorted(chosen)]
    x, t_x, T = _history(context, buyers)
    if np.count_nonzero(x) < _FIT_MINIMUM or not np.any(T > 0):
        return None
    try:
        return fit(x, t_x, T)
    except ValueError:
        return None
