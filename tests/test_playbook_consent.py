"""Consent and channels: do-not-contact, marketing consent, preferred channel and fallbacks."""

from __future__ import annotations

import pytest
from playbook_support import TODAY, buy, only, person, run

from relationkit.followups import generate, weekly_digest
from relationkit.followups.channels import choose_channel
from relationkit.models import Channel, Consent, Contact, FollowUpStatus
from relationkit.plugins import builtins_only


@pytest.fixture(autouse=True)
def _builtins_only():
    with builtins_only():
        yield


def test_do_not_contact_gets_nothing_at_all(ws):
    quiet = person(ws, "Quiet Quinn", do_not_contact=True, phone="+14155550100")
    buy(ws, quiet, 2000, days_ago=1)
    assert run(ws, "top_spender") == []
    assert run(ws, "welcome") == []
    assert run(ws, "top_customers") == []


def test_marketing_needs_explicit_consent(ws):
    item = {"name": "Roses", "matches": ["roses"], "description": "new roses"}
    person(ws, "Yes Yvonne", interests=["roses"], marketing=True)
    person(ws, "Unknown Uma", interests=["roses"], marketing=None)
    person(ws, "No Nick", interests=["roses"], marketing=False)
    found = run(ws, "recommend", items=[item])
    assert [ws.get_contact(f.contact_id).name for f in found] == ["Yes Yvonne"]


def test_consent_withdrawn_stops_new_suggestions(ws):
    ann = person(ws, "Ann Lee", interests=["roses"])
    item = {"name": "Roses", "matches": ["roses"], "description": "new roses"}
    ann.consent = Consent(marketing=False)
    ws.save_contact(ann)
    assert run(ws, "recommend", items=[item]) == []


def test_consent_withdrawn_retires_the_open_follow_ups_it_no_longer_allows(ws):
    item = {"name": "Roses", "matches": ["roses"], "description": "new roses"}
    ann = person(ws, "Ann Lee", interests=["roses"])
    bob = person(ws, "Bob Day", interests=["roses"])
    for customer in (ann, bob):
        buy(ws, customer, 100, days_ago=1)
    ws.config.playbook = {"recommend": {"items": [item]}}
    made = generate(ws, TODAY).created
    assert {(f.contact_id, f.rule) for f in made} >= {(ann.id, "recommend"), (ann.id, "welcome")}
    ann.consent = Consent(marketing=False)
    ws.save_contact(ann)
    bob.consent = Consent(do_not_contact=True)
    ws.save_contact(bob)

    result = generate(ws, TODAY)

    retired = {(f.contact_id, f.rule) for f in result.retired}
    assert (ann.id, "recommend") in retired and (ann.id, "welcome") not in retired
    assert {rule for cid, rule in retired if cid == bob.id} == {
        f.rule for f in made if f.contact_id == bob.id
    }
    still_open = ws.followups(status=FollowUpStatus.OPEN)
    assert all(f.contact_id == ann.id and not f.marketing for f in still_open)
    assert weekly_digest(ws, TODAY).items and all(
        i.contact.id == ann.id and not i.followup.marketing for i in weekly_digest(ws, TODAY).items
    )


def test_preferred_channel_then_the_rules_hint_then_fallbacks(ws):
    # top_spender hints post (a handwritten note)
    prefers_sms = person(
        ws, "Sms Sid", phone="+14155550101", street="1 Main St", preferred=Channel.SMS
    )
    buy(ws, prefers_sms, 100, days_ago=1)
    [f] = run(ws, "top_spender")
    assert f.channel is Channel.SMS

    with_address = person(ws, "Post Pam", street="2 Main St", preferred=Channel.PHONE)  # no phone
    buy(ws, with_address, 200, days_ago=1)
    [f] = run(ws, "top_spender")
    assert f.channel is Channel.POST

    email_only = person(ws, "Email Ed", preferred=Channel.POST)  # no address: falls back to email
    buy(ws, email_only, 300, days_ago=1)
    [f] = run(ws, "top_spender")
    assert f.channel is Channel.EMAIL


def test_consent_limited_to_some_channels(ws):
    ann = person(
        ws, "Ann Lee", phone="+14155550101", preferred=Channel.EMAIL, channels=(Channel.SMS,)
    )
    buy(ws, ann, 100, days_ago=1)
    [f] = run(ws, "top_spender")
    assert f.channel is Channel.SMS


def test_no_allowed_channel_is_counted_not_suggested(ws):
    unreachable = person(ws, "Nowhere Nell", email=None)
    buy(ws, unreachable, 100, days_ago=1)
    only(ws, "top_spender")
    result = generate(ws, TODAY)
    assert result.created == []
    assert result.no_channel == {"top_spender": 1}


def test_in_person_only_when_preferred():
    walk_in = Contact(display_name="Walk In", preferred_channel=Channel.IN_PERSON)
    assert choose_channel(walk_in, marketing=False) is Channel.IN_PERSON
    assert (
        choose_channel(Contact(display_name="Nobody"), marketing=False, hint=Channel.IN_PERSON)
        is None
    )


def test_linkedin_is_the_channel_only_of_what_happens_there():
    ann = Contact(
        display_name="Ann Lee", emails=["ann@example.com"], preferred_channel=Channel.EMAIL
    )
    assert choose_channel(ann, marketing=False, hint=Channel.LINKEDIN) is Channel.LINKEDIN
    assert choose_channel(ann, marketing=False) is Channel.EMAIL  # never offered otherwise
    ann.consent = Consent(channels=[Channel.EMAIL])
    assert choose_channel(ann, marketing=False, hint=Channel.LINKEDIN) is None
    ann.consent = Consent(do_not_contact=True)
    assert choose_channel(ann, marketing=False, hint=Channel.LINKEDIN) is None
    assert (
        choose_channel(Contact(emails=["x@example.com"]), marketing=False, hint=Channel.LINKEDIN)
        is None
    )
