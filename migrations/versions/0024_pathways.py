"""Pathways across members: tracks and their required achievements

Revision ID: 0024
Revises: 0023
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pathways",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("name_ko", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_pathways_org_id_orgs")),
        sa.ForeignKeyConstraint(["achievement_id"], ["achievements.id"],
                                name=op.f("fk_pathways_achievement_id_achievements")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathways")),
        sa.UniqueConstraint("public_id", name=op.f("uq_pathways_public_id")),
    )
    op.create_index(op.f("ix_pathways_org_id"), "pathways", ["org_id"])
    op.create_table(
        "pathway_requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("minimum", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pathway_id"], ["pathways.id"],
                                name=op.f("fk_pathway_requirements_pathway_id_pathways")),
        sa.ForeignKeyConstraint(["achievement_id"], ["achievements.id"],
                                name=op.f("fk_pathway_requirements_achievement_id_achievements")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_requirements")),
        sa.UniqueConstraint("pathway_id", "achievement_id",
                            name=op.f("uq_pathway_requirements_pathway_id_achievement_id")),
    )
    op.create_index(op.f("ix_pathway_requirements_pathway_id"), "pathway_requirements", ["pathway_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pathway_requirements_pathway_id"), table_name="pathway_requirements")
    op.drop_table("pathway_requirements")
    op.drop_index(op.f("ix_pathways_org_id"), table_name="pathways")
    op.drop_table("pathways")
