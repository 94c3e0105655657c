"""courses and issuing: course versions, images, skills and alignments, archiving; suspension; cohort jobs;
the notification outbox

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CONTENT = ("achievement_type", "name_ko", "name_en", "description_ko", "description_en", "criteria_ko",
           "criteria_en", "image", "image_type", "image_generated", "valid_months", "hours", "credits", "tags",
           "alignments")


def _content_columns() -> list[sa.Column]:
    return [
        sa.Column("achievement_type", sa.String(length=60), nullable=False),
        sa.Column("name_ko", sa.String(length=300), nullable=False),
        sa.Column("name_en", sa.String(length=300), nullable=False),
        sa.Column("description_ko", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("criteria_ko", sa.Text(), nullable=False),
        sa.Column("criteria_en", sa.Text(), nullable=False),
        sa.Column("image", sa.LargeBinary(), nullable=True),
        sa.Column("image_type", sa.String(length=40), nullable=False),
        sa.Column("image_generated", sa.Boolean(), nullable=False),
        sa.Column("valid_months", sa.Integer(), nullable=True),
        sa.Column("hours", sa.Double(), nullable=True),
        sa.Column("credits", sa.Double(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("alignments", sa.JSON(), nullable=False),
    ]


def upgrade() -> None:
    _courses()
    _versions()
    _credentials()
    _jobs_and_outbox()


def _courses() -> None:
    with op.batch_alter_table("achievements") as batch:
        batch.alter_column("image_png", new_column_name="image", existing_type=sa.LargeBinary(),
                           existing_nullable=True)
        batch.add_column(sa.Column("image_type", sa.String(length=40), nullable=False,
                                   server_default="image/png"))
        batch.add_column(sa.Column("image_generated", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("hours", sa.Double(), nullable=True))
        batch.add_column(sa.Column("credits", sa.Double(), nullable=True))
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("alignments", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("achievements") as batch:
        for name in ("image_type", "image_generated", "tags", "alignments", "version"):
            batch.alter_column(name, server_default=None)


def _versions() -> None:
    op.create_table(
        "achievement_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_content_columns(),
        sa.ForeignKeyConstraint(["achievement_id"], ["achievements.id"],
                                name=op.f("fk_achievement_versions_achievement_id_achievements")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_achievement_versions")),
        sa.UniqueConstraint("achievement_id", "version", name=op.f("uq_achievement_versions_achievement_id_version")),
    )
    # every existing course becomes its own version 1, which its credentials were issued from
    columns = ", ".join(CONTENT)
    op.execute(f"INSERT INTO achievement_versions (achievement_id, version, created_at, {columns}) "
               f"SELECT id, 1, created_at, {columns} FROM achievements")


def _credentials() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("version_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("suspension_list_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("suspension_index", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("suspension_reason", sa.String(length=500), nullable=True))
    op.execute("UPDATE credentials SET version_id = (SELECT v.id FROM achievement_versions v "
               "WHERE v.achievement_id = credentials.achievement_id AND v.version = 1)")
    _backfill_valid_until()
    with op.batch_alter_table("credentials") as batch:
        batch.alter_column("version_id", existing_type=sa.Integer(), nullable=False)
        batch.create_index(batch.f("ix_credentials_version_id"), ["version_id"], unique=False)
        batch.create_foreign_key(batch.f("fk_credentials_version_id_achievement_versions"),
                                 "achievement_versions", ["version_id"], ["id"])
        batch.create_foreign_key(batch.f("fk_credentials_suspension_list_id_status_lists"),
                                 "status_lists", ["suspension_list_id"], ["id"])
        batch.create_unique_constraint(batch.f("uq_credentials_suspension_list_id_suspension_index"),
                                       ["suspension_list_id", "suspension_index"])


def _backfill_valid_until() -> None:
    """Copy each stored credential's validUntil into the new column (the document itself is not touched)."""
    credentials = sa.table("credentials", sa.column("id", sa.String()), sa.column("document", sa.LargeBinary()),
                           sa.column("valid_until", sa.DateTime(timezone=True)))
    connection = op.get_bind()
    for credential_id, document in connection.execute(sa.select(credentials.c.id, credentials.c.document)):
        until = json.loads(document).get("validUntil")
        if isinstance(until, str):
            instant = datetime.fromisoformat(until).astimezone(UTC)
            connection.execute(credentials.update().where(credentials.c.id == credential_id)
                               .values(valid_until=instant))


def _jobs_and_outbox() -> None:
    op.create_table(
        "cohort_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("file_digest", sa.String(length=64), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=False),
        sa.Column("notify", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("runner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["achievement_id"], ["achievements.id"],
                                name=op.f("fk_cohort_jobs_achievement_id_achievements")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_cohort_jobs_org_id_orgs")),
        sa.ForeignKeyConstraint(["version_id"], ["achievement_versions.id"],
                                name=op.f("fk_cohort_jobs_version_id_achievement_versions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_jobs")),
    )
    with op.batch_alter_table("cohort_jobs") as batch:
        batch.create_index(batch.f("ix_cohort_jobs_org_id"), ["org_id"], unique=False)
    op.create_table(
        "cohort_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("award_key", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=True),
        sa.Column("error_code", sa.String(length=80), nullable=True),
        sa.Column("error_column", sa.String(length=80), nullable=True),
        sa.Column("error_detail", sa.String(length=500), nullable=True),
        sa.Column("error_values", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"],
                                name=op.f("fk_cohort_rows_credential_id_credentials")),
        sa.ForeignKeyConstraint(["job_id"], ["cohort_jobs.id"], name=op.f("fk_cohort_rows_job_id_cohort_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_rows")),
        sa.UniqueConstraint("job_id", "line", name=op.f("uq_cohort_rows_job_id_line")),
    )
    with op.batch_alter_table("cohort_rows") as batch:
        batch.create_index(batch.f("ix_cohort_rows_job_id"), ["job_id"], unique=False)
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=320), nullable=True),
        sa.Column("to_display", sa.String(length=320), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"], name=op.f("fk_outbox_credential_id_credentials")),
        sa.ForeignKeyConstraint(["job_id"], ["cohort_jobs.id"], name=op.f("fk_outbox_job_id_cohort_jobs")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_outbox_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.create_index(batch.f("ix_outbox_org_id"), ["org_id"], unique=False)
        batch.create_index(batch.f("ix_outbox_credential_id"), ["credential_id"], unique=False)
        batch.create_index(batch.f("ix_outbox_job_id"), ["job_id"], unique=False)


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("cohort_rows")
    op.drop_table("cohort_jobs")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_constraint("uq_credentials_suspension_list_id_suspension_index", type_="unique")
        batch.drop_constraint("fk_credentials_suspension_list_id_status_lists", type_="foreignkey")
        batch.drop_constraint("fk_credentials_version_id_achievement_versions", type_="foreignkey")
        batch.drop_index("ix_credentials_version_id")
        for name in ("suspension_reason", "suspended_at", "valid_until", "suspension_index", "suspension_list_id",
                     "version_id"):
            batch.drop_column(name)
    op.drop_table("achievement_versions")
    with op.batch_alter_table("achievements") as batch:
        for name in ("archived_at", "version", "alignments", "tags", "credits", "hours", "image_generated",
                     "image_type"):
            batch.drop_column(name)
        batch.alter_column("image", new_column_name="image_png", existing_type=sa.LargeBinary(),
                           existing_nullable=True)
