"""CSV export round-trips through the importer; vCards are escaped, folded and dated right."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import relationkit
from relationkit.config import Config
from relationkit.exporters import export_csv, export_vcard, vcard_lines
from relationkit.importers import import_contacts_csv
from relationkit.models import Address, Channel, Consent, FamilyMember, Milestone, PartialDate


def full_contact(ws):
    ann = ws.add_contact(
        "Dr. Ann B. Lee",
        email=["ann@example.com", "ann.lee@work.example"],
        phone="(415) 555-0134 / +44 20 7946 0958",
        address=Address(street="412 Alder St", extended="Apt 2", city="Portland", region="OR",
                        postal_code="97205", country="US", label="home"),
        company="Lee Gardens, Ltd; est. 1990",
        position="Owner",
        birthday="--03-14",
        anniversary="2001-06-02",
        notes="Likes roses\nAsks about blackspot, every June",
        tags=["mowers", "roses"],
        interests=["bonsai"],
        preferred_channel="sms",
        marketing=True,
        marketing_given_at="2024-03-14T10:00:00+00:00",
        consent_channels="email; sms",
        linkedin_url="linkedin.com/in/ann-lee",
        family="spouse: Jim Lee; child: Tom Lee (2015-04-01)",
        milestones="Opened shop: 2010-05-01",
        custom={"Loyalty Card": "LC-1", "Email": "not really an email column", "Ünïcode": "ü"},
    )  # fmt: skip
    bob = ws.add_contact("Bob Smith")  # a name and nothing else: no identity key
    return ann, bob


def test_full_contact_reads_as_expected(ws):
    ann, _ = full_contact(ws)
    assert ann.family == [
        FamilyMember("spouse", "Jim Lee"),
        FamilyMember("child", "Tom Lee", PartialDate(4, 1, 2015)),
    ]
    assert ann.milestones == [Milestone("Opened shop", PartialDate(5, 1, 2010))]
    assert ann.consent == Consent(
        marketing=True,
        given_at=datetime(2024, 3, 14, 10, tzinfo=UTC),
        source="api",
        channels=[Channel.EMAIL, Channel.SMS],
    )


def test_csv_export_round_trips_unchanged(ws, tmp_path):
    full_contact(ws)
    before = {c.id: c for c in ws.contacts()}
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        assert export_csv(ws, handle) == 2
    report = import_contacts_csv(ws, path)
    assert (report.unchanged, report.created, report.updated, report.problems) == (2, 0, 0, [])
    assert {c.id: c for c in ws.contacts()} == before


def test_csv_export_into_a_fresh_workspace_keeps_every_field(ws, tmp_path):
    full_contact(ws)
    path = tmp_path / "export.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        export_csv(ws, handle)
    url = f"sqlite:///{tmp_path / 'other.db'}"
    other = relationkit.open(url, config=Config(db_url=url))
    try:
        report = import_contacts_csv(other, path)
        assert (report.created, report.problems) == (2, [])
        for contact in ws.contacts():
            copy = other.get_contact(contact.id)
            assert copy.field_values() == contact.field_values()
    finally:
        other.close()


def test_custom_fields_that_look_like_columns_are_marked(ws):
    full_contact(ws)
    out = io.StringIO()
    export_csv(ws, out)
    header = out.getvalue().splitlines()[0].split(",")
    assert header[-3:] == ["custom: Email", "custom: Loyalty Card", "Ünïcode"]


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def test_vcard_4(ws):
    ann, _ = full_contact(ws)
    lines = vcard_lines(ann, "4.0")
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:4.0"]
    assert f"UID;VALUE=text:{ann.id}" in lines
    assert "FN:Dr. Ann B. Lee" in lines
    assert "N:Lee;Ann;B.;;" in lines
    assert "EMAIL;PREF=1:ann@example.com" in lines and "EMAIL:ann.lee@work.example" in lines
    assert "TEL;VALUE=uri;PREF=1:tel:+14155550134" in lines
    assert "ADR;TYPE=home:;Apt 2;412 Alder St;Portland;OR;97205;US" in lines
    assert "ORG:Lee Gardens\\, Ltd\\; est. 1990" in lines
    assert "TITLE:Owner" in lines
    assert "BDAY:--0314" in lines and "ANNIVERSARY:20010602" in lines
    assert "NOTE:Likes roses\\nAsks about blackspot\\, every June" in lines
    assert "CATEGORIES:mowers,roses" in lines
    assert "URL:https://www.linkedin.com/in/ann-lee" in lines
    assert lines[-1] == "END:VCARD"


def test_vcard_3_uses_the_apple_year_less_birthday(ws):
    ann, _ = full_contact(ws)
    lines = vcard_lines(ann, "3.0")
    assert "VERSION:3.0" in lines and f"UID:{ann.id}" in lines
    assert "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-14" in lines
    assert "X-ANNIVERSARY:2001-06-02" in lines
    assert "EMAIL;TYPE=INTERNET,PREF:ann@example.com" in lines
    assert "TEL;TYPE=PREF:+14155550134" in lines


def test_vcard_file_is_folded_at_75_octets_and_unfolds_back(ws):
    ann = ws.add_contact(
        "Zoë Ångström", notes="ü" * 100 + " a long note, with commas; and semicolons"
    )
    out = io.StringIO(newline="")
    assert export_vcard(ws, out, version="4.0") == 1
    text = out.getvalue()
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert text.endswith("END:VCARD\r\n")
    assert unfold(text) == vcard_lines(ann, "4.0")
    text.encode().decode("utf-8")  # no multi-byte character cut in two
