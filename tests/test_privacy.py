"""No customer data in exceptions and logs, by construction; the owner's terminal names them.

The database is made to refuse new contacts (a trigger, as a full disk or a constraint would),
so that a command, a sync and an import fail while holding a customer's name, email and phone.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from relationkit.cli import main
from relationkit.connectors.memory import memory_backend
from relationkit.errors import InvalidValue
from relationkit.sync.contract import Kind
from relationkit.workspace import Workspace

NAME, EMAIL, PHONE, NOTES = "An Le", "an.le@example.com", "+14155550177", "likes tulips"
CUSTOMER = (NAME, EMAIL, "an.le@", "5550177", "555 0177", NOTES)

_REFUSE_SQLITE = (
    "CREATE TRIGGER refuse_contacts BEFORE INSERT ON contacts "
    "BEGIN SELECT RAISE(ABORT, 'no new contacts today'); END"
)
# PostgreSQL's message quotes the customer's name, as a server's constraint detail would.
_REFUSE_POSTGRESQL = (
    "CREATE FUNCTION refuse_contact() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'no new contact %', NEW.display_name USING ERRCODE = 'check_violation'; "
    "END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER refuse_contacts BEFORE INSERT ON contacts "
    "FOR EACH ROW EXECUTE FUNCTION refuse_contact()",
)


@pytest.fixture(autouse=True)
def _builtin_plugins(builtin_plugins_only: None) -> None:
    """Every test here runs with relationkit's built-in plugins only (set up before others)."""


@pytest.fixture
def refusing(ws: Workspace) -> Workspace:
    """The workspace, its database refusing every new contact."""
    with ws.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text(_REFUSE_SQLITE))
        else:
            for statement in _REFUSE_POSTGRESQL:
                conn.execute(text(statement))
    return ws


@pytest.fixture
def cli(db_url: str) -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, ["--db", db_url, *args])

    return invoke


def _holds_customer_data(text: str) -> list[str]:
    return [part for part in CUSTOMER if part in text]


def test_a_refused_contact_leaves_its_data_out_of_the_exception(refusing: Workspace) -> None:
    with pytest.raises(SQLAlchemyError) as raised:
        refusing.add_contact(NAME, emails=[EMAIL], phones=[PHONE], notes=NOTES)
    shown = "".join(traceback.format_exception(raised.value))
    assert "[SQL parameters hidden" in shown
    # What the server itself says is the database's: PostgreSQL's here quotes the name.
    assert _holds_customer_data(shown.replace(f"no new contact {NAME}", "")) == []


def test_a_failed_contacts_add_tells_the_owner_and_logs_nothing_of_the_customer(
    refusing: Workspace, cli: Callable[..., Result], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = cli("contacts", "add", NAME, "--email", EMAIL, "--phone", PHONE)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the database failed (IntegrityError: ")
    assert "its last change not saved" in result.stderr
    assert "Traceback" not in result.output and "[SQL" not in result.output
    assert _holds_customer_data(caplog.text) == []
    assert refusing.count_contacts() == 0


def test_a_bad_value_is_named_to_the_owner_but_not_in_the_exception(
    ws: Workspace, cli: Callable[..., Result]
) -> None:
    result = cli("contacts", "add", NAME, "--email", "an.le.example.com")
    assert result.exit_code == 1
    assert "email 'an.le.example.com': an email address must have an @-sign" in result.stderr
    with pytest.raises(InvalidValue) as raised:
        ws.add_contact(NAME, email="an.le.example.com")
    assert str(raised.value) == "email: an email address must have an @-sign."
    assert raised.value.value == "an.le.example.com"


def test_a_sync_apply_failure_keeps_customer_data_out_of_report_and_logs(
    refusing: Workspace,
    cli: Callable[..., Result],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    (tmp_path / "config.toml").write_text("[connectors.memory]\nbackend = 'privacy'\n")
    fields = {"display_name": NAME, "emails": [EMAIL], "phones": [PHONE], "notes": NOTES}
    memory_backend("privacy").add(Kind.CONTACT, fields)
    caplog.set_level(logging.DEBUG)
    result = cli("sync", "--log-level", "debug")
    assert result.exit_code == 1, result.output
    # Which connector, which step, what kind of failure:
    assert "memory: apply (nothing from it was kept) failed: IntegrityError" in result.stdout
    assert _holds_customer_data(result.output + caplog.text) == []
    caplog.clear()
    verbose = cli("sync", "--log-level", "debug", "--verbose-pii")
    assert verbose.exit_code == 1
    assert "Traceback" in caplog.text  # the failure in full, when the owner asks for it


def test_a_failed_import_tells_the_owner_and_logs_nothing_of_the_customer(
    refusing: Workspace,
    cli: Callable[..., Result],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    file = tmp_path / "customers.csv"
    file.write_text(f"Name,Email,Phone\n{NAME},{EMAIL},{PHONE}\n", encoding="utf-8")
    caplog.set_level(logging.DEBUG)
    result = cli("import", "csv", str(file))
    assert result.exit_code == 1
    assert "Error: the database failed (" in result.stderr
    assert "Traceback" not in result.output and "[SQL" not in result.output
    assert _holds_customer_data(caplog.text) == []


def test_an_import_problem_names_the_value_to_the_owner(
    ws: Workspace, cli: Callable[..., Result], tmp_path: Path
) -> None:
    file = tmp_path / "customers.csv"
    file.write_text(f"Name,Email\n{NAME},an.le.example.com\n", encoding="utf-8")
    result = cli("import", "csv", str(file))
    assert "an.le.example.com" in result.output  # the owner's own terminal
    assert "must have an @-sign" in result.output


def test_a_value_a_tool_holds_that_cannot_be_read_is_reported_without_it(
    ws: Workspace, cli: Callable[..., Result], tmp_path: Path
) -> None:
    (tmp_path / "config.toml").write_text("[connectors.memory]\nbackend = 'privacy'\n")
    fields = {"display_name": NAME, "emails": [EMAIL], "birthday": "An Le's, 14 Smarch"}
    external_id = memory_backend("privacy").add(Kind.CONTACT, fields)
    result = cli("sync")
    assert result.exit_code == 0, result.output
    problem = f"Problem: memory: memory record {external_id}: birthday: this value is not YYYY-"
    assert problem in result.stdout
    assert _holds_customer_data(result.output) == [] and "Smarch" not in result.output
