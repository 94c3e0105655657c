"""Employers' verification workspace: batches of candidates' credentials and one row per checked item

Revision ID: 0021
Revises: 0020
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspace_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("runner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_workspace_batches_org_id_orgs")),
        sa.ForeignKeyConstraint(["created_by"], ["staff_users.id"],
                                name=op.f("fk_workspace_batches_created_by_staff_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_batches")),
    )
    op.create_index(op.f("ix_workspace_batches_org_id"), "workspace_batches", ["org_id"])
    op.create_index(op.f("ix_workspace_batches_expires_at"), "workspace_batches", ["expires_at"])
    op.create_table(
        "workspace_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("input", sa.LargeBinary(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=True),
        sa.Column("failed_check", sa.String(length=20), nullable=True),
        sa.Column("problem_code", sa.String(length=100), nullable=True),
        sa.Column("problem_detail", sa.String(length=500), nullable=True),
        sa.Column("holder_name", sa.String(length=300), nullable=True),
        sa.Column("achievement_name", sa.String(length=300), nullable=True),
        sa.Column("issuer_name", sa.String(length=300), nullable=True),
        sa.Column("issuer_id", sa.String(length=300), nullable=True),
        sa.Column("member_slug", sa.String(length=64), nullable=True),
        sa.Column("member_name_ko", sa.String(length=200), nullable=True),
        sa.Column("member_name_en", sa.String(length=200), nullable=True),
        sa.Column("credential_id", sa.String(length=40), nullable=True),
        sa.Column("source", sa.LargeBinary(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["workspace_batches.id"],
                                name=op.f("fk_workspace_items_batch_id_workspace_batches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_items")),
    )
    op.create_index(op.f("ix_workspace_items_batch_id"), "workspace_items", ["batch_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_workspace_items_batch_id"), table_name="workspace_items")
    op.drop_table("workspace_items")
    op.drop_index(op.f("ix_workspace_batches_expires_at"), table_name="workspace_batches")
    op.drop_index(op.f("ix_workspace_batches_org_id"), table_name="workspace_batches")
    op.drop_table("workspace_batches")
