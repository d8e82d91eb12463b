"""Purchase status, refunds and the money kept; purchase_history for the owner's corrections

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="paid")
        )
        batch_op.add_column(
            sa.Column("refunded", sa.Numeric(14, 2), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("kept", sa.Numeric(14, 2), nullable=True))
        batch_op.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
    # Every purchase so far was paid (a negative one a refund): all of it stayed.
    op.execute("UPDATE purchases SET kept = amount")
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.alter_column("kept", existing_type=sa.Numeric(14, 2), nullable=False)
    op.create_table(
        "purchase_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("purchase_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_history")),
    )
    with op.batch_alter_table("purchase_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchase_history_purchase_id"), ["purchase_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("purchase_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_history_purchase_id"))
    op.drop_table("purchase_history")
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_column("edited_at")
        batch_op.drop_column("kept")
        batch_op.drop_column("refunded")
        batch_op.drop_column("status")
