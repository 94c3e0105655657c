"""The alliance's members: memberships with their history, and applications to join. Every organisation that
exists (other than the platform's own) becomes an active training member, joined when it was created.

Revision ID: 0022
Revises: 0021
"""
from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alliance_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_alliance_members_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alliance_members")),
        sa.UniqueConstraint("org_id", name=op.f("uq_alliance_members_org_id")),
    )
    op.create_table(
        "membership_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_membership_changes_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_changes")),
    )
    op.create_index(op.f("ix_membership_changes_org_id"), "membership_changes", ["org_id"])
    op.create_table(
        "member_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_ko", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_member_applications_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_applications")),
    )
    op.create_index(op.f("ix_member_applications_state"), "member_applications", ["state"])
    platform = os.environ.get("BADGES_PLATFORM_SLUG") or "alliance"
    orgs = sa.table("orgs", sa.column("id", sa.Integer), sa.column("slug", sa.String),
                    sa.column("created_at", sa.DateTime(timezone=True)))
    members = sa.table("alliance_members", *(sa.column(c) for c in (
        "org_id", "role", "kind", "state", "joined_at", "changed_at")))
    changes = sa.table("membership_changes", *(sa.column(c) for c in ("org_id", "state", "at", "actor", "reason")))
    existing = op.get_bind().execute(sa.select(orgs.c.id, orgs.c.created_at).where(orgs.c.slug != platform)).all()
    if existing:
        op.bulk_insert(members, [{"org_id": i, "role": "training", "kind": "company", "state": "active",
                                  "joined_at": at, "changed_at": at} for i, at in existing])
        op.bulk_insert(changes, [{"org_id": i, "state": "active", "at": at, "actor": "migration", "reason": ""}
                                 for i, at in existing])


def downgrade() -> None:
    op.drop_index(op.f("ix_member_applications_state"), table_name="member_applications")
    op.drop_table("member_applications")
    op.drop_index(op.f("ix_membership_changes_org_id"), table_name="membership_changes")
    op.drop_table("membership_changes")
    op.drop_table("alliance_members")
