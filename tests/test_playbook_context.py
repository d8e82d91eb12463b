"""The bulk-loaded figures the rules see agree with the Workspace's per-contact statistics."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playbook_support import TODAY, buy, person

from relationkit.followups.context import load_context
from relationkit.plugins import builtins_only


@pytest.fixture(autouse=True)
def _builtins_only():
    with builtins_only():
        yield


def test_figures_match_workspace_stats(ws):
    ann = person(ws, "Ann Lee")
    for days_ago, amount in ((400, 80), (200, 120), (100, 50), (40, 30), (3, 90), (2, -20)):
        buy(ws, ann, amount, days_ago, category="Mowers" if amount > 60 else "seeds")
    buy(ws, ann, 45, days_ago=3)  # a second purchase the same day counts one visit
    bob = person(ws, "Bob Once")
    buy(ws, bob, 25, days_ago=10)
    cat = person(ws, "Cat Refund")
    buy(ws, cat, 60, days_ago=30)
    buy(ws, cat, -60, days_ago=29)
    ws.record_interaction(cat, "call", on=TODAY - timedelta(days=5))
    nobody = person(ws, "No History")

    context = load_context(ws, TODAY)

    for contact in (ann, bob, cat, nobody):
        expected = ws.stats(contact, today=TODAY)
        got = context.stat(contact.id)
        for name in (
            "purchase_count",
            "first_purchase",
            "last_purchase",
            "total_spend",
            "spend_12m",
        ):
            assert getattr(got, name) == getattr(expected, name), (contact.name, name)
        assert got.typical_gap == expected.typical_gap
        assert got.last_interaction == expected.last_interaction
        assert got.last_touch == expected.last_touch
    assert context.stat(ann.id).spend_week == Decimal("115.00")  # 90 + 45 - 20
    assert context.stat(ann.id).categories == {"mowers", "seeds"}
    assert context.stat(cat.id).categories == frozenset()  # a refund is not a purchase
    assert set(context.contacts) == {ann.id, bob.id, cat.id, nobody.id}


def test_history_after_today_is_ignored(ws):
    ann = person(ws, "Ann Lee")
    buy(ws, ann, 50, days_ago=10)
    buy(ws, ann, 70, days_ago=-5)
    ws.record_interaction(ann, "note", on=TODAY + timedelta(days=2))
    stats = load_context(ws, TODAY).stat(ann.id)
    assert stats.purchase_count == 1
    assert stats.total_spend == Decimal("50.00")
    assert stats.last_interaction is None


def test_money_wording(ws):
    context = load_context(ws, TODAY)
    assert context.money(Decimal("1240")) == "$1,240"
    assert context.money(Decimal("1240.5")) == "$1,240.50"
    assert context.money(Decimal("-20")) == "-$20"


def test_an_in_memory_workspace_gets_its_figures_too() -> None:
    """Figures are read on a second connection where one sees the same database; an
    in-memory SQLite database is not one of those."""
    import relationkit
    from relationkit.followups.context import load_context

    ws = relationkit.open("sqlite://")
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    ws.record_purchase(ann, 40, on=date(2026, 5, 1))
    context = load_context(ws, date(2026, 5, 11))
    assert context.stat(ann.id).purchase_count == 1
    ws.close()
