"""The emulator's named data sets, above all "demo": the sample shop the demo syncs."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from relationkit.errors import InvalidValue
from relationkit.identity import normalise_email, normalise_phone
from relationkit.testing import GoogleEmulator, demo_business
from relationkit.testing.demo_business import (
    BAD_EMAIL_ROW,
    CONNECTIONS_HEADER,
    CUSTOMER_GROUP,
    DEMO_TODAY,
    DUPLICATE_ROW_OF,
    SPREADSHEET_TITLE,
)
from relationkit.testing.seeds import (
    CUSTOMER_GROUP_ID,
    SEEDS,
    DemoSeed,
    demo,
    find_demo,
    write_connections_csv,
)


@pytest.fixture
def seeded(google_emulator: GoogleEmulator) -> DemoSeed:
    return demo(google_emulator)


def _digits(value: object) -> str:
    return re.sub(r"\D", "", str(value))[-10:]


def _valid_email(text: str) -> bool:
    try:
        normalise_email(text)
    except InvalidValue:
        return False
    return True


def test_the_business_is_the_same_every_time_and_moves_with_today() -> None:
    assert demo_business.generate() == demo_business.generate()
    later = demo_business.generate(date(2027, 6, 1))
    assert max(s.day for s in later.sales) <= date(2027, 6, 1)
    assert min(s.day for s in later.sales) >= date(2025, 6, 1)


def test_the_business_looks_like_a_garden_centre() -> None:
    business = demo_business.generate()
    assert 200 <= len(business.customers) <= 250
    assert 2000 <= len(business.sales) <= 4000
    months = Counter(s.day.month for s in business.sales if s.amount > 0)
    spring = months[3] + months[4] + months[5]
    assert spring > 0.35 * sum(months.values())
    assert months[4] > 2 * months[1] and months[5] > 2 * months[11]
    categories = Counter(s.category for s in business.sales)
    assert {"mowers", "mower service", "seeds", "tools", "trees"} <= set(categories)
    assert 1 <= sum(s.amount < 0 for s in business.sales) <= 20  # a few refunds
    assert len({s.order_id for s in business.sales}) == len(business.sales)
    assert max(s.day for s in business.sales) <= DEMO_TODAY
    assert any(not name.isascii() and not re.search("[A-Za-z]", name)
               for name in (c.name for c in business.customers))  # fmt: skip
    people = business.customers
    assert any(c.birthday and c.birthday.year is None for c in people)
    assert any(c.birthday and c.birthday.year for c in people)
    assert any(c.anniversary for c in people) and any(c.children for c in people)
    assert any(c.do_not_contact for c in people) and any(c.marketing is False for c in people)
    assert len({c.preferred_channel for c in people}) >= 4
    assert len(business.log) > 100
    emails = [c.email for c in people if c.email]
    assert len(set(emails)) == len(emails)  # one customer per address: no accidental merges
    assert len({c.phone for c in people}) == len(people)


def test_the_week_of_today_has_something_to_do() -> None:
    business = demo_business.generate()
    week = [c for c in business.customers if c.birthday and not c.do_not_contact
            and 0 < (c.birthday.next_occurrence(DEMO_TODAY) - DEMO_TODAY).days <= 14]  # fmt: skip
    assert len(week) >= 3
    recent = [s for s in business.sales if (DEMO_TODAY - s.day).days < 7 and s.amount > 0]
    assert recent


def test_the_customer_sheet_is_messy_like_a_real_one(
    google_emulator: GoogleEmulator, seeded: DemoSeed
) -> None:
    sheet = google_emulator.gspread_client().open(SPREADSHEET_TITLE)
    assert sheet.id == seeded.spreadsheet_id
    assert [w.title for w in sheet.worksheets()] == ["Customers", "Purchases", "Interactions"]
    rows = sheet.worksheet("Customers").get_all_values()
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Name ", "E-mail", "Mobile"] and "Likes" in header
    assert [] in [[c for c in row if c] for row in body]  # an empty row in the middle
    assert body[-1] == body[DUPLICATE_ROW_OF - 2]  # a row pasted twice
    assert not _valid_email(rows[BAD_EMAIL_ROW - 1][1])
    assert any(row and row[0] != row[0].strip() for row in body)
    assert any(row and row[1] != row[1].strip() and row[1] for row in body)
    birthdays = [row[4] for row in body if len(row) > 4 and row[4]]
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", b) for b in birthdays)
    assert any(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", b) for b in birthdays)
    assert any(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", b) for b in birthdays)
    assert any(not re.search(r"\d{4}", b) for b in birthdays)  # no year
    raw = sheet.worksheet("Customers").get_all_values(value_render_option="UNFORMATTED_VALUE")
    assert any(isinstance(row[2], int) for row in raw[1:] if len(row) > 2)  # a phone as a number
    purchases = sheet.worksheet("Purchases").get_all_values()
    assert purchases[0][:2] == ["Date", "Order #"] and len(purchases) - 1 == len(
        seeded.business.sales
    )
    assert any(p[5].startswith("$") for p in purchases[1:]) and any(
        p[5][0].isdigit() for p in purchases[1:]
    )


def test_google_contacts_overlap_the_sheet(
    google_emulator: GoogleEmulator, seeded: DemoSeed
) -> None:
    people = google_emulator.people
    group = people.groups[CUSTOMER_GROUP_ID]
    assert (
        group.name == CUSTOMER_GROUP and seeded.customer_group == f"contactGroups/{group.group_id}"
    )
    members = set(people.group_members(CUSTOMER_GROUP_ID))
    everyone = {p["resourceName"]: p for p in people.contacts()}
    private = [p for name, p in everyone.items() if name not in members]
    assert 5 <= len(private) <= 10
    rows = google_emulator.sheets.get_values(seeded.spreadsheet_id, "Customers")[1:]
    typed = {str(row[2]) for row in rows if len(row) > 2}
    in_sheet = {_digits(phone) for phone in typed}
    phones = {m: everyone[m]["phoneNumbers"][0]["value"] for m in members}
    in_both = [everyone[m] for m, phone in phones.items() if _digits(phone) in in_sheet]
    assert len(in_both) >= 40 and len(members) - len(in_both) >= 15  # some only in Contacts
    for person in in_both:  # the same number, written differently
        phone = person["phoneNumbers"][0]["value"]
        assert phone not in typed and normalise_phone(phone) == "+1" + _digits(phone)
    assert any("birthdays" in p and "year" not in p["birthdays"][0]["date"] for p in in_both)
    assert google_emulator.calendar.events() == []  # no calendar events yet


def test_connections_csv_is_a_linkedin_export(tmp_path: Path) -> None:
    path = write_connections_csv(tmp_path)
    assert path == tmp_path / "Connections.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Notes:"
    start = lines.index(",".join(CONNECTIONS_HEADER))
    rows = list(csv.DictReader(lines[start:]))
    business = demo_business.generate()
    customer_urls = {c.linkedin_url for c in business.customers if c.linkedin_url}
    urls = [r["URL"] for r in rows]
    assert len(set(urls)) == len(urls)
    assert len(customer_urls & set(urls)) >= 30
    assert len(set(urls) - customer_urls) >= 5  # people who are not customers
    assert sum(1 for r in rows if not r["Email Address"]) > len(rows) / 3
    assert all(_valid_email(r["Email Address"]) for r in rows if r["Email Address"])
    assert all(re.fullmatch(r"\d\d [A-Z][a-z]{2} \d{4}", r["Connected On"]) for r in rows)


def test_the_linkedin_plugin_reads_the_export(tmp_path: Path) -> None:
    export = pytest.importorskip(
        "relationkit_linkedin.export", reason="the LinkedIn plugin is not installed"
    )
    found = export.read_export(write_connections_csv(tmp_path))
    assert len(found.connections) > 40
    assert not found.problems, [str(p) for p in found.problems]


def test_seed_by_name_and_find_it_again() -> None:
    assert set(SEEDS) >= {"empty", "demo"}
    with GoogleEmulator(seed="demo") as emu:
        found = find_demo(emu)
        assert emu.sheets.spreadsheet(found.spreadsheet_id).title == SPREADSHEET_TITLE
        assert found.business == demo_business.generate()
    with GoogleEmulator(seed="empty") as emu, pytest.raises(LookupError, match="seed"):
        find_demo(emu)
