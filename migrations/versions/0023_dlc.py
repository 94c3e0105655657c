"""Digital Leaders Club certifications: the alliance's EndorsementCredentials about member issuers

Revision ID: 0023
Revises: 0022
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dlc_certifications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_list_id", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=500), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_dlc_certifications_org_id_orgs")),
        sa.ForeignKeyConstraint(["status_list_id"], ["status_lists.id"],
                                name=op.f("fk_dlc_certifications_status_list_id_status_lists")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dlc_certifications")),
        sa.UniqueConstraint("status_list_id", "status_index",
                            name=op.f("uq_dlc_certifications_status_list_id_status_index")),
    )
    op.create_index(op.f("ix_dlc_certifications_org_id"), "dlc_certifications", ["org_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_dlc_certifications_org_id"), table_name="dlc_certifications")
    op.drop_table("dlc_certifications")
