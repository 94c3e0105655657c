"""OpenID4VCI: credential offers, their c_nonces, and the holder-bound copies issued through them

Revision ID: 0015
Revises: 0017
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_copies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=False),
        sa.Column("holder_did", sa.String(length=300), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"],
                                name=op.f("fk_held_copies_credential_id_credentials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_copies")),
    )
    with op.batch_alter_table("held_copies") as batch:
        batch.create_index(batch.f("ix_held_copies_credential_id"), ["credential_id"], unique=False)
    op.create_table(
        "credential_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.String(length=40), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_code_failures", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_copy_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"],
                                name=op.f("fk_credential_offers_credential_id_credentials")),
        sa.ForeignKeyConstraint(["issued_copy_id"], ["held_copies.id"],
                                name=op.f("fk_credential_offers_issued_copy_id_held_copies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_offers")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_credential_offers_code_hash")),
        sa.UniqueConstraint("public_id", name=op.f("uq_credential_offers_public_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_credential_offers_token_hash")),
    )
    with op.batch_alter_table("credential_offers") as batch:
        batch.create_index(batch.f("ix_credential_offers_credential_id"), ["credential_id"], unique=False)
    op.create_table(
        "offer_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_nonces")),
        sa.UniqueConstraint("nonce_hash", name=op.f("uq_offer_nonces_nonce_hash")),
    )


def downgrade() -> None:
    op.drop_table("offer_nonces")
    with op.batch_alter_table("credential_offers") as batch:
        batch.drop_index(batch.f("ix_credential_offers_credential_id"))
    op.drop_table("credential_offers")
    with op.batch_alter_table("held_copies") as batch:
        batch.drop_index(batch.f("ix_held_copies_credential_id"))
    op.drop_table("held_copies")
