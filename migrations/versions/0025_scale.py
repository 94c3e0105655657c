"""Alliance scale: the console's credentials list read in its own order from an index

Revision ID: 0025
Revises: 0023
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the list's order (newest first, then id) within an organisation: the first page is the index's first 51
    # entries, and a deep page skips entries of this index only (issuer.console_credentials reads ids first)
    op.create_index("ix_credentials_org_issued", "credentials", ["org_id", sa.text("issued_at DESC"), "id"])


def downgrade() -> None:
    op.drop_index("ix_credentials_org_issued", table_name="credentials")
