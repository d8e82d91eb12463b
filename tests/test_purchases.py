"""Purchases: status, refunds, currencies, orders and re-imports, the API's parsing, corrections."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import relationkit
from relationkit.config import Config, load_config
from relationkit.errors import InvalidValue
from relationkit.followups.context import load_context
from relationkit.importers import import_purchases_csv
from relationkit.models import PurchaseStatus
from relationkit.orders import OrderCollector
from relationkit.settings import BadSettings

TODAY = date(2026, 12, 1)
HEADER = "Order ID,Date,Email,Amount,Currency,Status,Refunded Amount,Items\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ann(ws):
    return ws.add_contact("Ann Lee", email="ann@example.com")


# -- status: only money that came in and stayed counts -----------------------------------------


@pytest.mark.parametrize(
    ("status", "refunded", "kept", "visits"),
    [
        ("paid", None, Decimal("120.00"), 1),
        ("Succeeded", None, Decimal("120.00"), 1),
        ("partially_refunded", "20", Decimal("100.00"), 1),
        ("paid", "20", Decimal("100.00"), 1),  # a refund makes it partially refunded
        ("paid", "120", Decimal("0.00"), 0),  # refunded in full
        ("refunded", None, Decimal("0.00"), 0),
        ("Failed", None, Decimal("0.00"), 0),
        ("declined", None, Decimal("0.00"), 0),
        ("voided", None, Decimal("0.00"), 0),
        ("Cancelled", None, Decimal("0.00"), 0),
        ("pending", None, Decimal("0.00"), 0),
        ("authorized", None, Decimal("0.00"), 0),
    ],
)
def test_each_status_counts_only_money_kept(ws, ann, status, refunded, kept, visits):
    ws.record_purchase(ann, "$120", on=TODAY, status=status, refunded=refunded, order_id="1")
    stats = ws.stats(ann, today=TODAY)
    assert (stats.total_spend, stats.spend_12m, stats.purchase_count) == (kept, kept, visits)
    assert load_context(ws, TODAY).stat(ann.id).total_spend == kept
    assert load_context(ws, TODAY).stat(ann.id).purchase_count == visits
    [stored] = ws.purchases(ann)
    assert stored.amount == Decimal("120.00")  # the record keeps what happened


def test_the_settled_status_follows_the_refunds(ws, ann):
    first = ws.record_purchase(ann, 120, on=TODAY, order_id="A", refunded="120")
    assert (first.status, first.kept) == (PurchaseStatus.REFUNDED, 0)
    second = ws.record_purchase(ann, 120, on=TODAY, order_id="B", refunded="20.50")
    assert (second.status, second.kept) == (PurchaseStatus.PARTIALLY_REFUNDED, Decimal("99.50"))


def test_a_stripe_export_with_a_declined_and_a_refunded_charge_counts_nothing(ws, ann, tmp_path):
    path = write(
        tmp_path,
        "payments.csv",
        "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer Email\n"
        "ch_1,2026-11-01 10:00:00,120.00,0.00,usd,Failed,ann@example.com\n"
        "ch_2,2026-11-02 10:00:00,120.00,120.00,usd,Paid,ann@example.com\n",
    )
    report = import_purchases_csv(ws, path)
    assert (report.created, report.rejected) == (2, 0)
    statuses = [(p.external_id, p.status) for p in ws.purchases(ann)]
    assert statuses == [("order:ch_1", "failed"), ("order:ch_2", "refunded")]
    stats = ws.stats(ann, today=TODAY)
    assert (stats.total_spend, stats.purchase_count) == (0, 0)


def test_an_unreadable_status_is_a_problem_naming_the_column(ws, ann, tmp_path):
    path = write(tmp_path, "p.csv", f"{HEADER}1,2026-11-01,ann@example.com,5,USD,weird,,x\n")
    report = import_purchases_csv(ws, path)
    assert [(p.column, p.value) for p in report.problems] == [("Status", "weird")]
    assert [p.status for p in ws.purchases(ann)] == ["paid"]


# -- currencies ----------------------------------------------------------------------------------


def test_currencies_are_never_added_without_a_rate(ws, ann):
    ws.record_purchase(ann, "$100", on=TODAY)
    ws.record_purchase(ann, "EUR 30", on=TODAY)
    ws.record_purchase(ann, 50, currency="CAD", on=TODAY)
    stats = ws.stats(ann, today=TODAY)
    assert stats.total_spend == Decimal(100)
    assert stats.spend_by_currency == {"USD": 100, "EUR": 30, "CAD": 50}
    assert stats.purchase_count == 3  # every order is a visit, whatever its currency
    assert stats.purchase_days == 1  # all on one day (what the win-back model counts)
    figures = load_context(ws, TODAY).stat(ann.id)
    assert (figures.total_spend, figures.spend_by_currency) == (100, stats.spend_by_currency)
    assert (figures.purchase_count, figures.purchase_days) == (3, 1)


def test_the_owners_rates_convert_other_currencies(db_url, tmp_path):
    config = Config(db_url=db_url, currency="USD", currency_rates={"EUR": 1.1})
    ws = relationkit.open(db_url, config=config)
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    ws.record_purchase(ann, "$100", on=TODAY)
    ws.record_purchase(ann, "30 €", on=TODAY)
    ws.record_purchase(ann, "CAD 50", on=TODAY)
    assert ws.stats(ann, today=TODAY).total_spend == Decimal("133.00")
    context = load_context(ws, TODAY)
    assert context.stat(ann.id).total_spend == Decimal("133.00")
    assert context.money(Decimal(50), "CAD") == "CAD 50"  # never written as the shop's $
    ws.close()


def test_a_bad_rate_in_the_config_file_is_refused(tmp_path):
    path = write(tmp_path, "config.toml", '[currency_rates]\nEUR = -1\n"E" = 2\n')
    with pytest.raises(BadSettings) as caught:
        load_config(path)
    assert "currency_rates" in str(caught.value)


# -- orders ----------------------------------------------------------------------------------


def test_an_order_of_three_lines_is_one_visit(ws, ann, tmp_path):
    path = write(
        tmp_path,
        "orders.csv",
        f"{HEADER}#1001,2026-11-05,ann@example.com,50,USD,paid,0,Tulips\n"
        "#1001,,,20,,,,Roses\n#1001,,,,,,,Vase\n",
    )
    report = import_purchases_csv(ws, path)
    assert (report.created, report.rejected, report.needs_review) == (1, 0, 0)
    [order] = ws.purchases(ann)
    assert (order.amount, order.items) == (Decimal(70), "Tulips; Roses; Vase")
    assert ws.stats(ann, today=TODAY).purchase_count == 1


def test_a_line_in_another_currency_than_its_order_is_rejected(ws, ann, tmp_path):
    text = f"{HEADER}5,2026-11-05,ann@example.com,50,USD,,,Tulips\n5,,,20,EUR,,,Roses\n"
    report = import_purchases_csv(ws, write(tmp_path, "mixed.csv", text))
    assert (report.created, report.rejected) == (1, 1)
    assert [(p.value, p.row) for p in report.problems] == [("EUR", 3)]
    assert [(p.amount, p.currency) for p in ws.purchases(ann)] == [(50, "USD")]


def test_a_later_refund_row_attaches_to_its_order(ws, ann, tmp_path):
    sale = f"{HEADER}A-1,2026-11-05,ann@example.com,80,USD,,,Boots\n"
    import_purchases_csv(ws, write(tmp_path, "sales.csv", sale))
    refund = f"{HEADER}A-1,2026-11-09,ann@example.com,-30,USD,,,Boots returned\n"
    report = import_purchases_csv(ws, write(tmp_path, "refunds.csv", refund))
    assert (report.created, report.updated) == (0, 1)
    [order] = ws.purchases(ann)
    assert (order.amount, order.refunded, order.kept) == (80, 30, 50)
    assert order.status == PurchaseStatus.PARTIALLY_REFUNDED
    # the sales file again keeps the refund it does not mention
    import_purchases_csv(ws, write(tmp_path, "sales.csv", sale))
    assert ws.purchases(ann)[0].kept == 50


def test_an_order_that_comes_back_after_its_batch_is_added_up_not_replaced(ws, ann):
    from relationkit.models import Purchase

    collector = OrderCollector(ws, batch=1)
    for order, amount in (("9", 10), ("8", 7), ("9", 20), ("9", -5)):
        line = Purchase(ann.id, TODAY, Decimal(amount), source="t", external_id=f"order:{order}")
        collector.add(line)
    counts = collector.finish()
    nine = ws.get_purchase_by_order("t", "order:9")
    assert (nine.amount, nine.refunded, nine.kept) == (30, 5, 25)
    assert (counts.created, counts.updated) == (2, 1)


# -- one parser for every entrance ---------------------------------------------------------------


def test_the_api_reads_amounts_and_dates_like_the_cli(ws, ann):
    assert ws.record_purchase(ann, "$85").amount == Decimal(85)
    assert ws.record_purchase(ann, "1,240.50").amount == Decimal("1240.50")
    assert ws.record_purchase(ann, "EUR 30").currency == "EUR"
    assert ws.record_purchase(ann, 5, on="12/1/2026").date == date(2026, 12, 1)
    assert ws.record_purchase(ann, 5, on=date(2026, 1, 2)).date == date(2026, 1, 2)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": "twelve"}, "amount"),
        ({"amount": float("nan")}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": 10**13}, "amount"),  # more than the store holds: refused, not a DB error
        ({"amount": "$5", "refunded": "1e99"}, "refunded"),
        ({"amount": 5, "on": "31/31/2026"}, "date"),
        ({"amount": 5, "on": "yesterday-ish"}, "date"),
        ({"amount": 5, "currency": "dollars"}, "currency"),
        ({"amount": "EUR 5", "currency": "USD"}, "amount"),
        ({"amount": 5, "status": "lost in the post"}, "status"),
        ({"amount": 5, "refunded": "-3"}, "refunded"),
    ],
)
def test_unreadable_values_raise_invalid_value_naming_the_field(ws, ann, kwargs, field):
    kwargs = dict(kwargs)  # the same dict serves each database
    amount = kwargs.pop("amount")
    with pytest.raises(InvalidValue) as caught:
        ws.record_purchase(ann, amount, **kwargs)
    assert caught.value.field == field
    assert ws.purchases(ann) == []


# -- corrections ---------------------------------------------------------------------------------


def test_edit_and_delete_keep_history_and_imports_leave_corrections_alone(ws, ann, tmp_path):
    text = f"{HEADER}7,2026-11-05,ann@example.com,80,USD,paid,,Boots\n"
    path = write(tmp_path, "p.csv", text)
    import_purchases_csv(ws, path)
    edited = ws.edit_purchase("7", amount="$60", why="price typo")
    assert (edited.amount, edited.kept) == (60, 60)
    deleted = ws.delete_purchase(edited.id, why="test sale")
    assert (deleted.status, deleted.kept, deleted.amount) == ("voided", 0, 60)
    history = ws.purchase_history(edited.id)
    assert [(h["action"], h["note"], h["before"]["amount"]) for h in history] == [
        ("edited", "price typo", "80.00"),
        ("edited", "test sale", "60.00"),
    ]
    report = import_purchases_csv(ws, path)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert ws.stats(ann, today=TODAY).total_spend == 0


def test_cli_purchases_list_edit_delete(db_url, tmp_path):
    from click.testing import CliRunner

    from relationkit.cli import main

    ws = relationkit.open(db_url, config=Config(db_url=db_url))
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    sale = ws.record_purchase(ann, "$85", on=TODAY, order_id="1001", source="cli")
    ws.close()

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--db", db_url, *args])
        assert result.exit_code == 0, result.output
        return result.output

    assert "(pending)" in run("purchases", "add", "ann@example.com", "€12", "--status", "pending")
    assert sale.id in run("purchases", "list", "ann@example.com")
    assert "counts 80.00 USD" in run("purchases", "edit", "1001", "--refunded", "5")
    assert "voided" in run("purchases", "delete", sale.id, "--why", "wrong customer")
    assert "wrong customer" in run("purchases", "history", sale.id)
    result = CliRunner().invoke(main, ["--db", db_url, "purchases", "edit", "404", "--note", "x"])
    assert result.exit_code != 0 and "Traceback" not in result.output


# -- re-imports: any export twice, or an export then its longer version ------------------------

_LINE = st.tuples(
    st.sampled_from(["1", "2", "3", "4"]),  # order id
    st.integers(min_value=-50, max_value=200),  # a negative line is a refund row
    st.sampled_from(["", "paid", "refunded", "failed", "pending", "partially_refunded"]),
    st.sampled_from(["", "0", "10"]),  # refunded column
    st.sampled_from(["USD", "EUR"]),
)


def _export(lines: list[tuple[str, int, str, str, str]]) -> str:
    rows = []
    for n, (order, amount, status, refunded, currency) in enumerate(lines):
        day = date(2026, 1, 1) + timedelta(days=int(order))
        rows.append(f"{order},{day},ann@example.com,{amount},{currency},{status},{refunded},i{n}")
    return HEADER + "".join(f"{row}\n" for row in rows)


def _totals(ws) -> tuple:
    stats = ws.stats("ann@example.com", today=TODAY)
    kept = sorted((p.external_id, p.amount, p.refunded, p.status, p.kept) for p in ws.purchases())
    return stats.total_spend, stats.spend_by_currency, stats.purchase_count, kept


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(_LINE, min_size=1, max_size=8), cut=st.integers(min_value=0, max_value=8))
def test_importing_twice_or_a_shorter_export_first_gives_the_longer_ones_totals(
    template_db, tmp_path, lines, cut
):
    longer = _export(lines)
    shorter = _export(lines[: min(cut, len(lines))])

    def imported(*texts: str) -> tuple:
        path = tmp_path / "crm.db"
        shutil.copy(template_db, path)
        url = f"sqlite:///{path}"
        ws = relationkit.open(url, config=Config(db_url=url))
        try:
            ws.add_contact("Ann Lee", email="ann@example.com")
            for text in texts:
                import_purchases_csv(ws, write(tmp_path, "export.csv", text))
            return _totals(ws)
        finally:
            ws.close()

    once = imported(longer)
    assert imported(longer, longer) == once
    assert imported(shorter, longer) == once
