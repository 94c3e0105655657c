"""Assessments with results: a course version's OB 3.0 result descriptions, and the results of cohort rows

Revision ID: 0020
Revises: 0014
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("achievements", "achievement_versions")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("result_descriptions", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("cohort_rows") as batch:
        batch.add_column(sa.Column("results", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("cohort_rows") as batch:
        batch.drop_column("results")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("result_descriptions")
