"""The linkedin_connect rule: weekly cap, no-repeat window, ranking, dismiss, consent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from linkedin_support import WriteExport

from relationkit.cli import main
from relationkit.errors import ConfigError, NotFound
from relationkit.followups import generate
from relationkit.followups.digest import weekly_digest
from relationkit.followups.render import FORMATS, render
from relationkit.followups.rules import builtin_rules
from relationkit.models import Consent, Contact, FollowUp, FollowUpStatus
from relationkit.workspace import Workspace
from relationkit_linkedin.importer import import_connections
from relationkit_linkedin.rule import DISMISSED, dismiss

MONDAY = date(2026, 5, 11)


def customer(
    ws: Workspace, name: str, spend: float = 0, days_ago: int = 200, **fields: Any
) -> Contact:
    email = name.lower().replace(" ", ".") + "@example.com"
    contact = ws.save_contact(Contact(display_name=name, emails=[email], **fields))
    if spend:
        ws.record_purchase(contact, spend, on=MONDAY - timedelta(days=days_ago))
    return contact


def run(ws: Workspace, today: date = MONDAY, **settings: Any) -> list[FollowUp]:
    """Only linkedin_connect generates as of ``today``; the follow-ups it created."""
    ws.config.playbook = {r.name: {"enabled": False} for r in builtin_rules()}
    ws.config.playbook["linkedin_connect"] = settings
    result = generate(ws, today)
    assert not result.failed
    return result.created


def who(ws: Workspace, followups: list[FollowUp]) -> list[str]:
    return [ws.get_contact(f.contact_id).name for f in sorted(followups, key=lambda f: -f.value)]


def test_weekly_cap_and_ranking(ws: Workspace) -> None:
    customer(ws, "Low Spender", 100)
    customer(ws, "Top Spender", 900)
    customer(ws, "Recent Regular", 500, days_ago=10)  # 500 x 1.5 for a recent visit
    customer(ws, "Known Worker", 560, company="Lee Gardens")  # 560 x 1.25 for a known company
    customer(ws, "No Purchases")
    assert who(ws, run(ws)) == ["Top Spender", "Recent Regular"]
    assert run(ws, MONDAY + timedelta(days=2)) == []  # the week's two are made
    assert who(ws, run(ws, MONDAY + timedelta(days=7))) == ["Known Worker", "Low Spender"]
    assert who(ws, run(ws, MONDAY + timedelta(days=14), per_week=3)) == ["No Purchases"]


def test_not_repeated_within_the_window(ws: Workspace) -> None:
    customer(ws, "Ann Lee", 500)
    customer(ws, "Bob Stone", 100)
    weeks = [who(ws, run(ws, MONDAY + timedelta(days=7 * n), per_week=1, repeat_after_days=14))
             for n in range(4)]  # fmt: skip
    assert weeks == [["Ann Lee"], ["Bob Stone"], ["Ann Lee"], ["Bob Stone"]]
    assert run(ws, MONDAY + timedelta(days=28), per_week=1) == []  # default window: 180 days


def test_suggestion_content(ws: Workspace) -> None:
    ann = customer(ws, "Ann Lee", 1240, days_ago=3, company="Lee Gardens", position="Owner")
    customer(ws, "Bo Ng", 10, linkedin_url="https://www.linkedin.com/in/bo-ng")
    first, second = sorted(run(ws, business="Green Thumb", signature="Sam"), key=lambda f: -f.value)
    assert first.contact_id == ann.id and first.rule == "linkedin_connect"
    assert first.title == "Connect with Ann Lee on LinkedIn"
    assert first.reason == (
        "your #1 customer by spend ($1,240 in 12 months), last seen Fri 8 May, Owner at Lee "
        "Gardens; find them: https://www.linkedin.com/search/results/people/"
        "?keywords=Ann%20Lee%20Lee%20Gardens"
    )
    assert first.note.startswith("Hi Ann, thank you for being such a loyal customer of Green Thumb")
    assert first.note.endswith("Sam") and len(first.note) <= 200
    assert not first.marketing and first.key == "week:2026-W20"
    assert second.reason.endswith("find them: https://www.linkedin.com/in/bo-ng")
    long = run(ws, MONDAY + timedelta(days=200), note="Hi {first_name}, " + "so " * 100)
    assert all(len(f.note) <= 200 and f.note.endswith("…") for f in long)


def test_connected_dismissed_and_do_not_contact_are_never_suggested(
    ws: Workspace, db_url: str, write_export: WriteExport
) -> None:
    customer(ws, "Connected One", 900)
    customer(ws, "Refuses Contact", 800, consent=Consent(do_not_contact=True))
    later = customer(ws, "Dismissed Later", 700)
    customer(ws, "Next In Line", 50)
    row = ["Connected", "One", "https://www.linkedin.com/in/c1", "connected.one@example.com"]
    import_connections(ws, write_export([[*row, "", "", "1 Jan 2025"]]))
    created = run(ws, per_week=1)
    assert who(ws, created) == ["Dismissed Later"]
    cli = CliRunner().invoke(main, ["--db", db_url, "linkedin", "dismiss", created[0].id])
    assert cli.exit_code == 0, cli.output
    assert "Dismissed Later will not be suggested for LinkedIn again (1 open" in cli.output
    assert ws.get_followup(created[0].id).status is FollowUpStatus.SKIPPED
    assert DISMISSED in ws.get_contact(later.id).custom
    for weeks in (1, 30, 60):
        found = who(ws, run(ws, MONDAY + timedelta(days=7 * weeks), per_week=5))
        assert found in (["Next In Line"], [])
        assert "Dismissed Later" not in found and "Refuses Contact" not in found


def test_importing_the_connection_closes_its_suggestion_as_done(
    ws: Workspace, write_export: WriteExport
) -> None:
    ann = customer(ws, "Ann Lee", 900)
    [suggested] = run(ws, per_week=1)
    row = ["Ann", "Lee", "https://www.linkedin.com/in/ann-lee", "ann.lee@example.com"]
    import_connections(ws, write_export([[*row, "", "", "13 May 2026"]]))
    closed = ws.get_followup(suggested.id)
    assert closed.status is FollowUpStatus.DONE
    [interaction] = ws.interactions(ann)
    assert (interaction.date, interaction.summary) == (date(2026, 5, 13), "Connected on LinkedIn")
    import_connections(ws, write_export([[*row, "", "", "13 May 2026"]]))  # again: no change
    assert len(ws.interactions(ann)) == 1


def test_dismiss_by_customer_and_wrong_refs(ws: Workspace) -> None:
    ann = customer(ws, "Ann Lee", 10)
    contact, skipped = dismiss(ws, "ann.lee@example.com")
    assert contact.id == ann.id and skipped == []
    assert run(ws) == []
    with pytest.raises(NotFound):
        dismiss(ws, "nobody@example.com")
    bob = customer(ws, "Bob Stone", 10)
    ws.config.playbook = {}
    other = next(f for f in generate(ws, MONDAY).created if f.rule != "linkedin_connect")
    with pytest.raises(NotFound, match="not a LinkedIn one"):
        dismiss(ws, other.id)
    assert bob.id


def test_unknown_setting_is_a_config_error(ws: Workspace) -> None:
    ws.config.playbook = {"linkedin_connect": {"per_wek": 3}}
    with pytest.raises(ConfigError, match="per_wek"):
        generate(ws, MONDAY)


def test_suggestions_appear_in_the_digest(ws: Workspace) -> None:
    customer(ws, "Ann Lee", 500)
    ws.config.playbook = {r.name: {"enabled": False} for r in builtin_rules()}
    digest = weekly_digest(ws, MONDAY)
    assert [(i.contact.name, i.followup.rule) for i in digest.items] == [
        ("Ann Lee", "linkedin_connect")
    ]
    note = digest.items[0].followup.note
    assert note.startswith("Hi Ann, thank you for being such a loyal customer")
    for fmt in FORMATS:  # the invitation to adapt is in every format of the digest
        assert "Hi Ann, thank" in render(digest, fmt)
