"""Alliance scale: verifications counted per organisation, Korea-time month and channel (store.tallies), filled
from the events there; the events' (organisation, time, channel) index, which only the dashboard read, dropped

Revision ID: 0027
Revises: 0026
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_tallies",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("verifications", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_verification_tallies_org_id_orgs")),
        sa.PrimaryKeyConstraint("org_id", "month", "channel", name=op.f("pk_verification_tallies")),
    )
    if op.get_bind().dialect.name == "postgresql":
        month = "to_char(timezone('Asia/Seoul', at), 'YYYY-MM')"
    else:
        month = "strftime('%Y-%m', at, '+9 hours')"
    op.execute(f"INSERT INTO verification_tallies (org_id, month, channel, verifications) "
               f"SELECT org_id, {month}, channel, count(*) FROM verification_events GROUP BY org_id, {month}, channel")
    op.drop_index("ix_verification_events_org_at", table_name="verification_events")


def downgrade() -> None:
    op.create_index("ix_verification_events_org_at", "verification_events", ["org_id", "at", "channel"])
    op.drop_table("verification_tallies")
