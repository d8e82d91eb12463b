"""The weekly digest: selection within the time budget, remembered decisions, every format."""

from __future__ import annotations

import json
from datetime import timedelta
from html.parser import HTMLParser

import icalendar
import pytest
from click.testing import CliRunner
from playbook_support import TODAY, buy, only, person

from relationkit.cli import main
from relationkit.followups import generate, render, render_ics, weekly_digest
from relationkit.models import FollowUpStatus
from relationkit.plugins import builtins_only


@pytest.fixture(autouse=True)
def _builtins_only():
    with builtins_only():
        yield


@pytest.fixture
def shop(ws):
    """Twelve customers with purchases of different sizes in the past week: twelve welcomes."""
    for n in range(12):
        buy(ws, person(ws, f"Customer {n:02d}"), 10 * (n + 1), days_ago=2)
    only(ws, "welcome")
    return ws


def test_highest_value_first_within_the_budget(shop):
    digest = weekly_digest(shop, TODAY)
    expected = [f"Customer {n:02d}" for n in (11, 10, 9, 8, 7)]
    assert [i.contact.name for i in digest.items] == expected
    assert digest.minutes == 15  # five welcomes of three minutes
    assert (digest.later, digest.later_minutes) == (7, 21)
    values = [i.followup.value for i in digest.items]
    assert values == sorted(values, reverse=True)
    assert len(weekly_digest(shop, TODAY, budget_minutes=30).items) == 10


def test_the_top_item_is_shown_even_when_over_budget(shop):
    digest = weekly_digest(shop, TODAY, budget_minutes=2)
    assert len(digest.items) == 1 and digest.later == 11


def test_budget_from_the_config(shop):
    shop.config.playbook["digest"] = {"budget_minutes": 6}
    assert len(weekly_digest(shop, TODAY).items) == 2


def test_generating_twice_creates_nothing_new(shop):
    first = generate(shop, TODAY)
    assert len(first.created) == 12
    assert generate(shop, TODAY).created == []
    assert generate(shop, TODAY + timedelta(days=3)).created == []
    assert len(shop.followups()) == 12


def test_done_skipped_and_snoozed_are_remembered(shop):
    top = weekly_digest(shop, TODAY).items
    done, skipped, snoozed = (item.followup for item in top[:3])
    shop.complete_followup(done, "Lovely chat")
    shop.update_followup(skipped, status=FollowUpStatus.SKIPPED)
    shop.update_followup(snoozed, snoozed_until=TODAY + timedelta(days=14))
    again = weekly_digest(shop, TODAY)
    shown = {item.followup.id for item in again.items}
    assert not shown & {done.id, skipped.id, snoozed.id}
    assert shop.get_followup(done.id).status is FollowUpStatus.DONE
    later = weekly_digest(shop, TODAY + timedelta(days=14), budget_minutes=100)
    assert snoozed.id in {item.followup.id for item in later.items}
    assert not {item.followup.id for item in later.items} & {done.id, skipped.id}


def test_stale_follow_ups_are_left_out(shop):
    generate(shop, TODAY)
    digest = weekly_digest(shop, TODAY + timedelta(days=40), budget_minutes=100)
    assert digest.items == [] and digest.stale == 12


def test_no_channel_count_in_the_digest(ws):
    buy(ws, person(ws, "Nowhere Nell", email=None), 50, days_ago=1)
    only(ws, "welcome")
    digest = weekly_digest(ws, TODAY)
    assert digest.no_channel == 1
    assert "Could not suggest: no allowed channel: 1." in render(digest, "text")


def test_text_and_markdown(shop):
    digest = weekly_digest(shop, TODAY)
    text = render(digest, "text")
    assert "Customer 11" in text and "Welcome Customer 11" in text
    assert "7 more follow-ups (21 min) kept for later." in text
    markdown = render(digest, "markdown")
    assert markdown.startswith("# Your week with your customers: Mon 11 May to Sun 17 May")
    assert "| 1 | Customer 11 | Welcome Customer 11 |" in markdown


def test_json(shop):
    data = json.loads(render(weekly_digest(shop, TODAY), "json"))
    assert data["today"] == "2026-05-11" and data["minutes"] == 15 and data["later"] == 7
    assert data["items"][0]["name"] == "Customer 11"
    assert data["items"][0]["channel"] == "email"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_escaped(ws):
    buy(ws, person(ws, "Ann <b>Lee</b> & Co"), 50, days_ago=1)
    only(ws, "welcome")
    page = render(weekly_digest(ws, TODAY), "html")
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert parser.tags.count("tr") == 2
    assert "Ann <b>Lee</b> & Co" in "".join(parser.text)
    assert "<b>Lee</b>" not in page


def test_ics_one_event_per_follow_up_with_stable_uid(shop):
    digest = weekly_digest(shop, TODAY)
    calendar = icalendar.Calendar.from_ical(render_ics(digest))
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(digest.items) == 5
    assert {str(e["uid"]) for e in events} == {f"{i.followup.id}@relationkit" for i in digest.items}
    assert str(events[0]["summary"]) == "Welcome Customer 11"
    assert events[0].decoded("dtstart") == TODAY
    again = icalendar.Calendar.from_ical(render_ics(weekly_digest(shop, TODAY)))
    assert [str(e["uid"]) for e in again.walk("VEVENT")] == [str(e["uid"]) for e in events]


def test_cli_digest_and_followups(shop, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("RELATIONKIT_CONFIG", str(tmp_path / "config.toml"))
    enabled = {rule: str(rule == "welcome").lower() for rule in shop.config.playbook}
    tables = [f"[playbook.{rule}]\nenabled = {on}" for rule, on in enabled.items()]
    (tmp_path / "config.toml").write_text("\n".join(tables) + "\n")
    runner = CliRunner()
    ics = tmp_path / "week.ics"
    args = [
        "--db",
        db_url,
        "digest",
        "--today",
        "2026-05-11",
        "--format",
        "json",
        "--budget",
        "6",
        "--ics",
        str(ics),
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["items"]) == 2
    assert len(list(icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))) == 2
    first = data["items"][0]["id"]
    result = runner.invoke(main, ["--db", db_url, "followups", "done", first, "--note", "Called"])
    assert result.exit_code == 0, result.output
    second = data["items"][1]["id"]
    snooze = ["--db", db_url, "followups", "snooze", second, "--until", "2026-06-01"]
    result = runner.invoke(main, snooze)
    assert result.exit_code == 0, result.output
    listed = runner.invoke(main, ["--db", db_url, "followups", "list", "--status", "all", "--json"])
    statuses = {f["id"]: f["status"] for f in json.loads(listed.stdout)}
    assert statuses[first] == "done" and statuses[second] == "snoozed"
    text = runner.invoke(main, ["--db", db_url, "digest", "--today", "2026-05-11"])
    assert text.exit_code == 0 and "Your week with your customers" in text.stdout
