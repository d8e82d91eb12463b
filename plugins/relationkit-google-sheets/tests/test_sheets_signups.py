"""A Google Form's responses tab as a read-only source of sign-ups."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import relationkit
from relationkit.cli import main
from relationkit.models import Channel
from relationkit.testing import GoogleEmulator

RESPONSES = [
    ["Timestamp", "Email Address", "Your name", "Phone", "I'd like news and offers",
     "Preferred contact method"],
    [45368.5, "ANN@example.com", "Ann Lee", "", "Yes", "Email"],
    [45369.25, "new@example.com", "Neo Newman", "415 555 0199", "No", "text"],
    [45370.0, "broken@", "Bad Email", "", "Yes", "pigeon"],
]  # fmt: skip


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELATIONKIT_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("RELATIONKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RELATIONKIT_DB", f"sqlite:///{tmp_path / 'signups.db'}")


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_signups_become_contacts_with_their_consent(cli_env, google_emulator: GoogleEmulator):
    sid = google_emulator.sheets.create_spreadsheet(
        "Sign-up form (Responses)", {"Form Responses 1": RESPONSES}
    )
    ws = relationkit.open()
    ann = ws.add_contact("Ann Lee", email="ann@example.com", company="Lee Gardens")
    _run("sheets", "adopt", sid, "--signups", "--map", "I'd like news and offers=marketing")
    before = google_emulator.sheets.get_values(sid, "Form Responses 1")
    output = _run("sync", "--only", "google_sheets_signups")
    assert "google_sheets_signups" in output
    assert google_emulator.sheets.get_values(sid, "Form Responses 1") == before  # read only
    assert ws.count_contacts() == 3  # Ann matched, not duplicated
    ann = ws.get_contact(ann.id)
    assert ann.company == "Lee Gardens"
    assert ann.consent.marketing is True
    assert ann.consent.source == "sign-up form"
    assert ann.consent.given_at == datetime(2024, 3, 17, 12, 0, tzinfo=UTC)
    assert ann.preferred_channel == Channel.EMAIL
    neo = ws.get_contact("new@example.com")
    assert (neo.name, neo.consent.marketing, neo.preferred_channel) == (
        "Neo Newman",
        False,
        Channel.SMS,
    )
    bad = next(c for c in ws.contacts() if c.name == "Bad Email")
    assert bad.emails == [] and bad.preferred_channel is None
    google_emulator.reset_requests()
    _run("sync", "--only", "google_sheets_signups")
    assert google_emulator.request_count() == 1
    assert ws.count_contacts() == 3
    ws.close()
