"""wallet: learners, their e-mail addresses, wallet items, share links, sign-in failures

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("did", sa.String(length=100), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learners")),
        sa.UniqueConstraint("did", name=op.f("uq_learners_did")),
    )
    op.create_table(
        "learner_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("verified_address", sa.String(length=320), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"], name=op.f("fk_learner_emails_learner_id_learners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learner_emails")),
        sa.UniqueConstraint("learner_id", "address", name=op.f("uq_learner_emails_learner_id_address")),
        sa.UniqueConstraint("verified_address", name=op.f("uq_learner_emails_verified_address")),
    )
    with op.batch_alter_table("learner_emails") as batch:
        batch.create_index(batch.f("ix_learner_emails_learner_id"), ["learner_id"], unique=False)
    op.create_table(
        "wallet_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("credential_key", sa.String(length=500), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=True),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("source_url", sa.String(length=1000), nullable=True),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("image", sa.LargeBinary(), nullable=True),
        sa.Column("recipient_confirmed", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("report", sa.LargeBinary(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("on_profile", sa.Boolean(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"],
                                name=op.f("fk_wallet_items_credential_id_credentials")),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"], name=op.f("fk_wallet_items_learner_id_learners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_items")),
        sa.UniqueConstraint("learner_id", "credential_key", name=op.f("uq_wallet_items_learner_id_credential_key")),
        sa.UniqueConstraint("public_id", name=op.f("uq_wallet_items_public_id")),
    )
    with op.batch_alter_table("wallet_items") as batch:
        batch.create_index(batch.f("ix_wallet_items_learner_id"), ["learner_id"], unique=False)
        batch.create_index(batch.f("ix_wallet_items_credential_id"), ["credential_id"], unique=False)
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["wallet_items.id"], name=op.f("fk_share_links_item_id_wallet_items")),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"], name=op.f("fk_share_links_learner_id_learners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
        sa.UniqueConstraint("token", name=op.f("uq_share_links_token")),
    )
    with op.batch_alter_table("share_links") as batch:
        batch.create_index(batch.f("ix_share_links_learner_id"), ["learner_id"], unique=False)
        batch.create_index(batch.f("ix_share_links_item_id"), ["item_id"], unique=False)
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lookup", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
    )
    with op.batch_alter_table("sign_in_failures") as batch:
        batch.create_index(batch.f("ix_sign_in_failures_lookup"), ["lookup"], unique=False)


def downgrade() -> None:
    op.drop_table("sign_in_failures")
    op.drop_table("share_links")
    op.drop_table("wallet_items")
    op.drop_table("learner_emails")
    op.drop_table("learners")
