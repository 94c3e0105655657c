"""learners: what a share link shows (and its chosen badges), expiry reminders, renewals, an organisation's
reminder settings

Revision ID: 0013
Revises: 0018
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("share_links") as batch:  # links made before showed the badges put on the profile
        batch.add_column(sa.Column("shows", sa.String(length=10), nullable=False, server_default="profile"))
    op.create_table(
        "share_link_items",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["share_links.id"], name=op.f("fk_share_link_items_link_id_share_links")),
        sa.ForeignKeyConstraint(["item_id"], ["wallet_items.id"],
                                name=op.f("fk_share_link_items_item_id_wallet_items")),
        sa.PrimaryKeyConstraint("link_id", "item_id", name=op.f("pk_share_link_items")),
    )
    with op.batch_alter_table("orgs") as batch:
        batch.add_column(sa.Column("reminder_days", sa.String(length=40), nullable=False, server_default="30,7"))
        batch.add_column(sa.Column("remind_issuer", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("renews_id", sa.String(length=40), nullable=True))
        batch.create_foreign_key(batch.f("fk_credentials_renews_id_credentials"), "credentials", ["renews_id"], ["id"])
        batch.create_index(batch.f("ix_credentials_renews_id"), ["renews_id"], unique=False)
        batch.create_index(batch.f("ix_credentials_valid_until"), ["valid_until"], unique=False)
    op.create_table(
        "expiry_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"],
                                name=op.f("fk_expiry_reminders_credential_id_credentials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expiry_reminders")),
        sa.UniqueConstraint("credential_id", "days", "audience",
                            name=op.f("uq_expiry_reminders_credential_id_days_audience")),
    )


def downgrade() -> None:
    op.drop_table("expiry_reminders")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_index(batch.f("ix_credentials_valid_until"))
        batch.drop_index(batch.f("ix_credentials_renews_id"))
        batch.drop_constraint(batch.f("fk_credentials_renews_id_credentials"), type_="foreignkey")
        batch.drop_column("renews_id")
    with op.batch_alter_table("orgs") as batch:
        batch.drop_column("remind_issuer")
        batch.drop_column("reminder_days")
    op.drop_table("share_link_items")
    with op.batch_alter_table("share_links") as batch:
        batch.drop_column("shows")
