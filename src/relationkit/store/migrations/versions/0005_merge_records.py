"""Merge records that can be undone: merges.survivor, merged, moved, source, automatic, undone_at

Revision ID: 0005
Revises: 0004

Merges recorded before this revision keep only the absorbed contact's snapshot (``moved`` is
NULL): they are listed but cannot be unmerged.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("merges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("survivor", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("merged", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("moved", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("source", sa.String(length=60), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("automatic", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("merges", schema=None) as batch_op:
        for column in ("undone_at", "automatic", "source", "moved", "merged", "survivor"):
            batch_op.drop_column(column)
