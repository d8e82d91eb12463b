"""Follow-ups and the sync engine's status tables

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_items",
        sa.Column("connector", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=300), nullable=False),
        sa.Column("local_id", sa.String(length=40), nullable=False),
        sa.Column("etag", sa.Text(), nullable=False),
        sa.Column("synced", sa.JSON(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("connector", "kind", "external_id", name=op.f("pk_sync_items")),
    )
    with op.batch_alter_table("sync_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_items_local_id"), ["local_id"], unique=False)

    op.create_table(
        "sync_state",
        sa.Column("connector", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("connector", "key", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "followups",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("contact_id", sa.String(length=40), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("marketing", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("published", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_followups_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
        sa.UniqueConstraint("contact_id", "rule", "key", name="uq_followups_contact_rule_key"),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followups_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followups_due"), ["due"], unique=False)
        batch_op.create_index(batch_op.f("ix_followups_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followups_status"))
        batch_op.drop_index(batch_op.f("ix_followups_due"))
        batch_op.drop_index(batch_op.f("ix_followups_contact_id"))

    op.drop_table("followups")
    op.drop_table("sync_state")
    with op.batch_alter_table("sync_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_items_local_id"))

    op.drop_table("sync_items")
