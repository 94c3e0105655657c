"""a CLR transcript attached to a share link (signed by the platform when the learner attached it)

Revision ID: 0019
Revises: 0013
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("share_links") as batch:
        batch.add_column(sa.Column("clr", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("clr_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("share_links") as batch:
        batch.drop_column("clr_at")
        batch.drop_column("clr")
