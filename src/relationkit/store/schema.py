"""The database tables (SQLAlchemy Core). Alembic migrations in ``store/migrations`` create them.

Portable SQL only: everything here works on SQLite and PostgreSQL. A contact is one row with its
settable fields as JSON, plus one row per identity key in ``contact_keys``, whose primary key
makes it impossible for two contacts to share an email, phone, LinkedIn URL or external id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = String(40)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always reads back timezone-aware in UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


WHEN = UTCDateTime()

contacts = Table(
    "contacts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", Text, nullable=False, default=""),
    Column("search_name", Text, nullable=False, default=""),  # casefolded, accents removed
    Column("data", JSON, nullable=False),
    Column("created_at", WHEN, nullable=False),
    Column("updated_at", WHEN, nullable=False),
    Column("merged_into", ID, nullable=True, index=True),
    Column("deleted_at", WHEN, nullable=True, index=True),
)

# Contacts as lists show them: neither merged away nor deleted.
ACTIVE_CONTACT = and_(contacts.c.merged_into.is_(None), contacts.c.deleted_at.is_(None))

contact_keys = Table(
    "contact_keys",
    metadata,
    Column("kind", String(20), primary_key=True),  # email, phone, linkedin, source
    Column("value", String(320), primary_key=True),
    Column("contact_id", ID, ForeignKey("contacts.id"), nullable=False, index=True),
)

purchases = Table(
    "purchases",
    metadata,
    Column("id", ID, primary_key=True),
    Column("contact_id", ID, ForeignKey("contacts.id"), nullable=False, index=True),
    Column("date", Date, nullable=False, index=True),
    Column("amount", Numeric(14, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("category", Text, nullable=False, default=""),
    Column("items", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("source", String(60), nullable=False, default=""),
    Column("external_id", String(200), nullable=True),  # NULL when the source has no order id
    Column("created_at", WHEN, nullable=False),
    Column("status", String(20), nullable=False, default="paid"),  # models.PurchaseStatus
    Column("refunded", Numeric(14, 2), nullable=False, default=0),
    # The money that came in and stayed (Purchase.kept), kept in step on every write so that
    # spend and visits are plain sums and counts over millions of purchases.
    Column("kept", Numeric(14, 2), nullable=False),
    Column("edited_at", WHEN, nullable=True),  # corrected by the owner: imports leave it alone
    UniqueConstraint("source", "external_id", name="uq_purchases_source_external"),
)

# What a purchase was before each correction by the owner (purchases edit/delete), oldest first.
purchase_history = Table(
    "purchase_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("purchase_id", ID, nullable=False, index=True),
    Column("at", WHEN, nullable=False),
    Column("action", String(20), nullable=False),  # edited, deleted
    Column("before", JSON, nullable=False),  # the purchase's fields before the change
    Column("note", Text, nullable=False, default=""),  # why, as the owner wrote it
)

interactions = Table(
    "interactions",
    metadata,
    Column("id", ID, primary_key=True),
    Column("contact_id", ID, ForeignKey("contacts.id"), nullable=False, index=True),
    Column("date", Date, nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("source", String(60), nullable=False, default=""),
    Column("external_id", String(200), nullable=True),
    Column("followup_id", ID, nullable=True),
    Column("created_at", WHEN, nullable=False),
    UniqueConstraint("source", "external_id", name="uq_interactions_source_external"),
)

followups = Table(
    "followups",
    metadata,
    Column("id", ID, primary_key=True),
    Column("contact_id", ID, ForeignKey("contacts.id"), nullable=False, index=True),
    Column("rule", String(60), nullable=False),
    Column("key", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("due", Date, nullable=False, index=True),
    Column("channel", String(20), nullable=True),
    Column("minutes", Integer, nullable=False),
    Column("value", Float, nullable=False),
    Column("marketing", Boolean, nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("snoozed_until", Date, nullable=True),
    Column("done_at", WHEN, nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("published", JSON, nullable=False),
    Column("created_at", WHEN, nullable=False),
    Column("updated_at", WHEN, nullable=False),
    UniqueConstraint("contact_id", "rule", "key", name="uq_followups_contact_rule_key"),
)

# Pairs the owner decided are not the same person (or that were merged): never suggested again.
duplicate_decisions = Table(
    "duplicate_decisions",
    metadata,
    Column("a", ID, primary_key=True),
    Column("b", ID, primary_key=True),  # a < b
    Column("decision", String(20), nullable=False),  # not_duplicate, merged
    Column("decided_at", WHEN, nullable=False),
)

# Uncertain matches found while importing or syncing, waiting for the owner to decide.
review_queue = Table(
    "review_queue",
    metadata,
    Column("a", ID, primary_key=True),
    Column("b", ID, primary_key=True),  # a < b
    Column("score", Float, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("source", String(60), nullable=False),
    Column("created_at", WHEN, nullable=False),
)

merges = Table(
    "merges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("survivor_id", ID, nullable=False, index=True),
    Column("absorbed_id", ID, nullable=False, index=True),
    Column("at", WHEN, nullable=False),
    Column("absorbed", JSON, nullable=False),  # the absorbed contact as it was, for the record
    # Since revision 0004 (NULL before: such a merge cannot be undone): the survivor as it was,
    # the merged contact as the merge left it, and what moved (relationkit.merges.Moved).
    Column("survivor", JSON, nullable=True),
    Column("merged", JSON, nullable=True),
    Column("moved", JSON, nullable=True),
    Column("source", String(60), nullable=False, default=""),  # api, cli, import, a connector
    Column("automatic", Boolean, nullable=False, default=False),  # not decided by the owner
    Column("undone_at", WHEN, nullable=True),  # unmerged
)

# Sync engine state: one row of opaque state per connector and key (sync tokens, cursors).
sync_state = Table(
    "sync_state",
    metadata,
    Column("connector", String(60), primary_key=True),
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", WHEN, nullable=False),
)

# Sync engine status per item and connector (vdirsyncer's status database): what both sides
# looked like when they last agreed, so a change means "changed since then", per field.
# Keyed by the external id: after a merge one contact may have two records in the same tool.
sync_items = Table(
    "sync_items",
    metadata,
    Column("connector", String(60), primary_key=True),
    Column("kind", String(20), primary_key=True),  # contact, purchase, interaction, followup
    Column("external_id", String(300), primary_key=True),
    Column("local_id", ID, nullable=False, index=True),
    Column("etag", Text, nullable=False, default=""),
    Column("synced", JSON, nullable=False),  # the field values both sides had at the last sync
    Column("synced_at", WHEN, nullable=False),
    Column("removed", Boolean, nullable=False, default=False),  # gone from the connector
)

# Conflicts the sync engine settled: a field changed in two places since the last sync. The
# losing value is kept here with where it came from, until the owner uses it or dismisses it.
conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # contact, followup
    Column("local_id", ID, nullable=False, index=True),
    Column("field", String(60), nullable=False),
    Column("kept", JSON, nullable=False),  # what relationkit holds after the sync (JSON form)
    Column("kept_source", String(60), nullable=False),
    Column("kept_at", WHEN, nullable=False),
    Column("lost", JSON, nullable=False),  # the value set aside
    Column("lost_source", String(60), nullable=False),
    Column("lost_record", String(300), nullable=False, default=""),  # its id in that tool
    Column("lost_at", WHEN, nullable=False),
    Column("both_kept", Boolean, nullable=False, default=False),  # the loser is in ``kept``
    Column("at", WHEN, nullable=False),
    Column("resolution", String(20), nullable=True, index=True),  # None: open
    Column("resolved_at", WHEN, nullable=True),
)

Index("ix_contacts_search_name", contacts.c.search_name)
