"""``relationkit google-contacts labels`` against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from relationkit.cli import main
from relationkit.testing import GoogleEmulator


def test_labels_lists_the_account_labels_and_marks_the_synced_one(
    google_emulator: GoogleEmulator, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(main, ["--db", db, "google-contacts", "labels"])
    assert result.exit_code == 0, result.output
    assert 'The label "Customers" does not exist yet' in result.output
    google_emulator.people.add_group("Customers")
    google_emulator.people.add_group("vip")
    result = CliRunner().invoke(main, ["--db", db, "google-contacts", "labels"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["* Customers", "  vip"]


def test_sync_all_contacts_takes_in_private_contacts_for_one_run(
    google_emulator: GoogleEmulator, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    google_emulator.people.add_person(
        {"names": [{"givenName": "Mum"}], "emailAddresses": [{"value": "mum@example.com"}]}
    )
    runner = CliRunner()
    assert "--all-contacts" in runner.invoke(main, ["sync", "--help"]).output
    plain = runner.invoke(main, ["--db", db, "sync", "--only", "contacts"])
    assert plain.exit_code == 0, plain.output
    listed = runner.invoke(main, ["--db", db, "contacts", "list", "--json"])
    assert json.loads(listed.output) == []

    taken = runner.invoke(main, ["--db", db, "sync", "--only", "contacts", "--all-contacts"])

    assert taken.exit_code == 0, taken.output
    listed = runner.invoke(main, ["--db", db, "contacts", "list", "--json"])
    assert [c["name"] for c in json.loads(listed.output)] == ["Mum"]


def test_a_connector_option_for_a_connector_not_run_is_refused(
    google_emulator: GoogleEmulator, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(main, ["--db", db, "sync", "--only", "csv", "--all-contacts"])
    assert result.exit_code == 2
    assert "--all-contacts is for google_contacts, which this sync does not run" in result.output
