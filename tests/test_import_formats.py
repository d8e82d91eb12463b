"""Exports as shops have them (samples in tests/exports, written for these tests, fictional
people): each format recognised from its header, every field with a home in the model there."""

from __future__ import annotations

import io
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

import relationkit
from relationkit.cli import main
from relationkit.config import Config
from relationkit.errors import InvalidValue
from relationkit.exporters import export_vcard
from relationkit.formats.orders import import_orders
from relationkit.formats.vcard import import_vcard
from relationkit.importers import import_contacts_csv
from relationkit.models import Channel, FamilyMember, PartialDate

EXPORTS = Path(__file__).parent / "exports"


class Cli:
    """``relationkit --db <the test's database> ...`` through click's runner."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url

    def __call__(self, *args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(main, ["--db", self.db_url, *args])
        assert result.exit_code == code, result.output
        return result

    def workspace(self):
        return relationkit.open(self.db_url, config=Config(db_url=self.db_url))


@pytest.fixture
def cli(db_url):
    return Cli(db_url)


def only(ws):
    contacts = list(ws.contacts())
    assert len(contacts) == 1
    return contacts[0]


def test_google_contacts_csv(ws):
    report = import_contacts_csv(ws, EXPORTS / "google_contacts.csv")
    assert report.understood.format == "google"
    assert report.created == 2 and not report.problems
    ann = ws.get_contact("ann@example.com")
    assert ann.name == "Dr. Ann Lee Jr."
    assert (ann.given_name, ann.family_name, ann.nickname) == ("Ann", "Lee", "Annie")
    assert ann.emails == ["ann@example.com", "ann@leebakery.example"]
    assert ann.phones == ["+12025550134"]
    assert ann.tags == ["VIP", "Wholesale"]  # "* myContacts" is Google's own label
    assert (ann.company, ann.position) == ("Lee Bakery", "Owner")
    assert ann.address.street == "12 Elm St" and ann.address.postal_code == "62701"
    assert ann.birthday == PartialDate(3, 14, 1984)
    assert ann.anniversary == PartialDate(6, 12, 2010)
    assert ann.family == [FamilyMember("spouse", "Sam Lee")]
    assert ann.linkedin_url == "https://www.linkedin.com/in/annlee-example"
    assert ann.custom == {"Department": "Pastry", "Loyalty tier": "Gold"}
    assert ann.notes == "Likes rye"
    wang = ws.get_contact("wang@example.com")
    assert (wang.name, wang.given_name, wang.family_name) == ("王小明", "小明", "王")
    assert wang.tags == []
    ignored = report.understood.ignored
    assert ignored["photos (links to Google's servers)"] == ["Photo"]


def test_outlook_csv(ws):
    report = import_contacts_csv(ws, EXPORTS / "outlook_contacts.csv")
    assert report.understood.format == "outlook"
    assert not report.problems  # 0/0/00 is Outlook's "no date": nothing to report
    carla = only(ws)
    assert carla.emails == ["carla@diaz.example"]  # the Exchange X.500 address is not an email
    assert carla.name == "Ms. Carla Diaz"
    assert (carla.position, carla.company) == ("Buyer", "Diaz Foods")
    assert carla.address.street == "1 Market Sq" and carla.address.label == "work"
    assert carla.address.city == "Portland" and carla.address.country == "United States"
    assert carla.birthday is None and carla.anniversary is None
    assert carla.phones == ["+12025550111"]
    assert carla.tags == ["Wholesale", "VIP"] and carla.interests == ["Cycling"]
    assert FamilyMember("spouse", "Tom Diaz") in carla.family
    assert FamilyMember("child", "Mia") in carla.family
    assert carla.custom == {"Department": "Purchasing"}
    groups = report.understood.ignored
    assert "Gender" in next(v for k, v in groups.items() if k.startswith("Outlook's defaults"))


def test_shopify_customers(ws):
    report = import_contacts_csv(ws, EXPORTS / "shopify_customers.csv")
    assert report.understood.format == "shopify" and not report.problems
    dana = only(ws)
    assert dana.address.postal_code == "07102"  # Shopify's leading apostrophe removed
    assert [(e.kind, e.value) for e in dana.external_ids] == [
        ("shopify customer id", "7012345678901")
    ]  # Shopify's leading apostrophe removed here too
    assert dana.consent.marketing is True and dana.consent.channels == [Channel.SMS]
    assert dana.address.extended == "Apt 2" and dana.address.region == "NJ"
    assert dana.tags == ["VIP", "Local"] and dana.notes == "Allergic to nuts"
    assert "Total Spent" in next(iter(report.understood.ignored.values()))


def test_square_customers(ws):
    report = import_contacts_csv(ws, EXPORTS / "square_customers.csv")
    assert report.understood.format == "square" and not report.problems
    eli = only(ws)
    assert eli.consent.marketing is False
    assert eli.notes == "Prefers oat milk"
    assert eli.birthday == PartialDate(9, 21)  # Square's 0000-09-21: no year
    assert {(e.kind, e.value) for e in eli.external_ids} == {
        ("reference id", "LOY-0042"),
        ("square customer id", "SQ123ABC"),
    }
    assert eli.tags == ["Regulars"] and eli.nickname == "Eli"


def test_square_older_export_says_unsubscribed_as_true(ws, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "First Name,Email Address,Reference ID,Email Unsubscribed\nIda,ida@example.com,7,True\n"
    )
    report = import_contacts_csv(ws, path)
    assert report.understood.format == "square"
    assert only(ws).consent.marketing is False


def test_wix_contacts(ws):
    report = import_contacts_csv(ws, EXPORTS / "wix_contacts.csv")
    assert report.understood.format == "wix" and not report.problems
    fay = only(ws)
    assert fay.emails == ["fay@example.com", "fay.ng@work.example"]
    assert fay.consent.marketing is True
    assert fay.address.region == "TX" and fay.address.postal_code == "73301"
    assert (fay.company, fay.position) == ("Ng Studio", "Designer")
    assert fay.tags == ["Workshop", "Newsletter"] and fay.birthday == PartialDate(7, 4, 1990)


def test_woocommerce_customers(ws):
    report = import_contacts_csv(ws, EXPORTS / "woocommerce_customers.csv")
    assert report.understood.format == "woocommerce" and not report.problems
    gus = only(ws)
    assert gus.address.country == "US" and gus.address.postal_code == "02108"
    assert gus.custom == {"WooCommerce username": "gusf"}


def test_mailchimp_audience(ws):
    report = import_contacts_csv(ws, EXPORTS / "mailchimp_subscribed.csv")
    assert report.understood.format == "mailchimp" and not report.problems
    hana = only(ws)
    assert hana.consent.marketing is True and hana.consent.source == "mailchimp"
    assert hana.consent.given_at.date() == date(2025, 5, 1)
    assert hana.address.extended == "Unit 5" and hana.address.city == "Seattle"
    assert hana.birthday == PartialDate(3, 15)
    assert hana.tags == ["Market", "VIP"] and hana.notes == "Met at market"
    assert hana.address.region == "WA" and not hana.custom  # REGION is Mailchimp's geo guess


def test_format_can_be_forced_and_unknown_names_are_listed(ws, tmp_path):
    plain = tmp_path / "plain.csv"
    plain.write_text("Name,Email,Accepts SMS Marketing\nIvy Lo,ivy@example.com,yes\n")
    generic = import_contacts_csv(ws, plain, dry_run=True)
    assert generic.understood.format == "generic"
    forced = import_contacts_csv(ws, plain, format="shopify")
    assert forced.understood.format == "shopify"
    assert only(ws).consent.channels == [] and only(ws).consent.marketing is True
    with pytest.raises(InvalidValue, match="outlook"):
        import_contacts_csv(ws, plain, format="excel")


def test_dry_run_shows_format_columns_first_rows_and_ignored_groups(cli):
    result = cli("import", "csv", str(EXPORTS / "google_contacts.csv"), "--dry-run")
    out = result.output
    assert "Format: Google Contacts CSV (--format google)" in out
    assert "Organization Title -> position" in out
    assert "First rows as read:" in out and "display_name=Dr. Ann Lee Jr." in out
    assert out.count("Not imported, labels of emails and phones") == 1
    assert not list(cli.workspace().contacts())


# -- purchases -------------------------------------------------------------------------------


@pytest.fixture
def shop(ws):
    for name, email in (("Ann Lee", "ann@example.com"), ("Bo Chen", "bo@example.com")):
        ws.add_contact(name, emails=[email])
    return ws


def spent(ws, email):
    return sorted(p.amount for p in ws.purchases(ws.get_contact(email)))


def test_shopify_orders_group_lines_and_respect_status(shop):
    report = import_orders(shop, EXPORTS / "shopify_orders.csv")
    assert report.understood.format == "shopify-orders"
    (order,) = shop.purchases(shop.get_contact("ann@example.com"))
    assert order.amount == Decimal("85.00") and order.external_id == "order:#1001"
    assert order.items == "2 x Rye loaf; Sourdough starter"  # the second line's item kept
    assert spent(shop, "bo@example.com") == [Decimal("30.00")]  # 40 less 10 refunded
    assert report.skipped == {"refunded order(s)": 1, "voided or cancelled order(s)": 1}
    assert report.rejected == 0 and report.needs_review == 0 and not report.problems
    assert len(report.understood.ignored) <= 5  # one line per group, not one per column
    again = import_orders(shop, EXPORTS / "shopify_orders.csv")
    assert again.created == 0 and again.unchanged == 2


def test_stripe_payments(shop):
    report = import_orders(shop, EXPORTS / "stripe_payments.csv")
    assert report.understood.format == "stripe" and not report.problems
    assert spent(shop, "bo@example.com") == []  # declined and fully refunded
    purchases = shop.purchases(shop.get_contact("ann@example.com"))
    assert [(p.amount, p.currency) for p in purchases] == [
        (Decimal("120.00"), "USD"),
        (Decimal("25.00"), "EUR"),
    ]
    assert purchases[0].date == date(2026, 11, 3) and purchases[0].items == "Workshop seat"
    assert report.skipped == {"failed or declined payment(s)": 1, "refunded order(s)": 1}


def test_square_transactions_attach_refund_rows(shop):
    report = import_orders(shop, EXPORTS / "square_transactions.csv")
    assert report.understood.format == "square-transactions" and not report.problems
    assert spent(shop, "ann@example.com") == [Decimal("14.96")]
    assert spent(shop, "bo@example.com") == [Decimal("20.00")]


def test_square_items_make_one_purchase_per_transaction(shop):
    report = import_orders(shop, EXPORTS / "square_items.csv")
    assert report.understood.format == "square-items" and not report.problems
    (order,) = shop.purchases(shop.get_contact("ann@example.com"))
    assert order.amount == Decimal("12.50") and order.items == "2 x Latte; Croissant"
    assert order.category == "Coffee, Bakery"


def test_woocommerce_orders(shop):
    report = import_orders(shop, EXPORTS / "woocommerce_orders.csv")
    assert report.understood.format == "woocommerce-orders"
    assert spent(shop, "ann@example.com") == [Decimal("45.00")]
    assert spent(shop, "bo@example.com") == [Decimal("18.00")]
    assert report.skipped == {"failed or declined payment(s)": 1}


def test_paypal_activity(shop):
    report = import_orders(shop, EXPORTS / "paypal_activity.csv")
    assert report.understood.format == "paypal" and not report.problems
    (club,) = shop.purchases(shop.get_contact("ann@example.com"))
    assert club.amount == Decimal("45.00") and club.items == "Bread club (3 months)"
    assert "refunded 15.00" in club.note
    assert spent(shop, "bo@example.com") == []  # pending
    assert sum(report.skipped.values()) == 2


def test_purchases_dry_run_changes_nothing_and_format_forcing(shop, cli):
    result = cli("import", "purchases", str(EXPORTS / "stripe_payments.csv"), "--dry-run")
    assert "Format: Stripe payments export (--format stripe)" in result.output
    assert "Not counted as sales: 1 failed or declined payment(s)" in result.output
    assert not cli.workspace().purchases()
    generic = import_orders(shop, EXPORTS / "stripe_payments.csv", format="generic", dry_run=True)
    assert generic.understood.format == "generic"
    assert len([p for p in generic.problems if p.row == 1]) == 0
    assert len(generic.understood.ignored) == 1  # one line for all the columns left out


# -- vCard -----------------------------------------------------------------------------------


def test_vcard_quirks(ws):
    report = import_vcard(ws, EXPORTS / "apple_android.vcf")
    assert report.created == 2 and not report.problems
    assert report.understood.ignored == {"photos (not stored)": ["PHOTO"]}
    jurgen = ws.get_contact("juergen@example.com")
    assert jurgen.name == "Jürgen Müller" and jurgen.notes == "Likes strong coffee"
    ann = ws.get_contact("ann@example.com")  # folded line, grouped item1.EMAIL
    assert ann.birthday == PartialDate(5, 12)  # X-APPLE-OMIT-YEAR
    assert ann.anniversary == PartialDate(6, 12, 2010)
    assert ann.family == [FamilyMember("spouse", "Sam Lee")]
    assert ann.linkedin_url == "https://www.linkedin.com/in/annlee-example"
    assert ann.tags == ["VIP", "Wholesale"] and ann.name == "Dr. Ann Lee"
    assert import_vcard(ws, EXPORTS / "apple_android.vcf").unchanged == 2


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_vcard_round_trip(ws, db_url, tmp_path, version):
    ws.add_contact(
        "Ann Lee",
        emails=["ann@example.com"],
        phones=["+12025550134"],
        company="Lee Bakery",
        position="Owner",
        birthday=PartialDate(5, 12),
        anniversary=PartialDate(6, 12, 2010),
        notes="Likes rye",
        tags=["VIP"],
        linkedin_url="https://www.linkedin.com/in/annlee-example",
    )
    buffer = io.StringIO()
    export_vcard(ws, buffer, version)
    path = tmp_path / "out.vcf"
    path.write_text(buffer.getvalue())
    before = only(ws)
    for contact in list(ws.contacts()):
        ws.delete_contact(contact.id)
    import_vcard(ws, path)
    after = next(c for c in ws.contacts())
    for name in ("name", "emails", "phones", "company", "position", "birthday", "anniversary",
                 "notes", "tags", "linkedin_url"):  # fmt: skip
        assert getattr(after, name) == getattr(before, name), name


def test_an_unreadable_vcard_line_is_reported_by_number_and_never_logged(ws, tmp_path, caplog):
    path = tmp_path / "broken.vcf"
    path.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Jo Park\nbroken jo@example.com\nEMAIL:jo@example.com\n"
        "END:VCARD\n"
    )
    report = import_vcard(ws, path)
    assert report.created == 1 and [p.row for p in report.problems] == [1]  # the card
    assert "jo@example.com" not in caplog.text + str(report.problems)


def test_vcard_dry_run_keeps_nothing(ws):
    report = import_vcard(ws, EXPORTS / "apple_android.vcf", dry_run=True)
    assert report.created == 2 and len(report.understood.preview) == 2
    assert not list(ws.contacts())


def test_import_csv_of_a_vcf_imports_it_as_vcard(cli):
    result = cli("import", "csv", str(EXPORTS / "apple_android.vcf"))
    assert "is a vCard file" in result.output
    assert len(list(cli.workspace().contacts())) == 2


# -- re-imports ------------------------------------------------------------------------------

_STRIPE_HEADER = "id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer Email\n"
_STRIPE_ROW = st.tuples(
    st.sampled_from(["Paid", "Failed", "Refunded", "Pending"]),
    st.integers(1, 500),
    st.integers(0, 3),  # refunded: 0, a part, or all
    st.sampled_from(["usd", "eur"]),
    st.sampled_from(["ann@example.com", "bo@example.com"]),
)


def _stripe_file(path: Path, rows) -> Path:
    lines = [
        f"ch_{n},2026-11-{n % 28 + 1:02d} 10:00:00,{amount}.00,"
        f"{(amount * part // 3) if part else 0}.00,{currency},{status},{email}\n"
        for n, (status, amount, part, currency, email) in enumerate(rows)
    ]
    path.write_text(_STRIPE_HEADER + "".join(lines))
    return path


def _totals(url):
    ws = relationkit.open(url, config=Config(db_url=url))
    try:
        return sorted((p.currency, p.amount, p.external_id) for p in ws.purchases())
    finally:
        ws.close()


@settings(max_examples=5, deadline=None)
@given(rows=st.lists(_STRIPE_ROW, max_size=12), cut=st.integers(0, 12))
def test_an_export_twice_or_then_its_longer_version_gives_the_same_totals(
    rows, cut, template_db, tmp_path_factory
):
    folder = tmp_path_factory.mktemp("reimport")
    full, part = _stripe_file(folder / "full.csv", rows), _stripe_file(folder / "p.csv", rows[:cut])
    urls = []
    for name, files in (("once", [full]), ("twice", [full, full]), ("grown", [part, full])):
        shutil.copy(template_db, folder / f"{name}.db")
        url = f"sqlite:///{folder / name}.db"
        ws = relationkit.open(url, config=Config(db_url=url))
        for who, email in (("Ann Lee", "ann@example.com"), ("Bo Chen", "bo@example.com")):
            ws.add_contact(who, emails=[email])
        for path in files:
            import_orders(ws, path)
        ws.close()
        urls.append(url)
    once, twice, grown = (_totals(url) for url in urls)
    if any(status == "Paid" and not part for status, _a, part, _c, _e in rows):
        assert once  # something was read: the comparison is not between empty lists
    assert once == twice == grown
