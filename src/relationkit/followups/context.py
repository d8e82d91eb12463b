"""What every rule is given: today, its settings, and the customers with their figures.

The data is loaded once per run for all rules with a handful of queries (aggregates grouped by
contact and one ordered pass over purchase dates), never contact by contact: a playbook run over
100,000 customers must take seconds. History after ``today`` is ignored, so a run "as of" a past
date sees what the owner would have seen then.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby, pairwise
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, case, func, select

from ..models import Contact, ContactStats, Purchase, in_currency
from ..store import schema as t
from ..store.codec import contact_from_dict
from ..store.database import sqlite_file

if TYPE_CHECKING:
    from ..workspace import Workspace

T = TypeVar("T")

_SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


@dataclass
class CustomerStats(ContactStats):
    """:class:`ContactStats` plus what the playbook also needs, for one customer."""

    spend_week: Decimal = Decimal(0)  # the past 7 days, today included; refunds subtract
    categories: frozenset[str] = frozenset()  # casefolded categories bought


class _Shared:
    """Loaded-on-demand data shared by every rule of one run."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.values: dict[Any, Any] = {}


@dataclass
class PlaybookContext:
    """Today, one rule's settings, and every active contact with its figures."""

    today: date
    settings: dict[str, Any]
    contacts: dict[str, Contact]
    stats: dict[str, CustomerStats]
    currency: str
    _shared: _Shared = field(repr=False)
    rates: dict[str, Decimal] = field(default_factory=dict)  # the owner's conversion rates

    def with_settings(self, settings: dict[str, Any]) -> PlaybookContext:
        """The same data seen by another rule (with that rule's settings)."""
        return replace(self, settings=settings)

    def stat(self, contact_id: str) -> CustomerStats:
        return self.stats.get(contact_id) or CustomerStats()

    def money(self, amount: Decimal | float, currency: str | None = None) -> str:
        """``$1,240`` or ``$1,240.50`` (``€``, ``£``; other currencies as ``CHF 12``), in the
        shop's currency unless ``currency`` says otherwise (a dollar of another country is
        written with its code: ``CAD 12``)."""
        code = (currency or self.currency).upper()
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
        sign = "-" if value < 0 else ""
        digits = f"{abs(value):,.0f}" if value == value.to_integral() else f"{abs(value):,.2f}"
        symbol = _SYMBOLS.get(code)
        if symbol == "$" and code != self.currency:
            symbol = None
        return f"{sign}{symbol}{digits}" if symbol else f"{sign}{code} {digits}"

    def in_shop_currency(self, amount: Decimal, currency: str) -> Decimal | None:
        """``amount`` in the shop's currency at the owner's rate; None without a rate."""
        return in_currency(amount, currency.upper(), self.currency, self.rates)

    def shared(self, key: Any, compute: Callable[[], T]) -> T:
        """A value computed once per run and shared by all rules (a model fit, a query)."""
        if key not in self._shared.values:
            self._shared.values[key] = compute()
        return self._shared.values[key]

    def purchases_between(self, start: date, end: date) -> list[Purchase]:
        """Every sale dated ``start`` to ``end`` inclusive whose money stayed (failed, voided,
        pending and fully refunded ones left out), for rules about single sales."""

        def load() -> list[Purchase]:
            found = self._shared.workspace.purchases(since=start)
            return [p for p in found if p.date <= end and p.kept > 0]

        return self.shared(("purchases", start, end), load)

    def last_followup(self, rule: str, contact_id: str) -> date | None:
        """When ``rule`` last suggested something to this contact (its due date), if ever."""

        def load() -> dict[str, date]:
            query = (
                select(t.followups.c.contact_id, func.max(t.followups.c.due).label("due"))
                .where(t.followups.c.rule == rule)
                .group_by(t.followups.c.contact_id)
            )
            with self._shared.workspace.transaction() as conn:
                return {r.contact_id: r.due for r in conn.execute(query)}

        return self.shared(("last_followup", rule), load).get(contact_id)


def load_context(ws: Workspace, today: date) -> PlaybookContext:
    """Every active contact and its figures as of ``today``, in a few bulk queries.

    The figures are summed on a connection of their own while the contacts are decoded (the
    database works through a million purchases while Python reads the contacts), except
    inside an outer transaction, whose changes they must see (a dry-run sync).
    """
    currency, rates = ws.config.currency.upper(), ws.config.rates()
    if ws.in_transaction or not _readable_apart(ws.engine):
        with ws.transaction() as conn:
            contacts = _contacts(conn)
            stats = _figures(conn, today, currency, rates)
    else:
        with ThreadPoolExecutor(max_workers=1) as pool:
            figures = pool.submit(_figures_apart, ws.engine, today, currency, rates)
            with ws.transaction() as conn:
                contacts = _contacts(conn)
            stats = figures.result()
    stats = {cid: s for cid, s in stats.items() if cid in contacts}
    for contact_id in contacts.keys() - stats.keys():
        stats[contact_id] = CustomerStats()
    return PlaybookContext(today, {}, contacts, stats, currency, _Shared(ws), rates)


