"""Matching connections to customers, re-importing, and the owner's review decisions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from linkedin_support import WriteExport

from relationkit.cli import main
from relationkit.errors import NotFound
from relationkit.models import Contact
from relationkit.workspace import Workspace
from relationkit_linkedin import review
from relationkit_linkedin.importer import CONNECTED_ON, import_connections, link, not_a_match

JAN = datetime(2026, 1, 15, tzinfo=UTC)
MAY = datetime(2026, 5, 15, tzinfo=UTC)
IN = "https://www.linkedin.com/in/"


def customer(ws: Workspace, name: str, **fields: object) -> Contact:
    return ws.save_contact(Contact(display_name=name, **fields))  # type: ignore[arg-type]


@pytest.fixture
def shop(ws: Workspace) -> dict[str, Contact]:
    """A crafted customer list: each name says which matching case it stands for."""
    return {
        "email": customer(ws, "Ann Lee", emails=["ann@example.com"]),
        "fuzzy": customer(ws, "Carla Diaz", company="Diaz Bakery"),
        "twin_a": customer(ws, "Dan Fox", company="Fox Tools"),
        "twin_b": customer(ws, "Dan Fox", emails=["dan@fox.example"]),
        "no_company": customer(ws, "Eve Gray"),
        "close_name": customer(ws, "Jon Hart", company="Hart Builders"),
        "cjk": customer(ws, "王芳", company="茶室"),
        "profile": customer(ws, "Margaret Ng", linkedin_url=IN + "mng"),
        "conflict_url": customer(ws, "Kim Park", linkedin_url=IN + "kpark"),
        "conflict_email": customer(ws, "Kimberly Park", emails=["kim@park.example"]),
        "other_profile": customer(ws, "Sam Roe", company="Roe Farm", linkedin_url=IN + "sam-roe-1"),
    }


# fmt: off
ROWS = [
    ["Ann", "Lee", IN + "ann-lee", "ann@example.com", "Lee Gardens", "Head gardener",
     "12 Mar 2024"],
    ["Carla", "Díaz", IN + "carla", "", "Díaz Bakery Ltd", "Owner", "1 Feb 2025"],
    ["Dan", "Fox", IN + "danfox", "", "Fox Tools", "", "1 Feb 2025"],
    ["Eve", "Gray", IN + "evegray", "", "Acme", "Buyer", "1 Feb 2025"],
    ["John", "Hart", IN + "jhart", "", "Hart Builders", "", "1 Feb 2025"],
    ["芳", "王", IN + "wangfang", "", "茶室", "店主", "2 Feb 2025"],
    ["Meg", "Ng", IN + "MNG/", "", "Ng Design", "Designer", "3 Feb 2025"],
    ["Kim", "Park", IN + "kpark", "kim@park.example", "", "", "3 Feb 2025"],
    ["Sam", "Roe", IN + "sam-roe-2", "", "Roe Farm", "", "3 Feb 2025"],
    ["Zed", "Young", IN + "zed", "", "Elsewhere", "CEO", "4 Feb 2025"],
]
# fmt: on


def test_matching_precision(
    ws: Workspace, shop: dict[str, Contact], write_export: WriteExport
) -> None:
    result = import_connections(ws, write_export(ROWS), exported_at=JAN)
    by_line = {row.line: row for row in result.rows}
    outcome = {row.name: (row.outcome, row.contact_id) for row in result.rows}
    assert outcome["Ann Lee"] == ("matched", shop["email"].id)
    assert outcome["Carla Díaz"] == ("matched", shop["fuzzy"].id)
    assert outcome["芳 王"] == ("matched", shop["cjk"].id)
    assert outcome["Meg Ng"] == ("matched", shop["profile"].id)  # by the profile on file
    for name in ("Dan Fox", "Eve Gray", "John Hart", "Kim Park"):
        assert outcome[name][0] == "queued", name
    assert outcome["Zed Young"] == ("skipped", "")
    assert outcome["Sam Roe"] == ("skipped", "")  # the customer has another profile
    assert (result.matched, result.updated, result.queued, result.skipped) == (4, 4, 4, 2)
    assert by_line[5].name == "Ann Lee"

    ann = ws.get_contact(shop["email"].id)
    assert ann.linkedin_url == IN + "ann-lee"
    assert (ann.company, ann.position) == ("Lee Gardens", "Head gardener")
    assert ann.custom[CONNECTED_ON] == "2024-03-12"
    assert {
        ann.provenance[f].source for f in ("linkedin_url", "company", "position", "custom")
    } == {"linkedin"}
    assert ann.provenance["company"].at == JAN
    assert ws.get_contact(IN + "ann-lee").id == ann.id  # the profile is now an identity key
    assert ws.count_contacts() == len(shop)  # connections are never added as customers

    waiting = {p.connection.slug: {c["id"] for c in p.candidates} for p in review.pending(ws)}
    assert waiting == {
        "danfox": {shop["twin_a"].id, shop["twin_b"].id},
        "evegray": {shop["no_company"].id},
        "jhart": {shop["close_name"].id},
    }
    for key in ("twin_a", "twin_b", "no_company", "close_name"):
        assert CONNECTED_ON not in ws.get_contact(shop[key].id).custom  # never auto-linked
    pairs = {frozenset((p.a, p.b)) for p in ws.duplicates()}
    assert frozenset((shop["conflict_url"].id, shop["conflict_email"].id)) in pairs


def test_reimporting_a_newer_export_updates_and_never_duplicates(
    ws: Workspace, shop: dict[str, Contact], write_export: WriteExport
) -> None:
    import_connections(ws, write_export(ROWS), exported_at=JAN)
    again = import_connections(ws, write_export(ROWS), exported_at=JAN)
    assert (again.matched, again.updated, again.queued) == (4, 0, 4)
    assert len(review.pending(ws)) == 3

    newer = [list(r) for r in ROWS]
    newer[0][5] = "Director"  # Ann was promoted
    newer[3][3] = "eve@gray.example"  # still no customer has this email: still uncertain
    result = import_connections(ws, write_export(newer, name="newer.csv"), exported_at=MAY)
    assert (result.matched, result.updated) == (4, 1)
    ann = ws.get_contact(shop["email"].id)
    assert ann.position == "Director" and ann.provenance["position"].at == MAY
    assert ann.custom[CONNECTED_ON] == "2024-03-12"
    assert ws.count_contacts() == len(shop)
    assert len(review.pending(ws)) == 3

    older = import_connections(ws, write_export(ROWS, name="old.csv"), exported_at=JAN)
    assert older.updated == 0 and ws.get_contact(shop["email"].id).position == "Director"


def test_a_value_the_owner_typed_after_the_export_is_kept(
    ws: Workspace, shop: dict[str, Contact], write_export: WriteExport
) -> None:
    ws.update_contact(shop["email"].id, company="Lee Gardens & Sons", source="api")
    import_connections(ws, write_export(ROWS[:1]), exported_at=JAN)
    ann = ws.get_contact(shop["email"].id)
    assert ann.company == "Lee Gardens & Sons" and ann.position == "Head gardener"


def test_review_link_and_not_a_match(
    ws: Workspace, shop: dict[str, Contact], write_export: WriteExport
) -> None:
    path = write_export(ROWS)
    import_connections(ws, path, exported_at=JAN)
    eve = link(ws, IN + "evegray", shop["no_company"].id)
    assert eve.custom[CONNECTED_ON] == "2025-02-01" and eve.company == "Acme"
    entry = not_a_match(ws, "jhart")
    assert entry.rejected == [shop["close_name"].id]
    assert {p.connection.slug for p in review.pending(ws)} == {"danfox"}
    with pytest.raises(NotFound, match="linkedin review"):
        link(ws, "jhart", shop["close_name"].id)

    result = import_connections(ws, path, exported_at=JAN)
    outcome = {row.name: (row.outcome, row.why) for row in result.rows}
    assert outcome["Eve Gray"][0] == "matched"  # by the profile recorded with `link`
    assert outcome["John Hart"] == ("skipped", "you said it is not a customer")
    assert {p.connection.slug for p in review.pending(ws)} == {"danfox"}


def test_cli_import_reports_counts_lines_and_problems(
    ws: Workspace, db_url: str, shop: dict[str, Contact], write_export: WriteExport
) -> None:
    rows = [*ROWS, ["Ann", "Lee", IN + "ann-lee", "", "", "", "12 Mar 2024"],
            ["Cy", "Dunn", IN + "cy", "", "", "", "someday"]]  # fmt: skip
    path = write_export(rows)
    result = CliRunner().invoke(main, ["--db", db_url, "linkedin", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "matched 4 customer(s) (4 updated), queued 4 for review, skipped 3." in result.output
    assert "skipped 2: not a customer" in result.output
    assert "skipped 1: the customer with that name has another LinkedIn profile" in result.output
    assert "line 7: Dan Fox: queued" in result.output
    assert "row 15: the same connection as line 5" in result.output
    assert "row 16, column Connected On: 'someday'" in result.output
    listed = CliRunner().invoke(main, ["--db", db_url, "linkedin", "review"])
    assert "danfox: Dan Fox (Fox Tools)" in listed.output
    assert f"maybe Dan Fox ({shop['twin_a'].id}, Fox Tools): same name and same company" in (
        listed.output
    )
    linked = CliRunner().invoke(
        main, ["--db", db_url, "linkedin", "link", "danfox", shop["twin_a"].id]
    )
    assert linked.exit_code == 0 and "is connected on LinkedIn" in linked.output
    missing = CliRunner().invoke(main, ["--db", db_url, "linkedin", "link", "nobody", "x"])
    assert missing.exit_code == 1 and "is waiting for review" in missing.output


def test_certain_matches_are_decided_first(ws: Workspace, write_export: WriteExport) -> None:
    """A later row's email settles who an earlier row's name can still be."""
    by_email = customer(ws, "Ann Lee", company="Lee Gardens", emails=["ann@lee.example"])
    other = customer(ws, "Ann Lee", company="Lee Gardens")
    rows = [
        ["Ann", "Lee", IN + "ann-lee-2", "", "Lee Gardens", "", "1 Jan 2025"],
        ["Ann", "Lee", IN + "ann-lee", "ann@lee.example", "Lee Gardens", "", "1 Jan 2025"],
    ]
    result = import_connections(ws, write_export(rows), exported_at=JAN)
    assert [(r.line, r.outcome, r.contact_id) for r in result.rows] == [
        (5, "matched", other.id),
        (6, "matched", by_email.id),
    ]
    assert ws.get_contact(other.id).linkedin_url == IN + "ann-lee-2"
    again = import_connections(ws, write_export(rows), exported_at=JAN)
    assert again.updated == 0 and again.matched == 2


def test_cli_a_customers_email_under_another_name_changes_nothing_until_reviewed(
    ws: Workspace, db_url: str, write_export: WriteExport
) -> None:
    ann = customer(
        ws, "Ann Lee", emails=["ann@example.com"], company="Lee Gardens", position="Owner",
        linkedin_url=IN + "ann-lee",
    )  # fmt: skip
    meg = customer(ws, "Margaret Ng", emails=["meg@ng.example"], linkedin_url=IN + "mng")
    bob = customer(ws, "Robert Smith", emails=["bob@smith.example"], company="Smith & Co")
    rows = [
        ["Dan", "Ross", IN + "dan-ross", "ann@example.com", "Ross Ltd", "CEO", "1 Feb 2025"],
        ["Meg", "Ng", IN + "meg-ng-2", "meg@ng.example", "Ng Design", "Designer", "1 Feb 2025"],
        ["Bob", "Smyth", IN + "bsmith", "bob@smith.example", "Smith & Co", "Buyer", "1 Feb 2025"],
    ]
    before = {c.id: ws.get_contact(c.id) for c in (ann, meg)}
    path = write_export(rows)
    imported = CliRunner().invoke(main, ["--db", db_url, "linkedin", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    assert "matched 1 customer(s) (1 updated), queued 2 for review, skipped 0." in imported.output
    assert "line 5: Dan Ross: queued: same email address and another name" in imported.output
    assert "line 6: Meg Ng: queued: same email address and another LinkedIn profile" in (
        imported.output
    )
    for contact_id, was in before.items():  # nothing written to either
        now = ws.get_contact(contact_id)
        assert (now.company, now.position, now.linkedin_url, now.custom) == (
            was.company, was.position, was.linkedin_url, was.custom,
        )  # fmt: skip
    smith = ws.get_contact(bob.id)  # a nickname and a typo still agree
    assert (smith.linkedin_url, smith.position) == (IN + "bsmith", "Buyer")

    listed = CliRunner().invoke(main, ["--db", db_url, "linkedin", "review"])
    assert f"maybe Ann Lee ({ann.id}, Lee Gardens): same email address and another name" in (
        listed.output
    )
    refused = CliRunner().invoke(main, ["--db", db_url, "linkedin", "not-a-match", "dan-ross"])
    assert refused.exit_code == 0, refused.output
    linked = CliRunner().invoke(main, ["--db", db_url, "linkedin", "link", "meg-ng-2", meg.id])
    assert linked.exit_code == 0, linked.output
    assert ws.get_contact(meg.id).linkedin_url == IN + "meg-ng-2"  # the owner's decision

    again = CliRunner().invoke(main, ["--db", db_url, "linkedin", "import", str(path)])
    assert "matched 2 customer(s) (0 updated), queued 0 for review, skipped 1." in again.output
    assert "skipped 1: you said it is not a customer" in again.output
    assert ws.get_contact(ann.id).company == "Lee Gardens"
    assert (
        "Nothing to review."
        in CliRunner().invoke(main, ["--db", db_url, "linkedin", "review"]).output
    )


def test_large_cells_and_nul_characters_do_not_stop_an_import(
    ws: Workspace, db_url: str, write_export: WriteExport
) -> None:
    """A 200 KB position is read (Python's csv stops at 128 KB); a cell over 1 MiB leaves its
    row out, reported; NUL characters are removed, reported; the other rows are imported."""
    ann = customer(ws, "Ann Lee", emails=["ann@example.com"])
    bob = customer(ws, "Bob Stone", emails=["bob@example.com"])
    cy = customer(ws, "Cy Dunn", emails=["cy@example.com"])
    long_position = "Head gardener " * 15_000
    rows = [["Ann", "Lee", IN + "ann-lee", "ann@example.com", "Lee Gardens", long_position,
             "12 Mar 2024"],
            ["Bob", "Stone", IN + "bob", "bob@example.com", "x" * (1024 * 1024 + 1), "", ""],
            ["Cy", "Dunn", IN + "cy", "cy@example.com", "Dunn\x00 & Co", "", ""]]  # fmt: skip
    result = CliRunner().invoke(
        main, ["--db", db_url, "linkedin", "import", str(write_export(rows))]
    )
    assert result.exit_code == 0, result.output
    assert "Connections.csv row 6: the cell holds 1,048,577 characters" in result.output
    assert "Connections.csv row 7: NUL character(s) (U+0000) removed" in result.output
    assert ws.get_contact(ann.id).position == long_position.strip()
    assert ws.get_contact(bob.id).linkedin_url == ""
    assert ws.get_contact(cy.id).company == "Dunn & Co"
