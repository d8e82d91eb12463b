"""Reading Connections.csv: preamble, BOM, old exports without email, odd rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from linkedin_support import WriteExport, export_text

from relationkit_linkedin.export import ExportError, parse_export, read_export

ANN = ["Ann", "Lee", "https://www.linkedin.com/in/Ann-Lee/", "Ann@Example.com", "Lee Gardens",
       "Head gardener", "12 Mar 2024"]  # fmt: skip
BOB = ["Bob", "Stone", "https://uk.linkedin.com/in/bobstone", "", "", "", "01 Feb 2023"]


@pytest.mark.parametrize("bom", [False, True])
def test_preamble_and_bom_are_skipped(write_export: WriteExport, bom: bool) -> None:
    export = read_export(write_export([ANN, BOB], bom=bom))
    assert [c.name for c in export.connections] == ["Ann Lee", "Bob Stone"]
    ann, bob = export.connections
    assert ann.line == 5 and bob.line == 6  # Notes:, the note, a blank line, the header
    assert ann.url == "https://www.linkedin.com/in/ann-lee" and ann.slug == "ann-lee"
    assert ann.email == "ann@example.com"
    assert (ann.company, ann.position, ann.connected_on) == (
        "Lee Gardens",
        "Head gardener",
        date(2024, 3, 12),
    )
    assert bob.url == "https://www.linkedin.com/in/bobstone" and bob.email == ""
    assert not export.problems


def test_older_export_without_email_column(write_export: WriteExport) -> None:
    export = read_export(write_export([ANN], email_column=False))
    assert not export.has_email_column
    ann = export.connections[0]
    assert (ann.email, ann.company, ann.connected_on) == ("", "Lee Gardens", date(2024, 3, 12))


def test_without_notes_preamble() -> None:
    export = parse_export(export_text([ANN], notes=False), "c.csv")
    assert export.connections[0].line == 2


def test_non_latin_names_are_kept() -> None:
    rows = [["芳", "王", "https://www.linkedin.com/in/wang-fang", "", "茶室", "店主", "3 Jan 2025"],
            ["Jürgen", "Müller-Şahin", "https://www.linkedin.com/in/jm", "", "", "", "3 Jan 2025"],
            ["Алёна", "Иванова", "https://www.linkedin.com/in/%D0%B0%D0%BB%D1%91%D0%BD%D0%B0", "",
             "", "", "4 Jan 2025"]]  # fmt: skip
    export = parse_export(export_text(rows), "c.csv")
    assert [c.name for c in export.connections] == ["芳 王", "Jürgen Müller-Şahin", "Алёна Иванова"]
    assert export.connections[2].slug == "%D0%B0%D0%BB%D1%91%D0%BD%D0%B0"
    assert not export.problems


def test_duplicated_rows_are_reported_once_by_line() -> None:
    export = parse_export(export_text([ANN, BOB, ANN]), "c.csv")
    assert len(export.connections) == 2
    [problem] = export.problems
    assert problem.row == 7 and "same connection as line 5" in problem.why


def test_bad_cells_are_named_by_line_and_the_row_kept() -> None:
    rows = [["Cy", "Dunn", "https://example.com/cy", "not-an-email", "", "", "yesterday"],
            ["", "", "", "", "", "", "1 Jan 2020"]]  # fmt: skip
    export = parse_export(export_text(rows), "c.csv")
    [cy] = export.connections
    assert (cy.url, cy.email, cy.connected_on) == ("", "", None)
    found = {(p.row, p.column) for p in export.problems}
    assert found == {(5, "URL"), (5, "Email Address"), (5, "Connected On"), (6, "")}
    assert all(p.file == "c.csv" for p in export.problems)


def test_not_an_export(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("Name,Email\nAnn,ann@example.com\n", encoding="utf-8")
    with pytest.raises(ExportError, match=r"not LinkedIn's Connections\.csv"):
        read_export(path)
    path.write_bytes(b"First Name,Last Name\n\xff\xfe\n")
    with pytest.raises(ExportError, match="not UTF-8"):
        read_export(path)
    with pytest.raises(ExportError, match="no \\['url'\\] column"):
        parse_export("First Name,Last Name,Company\nAnn,Lee,X\n", "c.csv")
