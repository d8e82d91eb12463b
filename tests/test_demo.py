"""`relationkit demo` end to end, in-process: the sample shop synced through every installed
plugin. Assertions about a tool are skipped (saying why) while its plugin is not installed."""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import relationkit
from relationkit import plugins
from relationkit.cli import main
from relationkit.config import load_config
from relationkit.models import FollowUpStatus
from relationkit.testing import demo_business
from relationkit.workspace import Workspace

pytestmark = pytest.mark.slow


@dataclass
class DemoOutcome:
    output: str
    exit_code: int
    seconds: float
    folder: Path
    user_files: list[Path]
    environment_after: dict[str, str | None]


WATCHED = ("RELATIONKIT_GOOGLE_EMULATOR", "RELATIONKIT_CONFIG", "RELATIONKIT_DB")


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> DemoOutcome:
    """One demo run for the whole module (it takes seconds), with a user's own config and
    database set in the environment to prove they are left alone."""
    home = tmp_path_factory.mktemp("user")
    folder = tmp_path_factory.mktemp("demo")
    user_files = [home / "config.toml", home / "crm.db"]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RELATIONKIT_CONFIG", str(user_files[0]))
        env.setenv("RELATIONKIT_DB", f"sqlite:///{user_files[1]}")
        env.delenv("RELATIONKIT_GOOGLE_EMULATOR", raising=False)
        started = time.perf_counter()
        result = CliRunner().invoke(main, ["demo", "--dir", str(folder)])
        seconds = time.perf_counter() - started
        after = {name: os.environ.get(name) for name in WATCHED}
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return DemoOutcome(result.output, result.exit_code, seconds, folder, user_files, after)


@pytest.fixture
def ws(outcome: DemoOutcome) -> Iterator[Workspace]:
    config = load_config(outcome.folder / "config.toml")
    workspace = relationkit.open(f"sqlite:///{outcome.folder / 'demo.db'}", config=config)
    yield workspace
    workspace.close()


def need(*connectors: str) -> None:
    missing = [name for name in connectors if name not in plugins.connector_classes()]
    if missing:
        pytest.skip(f"connector(s) {', '.join(missing)} not installed yet (plugin being written)")


def test_the_demo_runs_in_under_a_minute_and_shows_each_step(outcome: DemoOutcome) -> None:
    assert outcome.exit_code == 0, outcome.output
    assert outcome.seconds < 60
    out = outcome.output
    assert "Greenleaf Garden & Mower" in out
    assert "What is in each tool now" in out
    assert re.search(r"Sheets: 'Greenleaf customers': Customers \(\d+ rows\)", out)
    assert "Your week with your customers" in out
    for name, label in (("google_sheets", "Google Sheets"), ("google_contacts", "Google Contacts"),
                        ("google_calendar", "Google Calendar")):  # fmt: skip
        installed = name in plugins.connector_classes()
        assert (f"{label} (" in out and "plugin not installed" in out) or installed


def test_the_users_own_config_and_database_are_never_touched(outcome: DemoOutcome) -> None:
    assert not any(path.exists() for path in outcome.user_files)
    assert outcome.environment_after["RELATIONKIT_CONFIG"] == str(outcome.user_files[0])
    assert outcome.environment_after["RELATIONKIT_GOOGLE_EMULATOR"] is None
    config = (outcome.folder / "config.toml").read_text()
    assert "[playbook.seasonal]" in config
    assert (outcome.folder / "Connections.csv").exists()


def test_the_sheets_customers_and_purchases_reach_the_store(
    ws: Workspace, outcome: DemoOutcome
) -> None:
    need("google_sheets")
    business = demo_business.generate()
    in_sheet = [c for c in business.customers if c.in_sheet]
    contacts = list(ws.contacts())
    assert len(contacts) >= len(in_sheet) * 0.95
    assert sum("google_sheets" in c.sources for c in contacts) >= len(in_sheet) * 0.95
    assert len(ws.purchases()) == len(business.sales)  # every sale matched to its customer
    assert re.search(r"row 6\b.*email", outcome.output)  # the bad email, reported by row


def test_the_owners_private_contacts_stay_out(ws: Workspace) -> None:
    need("google_contacts")
    names = {c.name for c in ws.contacts()}
    assert not names & {"Mom", "Jim the plumber", "Bank: business line"}


def test_people_in_the_sheet_and_in_contacts_are_one_customer(ws: Workspace) -> None:
    need("google_sheets", "google_contacts")
    business = demo_business.generate()
    by_phone = Counter(phone for c in ws.contacts() for phone in c.phones)
    for customer in business.customers:
        if customer.in_sheet or customer.in_contacts:
            assert by_phone[customer.phone] == 1, (
                f"customer {customer.key}: {by_phone[customer.phone]}"
            )
    both = [c for c in ws.contacts() if {"google_sheets", "google_contacts"} <= set(c.sources)]
    expected = sum(c.in_sheet and c.in_contacts for c in business.customers)
    assert len(both) >= expected * 0.9
    everyone = sum(c.in_sheet or c.in_contacts for c in business.customers)
    assert ws.count_contacts() <= everyone  # nobody doubled, no private contact read in


def test_followups_are_generated_and_published(ws: Workspace, outcome: DemoOutcome) -> None:
    need("google_sheets")
    followups = ws.followups(status=FollowUpStatus.OPEN)
    assert followups
    assert {f.rule for f in followups} >= {"special_dates", "winback"}
    assert re.search(r"\n\d+ follow-ups?, about \d+ of 15 minutes", outcome.output)
    if "google_calendar" in plugins.connector_classes():
        assert any("google_calendar" in f.published for f in followups)


def test_linkedin_connections_are_matched_to_customers(ws: Workspace) -> None:
    need("google_sheets")
    pytest.importorskip("relationkit_linkedin", reason="the LinkedIn plugin is not installed")
    linked = [c for c in ws.contacts() if c.linkedin_url]
    assert len(linked) >= 20


def test_a_folder_that_holds_a_demo_is_refused(outcome: DemoOutcome) -> None:
    result = CliRunner().invoke(main, ["demo", "--dir", str(outcome.folder)])
    assert result.exit_code == 1
    assert "already holds a demo" in result.output


def test_demo_keep_takes_sigterm_like_ctrl_c() -> None:
    """`demo --keep` stopped by `kill` (or a service manager) cleans up as Ctrl-C does."""
    import signal

    from relationkit.demo import _sigterm_as_interrupt

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), _sigterm_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the signal arrives first
    assert signal.getsignal(signal.SIGTERM) is before
