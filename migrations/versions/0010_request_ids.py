"""an API client's request id kept apart from the award key, so both apply to one credential

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=200), nullable=True))
        batch.create_unique_constraint(batch.f("uq_credentials_org_id_request_id"), ["org_id", "request_id"])
    # until now a client's `id` sat where award keys do; award keys all begin with "award:"
    op.execute("UPDATE credentials SET request_id = idempotency_key, idempotency_key = NULL "
               "WHERE idempotency_key IS NOT NULL AND idempotency_key NOT LIKE 'award:%'")


def downgrade() -> None:
    op.execute("UPDATE credentials SET idempotency_key = request_id "
               "WHERE request_id IS NOT NULL AND idempotency_key IS NULL")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_constraint(batch.f("uq_credentials_org_id_request_id"), type_="unique")
        batch.drop_column("request_id")
