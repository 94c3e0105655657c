"""signing keys kept in a PKCS#11 token: each key's custody and token reference; an org's custody for new keys

Revision ID: 0016
Revises: 0015
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

CUSTODY = ("(custody = 'software' AND sealed IS NOT NULL AND token_key_id IS NULL) OR "
           "(custody = 'pkcs11' AND sealed IS NULL AND token_label IS NOT NULL AND token_key_id IS NOT NULL)")


def upgrade() -> None:
    with op.batch_alter_table("signing_keys") as batch:
        batch.add_column(sa.Column("custody", sa.String(length=16), server_default="software", nullable=False))
        batch.add_column(sa.Column("token_label", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("token_key_id", sa.String(length=64), nullable=True))
        batch.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=True)
        batch.create_check_constraint("ck_signing_keys_custody", CUSTODY)
    with op.batch_alter_table("orgs") as batch:
        batch.add_column(sa.Column("key_custody", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # a key in a token has nothing to seal, and dropping it would unpublish its signatures: refuse
    in_tokens = op.get_bind().scalar(sa.text("SELECT count(*) FROM signing_keys WHERE custody <> 'software'"))
    if in_tokens:
        raise RuntimeError(f"{in_tokens} signing key(s) are kept in a PKCS#11 token; the schema before 0016 "
                           "cannot record them, so it is not downgraded.")
    with op.batch_alter_table("orgs") as batch:
        batch.drop_column("key_custody")
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_constraint("ck_signing_keys_custody", type_="check")
        batch.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("token_key_id")
        batch.drop_column("token_label")
        batch.drop_column("custody")
