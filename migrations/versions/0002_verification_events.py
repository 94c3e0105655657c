"""verification events; credentials findable by a keyed hash of the e-mail

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("recipient_lookup", sa.String(length=64), nullable=False, server_default=""))
        batch.create_index(batch.f("ix_credentials_recipient_lookup"), ["recipient_lookup"], unique=False)
        batch.drop_index("ix_credentials_recipient_hash")
    with op.batch_alter_table("credentials") as batch:
        batch.alter_column("recipient_lookup", server_default=None)
    op.create_table(
        "verification_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"],
                                name=op.f("fk_verification_events_credential_id_credentials")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_verification_events_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_events")),
    )
    with op.batch_alter_table("verification_events") as batch:
        batch.create_index(batch.f("ix_verification_events_org_id"), ["org_id"], unique=False)
        batch.create_index(batch.f("ix_verification_events_credential_id"), ["credential_id"], unique=False)


def downgrade() -> None:
    op.drop_table("verification_events")
    with op.batch_alter_table("credentials") as batch:
        batch.create_index("ix_credentials_recipient_hash", ["recipient_hash"], unique=False)
        batch.drop_index(batch.f("ix_credentials_recipient_lookup"))
        batch.drop_column("recipient_lookup")
