"""Alembic migrations: a fresh database gets the whole schema; older ones upgrade keeping data."""

from __future__ import annotations

from sqlalchemy import inspect, text

import relationkit
from relationkit.store.database import create_db_engine, current_revision, head_revision, migrate
from relationkit.store.schema import metadata


def test_fresh_database_matches_the_schema(db_url):
    with relationkit.open(db_url) as ws:
        assert current_revision(ws.engine) == head_revision()
        tables = set(inspect(ws.engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_reopening_is_a_no_op(db_url):
    with relationkit.open(db_url) as ws:
        ws.add_contact("Ann Lee", email="ann@example.com")
    with relationkit.open(db_url) as ws:
        assert ws.count_contacts() == 1


def test_upgrade_from_the_first_migration_keeps_data(db_url):
    engine = create_db_engine(db_url)
    migrate(engine, "0001")
    with engine.begin() as conn:
        conn.execute(  # plain SQL, as the first migration's tables were then
            text(
                "INSERT INTO contacts (id, display_name, search_name, data, created_at,"
                " updated_at) VALUES ('c_old', 'Ann Lee', 'ann lee', :data,"
                " '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
            ),
            {
                "data": '{"id": "c_old", "display_name": "Ann Lee", "emails": ["ann@example.com"],'
                ' "created_at": "2024-01-01T00:00:00+00:00",'
                ' "updated_at": "2024-01-01T00:00:00+00:00"}'
            },
        )
        conn.exec_driver_sql(
            "INSERT INTO contact_keys (kind, value, contact_id)"
            " VALUES ('email', 'ann@example.com', 'c_old')"
        )
    engine.dispose()
    with relationkit.open(db_url) as ws:
        assert current_revision(ws.engine) == head_revision()
        ann = ws.get_contact("ann@example.com")
        assert ann.id == "c_old" and ann.name == "Ann Lee"


def test_purchases_recorded_before_statuses_count_as_paid(db_url):
    engine = create_db_engine(db_url)
    migrate(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (id, display_name, search_name, data, created_at,"
                " updated_at) VALUES ('c_old', 'Ann Lee', 'ann lee', :data,"
                " '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
            ),
            {
                "data": '{"id": "c_old", "display_name": "Ann Lee",'
                ' "created_at": "2024-01-01T00:00:00+00:00",'
                ' "updated_at": "2024-01-01T00:00:00+00:00"}'
            },
        )
        for pid, amount in (("p_sale", "120.50"), ("p_refund", "-20.00")):
            conn.execute(
                text(
                    "INSERT INTO purchases (id, contact_id, date, amount, currency, category,"
                    " items, note, source, created_at) VALUES (:id, 'c_old', '2024-02-01',"
                    " :amount, 'USD', '', '', '', 'cli', '2024-02-01 00:00:00')"
                ),
                {"id": pid, "amount": amount},
            )
    engine.dispose()
    with relationkit.open(db_url) as ws:
        kept = {p.id: (p.status, p.kept) for p in ws.purchases("c_old")}
        assert kept == {"p_sale": ("paid", 120.5), "p_refund": ("paid", -20)}
        assert ws.stats("c_old").total_spend == 100.5
