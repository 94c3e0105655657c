"""who a credential was issued to, for the issuing organisation's own staff: the recipient's name and e-mail

The signed credential names the recipient only by a salted hash of the e-mail (and the name only when the
learner agreed to publish it), so the console could not tell two people of the same name apart. These columns
are the organisation's own record, never published; rows issued before are filled from the cohort rows and the
unsent outbox, where those still hold them.

Revision ID: 0012
Revises: 0019
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("recipient_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("recipient_email", sa.String(length=320), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("resent", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE credentials SET recipient_name = (SELECT MIN(r.name) FROM cohort_rows r "
               "WHERE r.credential_id = credentials.id), recipient_email = (SELECT MIN(r.email) FROM cohort_rows r "
               "WHERE r.credential_id = credentials.id)")
    op.execute("UPDATE credentials SET recipient_email = (SELECT MIN(o.to_address) FROM outbox o "
               "WHERE o.credential_id = credentials.id AND o.to_address IS NOT NULL) WHERE recipient_email IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("resent")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("recipient_email")
        batch.drop_column("recipient_name")
