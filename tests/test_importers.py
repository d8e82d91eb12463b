"""CSV import of contacts and purchases into a real workspace, from real files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from relationkit.errors import InvalidValue
from relationkit.importers import (
    HEADER_SYNONYMS,
    import_contacts_csv,
    import_purchases_csv,
    map_headers,
)
from relationkit.models import Consent, ExternalId, PartialDate


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def counts(report):
    names = ("created", "updated", "unchanged", "merged", "needs_review", "rejected")
    return {name: getattr(report, name) for name in names}


# -- headers ---------------------------------------------------------------------------------


def test_headers_are_recognised_by_their_synonyms():
    headers = [
        "Full Name", " E-Mail Address ", "Mobile", "Date of Birth", "Zip/Postal Code",
        "Organisation", "Job Title", "Opt-In", "DNC", "LinkedIn URL", "Hobbies", "Kids",
        "Partner", "Segment", "Contact Preference", "Email 2", "Loyalty Card",
    ]  # fmt: skip
    assert map_headers(headers) == {
        0: "name", 1: "email", 2: "phone", 3: "birthday", 4: "postal_code", 5: "company",
        6: "position", 7: "marketing", 8: "do_not_contact", 9: "linkedin_url", 10: "interests",
        11: "children", 12: "partner", 13: "tags", 14: "preferred_channel", 15: "email",
        16: "external_id:loyalty card",
    }  # fmt: skip


SHOPIFY_CUSTOMERS = (
    "First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
    "Default Address Address1,Default Address Address2,Default Address City,"
    "Default Address Province Code,Default Address Country Code,Default Address Zip,"
    "Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,"
    "Tax Exempt,Tags\n"
    "Ann,Lee,ann@example.com,yes,Lee Gardens,1 Garden Lane,Unit 2,Springfield,IL,US,62701,"
    "+1 415 555 0134,,no,129.90,2,Prefers mornings,no,vip\n"
)


def test_a_shopify_customer_export_is_read_as_it_comes(ws, tmp_path):
    report = import_contacts_csv(ws, write(tmp_path, "customers_export.csv", SHOPIFY_CUSTOMERS))
    assert (report.created, report.rejected, report.problems) == (1, 0, [])
    ann = ws.get_contact("ann@example.com")
    assert (ann.given_name, ann.family_name, ann.company) == ("Ann", "Lee", "Lee Gardens")
    assert ann.consent.marketing is True
    assert ann.phones == ["+14155550134"]
    address = ann.address
    assert (address.street, address.extended, address.city) == (
        "1 Garden Lane",
        "Unit 2",
        "Springfield",
    )
    assert (address.region, address.postal_code, address.country) == ("IL", "62701", "US")
    assert ann.custom["Total Spent"] == "129.90" and ann.tags == ["vip"]


def test_duplicate_headers_and_overrides():
    headers = ["Company", "Company", "Note", "Note", "X", "Y", ""]
    mapped = map_headers(headers, {"x": "email", "Y": "ignore"})
    assert mapped == {
        0: "company",
        1: "custom:Company",
        2: "notes",
        3: "notes",
        4: "email",
        6: "custom:column 7",
    }
    assert map_headers(["Ref"], {"Ref": "custom"}) == {0: "custom:Ref"}


def test_bad_overrides_say_what_to_do():
    with pytest.raises(InvalidValue, match="is not a field; use one of"):
        map_headers(["Email"], {"Email": "emial"})
    with pytest.raises(InvalidValue, match="no column has this header"):
        map_headers(["Email"], {"Mail": "email"})


def test_every_synonym_maps_to_its_field():
    for target, names in HEADER_SYNONYMS.items():
        for name in names:
            assert map_headers([name]) == {0: target}, name


# -- contacts --------------------------------------------------------------------------------

CUSTOMERS = """\
Name,Email,Phone,DOB,Address,City,State,Zip,Tags,Marketing OK,Preferred Contact,Notes,Loyalty Card
Ann Lee,ann@example.com,(503) 555-0134,--03-14,412 Alder St,Portland,OR,97205,mowers; roses,\
yes,email,Rose bed,LC-1
Bob Smith,bob@@example,(503) 555-0187,31/04/1980,88 Pine Rd,Beaverton,OR,97005,service,,phone,,LC-2
,,,,,,,,,,,,
Carla Diaz,carla@example.com,12,1975-06-02,,,,,,maybe,pigeon,,
,,,,,,,,tags only,,,,
ANN LEE,ANN@EXAMPLE.COM,,,,,,,trade,,,Second row for Ann,
"""


def test_import_contacts_reports_problems_and_keeps_the_rest(ws, tmp_path):
    path = write(tmp_path, "customers.csv", CUSTOMERS)
    report = import_contacts_csv(ws, path)
    assert counts(report) == {
        "created": 3, "updated": 0, "unchanged": 0, "merged": 1, "needs_review": 0, "rejected": 1,
    }  # fmt: skip
    located = [(p.file, p.row, p.column, p.value) for p in report.problems]
    assert located == [
        ("customers.csv", 3, "Email", "bob@@example"),
        ("customers.csv", 3, "DOB", "31/04/1980"),
        ("customers.csv", 5, "Phone", "12"),
        ("customers.csv", 5, "Preferred Contact", "pigeon"),
        ("customers.csv", 5, "Marketing OK", "maybe"),
        ("customers.csv", 6, "", "Tags=tags only"),
    ]
    assert "month 31 does not exist" in report.problems[1].why
    assert "nothing tells who this is" in report.problems[-1].why

    ann = ws.get_contact("ann@example.com")
    assert ann.phones == ["+15035550134"] and ann.birthday == PartialDate(3, 14)
    assert ann.tags == ["mowers", "roses", "trade"]
    assert ann.notes == "Rose bed\n\nSecond row for Ann"
    assert ann.address.city == "Portland" and ann.address.street == "412 Alder St"
    assert ann.custom == {} and ann.external_ids == [ExternalId("loyalty card", "LC-1")]
    assert ann.consent == Consent(marketing=True, source="csv:customers.csv")
    assert ann.provenance["emails"].source == "csv:customers.csv"

    bob = ws.get_contact("+15035550187")
    assert bob.emails == [] and bob.birthday is None
    assert bob.external_ids == [ExternalId("loyalty card", "LC-2")]
    assert bob.custom == {
        "invalid email": "bob@@example",
        "invalid birthday": "31/04/1980",
    }
    carla = ws.get_contact("carla@example.com")
    assert carla.custom == {
        "invalid phone": "12",
        "invalid marketing": "maybe",
        "invalid preferred channel": "pigeon",
    }
    assert ws.count_contacts() == 3


def test_importing_the_same_file_twice_changes_nothing(ws, tmp_path):
    path = write(tmp_path, "customers.csv", CUSTOMERS)
    import_contacts_csv(ws, path)
    before = {c.id: c for c in ws.contacts()}
    again = import_contacts_csv(ws, path)
    assert counts(again) == {
        "created": 0, "updated": 0, "unchanged": 4, "merged": 0, "needs_review": 0, "rejected": 1,
    }  # fmt: skip
    assert {c.id: c for c in ws.contacts()} == before


def test_rows_with_nothing_but_a_name_are_not_duplicated_by_a_second_import(ws, tmp_path):
    path = write(
        tmp_path,
        "shop.csv",
        "Name,Address,Email,Birthday\n"
        'Mary Post,"1 High St, Springfield",,--05-06\n'
        "Frank,,frank@@example,\n"  # a bad email: nothing identifies him but the row
        'John Smith,"2 Low St, Springfield",,\n'
        'John Smith,"9 Far Rd, Shelbyville",,\n',  # another John Smith, not the same person
    )
    first = import_contacts_csv(ws, path)
    assert first.created == 4
    before = {c.id: c for c in ws.contacts()}
    again = import_contacts_csv(ws, path)
    assert (again.created, again.unchanged) == (0, 4)
    assert {c.id: c for c in ws.contacts()} == before


def test_conflicting_rows_for_one_person_do_not_flip_flop(ws, tmp_path):
    path = write(
        tmp_path,
        "dupes.csv",
        "Name,Email,Company\n"
        "Ann Lee,ann@example.com,Lee Gardens\n"
        "Ann Lee,ann@example.com,Lee Ltd\n",
    )
    first = import_contacts_csv(ws, path)
    assert (first.created, first.merged) == (1, 1)
    assert ws.get_contact("ann@example.com").company == "Lee Ltd"
    assert import_contacts_csv(ws, path).unchanged == 2


def test_a_later_file_updates_existing_contacts(ws, tmp_path):
    import_contacts_csv(ws, write(tmp_path, "a.csv", "Name,Email\nAnn Lee,ann@example.com\n"))
    report = import_contacts_csv(
        ws, write(tmp_path, "b.csv", "E-mail;Company\nANN@example.com;Lee Gardens\n")
    )
    assert (report.updated, report.created) == (1, 0)
    ann = ws.get_contact("ann@example.com")
    assert ann.company == "Lee Gardens" and ann.display_name == "Ann Lee"
    assert ann.provenance["company"].source == "csv:b.csv"


def test_bom_semicolons_blank_lines_and_windows_encoding(ws, tmp_path):
    text = "\r\n\r\nNom complet ;E-mail ;Société\r\nJosé Núñez;jose@example.com;Café\r\n"
    report = import_contacts_csv(ws, write(tmp_path, "bom.csv", "\ufeff" + text))
    assert report.created == 1
    jose = ws.get_contact("jose@example.com")
    assert jose.custom == {"Nom complet": "José Núñez", "Société": "Café"}
    legacy = "Name,Email,Company\r\nRenée Faure,renee@example.com,Crème\r\n"
    import_contacts_csv(ws, write(tmp_path, "latin.csv", legacy, encoding="cp1252"))
    assert ws.get_contact("renee@example.com").company == "Crème"


def test_mapping_overrides_and_extra_cells(ws, tmp_path):
    path = write(tmp_path, "odd.csv", "Who,Contact,Secret\nAnn Lee,ann@example.com,x,overflow\n")
    report = import_contacts_csv(
        ws, path, mapping={"Who": "name", "Contact": "email", "Secret": "ignore"}
    )
    assert report.created == 1
    ann = ws.get_contact("ann@example.com")
    assert ann.display_name == "Ann Lee" and ann.custom == {"column 4": "overflow"}


def test_dry_run_changes_nothing_but_reports_everything(ws, tmp_path):
    calls = []
    report = import_contacts_csv(
        ws,
        write(tmp_path, "customers.csv", CUSTOMERS),
        dry_run=True,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert (report.created, report.merged, report.rejected) == (3, 1, 1)
    assert ws.count_contacts() == 0
    assert calls[-1] == (5, 5)


def test_rows_sharing_a_key_with_two_contacts_are_queued_for_review(ws, tmp_path):
    ws.add_contact("Ann Lee", email="ann@example.com")
    ws.add_contact("Ann Lee", phone="(503) 555-0134")
    path = write(tmp_path, "both.csv", "Name,Email,Phone\nAnn Lee,ann@example.com,503-555-0134\n")
    report = import_contacts_csv(ws, path)
    assert (report.updated, report.needs_review) == (1, 1)
    assert len(ws.duplicates()) >= 1


# -- purchases -------------------------------------------------------------------------------

PURCHASES = """\
Date,Order #,Customer,Email,Phone,Amount,Category,Items,Till
03/04/2023,GL-1,Ann Lee,ann@example.com,,$649.00,mowers,EGO mower,1
2023-03-05,,Bob Smith,,(503) 555-0187,"1,240.50",service,Blade,1
2023-03-05,,Bob Smith,,(503) 555-0187,"1,240.50",service,Blade,1
2023-03-06,GL-3,Carla Diaz,,,(20.00),mowers,Refund,2
2023-03-07,GL-4,Walk-in,,,12.00,seeds,Packet,2
2023-03-08,GL-5,Ann Lee,,,twelve,seeds,Packet,2
31/04/2023,GL-6,,nobody@example.com,,5,seeds,Packet,2
"""


def test_import_purchases_matches_customers_and_keeps_the_unmatched(ws, tmp_path):
    ws.add_contact("Ann Lee", email="ann@example.com")
    ws.add_contact("Bob Smith", phone="(503) 555-0187")
    ws.add_contact("Carla Diaz")
    path = write(tmp_path, "orders.csv", PURCHASES)
    report = import_purchases_csv(ws, path)
    assert (report.created, report.unchanged, report.needs_review, report.rejected) == (4, 0, 1, 2)
    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (1, "Till", ""),
        (6, "", "Walk-in"),
        (7, "Amount", "twelve"),
        (8, "Date", "31/04/2023"),
    ]
    assert report.problems[1].why == "no customer is called Walk-in"
    assert report.unmatched == [PURCHASES.splitlines()[5].split(",")]

    ann = ws.purchases("ann@example.com")
    assert [(p.date, p.amount, p.category, p.external_id) for p in ann] == [
        (date(2023, 3, 4), Decimal("649.00"), "mowers", "order:GL-1")
    ]
    bob = ws.purchases("+15035550187")
    assert [p.amount for p in bob] == [Decimal("1240.50")] * 2
    assert bob[0].external_id != bob[1].external_id
    carla = ws.find_contacts("Carla Diaz")[0]
    # A refund row of an order not charged in this file: a refund of that order, kept apart
    refund = ws.purchases(carla)
    assert [(p.amount, p.refunded, p.kept) for p in refund] == [(0, Decimal(20), Decimal(-20))]

    again = import_purchases_csv(ws, path)
    assert (again.created, again.unchanged) == (0, 4)
    assert len(ws.purchases()) == 4

    unmatched = tmp_path / "orders.unmatched.csv"
    report.write_unmatched(unmatched)
    assert unmatched.read_text().splitlines() == [
        PURCHASES.splitlines()[0],
        PURCHASES.splitlines()[5],
    ]


def test_purchases_for_a_name_shared_by_two_customers_are_not_guessed(ws, tmp_path):
    ws.add_contact("Ann Lee", email="ann1@example.com")
    ws.add_contact("Ann Lee", email="ann2@example.com")
    report = import_purchases_csv(
        ws, write(tmp_path, "p.csv", "Date,Customer,Total\n2024-01-02,ann lee,5\n")
    )
    assert report.needs_review == 1
    assert report.problems[0].why == "2 customers are called ann lee; add their email or phone"


NAMELESS = """\
Name,Email,Phone,Street,City,Postcode
,ann@example.com,,,,
,,+1 503 555 0134,,,
,,,12 Oak St,Springfield,4000
,,,,Springfield,4000
"""


def test_rows_without_a_name_are_customers_named_by_what_they_have(ws, tmp_path):
    path = write(tmp_path, "nameless.csv", NAMELESS)
    report = import_contacts_csv(ws, path)
    assert (report.created, report.rejected) == (3, 1)
    assert [(p.row, p.value) for p in report.problems] == [(5, "City=Springfield; Postcode=4000")]
    assert "street address" in report.problems[0].why
    assert sorted(c.name for c in ws.contacts()) == [
        "+15035550134",
        "Customer at 12 Oak St",
        "ann@example.com",
    ]
    again = import_contacts_csv(ws, path)
    assert (again.created, again.unchanged) == (0, 3)
