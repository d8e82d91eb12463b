"""Conflicts the sync settled, with the losing value kept: conflicts

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("local_id", sa.String(length=40), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("kept", sa.JSON(), nullable=False),
        sa.Column("kept_source", sa.String(length=60), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lost", sa.JSON(), nullable=False),
        sa.Column("lost_source", sa.String(length=60), nullable=False),
        sa.Column("lost_record", sa.String(length=300), nullable=False),
        sa.Column("lost_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("both_kept", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conflicts_local_id"), ["local_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflicts_resolution"), ["resolution"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflicts_resolution"))
        batch_op.drop_index(batch_op.f("ix_conflicts_local_id"))
    op.drop_table("conflicts")
