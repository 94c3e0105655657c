"""Alliance scale: badge figures kept as counts (store.tallies), filled from the credentials there; the
verification events read by organisation and time from an index

Revision ID: 0026
Revises: 0025
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None
SEARCHED = ("recipient_name", "recipient_email", "recipient_lookup")


def upgrade() -> None:
    op.create_table(
        "badge_tallies",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("badges", sa.Integer(), nullable=False),
        sa.Column("revoked", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_badge_tallies_org_id_orgs")),
        sa.ForeignKeyConstraint(["achievement_id"], ["achievements.id"],
                                name=op.f("fk_badge_tallies_achievement_id_achievements")),
        sa.PrimaryKeyConstraint("org_id", "achievement_id", "month", name=op.f("pk_badge_tallies")),
    )
    op.create_table(
        "learner_tallies",
        sa.Column("recipient_lookup", sa.String(length=64), nullable=False),
        sa.Column("live", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("recipient_lookup", name=op.f("pk_learner_tallies")),
    )
    op.create_table(
        "learner_counts",
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("shard", name=op.f("pk_learner_counts")),
    )
    # the same counts store.tallies.recount makes from the rows: badges and revoked ones per organisation, course
    # and Korea-time month, live member badges per person, and the people with one (all in shard 0)
    if op.get_bind().dialect.name == "postgresql":
        month = "to_char(timezone('Asia/Seoul', issued_at), 'YYYY-MM')"
    else:
        month = "strftime('%Y-%m', issued_at, '+9 hours')"
    op.execute(f"INSERT INTO badge_tallies (org_id, achievement_id, month, badges, revoked) "
               f"SELECT org_id, achievement_id, {month}, count(*), count(revoked_at) "
               f"FROM credentials GROUP BY org_id, achievement_id, {month}")
    op.execute("INSERT INTO learner_tallies (recipient_lookup, live) SELECT recipient_lookup, count(*) "
               "FROM credentials WHERE revoked_at IS NULL AND org_id IN (SELECT org_id FROM alliance_members) "
               "GROUP BY recipient_lookup")
    # no row when there is nobody (the counting upserts its shard's row): a new database stays empty, as
    # `badges restore` expects of one that `badges init` made
    op.execute("INSERT INTO learner_counts (shard, learners) SELECT 0, count(*) FROM learner_tallies "
               "HAVING count(*) > 0")
    # a console dashboard's verifications per month and channel: read from the index alone
    op.create_index("ix_verification_events_org_at", "verification_events", ["org_id", "at", "channel"])
    if op.get_bind().dialect.name == "postgresql":
        # the console's search (by name, e-mail or its lookup) walks the list's index in its order and stops at a
        # page of matches, reading no table row: the columns it tests are in the index
        op.drop_index("ix_credentials_org_issued", table_name="credentials")
        op.create_index("ix_credentials_org_issued", "credentials", ["org_id", "issued_at", "id"],
                        postgresql_include=list(SEARCHED))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_credentials_org_issued", table_name="credentials")
        op.create_index("ix_credentials_org_issued", "credentials", ["org_id", "issued_at", "id"])
    op.drop_index("ix_verification_events_org_at", table_name="verification_events")
    op.drop_table("learner_counts")
    op.drop_table("learner_tallies")
    op.drop_table("badge_tallies")