def _contacts(conn: Any) -> dict[str, Contact]:
    rows = conn.execute(select(t.contacts.c.data).where(t.ACTIVE_CONTACT))
    return {row.data["id"]: contact_from_dict(row.data) for row in rows}


def _figures(
    conn: Any, today: date, currency: str, rates: dict[str, Decimal]
) -> dict[str, CustomerStats]:
    stats = _spend(conn, today, currency, rates)
    _add_visits(conn, today, stats)
    _add_interactions(conn, today, stats)
    return stats


def _readable_apart(engine: Engine) -> bool:
    """Whether another connection sees the same database (not so for in-memory SQLite)."""
    return engine.dialect.name != "sqlite" or sqlite_file(engine.url) is not None


def _figures_apart(
    engine: Engine, today: date, currency: str, rates: dict[str, Decimal]
) -> dict[str, CustomerStats]:
    with engine.connect() as conn:
        return _figures(conn, today, currency, rates)


def _scanned(column: Any) -> Any:
    """``column`` as an expression. Grouping or sorting by it makes SQLite read the table once
    and sort, instead of walking the column's index and fetching each row at random, which is
    several times slower for a whole-table pass."""
    return column.concat("").label(column.name)


def _spend(
    conn: Any, today: date, currency: str, rates: dict[str, Decimal]
) -> dict[str, CustomerStats]:
    """Total, 12-month and past-week money kept per contact (refunds subtract; failed, voided
    and pending sales add nothing), summed per currency; the shop-currency figures take other
    currencies only at the owner's rates."""
    p = t.purchases.c
    contact_id = _scanned(p.contact_id)
    query = (
        select(
            contact_id,
            p.currency,
            func.sum(p.kept).label("total"),
            func.sum(case((p.date > today - timedelta(days=365), p.kept), else_=0)).label("year"),
            func.sum(case((p.date > today - timedelta(days=7), p.kept), else_=0)).label("week"),
        )
        .where(p.date <= today, p.kept != 0)
        .group_by(contact_id, p.currency)
    )
    stats: dict[str, CustomerStats] = {}
    for r in conn.execute(query):
        s = stats.setdefault(r.contact_id, CustomerStats())
        s.spend_by_currency[r.currency] = _money(r.total)
        total, year, week = (
            in_currency(_money(v), r.currency, currency, rates) for v in (r.total, r.year, r.week)
        )
        if total is not None and year is not None and week is not None:
            s.total_spend += total
            s.spend_12m += year
            s.spend_week += week
    return stats


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _add_visits(conn: Any, today: date, stats: dict[str, CustomerStats]) -> None:
    """One ordered pass over the orders whose money stayed: visits (orders), first and last
    purchase, the typical gap (median days between purchase days) and the categories bought."""
    p = t.purchases.c
    query = (
        select(p.contact_id, p.date, p.category)
        .where(p.kept > 0, p.date <= today)
        .order_by(_scanned(p.contact_id), p.date)
    )
    rows = conn.execute(query, execution_options={"yield_per": 20_000})
    for contact_id, group in groupby(rows, key=itemgetter(0)):
        days: list[int] = []
        categories: set[str] = set()
        orders = 0
        for _, on, category in group:
            orders += 1
            ordinal = on.toordinal()
            if not days or days[-1] != ordinal:
                days.append(ordinal)
            categories.add(category)
        s = stats.setdefault(contact_id, CustomerStats())
        s.purchase_count, s.purchase_days = orders, len(days)
        s.first_purchase, s.last_purchase = date.fromordinal(days[0]), date.fromordinal(days[-1])
        if len(days) > 1:
            s.typical_gap = timedelta(days=statistics.median(b - a for a, b in pairwise(days)))
        s.categories = frozenset(c.casefold() for c in categories if c)


def _add_interactions(conn: Any, today: date, stats: dict[str, CustomerStats]) -> None:
    i = t.interactions.c
    contact_id = _scanned(i.contact_id)
    query = (
        select(contact_id, func.max(i.date).label("last"))
        .where(i.date <= today)
        .group_by(contact_id)
    )
    for contact_id, last in conn.execute(query):
        s = stats.setdefault(contact_id, CustomerStats())
        s.last_interaction = last
    for s in stats.values():
        s.last_touch = max(filter(None, (s.last_interaction, s.last_purchase)), default=None)
