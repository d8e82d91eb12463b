"""``relationkit sync`` as a scheduled job: order, follow-ups, exit codes, lock, dry run, logs."""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import socket
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner, Result

import relationkit
from relationkit import plugins
from relationkit.cli import main
from relationkit.config import Config
from relationkit.connectors.memory import MemoryConnector, memory_backend
from relationkit.errors import ConfigError
from relationkit.hookspecs import hookimpl
from relationkit.jobs import ExitCode, lock_path, sync_lock
from relationkit.sync.contract import Kind, PullResult
from relationkit.workspace import Workspace

TODAY = "2026-03-10"
_backends = itertools.count()


@pytest.fixture(autouse=True)
def _builtin_plugins(builtin_plugins_only: None) -> None:
    """Every test here runs with relationkit's built-in plugins only (set up before others)."""


@pytest.fixture
def backend() -> str:
    return f"job-{next(_backends)}"


@pytest.fixture
def config_file(tmp_path: Path) -> Callable[[str], None]:
    return lambda text: (tmp_path / "config.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def run(db_url: str) -> Callable[..., Result]:
    def invoke(*args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(main, ["--db", db_url, "sync", *args])
        assert result.exit_code == code, (result.output, result.exception)
        assert "Traceback" not in result.stdout  # (a broken plugin rule's is logged)
        return result

    return invoke


@pytest.fixture
def shop(db_url: str) -> Iterator[Workspace]:
    """A workspace with one customer whose birthday is next week (a follow-up to suggest)."""
    ws = relationkit.open(db_url, config=Config(db_url=db_url))
    ws.add_contact(
        "Ann Lee",
        emails=["ann@example.com"],
        phones=["+1 415 555 0134"],
        birthday="1979-03-14",
        address="1 Garden Lane, Springfield",
    )
    yield ws
    ws.close()


def test_one_run_pulls_regenerates_followups_and_pushes_them(
    shop: Workspace, run: Callable[..., Result], config_file: Callable[[str], None], backend: str
) -> None:
    config_file(f"[connectors.memory]\nbackend = '{backend}'\n")
    remote = memory_backend(backend)
    remote.add(Kind.CONTACT, {"display_name": "Bob Stone", "emails": ["bob@example.com"]})
    out = run("--today", TODAY).stdout
    assert "New follow-ups: 1" in out
    followups = shop.followups()
    assert [f.title for f in followups] == ["Send Ann Lee a birthday card"]
    # The new follow-up reached the remote in the same run, as did Ann; Bob came in.
    kinds = sorted(r.kind.value for r in remote.records.values())
    assert kinds == ["contact", "contact", "followup"]
    assert shop.count_contacts() == 2
    again = run("--today", TODAY).stdout
    assert "New follow-ups: 0" in again
    assert len(remote.records) == 3


def test_dry_run_lists_the_writes_and_changes_nothing(
    shop: Workspace,
    run: Callable[..., Result],
    config_file: Callable[[str], None],
    backend: str,
) -> None:
    config_file(f"[connectors.memory]\nbackend = '{backend}'\n")
    out = run("--dry-run", "--today", TODAY).stdout
    assert out.startswith("Dry run: nothing was changed")
    ann = shop.get_contact("ann@example.com")
    assert f"Would create contact {ann.id} in memory" in out
    assert "Would create followup " in out
    assert "New follow-ups: 1" in out
    assert shop.followups() == []
    assert memory_backend(backend).records == {}
    assert not [line for line in out.splitlines() if "Ann" in line or "ann@" in line]


def test_only_syncs_the_named_connectors(
    shop: Workspace,
    run: Callable[..., Result],
    config_file: Callable[[str], None],
    backend: str,
    tmp_path: Path,
) -> None:
    sheet = tmp_path / "contacts.csv"
    config_file(f"[connectors.memory]\nbackend = '{backend}'\n[connectors.csv]\npath = '{sheet}'\n")
    run("--only", "csv", "--today", TODAY)
    assert "ann@example.com" in sheet.read_text(encoding="utf-8")
    assert memory_backend(backend).records == {}


def test_settings_for_one_run_override_the_config_and_must_name_a_connector_run(
    shop: Workspace, backend: str
) -> None:
    report = shop.sync(only=["memory"], settings={"memory": {"backend": backend}})
    assert report.ok, report.messages
    assert len(memory_backend(backend).records) == 1
    assert memory_backend("memory").records == {}  # the backend its settings would have used
    with pytest.raises(ConfigError, match="settings given for csv, which this sync does not run"):
        shop.sync(only=["memory"], settings={"csv": {"path": "x.csv"}})


def test_only_takes_short_names_and_refuses_an_empty_list(run: Callable[..., Result]) -> None:
    from relationkit.sync import _full_name

    known = ["google_sheets", "google_sheets_signups", "google_contacts", "csv"]
    assert [_full_name(n, known) for n in ("sheets", "contacts", "csv", "signups")] == [
        "google_sheets", "google_contacts", "csv", "google_sheets_signups",
    ]  # fmt: skip
    assert _full_name("google", known) == "google"  # matches none by its end: left as given
    result = run("--only", " , ", code=ExitCode.USAGE)
    assert "--only names no connector" in result.stderr


def test_a_failing_connector_does_not_stop_the_others(
    shop: Workspace,
    run: Callable[..., Result],
    config_file: Callable[[str], None],
    backend: str,
    tmp_path: Path,
) -> None:
    (tmp_path / "a-folder.csv").mkdir()  # a CSV "file" that cannot be read
    config_file(
        f"[connectors.csv]\npath = '{tmp_path / 'a-folder.csv'}'\n"
        f"[connectors.memory]\nbackend = '{backend}'\n"
    )
    result = run("--today", TODAY, code=ExitCode.PARTIAL)
    assert "csv: pull failed: IsADirectoryError" in result.stdout
    assert "some connectors failed" in result.stderr
    assert len(memory_backend(backend).records) == 2  # Ann and her follow-up

    config_file(f"[connectors.csv]\npath = '{tmp_path / 'a-folder.csv'}'\n")
    assert "nothing was synced" in run(code=ExitCode.FAILED).stderr


def test_usage_errors_exit_2(shop: Workspace, run: Callable[..., Result]) -> None:
    assert "myspace" in run("--only", "myspace", code=ExitCode.USAGE).stderr
    run("--today", "next tuesday", code=ExitCode.USAGE)


def test_a_second_run_stops_at_once_while_one_is_going(
    shop: Workspace, run: Callable[..., Result], config_file: Callable[[str], None], backend: str
) -> None:
    config_file(f"[connectors.memory]\nbackend = '{backend}'\n")
    with sync_lock(shop):
        result = run(code=ExitCode.LOCKED)
    assert "another relationkit sync is running" in result.stderr
    assert f"pid {os.getpid()} on {socket.gethostname()}, started " in result.stderr
    assert memory_backend(backend).records == {}
    run("--today", TODAY)  # released
    assert len(memory_backend(backend).records) == 2


def test_a_run_from_another_machine_names_the_holder(
    shop: Workspace,
    run: Callable[..., Result],
    config_file: Callable[[str], None],
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another machine has its own data directory, so only the database can stop it (PostgreSQL's
    advisory lock) and say who holds it; a SQLite file's lock sits beside it, shared."""
    config_file(f"[connectors.memory]\nbackend = '{backend}'\n")
    with sync_lock(shop):
        monkeypatch.setenv("RELATIONKIT_DATA_DIR", str(tmp_path / "another machine"))
        result = run(code=ExitCode.LOCKED)
    assert f"pid {os.getpid()} on {socket.gethostname()}" in result.stderr
    assert memory_backend(backend).records == {}


def test_the_lock_file_sits_beside_a_sqlite_database(tmp_path: Path) -> None:
    assert lock_path(f"sqlite:///{tmp_path / 'crm.db'}") == tmp_path / "crm.db.sync.lock"
    server = lock_path("postgresql://me:secret@db.example/crm")
    assert server.parent == tmp_path / "data" and "secret" not in server.name


def test_the_safety_guard_fails_the_run(
    shop: Workspace, run: Callable[..., Result], config_file: Callable[[str], None], backend: str
) -> None:
    config_file(f"[connectors.memory]\nbackend = '{backend}'\n")
    remote = memory_backend(backend)
    for n in range(12):
        remote.add(Kind.CONTACT, {"display_name": f"Person {n}", "emails": [f"p{n}@example.com"]})
    run("--today", TODAY)
    for external_id in list(remote.records)[:10]:
        remote.delete(external_id)
    result = run("--full", "--today", TODAY, code=ExitCode.FAILED)
    assert "Error: " in result.stderr


# -- logs ----------------------------------------------------------------------------------------

careless_log = logging.getLogger("relationkit_careless")


class CarelessConnector(MemoryConnector):
    """A plugin's connector that logs what it reads, emails, phones and a token included."""

    name = "careless"
    description = "logs too much"

    def pull(self, state: dict[str, str], *, full: bool) -> PullResult:
        result = super().pull(state, full=full)
        for item in result.items:
            fields: dict[str, Any] = item.fields
            careless_log.warning(
                "read %s <%s> %s with token ya29.a0AfH6SMBx and refresh_token=1//0gLx",
                item.external_id,
                ", ".join(fields.get("emails", [])),
                ", ".join(fields.get("phones", [])),
            )
        return result


class _CarelessPlugin:
    @hookimpl
    def register_connectors(self, register: Callable[[type], None]) -> None:
        register(CarelessConnector)


@pytest.fixture
def careless(shop: Workspace, config_file: Callable[[str], None], backend: str) -> None:
    shop.add_contact("Cara Diaz", emails=["cara@example.com"])
    config_file(f"[connectors.careless]\nbackend = '{backend}'\n")
    plugins.get_plugin_manager().register(_CarelessPlugin(), name="careless")
    memory_backend(backend).add(
        Kind.CONTACT,
        {"display_name": "Cara Diaz", "emails": ["cara@example.com"], "phones": ["+14155550199"]},
    )


PII = ("Ann", "Lee", "ann@example.com", "Cara", "Diaz", "cara@example.com", "555 01", "5550")
SECRETS = ("ya29.a0AfH6SMBx", "1//0gLx")


@pytest.mark.usefixtures("careless")
def test_logs_keep_customer_data_and_tokens_out(
    shop: Workspace, run: Callable[..., Result], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = run("--today", TODAY, "--log-level", "debug")
    logged = caplog.text + result.stderr
    # relationkit's own lines name customers by id; a plugin's emails, phones and tokens are
    # caught by their shape.
    ann = shop.get_contact("ann@example.com")
    assert re.search(rf"new follow-up \S+ \(\w+\) for {ann.id}", logged)
    assert "<<email>> <phone> with token <token> and refresh_token=<secret>" in logged
    for secret in PII + SECRETS:
        assert secret not in logged, secret


@pytest.mark.usefixtures("careless")
def test_verbose_pii_lets_customer_data_into_the_logs(
    shop: Workspace, run: Callable[..., Result], caplog: pytest.LogCaptureFixture
) -> None:
    run("--today", TODAY, "--log-level", "debug", "--verbose-pii")
    assert "<cara@example.com> +14155550199 with token ya29.a0AfH6SMBx" in caplog.text


def test_json_logs_are_one_object_a_line(
    shop: Workspace, run: Callable[..., Result], config_file: Callable[[str], None], backend: str
) -> None:
    config_file(f"[connectors.memory]\nbackend = '{backend}'\n")
    result = run("--today", TODAY, "--log-format", "json", "--log-level", "debug")
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    messages = [e["message"] for e in entries]
    assert "memory: pulled 0 items (full=True)" in messages
    assert any(re.fullmatch(r"new follow-up \S+ \(\w+\) for c_\w+", m) for m in messages)
    assert messages[-1] == "sync finished: exit status 0"


def test_the_job_api_is_the_same_run(shop: Workspace, backend: str) -> None:
    from relationkit.jobs import run_sync_job

    shop.config.connectors = {"memory": {"backend": backend}}
    steps: list[tuple[str, str]] = []
    report = run_sync_job(shop, today=date(2026, 3, 10), observer=lambda *s: steps.append(s))
    assert report.ok and report.followups_created == 1
    assert steps == [
        ("pull", "memory"),
        ("apply", "memory"),
        ("applied", "memory"),
        ("between", ""),
        ("push", "memory"),
        ("pushed", "memory"),
        ("saved", "memory"),
    ]


class _BrokenRule:
    name = "broken"
    title = "A rule that fails"
    defaults: ClassVar[dict[str, Any]] = {"enabled": True, "minutes": 1}

    def generate(self, context: Any) -> Iterator[Any]:
        raise RuntimeError("the rule's data for ann@example.com is broken")
        yield


class _ExplodingConnector(MemoryConnector):
    name = "exploding"
    description = "fails with customer data in its message"

    def pull(self, state: dict[str, str], *, full: bool) -> PullResult:
        raise ValueError("cannot read the row of Ann Lee <ann@example.com>")


class _FailingPlugin:
    @hookimpl
    def register_rules(self, register: Callable[[Any], None]) -> None:
        register(_BrokenRule())

    @hookimpl
    def register_connectors(self, register: Callable[[type], None]) -> None:
        register(_ExplodingConnector)


def test_a_failing_step_is_a_partial_failure_and_its_messages_keep_customer_data_out(
    shop: Workspace,
    run: Callable[..., Result],
    config_file: Callable[[str], None],
    backend: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config_file(
        f"[connectors.memory]\nbackend = '{backend}'\n[connectors.exploding]\nbackend = 'x'\n"
    )
    plugins.get_plugin_manager().register(_FailingPlugin(), name="failing")
    caplog.set_level(logging.DEBUG)
    result = run("--today", TODAY, "--log-level", "debug", code=ExitCode.PARTIAL)
    # A plugin's own message may quote anything: its type is said, never its text.
    assert "follow-up rule broken failed: RuntimeError" in result.stdout
    assert "exploding: pull failed: ValueError" in result.stdout
    for shown in (result.output, caplog.text):
        assert "ann@example.com" not in shown and "Ann" not in shown
    assert len(memory_backend(backend).records) == 2  # the others still synced
    caplog.clear()
    run("--today", TODAY, "--log-level", "debug", "--verbose-pii", code=ExitCode.PARTIAL)
    assert "ValueError: cannot read the row of Ann Lee <ann@example.com>" in caplog.text


def test_redaction_catches_emails_phones_and_secrets_and_keeps_ids_dates_and_counts() -> None:
    from relationkit.logs import RedactingFilter

    line = (
        "csv: pulled 1234 items on 2026-03-10 12:00:01 for c_4155550134ab "
        "ann.lee+shop@example.co.uk +44 20 7946 0958 (415) 555-0134 "
        "postgresql+psycopg://shop:hunter2@db/crm Bearer ya29.x refresh_token=1//abc"
    )
    assert RedactingFilter("US").redact(line) == (
        "csv: pulled 1234 items on 2026-03-10 12:00:01 for c_4155550134ab "
        "<email> <phone> <phone> "
        "postgresql+psycopg://shop:<secret>@db/crm Bearer <token> refresh_token=<secret>"
    )


def test_a_customer_called_an_le_does_not_garble_the_owners_messages(
    shop: Workspace, run: Callable[..., Result], config_file: Callable[[str], None], tmp_path: Path
) -> None:
    """No word is taken for a name: the problem reads as written, and names no one."""
    shop.add_contact("An Le", emails=["an.le@example.com"])
    sheet = tmp_path / "contacts.csv"
    config_file(f"[connectors.csv]\npath = '{sheet}'\n")
    run("--today", TODAY)
    sheet.write_text(
        sheet.read_text(encoding="utf-8").replace("an.le@example.com", "an.le.example.com"),
        encoding="utf-8",
    )
    out = run("--today", TODAY).stdout
    assert "emails: an email address must have an @-sign" in out
    assert "an.le" not in out and "An Le" not in out


def test_a_customer_deleted_in_a_tool_is_named_and_can_be_written_back(
    shop: Workspace,
    run: Callable[..., Result],
    config_file: Callable[[str], None],
    db_url: str,
    tmp_path: Path,
) -> None:
    sheet = tmp_path / "contacts.csv"
    config_file(f"[connectors.csv]\npath = '{sheet}'\n")
    run("--today", TODAY)
    ann = shop.get_contact("ann@example.com")
    header, *_rows = sheet.read_text(encoding="utf-8").splitlines()
    sheet.write_text(header + "\n", encoding="utf-8")  # the owner deletes Ann's row
    out = run("--today", TODAY).stdout
    assert "csv: 1 record was removed there and kept here: `relationkit restore --all csv`" in out
    assert ann.id not in out  # one line for them all; `restore --list` names each
    assert "ann@example.com" not in sheet.read_text(encoding="utf-8")  # not re-created
    listed = CliRunner().invoke(main, ["--db", db_url, "restore", "--list", "csv"])
    assert listed.exit_code == 0 and ann.id in listed.output and "Ann Lee" in listed.output
    restored = CliRunner().invoke(main, ["--db", db_url, "restore", "csv", ann.id])
    assert restored.exit_code == 0, restored.output
    assert "will be written to csv again on the next sync" in restored.output
    run("--today", TODAY)
    assert "ann@example.com" in sheet.read_text(encoding="utf-8")
    again = CliRunner().invoke(main, ["--db", db_url, "restore", "csv", ann.id])
    assert again.exit_code == 1 and "was not deleted in csv" in again.output


def test_an_unreachable_database_or_nothing_enabled_is_said_plainly(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    out = run("--today", TODAY).stdout  # no config file: no connector enabled
    assert "No connector is enabled: nothing to sync" in out
    down = "postgresql+psycopg://shop:hunter2@127.0.0.1:1/crm"
    result = CliRunner().invoke(main, ["--db", down, "sync", "--log-format", "json"])
    assert result.exit_code == ExitCode.FAILED
    assert "cannot use the database (OperationalError" in result.stderr
    assert "Traceback" not in result.output + result.stderr and "hunter2" not in result.stderr


def test_a_few_refused_records_are_a_partial_sync_not_a_failed_one() -> None:
    from relationkit.jobs import exit_code
    from relationkit.sync.report import ConnectorReport, SyncReport

    refused = SyncReport(connectors={"google_contacts": ConnectorReport("google_contacts")})
    refused.connectors["google_contacts"].errors = 2  # two contacts changed while written
    assert exit_code(refused) == ExitCode.PARTIAL
    refused.connectors["google_contacts"].failed = True  # its pull failed, say
    assert exit_code(refused) == ExitCode.FAILED


def test_on_a_terminal_the_summary_leaves_out_counts_that_are_zero_everywhere(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from relationkit.cli import _print_sync_report
    from relationkit.sync.report import SyncReport

    monkeypatch.setenv("FORCE_COLOR", "1")  # rich then takes stdout for a terminal
    monkeypatch.setenv("COLUMNS", "80")
    report = SyncReport()
    report.of("google_sheets").pulled = 3
    report.of("google_sheets").updated = 1
    report.of("google_contacts").pulled = 2
    _print_sync_report(report, lambda text: text)
    table = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)  # colours aside
    assert all(len(line) <= 80 for line in table.splitlines())
    for shown in ("Connector", "Pulled", "Updated", "Errors"):
        assert shown in table
    assert "Conflicts" not in table and "Pushed new" not in table
