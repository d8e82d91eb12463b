"""External ids (customer, member, loyalty card numbers): import, merging, review, scoring."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from relationkit.cli import main
from relationkit.errors import InvalidValue
from relationkit.exporters import export_csv
from relationkit.identity import external_ids, find_duplicates
from relationkit.importers import import_contacts_csv, map_headers
from relationkit.models import Address, Contact, ExternalId, PartialDate


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- reading ---------------------------------------------------------------------------------

SYNONYMS = [
    ("Customer number", "customer number"),
    ("Customer No.", "customer number"),
    ("Customer #", "customer number"),
    ("Customer ID", "customer number"),  # Shopify's customer export
    ("Client ID", "customer number"),
    ("Member number", "member number"),
    ("Member #", "member number"),
    ("Membership No", "member number"),
    ("Loyalty card", "loyalty card"),
    ("Loyalty Card Number", "loyalty card"),
    ("Reference ID", "reference id"),  # Square's customer export
    ("Square Customer ID", "square customer id"),
    ("External ID: Passport", "passport"),
]


@pytest.mark.parametrize(("header", "kind"), SYNONYMS)
def test_each_usual_header_imports_as_an_external_id(ws, tmp_path, header, kind):
    path = write(tmp_path, "c.csv", f'Name,"{header}"\nAnn Lee,A-1042\n')
    report = import_contacts_csv(ws, path)
    assert report.created == 1 and report.problems == []
    [ann] = ws.find_contacts("Ann Lee")
    assert ann.external_ids == [ExternalId(kind, "A-1042")] and ann.custom == {}


def test_customer_as_a_header_is_still_the_name():
    assert map_headers(["Customer", "Customer #"]) == {0: "name", 1: "external_id:customer number"}


def test_map_declares_any_column_an_external_id(ws, tmp_path):
    path = write(tmp_path, "c.csv", "Name,Kundennr,Karte\nAnn Lee,K-1,77\n")
    mapping = {"Kundennr": "external_id:customer number", "Karte": "external_id"}
    import_contacts_csv(ws, path, mapping=mapping)
    [ann] = ws.find_contacts("Ann Lee")
    assert ann.external_ids == [ExternalId("customer number", "K-1"), ExternalId("karte", "77")]
    with pytest.raises(InvalidValue, match="has no letters or digits"):
        map_headers(["Name", "Karte"], {"Karte": "external_id:###"})


def test_map_through_the_cli_and_shown_and_exported(db_url, tmp_path):
    path = write(tmp_path, "c.csv", "Name,Kundennr\nAnn Lee,K-1\nAnnie Lee,k1\n")
    runner = CliRunner()
    done = runner.invoke(
        main, ["--db", db_url, "import", "csv", str(path), "--map", "Kundennr=external_id:Card"]
    )
    assert done.exit_code == 0, done.output
    assert "combined with an earlier row: 1" in done.output  # k1 is K-1: one customer
    listed = runner.invoke(main, ["--db", db_url, "contacts", "list"]).output
    contact_id = next(line.split("\t")[0] for line in listed.splitlines() if "Lee" in line)
    shown = runner.invoke(main, ["--db", db_url, "contacts", "show", contact_id]).output
    assert "card K-1" in shown


def test_several_numbers_in_one_cell_and_what_counts_as_the_same():
    cards = external_ids("Loyalty card", " 0042 ; L-9\nl9 ")
    assert cards == [ExternalId("loyalty card", "0042"), ExternalId("loyalty card", "L-9")]
    with pytest.raises(InvalidValue):
        external_ids("loyalty card", "x" * 201)


def test_export_writes_a_column_per_kind_and_reimports_unchanged(ws, tmp_path):
    ws.add_contact(
        "Ann Lee",
        email="ann@example.com",
        external_ids={"customer number": "1042; 2001", "passport": "X1"},
    )
    out = io.StringIO()
    export_csv(ws, out)
    header = out.getvalue().splitlines()[0].split(",")
    assert header[-2:] == ["Customer number", "External ID: passport"]
    path = write(tmp_path, "export.csv", out.getvalue())
    assert import_contacts_csv(ws, path).unchanged == 1
    [ann] = ws.find_contacts("Ann Lee")
    assert [str(x) for x in ann.external_ids] == [
        "customer number 1042",
        "customer number 2001",
        "passport X1",
    ]


# -- import and upsert: the strongest evidence, through the household rule ---------------------


def test_a_shared_number_with_agreeing_names_is_one_customer(ws, tmp_path):
    first = write(tmp_path, "till.csv", "Name,Customer number,Phone\nRobert Day,10234,\n")
    second = write(tmp_path, "web.csv", "Name,Customer number,Email\nBob Day,010234,b@x.com\n")
    import_contacts_csv(ws, first)
    report = import_contacts_csv(ws, second)
    assert (report.created, report.updated, report.needs_review) == (0, 1, 0)
    [bob] = ws.find_contacts("Day")
    assert bob.emails == ["b@x.com"] and bob.name == "Bob Day"


def test_a_shared_number_with_conflicting_names_goes_to_review(ws, tmp_path):
    path = write(tmp_path, "c.csv", "Name,Member #\nJane Miller,M-77\nJohn Miller,M77\n")
    report = import_contacts_csv(ws, path)
    assert (report.created, report.merged, report.needs_review) == (2, 0, 1)
    jane, john = sorted(ws.find_contacts("Miller"), key=lambda c: c.name)
    [queued] = ws.duplicates()
    assert {queued.a, queued.b} == {jane.id, john.id}
    assert queued.reasons[0] == "same member number M77"
    assert "different first names" in queued.reasons[1]
    # Through the API too: a new draft with the number and another first name.
    ws.add_contact("Ivan Miller", external_ids={"member number": "m-77"})
    assert len(ws.find_contacts("Miller")) == 3
    assert len([d for d in ws.duplicates() if "same member number" in d.reasons[0]]) == 2


def test_sequential_numbers_never_join(ws, tmp_path):
    rows = "\n".join(f"Ann Lee,{10230 + n},12 Oak Street,Portland" for n in range(8))
    path = write(tmp_path, "c.csv", f"Name,Customer number,Street,City\n{rows}\n")
    report = import_contacts_csv(ws, path)
    assert report.created == 8
    assert not [d for d in ws.duplicates() if any("customer number" in r for r in d.reasons)]


def test_a_different_number_does_not_block_a_certain_match(ws, tmp_path):
    path = write(
        tmp_path, "c.csv", "Name,Email,Loyalty card\nAnn Lee,ann@x.com,L-1\nAnn Lee,ann@x.com,L-2\n"
    )
    report = import_contacts_csv(ws, path)
    assert (report.created, report.merged) == (1, 1)
    [ann] = ws.find_contacts("Ann Lee")
    assert [x.value for x in ann.external_ids] == ["L-1", "L-2"]  # a new card


# -- find_duplicates and `relationkit duplicates` ------------------------------------------------


def _person(name, number=None, **fields):
    given, family = name.split()
    contact = Contact(given_name=given, family_name=family, **fields)
    if number:
        contact.external_ids = [ExternalId("customer number", number)]
    return contact


def test_a_shared_number_is_strong_evidence():
    a = _person("Ann Lee", "10234", address=Address(city="Portland"))
    b = _person("Anne Leigh", "10234", address=Address(city="Salem"))
    [found] = find_duplicates([a, b])
    assert "same customer number 10234" in found.reasons and found.score > 0.8


def test_a_different_number_counts_only_a_little_against():
    home = {"address": Address(street="12 Oak Street", city="Portland", postal_code="97205")}
    born = {"birthday": PartialDate(3, 14, 1984)}
    a, b = _person("Ann Lee", "10234", **home, **born), _person("Ann Lee", "55871", **home, **born)
    plain = [_person("Ann Lee", **home, **born), _person("Ann Lee", **home, **born)]
    without = find_duplicates(plain)
    [found] = find_duplicates([a, b])
    assert found.score >= without[0].score - 0.05


def test_numbers_one_character_apart_are_no_evidence():
    home = {"address": Address(street="12 Oak Street", city="Portland")}
    a, b = _person("Tom Lee", "10234", **home), _person("Tina Lee", "10235", **home)
    assert find_duplicates([a, b]) == []
    c, d = _person("Tom Lee", "10234", **home), _person("Tina Lee", "10234", **home)
    [found] = find_duplicates([c, d])
    assert "same customer number 10234" in found.reasons


def test_the_cli_duplicates_lists_a_shared_number_with_its_reasons(db_url, tmp_path):
    path = write(
        tmp_path,
        "c.csv",
        "First name,Last name,Customer number,City\n"
        "Thomas,Rokobaro,1451137,Perth\n"
        "Tomas,Rokobaro,1451137,Perth\n"
        "Flynn,Rokobaro,1451137,Perth\n",
    )
    runner = CliRunner()
    assert runner.invoke(main, ["--db", db_url, "import", "csv", str(path)]).exit_code == 0
    listed = runner.invoke(main, ["--db", db_url, "contacts", "list"]).output
    assert listed.count("Rokobaro") == 2  # Thomas and Tomas are one; Flynn is not them
    [group] = json.loads(runner.invoke(main, ["--db", db_url, "duplicates", "--json"]).output)
    [pair] = group["pairs"]
    names = {pair["a"]["name"], pair["b"]["name"]}
    assert "Flynn Rokobaro" in names and names & {"Thomas Rokobaro", "Tomas Rokobaro"}
    assert pair["reasons"][0] == "same customer number 1451137"
