"""the stamp of what verification reads, so a process may keep it in memory until it moves (store/freshness.py)

Revision ID: 0017
Revises: 0010
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("published_state",
                    sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("version", sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_published_state")))


def downgrade() -> None:
    op.drop_table("published_state")
