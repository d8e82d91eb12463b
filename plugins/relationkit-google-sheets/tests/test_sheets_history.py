"""Purchases, Interactions and Follow-ups tabs: recorded once, ticked Done, snoozed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from gsheets_support import ID, SheetRemote

from relationkit.models import FollowUp, FollowUpStatus


def _tab(google_emulator, remote: SheetRemote, title: str) -> SheetRemote:
    return SheetRemote(google_emulator, remote.sid, title)


def test_purchases_typed_in_the_sheet_are_recorded_once(ws, remote, ssync, google_emulator):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    purchases = _tab(google_emulator, remote, "Purchases")
    purchases.type_row({"Date": "3/5/2024", "Customer": "ANN@example.com", "Amount": "$42.50",
                        "Items": "Roses"})  # fmt: skip
    purchases.type_row({"Date": "3/6/2024", "Customer": "new@example.com", "Amount": "10"})
    remote.type_row({"Name": "New Person", "Email": "new@example.com"})  # same sync
    report = ssync()
    assert report.ok, report.messages
    (bought,) = ws.purchases(ann)
    assert (bought.date, bought.amount, bought.items) == (
        date(2024, 3, 5),
        Decimal("42.50"),
        "Roses",
    )
    assert len(ws.purchases(ws.get_contact("new@example.com"))) == 1
    ids = [r[ID] for r in purchases.records()]
    assert all(ids)  # each row got its id
    purchases.type(2, "Note", "gift wrapped")  # an edit of history is not a new purchase
    ssync()
    ssync()
    assert len(ws.purchases()) == 2


def test_relationkit_purchases_get_rows_naming_the_customer(ws, remote, ssync, google_emulator):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    ws.record_purchase(ann.id, Decimal("12.5"), on=date(2024, 1, 2), items="Tulips", source="csv")
    ssync()
    (row,) = _tab(google_emulator, remote, "Purchases").records()
    assert (row["Customer"], row["Amount"], row["Items"]) == ("ann@example.com", 12.5, "Tulips")
    assert ssync().connectors["google_sheets"].created == 0
    assert len(ws.purchases()) == 1


def test_a_purchase_that_cannot_be_read_says_why(ws, remote, ssync, google_emulator):
    purchases = _tab(google_emulator, remote, "Purchases")
    purchases.type_row({"Date": "soon", "Customer": "nobody@example.com", "Amount": "lots"})
    report = ssync()
    assert ws.purchases() == []
    (row,) = purchases.records()
    assert "Date:" in row["Problems"] and "Amount:" in row["Problems"]
    assert report.ok


def test_interactions_typed_in_the_sheet(ws, remote, ssync, google_emulator):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    tab = _tab(google_emulator, remote, "Interactions")
    tab.type_row({"Date": "2024-03-05", "Customer": "ann@example.com", "Kind": "Visit",
                  "Summary": "Bought tulips, asked about roses"})  # fmt: skip
    tab.type_row({"Date": "2024-03-06", "Customer": "ann@example.com", "Kind": "teleport"})
    ssync()
    (logged,) = ws.interactions(ann)
    assert (logged.kind, logged.summary) == ("visit", "Bought tulips, asked about roses")
    assert "Kind:" in tab.records()[1]["Problems"]


def _followup(ws, contact_id: str, **kw) -> FollowUp:
    (saved,) = ws.save_followups(
        [
            FollowUp(
                contact_id,
                "birthday",
                "birthday:2026",
                "Wish Ann a happy birthday",
                "Birthday on Friday",
                date.today() + timedelta(days=2),
                **kw,
            )
        ]
    )
    return saved


def test_ticking_done_closes_the_followup_and_logs_the_note(ws, remote, ssync, google_emulator):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    followup = _followup(ws, ann.id)
    ssync()
    tab = _tab(google_emulator, remote, "Follow-ups")
    (row,) = tab.records()
    assert (row["What"], row["Done"], row["Status"]) == (followup.title, False, "open")
    number = tab.row_number(followup.id)
    tab.type(number, "Done", "TRUE")
    tab.type(number, "Note", "Called, she loved the card")
    ssync()
    assert ws.get_followup(followup.id).status == FollowUpStatus.DONE
    (logged,) = ws.interactions(ann)
    assert (logged.summary, logged.followup_id) == ("Called, she loved the card", followup.id)
    ssync()
    assert len(ws.interactions(ann)) == 1
    assert tab.records()[0]["Status"] == "done"


def test_a_followup_done_in_relationkit_is_not_logged_twice(ws, remote, ssync, google_emulator):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    followup = _followup(ws, ann.id)
    ssync()
    ws.complete_followup(followup.id, "Sent a card")
    ssync()
    ssync()
    assert [i.summary for i in ws.interactions(ann)] == ["Sent a card"]
    assert _tab(google_emulator, remote, "Follow-ups").records()[0]["Done"] is True


def test_a_snooze_date_snoozes(ws, remote, ssync, google_emulator):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    followup = _followup(ws, ann.id)
    ssync()
    tab = _tab(google_emulator, remote, "Follow-ups")
    later = date.today() + timedelta(days=5)
    tab.type(tab.row_number(followup.id), "Snooze until", later.isoformat())
    ssync()
    stored = ws.get_followup(followup.id)
    assert (stored.status, stored.snoozed_until) == (FollowUpStatus.SNOOZED, later)
    google_emulator.reset_requests()
    ssync()
    assert google_emulator.request_count() == 1


def test_linkedin_suggestions_go_to_the_linkedin_tab(ws, remote, ssync, google_emulator):
    ann = ws.add_contact(
        "Ann Lee", email="ann@example.com", company="Lee Gardens",
        linkedin_url="https://www.linkedin.com/in/annlee",
    )  # fmt: skip
    (suggestion,) = ws.save_followups(
        [
            FollowUp(
                ann.id,
                "linkedin_connect",
                "linkedin:ann",
                "Connect with Ann on LinkedIn",
                "Loyal customer, not connected yet",
                date.today(),
            )
        ]
    )
    ssync()
    tab = _tab(google_emulator, remote, "LinkedIn")
    (row,) = tab.records()
    assert (row["Name"], row["Company"], row["Done"]) == ("Ann Lee", "Lee Gardens", False)
    assert row["LinkedIn"] == "https://www.linkedin.com/in/annlee"
    assert _tab(google_emulator, remote, "Follow-ups").records() == []
    tab.type(tab.row_number(suggestion.id), "Done", "TRUE")
    ssync()
    assert ws.get_followup(suggestion.id).status == FollowUpStatus.DONE
    assert [i.kind for i in ws.interactions(ann)] == ["social"]
