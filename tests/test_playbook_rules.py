"""Each built-in rule on crafted histories, as of a frozen day (TODAY, a Monday)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playbook_support import TODAY, buy, names, only, person, run

from relationkit.errors import ConfigError
from relationkit.followups import generate
from relationkit.followups.rules import builtin_rules
from relationkit.models import Channel, FamilyMember, FollowUpStatus, Milestone, PartialDate
from relationkit.plugins import builtins_only


@pytest.fixture(autouse=True)
def _builtins_only():
    with builtins_only():
        yield


# -- 1. the week's top spender ----------------------------------------------------------------


def test_top_spender_is_thanked_with_the_figure(ws):
    ann, bob = person(ws, "Ann Lee", street="1 Elm Street"), person(ws, "Bob Ray")
    buy(ws, ann, 1000, days_ago=2)
    buy(ws, ann, 240, days_ago=6)
    buy(ws, bob, 900, days_ago=1)
    buy(ws, bob, 5000, days_ago=8)  # last week: does not count
    [thanks] = run(ws, "top_spender")
    assert thanks.contact_id == ann.id
    assert thanks.reason == "spent $1,240 in the past week, the most of anyone"
    assert (thanks.title, thanks.channel) == ("Thank Ann Lee with a handwritten note", Channel.POST)
    assert thanks.due == TODAY


def test_titles_that_name_a_channel_fit_the_one_the_customer_is_reached_on(ws):
    """No handwritten note, card or call promised to someone reached another way."""
    ann = person(ws, "Ann Lee", email="ann@example.com", birthday=PartialDate(5, 14))  # no address
    buy(ws, ann, 1000, days_ago=2)
    [thanks] = run(ws, "top_spender")
    assert (thanks.title, thanks.channel) == (
        "Thank Ann Lee personally for their custom this week",
        Channel.EMAIL,
    )
    [card] = run(ws, "special_dates")
    assert (card.title, card.channel) == ("Wish Ann Lee a happy birthday", Channel.EMAIL)
    [top] = run(ws, "top_customers")
    assert (top.title, top.channel) == ("Thank Ann Lee and ask for a referral", Channel.EMAIL)


def test_top_spender_ties_thank_everyone_tied(ws):
    ann, bob, cat = person(ws, "Ann Lee"), person(ws, "Bob Ray"), person(ws, "Cat Kim")
    buy(ws, ann, 300, days_ago=1)
    buy(ws, bob, 350, days_ago=2)
    buy(ws, bob, -50, days_ago=1)  # a refund brings Bob level with Ann
    buy(ws, cat, 100, days_ago=1)
    found = run(ws, "top_spender")
    assert names(ws, found) == ["Ann Lee", "Bob Ray"]
    assert all("tied with 1 other" in f.reason for f in found)


def test_top_spender_with_no_sales_this_week(ws):
    buy(ws, person(ws, "Ann Lee"), 300, days_ago=9)
    assert run(ws, "top_spender") == []


# -- 2. welcome -------------------------------------------------------------------------------


def test_welcome_only_first_purchases_of_the_past_week(ws):
    new, old = person(ws, "New Customer"), person(ws, "Old Customer")
    buy(ws, new, 40, days_ago=3)
    buy(ws, old, 40, days_ago=3)
    buy(ws, old, 40, days_ago=60)
    [welcome] = run(ws, "welcome")
    assert welcome.contact_id == new.id
    assert "first purchase on Fri 8 May ($40)" in welcome.reason
    assert welcome.key == "welcome"
    # a week later they are not new any more, and nobody is welcomed twice
    assert run(ws, "welcome", today=TODAY + timedelta(days=1)) == []


# -- 3. top customers -------------------------------------------------------------------------


def test_top_ten_by_twelve_month_spend_once_per_interval(ws):
    customers = [person(ws, f"Customer {n:02d}") for n in range(12)]
    for n, customer in enumerate(customers):
        buy(ws, customer, 100 * (n + 1), days_ago=30)
    buy(ws, customers[0], 5000, days_ago=400)  # older than 12 months: not counted
    found = run(ws, "top_customers", incentive="a free coffee")
    assert names(ws, found) == [f"Customer {n:02d}" for n in range(2, 12)]
    best = next(f for f in found if f.contact_id == customers[11].id)
    assert best.reason == "your #1 customer: $1,200 in the past 12 months; offer a free coffee"
    assert best.marketing and best.channel is Channel.EMAIL  # no phone: next best channel
    # within the interval: nothing new, even in the next period
    assert run(ws, "top_customers", today=TODAY + timedelta(days=60)) == []
    again = run(ws, "top_customers", today=TODAY + timedelta(days=95))
    assert len(again) == 10


def test_top_customers_without_marketing_consent_get_no_referral_ask(ws):
    ann = person(ws, "Ann Lee", phone="+14155550100", marketing=None)
    buy(ws, ann, 500, days_ago=10)
    [call] = run(ws, "top_customers")
    assert call.title == "Call Ann Lee to thank them personally"
    assert "offer" not in call.reason and not call.marketing


def test_top_customers_ties_at_the_cut_are_included(ws):
    for n in range(3):
        buy(ws, person(ws, f"Customer {n}"), 100, days_ago=5)
    found = run(ws, "top_customers", count=1)
    assert len(found) == 3
    assert all(f.reason.startswith("your #1 customer") for f in found)


def test_top_customers_rank_by_the_shops_currency_and_never_add_others(ws):
    ann, bob = person(ws, "Ann Lee"), person(ws, "Bob Ray")
    buy(ws, ann, 100, days_ago=5)
    ws.record_purchase(ann, "EUR 1000", on=TODAY - timedelta(days=5))
    ws.record_purchase(ann, 900, on=TODAY - timedelta(days=5), status="failed")
    buy(ws, bob, 500, days_ago=5)
    found = {f.contact_id: f.reason for f in run(ws, "top_customers", count=2)}
    assert found[bob.id].startswith("your #1 customer: $500 in the past 12 months")
    assert found[ann.id].startswith("your #2 customer: $100 in the past 12 months")


# -- 4. special dates -------------------------------------------------------------------------


def test_birthday_with_lead_time_and_age(ws):
    person(ws, "Ann Lee", street="1 Elm Street", birthday=PartialDate(5, 20, 1986))
    person(ws, "Far Away", birthday=PartialDate(8, 1))
    [card] = run(ws, "special_dates")
    assert card.title == "Send Ann Lee a birthday card"
    assert card.reason == "birthday on Wed 20 May, turning 40"
    assert card.due == date(2026, 5, 13)
    assert card.key == "birthday:2026"


def test_yearless_birthday_soon_is_due_today(ws):
    person(ws, "Ann Lee", birthday=PartialDate(5, 13))
    [card] = run(ws, "special_dates")
    assert card.reason == "birthday on Wed 13 May"
    assert card.due == TODAY


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2027, 2, 22), date(2027, 2, 28)), (date(2028, 2, 22), date(2028, 2, 29))],
)
def test_leap_day_birthdays(ws, today, expected):
    person(ws, "Leap Year", birthday=PartialDate(2, 29))
    [card] = run(ws, "special_dates", today=today)
    assert expected.strftime("%-d %b") in card.reason
    assert card.due == max(today, expected - timedelta(days=7))
    assert ("born Feb 29" in card.reason) == (expected.day == 28)


def test_anniversary_milestones_and_family(ws):
    ann = person(
        ws,
        "Ann Lee",
        street="1 Elm Street",
        anniversary=PartialDate(5, 16, 2016),
        milestones=[Milestone("shop's 5th birthday", PartialDate(5, 18, 2021))],
        family=[
            FamilyMember("child", "Mia", PartialDate(5, 19, 2018)),
            FamilyMember("spouse", "Sam"),
        ],
    )
    found = {f.key: f for f in run(ws, "special_dates")}
    assert set(found) == {
        "anniversary:2026",
        "milestone:shop's 5th birthday:2026",
        "family:Mia:2026",
    }
    assert found["anniversary:2026"].reason == "anniversary on Sat 16 May (10 years)"
    assert found["family:Mia:2026"].title == "Send a birthday card for Mia, Ann Lee's child"
    assert found["family:Mia:2026"].reason == "Mia (child) has a birthday on Tue 19 May, turning 8"
    assert all(f.contact_id == ann.id for f in found.values())
    assert run(ws, "special_dates", family=False, milestones=False, anniversaries=False) == []


# -- 5. win-back ------------------------------------------------------------------------------


def test_lapsed_past_their_own_gap_with_fitting_action(ws):
    regular = person(ws, "Regular Rita", phone="+14155550100")  # every ~30 days, 100 days ago
    for days_ago in (220, 190, 160, 130, 100):
        buy(ws, regular, 300, days_ago)
    on_time = person(ws, "On Time Otto")  # every ~30 days, last 20 days ago
    for days_ago in (110, 80, 50, 20):
        buy(ws, on_time, 300, days_ago)
    once = person(ws, "Once Olga")  # one purchase 200 days ago
    buy(ws, once, 60, 200)
    recent_once = person(ws, "Recent Rob")
    buy(ws, recent_once, 60, 100)
    long_gone = person(ws, "Gone Gary")
    buy(ws, long_gone, 60, 900)
    found = {ws.get_contact(f.contact_id).name: f for f in run(ws, "winback")}
    assert set(found) == {"Regular Rita", "Once Olga"}
    rita, olga = found["Regular Rita"], found["Once Olga"]
    assert rita.title == "Call Regular Rita: we miss you" and rita.channel is Channel.PHONE
    assert rita.reason.startswith(
        "last bought 100 days ago, 3.3× their usual 30 days between visits"
    )
    assert "$1,500 in all over 5 visits" in rita.reason
    assert olga.title == "Invite Once Olga back with an offer" and olga.marketing
    assert olga.reason == "bought once, 200 days ago, for $60"  # too few customers for the model
    assert rita.value > olga.value
    assert rita.key == f"lapsed:{(TODAY - timedelta(days=100)).isoformat()}"


def test_a_winback_title_follows_the_customers_own_channel(ws):
    rita = person(ws, "Regular Rita", phone="+14155550100", preferred=Channel.EMAIL)
    for days_ago in (220, 190, 160, 130, 100):
        buy(ws, rita, 300, days_ago)
    [found] = run(ws, "winback")
    assert (found.title, found.channel) == (
        "Get in touch with Regular Rita: we miss you",
        Channel.EMAIL,
    )


def test_winback_probability_alive_with_enough_history(ws):
    for n in range(40):
        customer = person(ws, f"Customer {n}")
        for k in range(1 + n % 4):
            buy(ws, customer, 50, days_ago=300 - 20 * k - n)
    found = run(ws, "winback")
    assert found and all("likely still a customer" in f.reason for f in found)


def test_winback_thresholds_are_settings(ws):
    once = person(ws, "Once Olga", street="1 Elm Street")  # a note needs an address
    buy(ws, once, 200, 100)
    [note] = run(ws, "winback", one_time_days=90, note_from=150)
    assert (note.title, note.channel) == ("Write Once Olga a handwritten note", Channel.POST)


def test_a_winback_follow_up_is_retired_when_the_customer_buys_again(ws):
    once = person(ws, "Once Olga")
    buy(ws, once, 60, 200)
    [lapsed] = run(ws, "winback")
    buy(ws, once, 80, days_ago=0)
    result = generate(ws, TODAY + timedelta(days=1))
    assert [f.id for f in result.retired] == [lapsed.id]
    assert ws.get_followup(lapsed.id).status is FollowUpStatus.SKIPPED
    assert ws.followups(status=FollowUpStatus.OPEN) == []


# -- 6. keep in touch -------------------------------------------------------------------------


def test_keep_in_touch_cadence_reset_by_any_touch(ws):
    vip = person(ws, "Vip Vera", tags=["VIP"])
    buy(ws, vip, 20, days_ago=40)
    touched = person(ws, "Touched Tom", tags=["vip"])
    buy(ws, touched, 20, days_ago=40)
    ws.record_interaction(touched, "visit", on=TODAY - timedelta(days=10))
    custom = person(ws, "Custom Cleo", custom={"keep_in_touch_days": "7"})
    ws.record_interaction(custom, "email", on=TODAY - timedelta(days=8))
    person(ws, "Plain Paul")  # no tag, no default: no cadence
    found = {ws.get_contact(f.contact_id).name: f for f in run(ws, "keep_in_touch")}
    assert set(found) == {"Vip Vera", "Custom Cleo"}
    assert (
        found["Vip Vera"].reason
        == "last in touch on Wed 1 Apr (40 days ago); you aim for every 30 days"
    )
    assert found["Custom Cleo"].due == TODAY


def test_keep_in_touch_default_applies_to_everyone(ws):
    plain = person(ws, "Plain Paul")
    buy(ws, plain, 20, days_ago=100)
    [check_in] = run(ws, "keep_in_touch", tags={"vip": 30, "default": 90})
    assert check_in.contact_id == plain.id
    assert check_in.key == f"after:{(TODAY - timedelta(days=100)).isoformat()}"


def test_a_check_in_is_retired_once_in_touch_but_a_snoozed_birthday_is_not(ws):
    vip = person(ws, "Vip Vera", tags=["vip"], birthday=PartialDate(5, 20))
    buy(ws, vip, 20, days_ago=40)
    ws.config.playbook = {r.name: {"enabled": False} for r in builtin_rules()}
    ws.config.playbook["keep_in_touch"] = ws.config.playbook["special_dates"] = {}
    made = {f.rule: f for f in generate(ws, TODAY).created}
    ws.update_followup(made["keep_in_touch"], snoozed_until=TODAY + timedelta(days=3))
    ws.record_interaction(vip, "call", on=TODAY)
    result = generate(ws, TODAY + timedelta(days=1))
    assert [f.rule for f in result.retired] == ["keep_in_touch"]
    assert ws.get_followup(made["special_dates"].id).status is FollowUpStatus.OPEN


# -- 7. seasonal ------------------------------------------------------------------------------

MOWER_SERVICE = {
    "name": "Mower service",
    "category": "mowers",
    "send_from": "01-05",
    "send_until": "01-31",
    "offer": "15% off a mower service",
}


def test_seasonal_offer_to_buyers_of_the_category_in_its_window(ws):
    mower = person(ws, "Mower Max")
    buy(ws, mower, 300, days_ago=200, category="Mowers")
    buy(ws, person(ws, "Seeds Sue"), 30, days_ago=200, category="seeds")
    january = date(2027, 1, 4)
    [offer] = run(ws, "seasonal", today=january, campaigns=[MOWER_SERVICE])
    assert offer.contact_id == mower.id and offer.marketing
    assert offer.title == "Offer Mower Max: 15% off a mower service"
    assert offer.reason == "bought mowers before; Mower service runs Tue 5 Jan to Sun 31 Jan"
    assert offer.due == date(2027, 1, 5)
    assert run(ws, "seasonal", today=january + timedelta(days=10), campaigns=[MOWER_SERVICE]) == []
    assert run(ws, "seasonal", campaigns=[MOWER_SERVICE]) == []  # May: out of season


def test_seasonal_window_over_new_year(ws):
    buy(ws, person(ws, "Mower Max"), 300, days_ago=30, category="mowers")
    campaign = {**MOWER_SERVICE, "send_from": "12-20", "send_until": "01-10"}
    [offer] = run(ws, "seasonal", today=date(2027, 1, 2), campaigns=[campaign])
    assert offer.key == "Mower service:2026"


def test_seasonal_bad_campaign_is_reported(ws):
    only(ws, "seasonal", campaigns=[{**MOWER_SERVICE, "send_from": "31-01"}])
    result = generate(ws, TODAY)
    assert "send_from and send_until are MM-DD" in result.failed["seasonal"]


# -- 8. feedback ------------------------------------------------------------------------------


def test_feedback_after_a_purchase_above_the_amount_once_per_interval(ws):
    ann, bob = person(ws, "Ann Lee"), person(ws, "Bob Ray")
    ws.record_purchase(ann, 30, on=TODAY - timedelta(days=4), items="trowel")
    ws.record_purchase(ann, 400, on=TODAY - timedelta(days=5), items="lawn mower")
    buy(ws, bob, 20, days_ago=4)  # below the amount
    [ask] = run(ws, "feedback", survey_url="https://example.com/s")
    assert ask.contact_id == ann.id and not ask.marketing
    assert ask.title == "Ask Ann Lee how the lawn mower is working out"
    assert (
        ask.reason
        == "bought lawn mower for $400 on Wed 6 May; a two-minute survey: https://example.com/s"
    )
    ws.record_purchase(ann, 500, on=TODAY + timedelta(days=10), items="hedge trimmer")
    assert run(ws, "feedback", today=TODAY + timedelta(days=14)) == []  # asked 14 days ago


def test_feedback_asks_only_about_sales_whose_money_stayed(ws):
    ann, bob, cy = person(ws, "Ann Lee"), person(ws, "Bob Ray"), person(ws, "Cy Wu")
    sold = TODAY - timedelta(days=4)
    ws.record_purchase(ann, 400, on=sold, items="mower", status="declined")
    ws.record_purchase(bob, 400, on=sold, items="mower", refunded=400)
    ws.record_purchase(cy, "EUR 90", on=sold, items="rake")
    assert run(ws, "feedback", min_amount=50) == []  # euros are not dollars without a rate
    ws.config.currency_rates = {"EUR": 1.1}
    [ask] = run(ws, "feedback", min_amount=50)
    assert ask.contact_id == cy.id
    assert ask.reason.startswith("bought rake for €90 on")  # in the sale's own currency


# -- 9. recommend -----------------------------------------------------------------------------


def test_recommend_matches_interests_tags_and_categories(ws):
    by_interest = person(ws, "Ivy Interest", interests=["Roses"])
    by_tag = person(ws, "Tina Tag", tags=["bulbs"])
    by_category = person(ws, "Cody Category")
    buy(ws, by_category, 20, days_ago=50, category="Roses")
    person(ws, "Nora Nothing", interests=["fishing"])
    item = {
        "name": "David Austin roses",
        "matches": ["roses", "bulbs"],
        "description": "new English roses just arrived",
        "until": date(2026, 6, 30),
    }
    found = run(ws, "recommend", items=[item])
    assert names(ws, found) == ["Cody Category", "Ivy Interest", "Tina Tag"]
    ivy = next(f for f in found if f.contact_id == by_interest.id)
    assert ivy.reason == "interested in roses: new English roses just arrived" and ivy.marketing
    assert run(ws, "recommend", today=date(2026, 7, 1), items=[{**item, "name": "other"}]) == []
    assert by_tag.id in {f.contact_id for f in found}


# -- settings ---------------------------------------------------------------------------------


def test_unknown_setting_names_the_rule_and_what_it_knows(ws):
    ws.config.playbook = {"welcome": {"minuts": 3}}
    with pytest.raises(
        ConfigError, match=r"\[playbook.welcome\] unknown setting minuts \(did you mean minutes\?\)"
    ):
        generate(ws, TODAY)


def test_wording_templates_are_settings(ws):
    buy(ws, person(ws, "Ann Lee"), 50, days_ago=1)
    [welcome] = run(ws, "welcome", title="Say hello to {name}", reason="{spend} on {date}")
    assert welcome.title == "Say hello to Ann Lee"
    assert welcome.reason == "$50 on Sun 10 May"


def test_a_wrong_template_field_is_reported(ws):
    buy(ws, person(ws, "Ann Lee"), 50, days_ago=1)
    only(ws, "welcome", title="Hello {nmae}")
    result = generate(ws, TODAY)
    assert "use these fields: {date}, {name}, {spend}" in result.failed["welcome"]
