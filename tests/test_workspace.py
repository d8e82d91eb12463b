"""The Python API as a user's script uses it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import event

import relationkit
from relationkit.config import Config, load_config
from relationkit.errors import InvalidValue, NotFound
from relationkit.models import Contact


def test_add_find_and_show(ws):
    ann = ws.add_contact(
        "Ann Lee", email="Ann.Lee@Example.com", phone="(415) 555-0134", tags=["mowers"]
    )
    assert ann.emails == ["ann.lee@example.com"]
    assert ann.phones == ["+14155550134"]
    assert ann.given_name == "Ann" and ann.family_name == "Lee"
    assert ws.get_contact("ANN.LEE@example.com").id == ann.id
    assert ws.get_contact("415-555-0134").id == ann.id
    assert ws.get_contact(ann.id).id == ann.id
    assert [c.id for c in ws.find_contacts("lee")] == [ann.id]
    assert [c.id for c in ws.find_contacts(tag="MOWERS")] == [ann.id]
    assert ws.find_contacts("nobody") == []
    with pytest.raises(NotFound):
        ws.get_contact("nobody@example.com")


def test_same_email_updates_instead_of_duplicating(ws):
    first = ws.add_contact("Ann Lee", email="ann@example.com")
    second = ws.add_contact(
        "Ann Lee", email="ANN@example.com", phone="+44 20 7946 0958", company="Lee Gardens"
    )
    assert second.id == first.id
    assert ws.count_contacts() == 1
    stored = ws.get_contact(first.id)
    assert stored.company == "Lee Gardens"
    assert stored.phones == ["+442079460958"]
    assert ws.get_contact("+44 20 7946 0958").id == first.id


def test_bad_values_raise_and_save_nothing(ws):
    with pytest.raises(InvalidValue, match="email"):
        ws.add_contact("Bob", email="bob@@example")
    assert ws.count_contacts() == 0


def test_update_contact_records_provenance(ws):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    updated = ws.update_contact(ann.id, source="cli", company="Lee Gardens", birthday="--03-14")
    assert updated.company == "Lee Gardens"
    assert updated.birthday.iso() == "--03-14"
    assert updated.provenance["company"].source == "cli"
    assert ws.get_contact(ann.id).company == "Lee Gardens"


def test_purchases_interactions_and_stats(ws):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    ws.record_purchase(
        ann, "129.90", on=date(2026, 5, 2), category="mowers", external_id="order-1", source="shop"
    )
    ws.record_purchase(
        ann, "129.90", on=date(2026, 5, 2), category="mowers", external_id="order-1", source="shop"
    )
    ws.record_purchase(ann, 20, on=date(2026, 9, 2))
    ws.record_interaction(ann, "call", "Asked about the spring service", on=date(2026, 10, 1))
    assert len(ws.purchases(ann)) == 2
    stats = ws.stats(ann, today=date(2026, 11, 23))
    assert stats.spend_12m == Decimal("149.90")
    assert stats.last_interaction == date(2026, 10, 1)
    with pytest.raises(InvalidValue):
        ws.record_interaction(ann, "telepathy")


def test_merge_loses_nothing_and_old_id_redirects(ws):
    a = ws.add_contact("Ann Lee", email="ann@example.com", tags=["mowers"], notes="likes roses")
    b = ws.add_contact(
        "Anne Lee", email="anne.lee@work.example", tags=["vip"], notes="pays by card"
    )
    ws.record_purchase(b, 50, on=date(2026, 1, 1))
    ws.record_interaction(b, "visit", on=date(2026, 1, 2))
    merged = ws.merge(a, b)
    absorbed = b.id if merged.id == a.id else a.id
    assert set(merged.emails) == {"ann@example.com", "anne.lee@work.example"}
    assert set(merged.tags) == {"mowers", "vip"}
    assert "likes roses" in merged.notes and "pays by card" in merged.notes
    assert ws.count_contacts() == 1
    assert ws.get_contact(absorbed).id == merged.id
    assert ws.get_contact("anne.lee@work.example").id == merged.id
    assert len(ws.purchases(merged)) == 1 and len(ws.interactions(merged)) == 1
    assert all({c.a, c.b} != {a.id, b.id} for c in ws.duplicates())


def test_not_duplicate_is_remembered(ws):
    a = ws.add_contact("Ann Lee", email="ann@example.com", address="1 Main St, Springfield")
    b = ws.add_contact("Ann Lee", email="other.ann@example.com", address="1 Main St, Springfield")
    assert any({c.a, c.b} == {a.id, b.id} for c in ws.duplicates())
    ws.not_duplicate(a, b)
    assert not any({c.a, c.b} == {a.id, b.id} for c in ws.duplicates())


def test_conflicting_keys_go_to_review(ws):
    a = ws.add_contact("Ann Lee", email="ann@example.com")
    b = ws.add_contact("A. Lee", phone="+1 415 555 0134")
    result = ws.upsert(
        Contact(display_name="Ann Lee", emails=["ann@example.com"], phones=["+14155550134"]),
        source="test",
    )
    assert result.contact.id == a.id
    assert ws.count_contacts() == 2
    assert any({c.a, c.b} == {a.id, b.id} for c in ws.duplicates())


def test_failed_transaction_leaves_previous_state(ws):
    ws.add_contact("Ann Lee", email="ann@example.com")
    with pytest.raises(RuntimeError), ws.transaction():
        ws.add_contact("Bob Stone", email="bob@example.com")
        raise RuntimeError("crash")
    assert ws.count_contacts() == 1


def test_plugins_load_on_first_use_not_on_import(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys, relationkit
        ws = relationkit.open("sqlite:///{tmp_path / "x.db"}")
        assert "pluggy" not in sys.modules, "plugins loaded at import or open"
        ws.add_contact("Ann", email="ann@example.com")  # fires contact_created: plugins load now
        assert "pluggy" in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_script_usage_from_readme(tmp_path):
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    with relationkit.open(url) as ws:
        c = ws.add_contact("Ann Lee", email="ann@example.com", birthday="--03-14", marketing=True)
        ws.record_purchase(c, 129.90, on=date(2026, 5, 2), category="mowers")
    with relationkit.open(url) as ws:
        assert ws.get_contact("ann@example.com").birthday.iso() == "--03-14"
        assert ws.purchases(c)[0].amount == Decimal("129.90")


def test_do_not_contact_survives_a_later_import_without_it(ws):
    ann = ws.add_contact("Ann Lee", email="ann@example.com", do_not_contact="yes", marketing="no")
    ws.add_contact("Ann Lee", email="ann@example.com", company="Lee Gardens")
    ws.add_contact("Ann Lee", email="ann@example.com", marketing="yes")
    stored = ws.get_contact(ann.id)
    assert stored.company == "Lee Gardens"
    assert stored.consent.do_not_contact is True
    assert stored.consent.marketing is True  # a newer explicit answer is taken...
    assert not stored.consent.allows("email", marketing=False)  # ...but do-not-contact still wins


def test_an_unknown_marketing_answer_keeps_the_known_one(ws):
    ann = ws.add_contact(
        "Ann Lee", email="ann@example.com", marketing="yes", consent_channels="email"
    )
    ws.add_contact("Ann Lee", email="ann@example.com", phone="+14155550134")
    stored = ws.get_contact(ann.id)
    assert stored.consent.marketing is True
    assert stored.consent.channels == ["email"]


def test_plugin_state_is_kept_per_plugin(ws):
    assert ws.plugin_state("mine") == {}
    ws.save_plugin_state("mine", {"a": "1", "b": "2"})
    ws.save_plugin_state("other", {"a": "x"})
    assert ws.plugin_state("mine") == {"a": "1", "b": "2"}
    ws.save_plugin_state("mine", {"b": "3"})
    assert ws.plugin_state("mine") == {"b": "3"}
    assert ws.plugin_state("other") == {"a": "x"}


def test_two_processes_adding_the_same_customer_at_once_make_one_contact(ws, db_url):
    """The other writer (the owner at the CLI while the scheduled sync runs, a colleague on the
    same PostgreSQL database) adds Ann after this workspace looked her email up and before it
    writes: it waits for this write to end, then finds Ann and updates her instead of making a
    second one."""
    other = relationkit.open(db_url, config=Config(db_url=db_url))
    writers: list[threading.Thread] = []
    waited: list[bool] = []

    def the_other_writer_comes_in(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO contacts ") and not writers:
            writer = threading.Thread(
                target=lambda: other.add_contact("Ann Lee", email="ann@example.com", tags=["x"])
            )
            writers.append(writer)
            writer.start()
            writer.join(timeout=1)
            waited.append(writer.is_alive())

    event.listen(ws.engine, "before_cursor_execute", the_other_writer_comes_in)
    try:
        ann = ws.add_contact("Ann Lee", email="ANN@example.com", company="Lee Gardens")
    finally:
        event.remove(ws.engine, "before_cursor_execute", the_other_writer_comes_in)
        writers[0].join(timeout=30)
        other.close()
    assert waited == [True]
    assert ws.count_contacts() == 1
    assert ws.get_contact("ann@example.com").id == ann.id
    stored = ws.get_contact(ann.id)
    assert (stored.company, stored.tags) == ("Lee Gardens", ["x"])


def test_an_edit_cannot_give_one_customers_email_to_another(ws):
    ann = ws.add_contact("Ann Lee", email="ann@example.com")
    bob = ws.add_contact("Bob Stone", email="bob@example.com")
    with pytest.raises(InvalidValue, match=f"belongs to another contact .{ann.id}.*merge"):
        ws.update_contact(bob.id, emails=["bob@example.com", "ANN@example.com"])
    assert ws.get_contact(bob.id).emails == ["bob@example.com"]
    assert ws.get_contact("ann@example.com").id == ann.id
    ws.update_contact(ann.id, emails=["ann@example.com", "ann.lee@work.example"])  # its own: fine


def test_a_contact_needs_something_that_says_who_it_is(ws):
    with pytest.raises(
        InvalidValue, match="needs a name, email, phone, LinkedIn URL or street address"
    ):
        ws.add_contact("", company="Lee Gardens")
    assert ws.count_contacts() == 0


def test_open_with_a_url_uses_no_config_file(tmp_path, monkeypatch):
    """A scratch database must never reach the shop's tools through the user's config file."""
    config = tmp_path / "config.toml"
    config.write_text(
        'currency = "EUR"\n[connectors.csv]\nenabled = true\npath = "shop.csv"\n', encoding="utf-8"
    )
    monkeypatch.setenv("RELATIONKIT_CONFIG", str(config))
    url = f"sqlite:///{tmp_path / 'scratch.db'}"
    with relationkit.open(url) as ws:
        assert ws.config.connectors == {}
        assert ws.config.currency == "USD"
        assert ws.sync().connectors == {}
    with relationkit.open(url, config=load_config()) as ws:
        assert ws.config.connector("csv")["enabled"] is True
        assert ws.config.db_url == url
    with relationkit.open() as ws:
        assert ws.config.currency == "EUR"


def test_readme_quick_start_runs_twice_without_doubling(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    for _ in range(2):
        exec(compile(code, "README.md", "exec"), {"print": lambda *a: None})
    with relationkit.open("sqlite:///crm.db") as ws:
        ann = ws.get_contact("ann@example.com")
        assert len(ws.purchases(ann)) == 1
        assert len(ws.interactions(ann)) == 1
        assert ws.count_contacts() == 1


@pytest.mark.slow
def test_one_workspace_shared_by_threads_keeps_each_person_whole(ws):
    """Threads adding, updating and recording purchases for the same people at once: each
    person ends as one contact holding their own email and phone, every call succeeding."""
    people = [(f"Person {i}", f"p{i}@example.com", f"+1415555{i:04d}") for i in range(30)]
    threads, calls = 6, 60  # 600 calls of the API
    errors: list[BaseException] = []
    purchases: dict[str, str] = {}  # external id -> email of the person who bought

    def work(seed: int) -> None:
        for n in range(calls):
            name, email, phone = people[(seed * 7 + n * 11) % len(people)]
            try:
                if n % 3 == 0:
                    ws.add_contact(name, emails=[email], phones=[phone])
                elif n % 3 == 1:
                    contact = ws.add_contact(name, emails=[email])
                    ws.update_contact(contact.id, company=f"Shop {seed}", phones=[phone])
                else:
                    contact = ws.add_contact(name, emails=[email], phones=[phone])
                    ws.record_purchase(contact.id, 10, source="till", external_id=f"{seed}-{n}")
                    purchases[f"{seed}-{n}"] = email
            except BaseException as exc:  # every failure is the finding
                errors.append(exc)

    workers = [threading.Thread(target=work, args=(seed,)) for seed in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    contacts = list(ws.contacts())
    assert len(contacts) == len(people)
    for name, email, phone in people:
        [holder] = [c for c in contacts if email in c.emails or phone in c.phones]
        assert (holder.name, holder.emails, holder.phones) == (name, [email], [phone])
    for external_id, email in purchases.items():
        bought = ws.purchases(ws.get_contact(email).id)
        assert external_id in {p.external_id for p in bought}


def test_threads_adding_to_one_customer_at_once_lose_no_change(ws):
    """Each write reads the contact it changes only once no other write can change it."""
    ann = ws.add_contact("Ann Lee", emails=["ann@example.com"])
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        for n in range(25):
            try:
                if n % 5 == 4:
                    ws.update_contact(ann.id, tags=[f"t{seed}"])
                else:
                    phone = f"+1415555{seed}{n:03d}"
                    ws.add_contact("Ann Lee", emails=["ann@example.com"], phones=[phone])
            except BaseException as exc:  # every failure is the finding
                errors.append(exc)

    workers = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert len(ws.get_contact(ann.id).phones) == 4 * 20
