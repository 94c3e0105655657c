"""Alliance scale: the console's credentials list read in its own order from an index

Revision ID: 0025
Revises: 0024
"""
from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the console list's order (newest first, ties by id, both descending) within an organisation, read backwards:
    # the first page is 51 index entries, and a deep page skips index entries only (issuer.console_credentials
    # reads a page's ids first)
    op.create_index("ix_credentials_org_issued", "credentials", ["org_id", "issued_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_credentials_org_issued", table_name="credentials")
