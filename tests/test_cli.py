"""Every command through click's CliRunner, on a temporary database (``--db sqlite:///...``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import relationkit
from relationkit.cli import main
from relationkit.config import Config

CUSTOMERS = """\
Full Name,E-mail Address,Mobile,DOB,Tags
Ann Lee,ann@example.com,(415) 555-0134,1979-03-14,mowers; roses
Bob Stone,bob@example,(415) 555-0199,31/02/1980,seeds
Cara Diaz,cara@example.com,,--07-21,
"""

PURCHASES = """\
Date,Order,Email,Amount,Category
2026-05-02,A-1,ann@example.com,$129.90,mowers
2026-06-01,A-2,ann@example.com,"$1,240.50",mowers
2026-06-03,A-3,nobody@example.com,12.00,seeds
"""


@pytest.fixture(autouse=True)
def _builtin_plugins(builtin_plugins_only: None) -> None:
    """Every test here runs with relationkit's built-in plugins only (set up before others)."""


@pytest.fixture
def cli(db_url: str) -> Iterator[CliRunnerOnDb]:
    yield CliRunnerOnDb(db_url)


class CliRunnerOnDb:
    """Runs ``relationkit --db <temporary database> ...`` and checks the exit code."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, stdin: str | None = None) -> Result:
        result = self.runner.invoke(main, ["--db", self.db_url, *args], input=stdin)
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result

    def json(self, *args: str) -> object:
        return json.loads(self(*args, "--json").stdout)

    def workspace(self) -> relationkit.workspace.Workspace:
        return relationkit.open(self.db_url, config=Config(db_url=self.db_url))


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


def test_help_everywhere() -> None:
    runner = CliRunner()
    commands = list(all_commands(main))
    assert {("contacts", "add"), ("import", "csv"), ("export", "vcard"), ("doctor",)} <= set(
        commands
    )
    assert ("digest",) in commands  # a command a (built-in) plugin registers
    for command in [(), *commands]:
        result = runner.invoke(main, [*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Usage: " in result.stdout


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.stdout == f"relationkit, version {relationkit.__version__}\n"


def test_contacts_add_list_show_edit(cli: CliRunnerOnDb) -> None:
    added = cli(
        "contacts",
        "add",
        "Ann Lee",
        "--email",
        "Ann@Example.com",
        "--phone",
        "(415) 555-0134",
        "--birthday",
        "--03-14",
        "--tag",
        "mowers",
        "--tag",
        "roses",
        "--marketing",
    )
    assert added.stdout.startswith("Added Ann Lee (c_")
    cli("contacts", "add", "Bob Stone", "--company", "Stone Landscaping", "--tag", "trade")

    listed = cli.json("contacts", "list")
    assert [c["name"] for c in listed] == ["Ann Lee", "Bob Stone"]
    ann = listed[0]
    assert (ann["emails"], ann["phones"], ann["birthday"]) == (
        ["ann@example.com"],
        ["+14155550134"],
        "--03-14",
    )
    assert ann["consent"]["marketing"] is True
    assert [c["name"] for c in cli.json("contacts", "list", "--tag", "trade")] == ["Bob Stone"]
    assert [c["name"] for c in cli.json("contacts", "list", "--search", "lee")] == ["Ann Lee"]
    table = cli("contacts", "list").stdout.splitlines()
    assert table[0] == "ID\tName\tEmail\tPhone\tCompany\tTags"
    assert table[1].endswith("\tAnn Lee\tann@example.com\t+14155550134\t\tmowers, roses")

    edited = cli(
        "contacts", "edit", "ann@example.com", "--company", "Lee Gardens", "--no-marketing"
    )
    assert edited.stdout == f"Updated Ann Lee ({ann['id']})\n"
    shown = cli.json("contacts", "show", "+1 415 555 0134")
    assert shown["contact"]["company"] == "Lee Gardens"
    assert shown["contact"]["consent"]["marketing"] is False
    assert shown["stats"]["purchase_count"] == 0

    again = cli("contacts", "add", "Ann Lee", "--email", "ANN@example.com", "--position", "Owner")
    assert again.stdout == f"Updated Ann Lee ({ann['id']})\n"  # the same person, not a second one


def test_contacts_edit_needs_a_change(cli: CliRunnerOnDb) -> None:
    cli("contacts", "add", "Ann Lee", "--email", "ann@example.com")
    result = cli("contacts", "edit", "ann@example.com", code=2)
    assert "nothing to change" in result.output


def test_purchases_and_interactions(cli: CliRunnerOnDb) -> None:
    cli("contacts", "add", "Ann Lee", "--email", "ann@example.com")
    bought = cli(
        "purchases",
        "add",
        "ann@example.com",
        "$1,240.50",
        "--date",
        "5/2/2026",
        "--category",
        "mowers",
        "--items",
        "Ride-on mower",
    )
    assert bought.stdout == "Recorded 1,240.50 USD on 2026-05-02 for Ann Lee\n"
    refund = cli("purchases", "add", "ann@example.com", "-40", "--date", "2026-05-09")
    assert refund.stdout == "Recorded -40.00 USD on 2026-05-09 for Ann Lee\n"
    logged = cli(
        "interactions",
        "add",
        "ann@example.com",
        "CALL",
        "Asked about servicing",
        "--date",
        "2026-05-10",
    )
    assert logged.stdout == "Logged call on 2026-05-10 with Ann Lee\n"

    shown = cli.json("contacts", "show", "ann@example.com")
    assert shown["stats"]["total_spend"] == "1200.50"
    assert shown["stats"]["last_touch"] == "2026-05-10"
    assert [p["amount"] for p in shown["recent_purchases"]] == ["-40.00", "1240.50"]
    assert shown["recent_interactions"][0]["summary"] == "Asked about servicing"

    text = cli("contacts", "show", "ann@example.com").stdout
    assert "Purchases:   1 · total 1,200.50" in text
    assert "# Recent purchases" in text
    assert "2026-05-10\tcall\tAsked about servicing" in text


def test_contacts_show_has_family_milestones_and_custom_fields(cli: CliRunnerOnDb) -> None:
    with cli.workspace() as ws:
        ws.add_contact(
            "Ann Lee",
            email="ann@example.com",
            spouse="Tom",
            children="Mia (2015-04-01)",
            milestones="shop opening: --09-01",
            custom={"Loyalty": "gold"},
        )
    text = cli("contacts", "show", "ann@example.com").stdout
    assert "spouse: Tom; child: Mia (born 2015-04-01)" in text
    assert "shop opening --09-01" in text
    assert "Loyalty:" in text and "gold" in text


def test_user_errors_are_messages(cli: CliRunnerOnDb) -> None:
    missing = cli("contacts", "show", "nobody@example.com", code=1)
    assert missing.stderr.startswith("Error: no contact with id, email, phone")
    cli("contacts", "add", "Ann Lee", "--email", "ann@example.com")
    bad_amount = cli("purchases", "add", "ann@example.com", "twelve", code=1)
    assert bad_amount.stderr.startswith("Error: amount 'twelve'")
    bad_date = cli("interactions", "add", "ann@example.com", "call", "--date", "31/31/2026", code=1)
    assert bad_date.stderr.startswith("Error: date '31/31/2026'")
    bad_email = cli("contacts", "add", "Bob", "--email", "bob at example", code=1)
    assert "Error: " in bad_email.stderr
    bad_kind = cli("interactions", "add", "ann@example.com", "telepathy", code=2)
    assert "'telepathy' is not one of" in bad_kind.stderr


def test_bad_config_file_is_a_message(cli: CliRunnerOnDb, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("colour = 'green'\n")
    result = cli("contacts", "list", code=1)
    assert "unknown setting colour" in result.stderr


def test_import_csv_with_map_and_dry_run(cli: CliRunnerOnDb, tmp_path: Path) -> None:
    file = tmp_path / "customers.csv"
    file.write_text(CUSTOMERS)
    dry = cli("import", "csv", str(file), "--map", "Mobile=phone", "--dry-run")
    assert "Dry run: nothing was changed." in dry.stdout
    assert cli.json("contacts", "list") == []

    result = cli("import", "csv", str(file), "--map", "Mobile=phone")
    assert "created: 3" in result.stdout
    assert "bob@example" in result.stdout  # the problem rows are listed
    with cli.workspace() as ws:
        assert ws.get_contact("+14155550134").name == "Ann Lee"

    again = cli("import", "csv", str(file), "--map", "Mobile=phone")
    assert "created: 0" in again.stdout


def test_import_csv_exits_3_when_rows_are_rejected(cli: CliRunnerOnDb, tmp_path: Path) -> None:
    file = tmp_path / "customers.csv"
    file.write_text("Name,Email,Notes\nAnn Lee,ann@example.com,\n,,no name nor email\n")
    result = cli("import", "csv", str(file), code=3)
    assert "created: 1" in result.stdout and "rejected: 1" in result.stdout
    assert "Error: 1 row(s) were rejected and not imported" in result.stderr


def test_import_csv_rejects_a_bad_map(cli: CliRunnerOnDb, tmp_path: Path) -> None:
    file = tmp_path / "customers.csv"
    file.write_text(CUSTOMERS)
    result = cli("import", "csv", str(file), "--map", "Mobile", code=2)
    assert "'Mobile' is not COLUMN=field" in result.stderr


def test_import_purchases(cli: CliRunnerOnDb, tmp_path: Path) -> None:
    customers, purchases = tmp_path / "customers.csv", tmp_path / "purchases.csv"
    customers.write_text(CUSTOMERS)
    purchases.write_text(PURCHASES)
    cli("import", "csv", str(customers))
    unmatched = tmp_path / "to-fix.csv"
    result = cli("import", "purchases", str(purchases), "--unmatched", str(unmatched), code=3)
    counts = "orders recorded: 2, updated: 0, already recorded: 0, matched no customer: 1"
    assert f"{counts}, rejected: 0" in result.stdout
    assert "Error: 1 line(s) were not imported" in result.stderr
    assert "nobody@example.com" in result.stdout  # no such customer: a problem, not a crash
    assert unmatched.read_text().splitlines() == [
        "Date,Order,Email,Amount,Category",
        "2026-06-03,A-3,nobody@example.com,12.00,seeds",
    ]
    again = cli("import", "purchases", str(purchases), code=3)  # the unmatched line again
    assert "orders recorded: 0, updated: 0, already recorded: 2" in again.stdout
    assert cli.json("contacts", "show", "ann@example.com")["stats"]["total_spend"] == "1370.40"


def test_export_csv_and_vcard(cli: CliRunnerOnDb, tmp_path: Path) -> None:
    cli("contacts", "add", "Ann Lee", "--email", "ann@example.com", "--birthday", "1979-03-14")
    exported = cli("export", "csv")
    assert "ann@example.com" in exported.stdout.splitlines()[1]
    assert exported.stderr == "Wrote 1 contact(s) to standard output\n"
    cli("export", "csv", str(tmp_path / "out.csv"))
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == exported.stdout

    card = cli("export", "vcard").stdout
    assert card.startswith("BEGIN:VCARD") and "VERSION:3.0" in card
    assert "BDAY:1979-03-14" in card
    written = cli("export", "vcard", str(tmp_path / "out.vcf"), "--version", "4.0")
    assert written.stderr == f"Wrote 1 vCard(s) to {tmp_path / 'out.vcf'}\n"
    card4 = (tmp_path / "out.vcf").read_bytes()
    assert b"VERSION:4.0\r\n" in card4
    assert b"BDAY:19790314\r\n" in card4


def test_duplicates_merge_and_not_duplicate(cli: CliRunnerOnDb) -> None:
    cli("contacts", "add", "Ann Lee", "--email", "ann@example.com", "--birthday", "1979-03-14")
    cli("contacts", "add", "Anne Lee", "--email", "anne@work.example", "--birthday", "1979-03-14")
    cli("contacts", "add", "Bob Stone", "--email", "bob@example.com", "--birthday", "1980-01-02")
    cli("contacts", "add", "Bob Stone", "--email", "bob@work.example", "--birthday", "1980-01-02")

    groups = cli.json("duplicates")
    names = [sorted(c["name"] for c in g["contacts"]) for g in groups]
    assert ["Ann Lee", "Anne Lee"] in names
    assert ["Bob Stone", "Bob Stone"] in names
    assert all(g["pairs"] and g["complete"] for g in groups)
    assert all(0 < p["score"] <= 1 and p["reasons"] for g in groups for p in g["pairs"])
    assert len(cli.json("duplicates", "--limit", "1")) == 1
    assert "Anne Lee" in cli("duplicates").stdout

    cli("not-duplicate", "ann@example.com", "anne@work.example")
    assert [g["contacts"][0]["name"] for g in cli.json("duplicates")] == ["Bob Stone"]

    merged = cli("merge", "bob@example.com", "bob@work.example")
    assert merged.stdout.startswith("Merged Bob Stone (c_")
    assert cli.json("duplicates") == []
    survivor = cli.json("contacts", "show", "bob@work.example")["contact"]
    assert sorted(survivor["emails"]) == ["bob@example.com", "bob@work.example"]
    assert (
        "cannot merge a contact with itself"
        in cli("merge", survivor["id"], "bob@example.com", code=1).stderr
    )


def test_a_person_typed_three_times_is_one_group_merged_in_one_command(
    cli: CliRunnerOnDb,
) -> None:
    for name, email in (
        ("Robert Lee", "rob@example.com"),
        ("Bob Lee", "bob@work.example"),
        ("Dr. Robert Lee Jr.", "r.lee@home.example"),
    ):
        cli("contacts", "add", name, "--email", email, "--birthday", "1979-03-14")
    cli("contacts", "add", "Jane Lee", "--email", "jane@example.com", "--birthday", "1981-05-02")

    [group] = cli.json("duplicates")
    assert len(group["contacts"]) == 3 and len(group["pairs"]) == 3 and group["complete"]
    ids = [c["id"] for c in group["contacts"]]
    shown = cli("duplicates").stdout
    assert f"relationkit merge {' '.join(ids)}" in shown

    assert "cannot merge a contact with itself" in cli("merge", ids[0], ids[0], code=1).stderr
    assert "Missing argument" in cli("merge", code=2).stderr
    merged = cli("merge", *ids)
    assert merged.stdout.startswith("Merged ")
    assert cli.json("duplicates") == []
    survivor = cli.json("contacts", "show", "bob@work.example")["contact"]
    assert sorted(survivor["emails"]) == [
        "bob@work.example",
        "r.lee@home.example",
        "rob@example.com",
    ]
    assert len(cli.json("contacts", "list")) == 2


def test_no_duplicates(cli: CliRunnerOnDb) -> None:
    assert cli("duplicates").stdout == "No likely duplicates.\n"


def test_sync_with_the_csv_connector(cli: CliRunnerOnDb, tmp_path: Path) -> None:
    sheet = tmp_path / "contacts.csv"
    (tmp_path / "config.toml").write_text(f"[connectors.csv]\npath = '{sheet.as_posix()}'\n")
    cli("contacts", "add", "Ann Lee", "--email", "ann@example.com")
    dry = cli("sync", "--dry-run")
    assert "Dry run" in dry.stdout
    assert not sheet.exists() or "ann@example.com" not in sheet.read_text()
    done = cli("sync", "--only", "csv")
    rows = done.stdout.splitlines()
    assert rows[0].startswith("Connector\tPulled\t")
    assert rows[1].startswith("csv\t")
    assert "ann@example.com" in sheet.read_text()


def test_sync_unknown_connector_is_a_message(cli: CliRunnerOnDb) -> None:
    result = cli("sync", "--only", "myspace", code=2)
    assert result.stderr.startswith("Error: ")
    assert "myspace" in result.stderr


def test_doctor_all_fine(cli: CliRunnerOnDb) -> None:
    cli("contacts", "list")  # creates the database
    out = cli("doctor").stdout
    assert "✓ no config file at" in out
    assert "is up to date" in out
    assert "relationkit.connectors.builtin" in out
    assert "! no connector is enabled: your customers are kept here only" in out
    assert out.endswith("Everything looks fine.\n")


def test_doctor_reports_problems(cli: CliRunnerOnDb, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[connectors.myspace]\nenabled = true\n")
    out = cli("doctor", code=1).stdout
    assert "config.toml:1: [connectors.myspace] unknown connector myspace (known: csv, " in out
    assert "install the plugin that provides it, or correct the table's name" in out
    # A database not created yet is fine (a SQLite file; an empty PostgreSQL database).
    assert "does not exist yet" in out or "has no tables yet" in out
    assert out.endswith("1 problem(s) to fix.\n")


def test_doctor_checks_each_connector_set_up(cli: CliRunnerOnDb, tmp_path: Path) -> None:
    cli("contacts", "list")  # the database exists: connectors can be checked
    (tmp_path / "config.toml").write_text(
        "[connectors.csv]\npath = '/nowhere/at/all/contacts.csv'\n"
        "[connectors.memory]\nenabled = false\n"
    )
    out = cli("doctor", code=1).stdout
    assert (
        "✗ csv: the folder /nowhere/at/all does not exist\n  fix: correct [connectors.csv]" in out
    )
    assert "memory" not in out.split("loaded:")[-1]  # disabled: not checked
    (tmp_path / "config.toml").write_text(f"[connectors.csv]\npath = '{tmp_path / 'c.csv'}'\n")
    assert "✓ connector csv is installed and set up" in cli("doctor").stdout


def test_doctor_reports_a_broken_config(cli: CliRunnerOnDb, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("db_url = \n")
    out = cli("doctor", code=1).stdout
    assert "not valid TOML" in out


def test_emulator_command_checks_its_options() -> None:
    from relationkit.testing.seeds import SEEDS

    seed = next(p for p in main.commands["emulator"].params if p.name == "seed")
    assert sorted(seed.type.choices) == sorted(SEEDS)
    bogus = CliRunner().invoke(main, ["emulator", "--seed", "bogus"])
    assert bogus.exit_code == 2 and "'bogus' is not one of" in bogus.output


def test_emulator_command_on_a_busy_port_says_so() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["emulator", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "Traceback" not in result.output


def test_contacts_add_needs_someone_to_add(cli: CliRunnerOnDb) -> None:
    out = cli("contacts", "add", "", "--company", "Lee Gardens", code=2).output
    assert "a contact needs a name, email, phone, LinkedIn URL or street address" in out
    assert cli.json("contacts", "list") == []
