"""``relationkit google-contacts labels`` against the emulator."""

from __future__ import annotations

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
