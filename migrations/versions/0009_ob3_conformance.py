"""OB 3.0 conformance: names in credentials only when asked (cohort jobs remember it); a course's humanCode and
other identifiers

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COURSE_TABLES = ("achievements", "achievement_versions")


def upgrade() -> None:
    with op.batch_alter_table("cohort_jobs") as batch:
        batch.add_column(sa.Column("publish_names", sa.Boolean(), nullable=False, server_default=sa.false()))
    for table in COURSE_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("human_code", sa.String(length=100), nullable=False, server_default=""))
            batch.add_column(sa.Column("other_identifiers", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    for table in COURSE_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("other_identifiers")
            batch.drop_column("human_code")
    with op.batch_alter_table("cohort_jobs") as batch:
        batch.drop_column("publish_names")
