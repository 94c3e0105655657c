"""records that survive anything: the recipient lookup key stored sealed (it outlives KEK rotations), and a
status list's capacity (how many indexes it hands out; its published length is unchanged)

Revision ID: 0014
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instance_secrets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_secrets")),
    )
    with op.batch_alter_table("status_lists") as batch:
        batch.add_column(sa.Column("capacity", sa.Integer(), nullable=True))  # None: every index of the list


def downgrade() -> None:
    with op.batch_alter_table("status_lists") as batch:
        batch.drop_column("capacity")
    op.drop_table("instance_secrets")
