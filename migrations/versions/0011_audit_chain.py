"""the audit log as a hash chain per organisation (sequence, previous hash, hash), its heads and signed checkpoints

Existing entries are chained in the order they were written (by id), each organisation from 1.

Revision ID: 0011
Revises: 0010
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.audit import GENESIS, entry_hash
from store.models import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_log = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("org_id", sa.Integer),
                sa.column("actor", sa.String), sa.column("action", sa.String), sa.column("target", sa.String),
                sa.column("detail", sa.JSON), sa.column("at", UtcDateTime()), sa.column("seq", sa.Integer),
                sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
_heads = sa.table("audit_heads", sa.column("org_id", sa.Integer), sa.column("seq", sa.Integer),
                  sa.column("hash", sa.String), sa.column("checkpoint_seq", sa.Integer))


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_heads",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("checkpoint_seq", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_audit_heads_org_id_orgs")),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_audit_heads")))
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_audit_checkpoints_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
        sa.UniqueConstraint("org_id", "seq", name=op.f("uq_audit_checkpoints_org_id_seq")))
    op.create_index(op.f("ix_audit_checkpoints_org_id"), "audit_checkpoints", ["org_id"], unique=False)
    _chain_existing(op.get_bind())
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(batch.f("uq_audit_log_org_id_seq"), ["org_id", "seq"])


def _chain_existing(conn: sa.Connection) -> None:
    """Number and hash every entry, organisation by organisation, in the order written; record each head."""
    heads: dict[int, tuple[int, str]] = {}
    rows = conn.execute(sa.select(_log.c.id, _log.c.org_id, _log.c.actor, _log.c.action, _log.c.target,
                                  _log.c.detail, _log.c.at).order_by(_log.c.id)).all()
    updates = []
    for row in rows:
        seq, prev = heads.get(row.org_id, (0, GENESIS))
        digest = entry_hash(org_id=row.org_id, seq=seq + 1, at=row.at, actor=row.actor, action=row.action,
                            target=row.target or "", detail=row.detail or {}, prev_hash=prev)
        updates.append({"row_id": row.id, "seq": seq + 1, "prev_hash": prev, "hash": digest})
        heads[row.org_id] = (seq + 1, digest)
    if updates:
        conn.execute(_log.update().where(_log.c.id == sa.bindparam("row_id"))
                     .values(seq=sa.bindparam("seq"), prev_hash=sa.bindparam("prev_hash"),
                             hash=sa.bindparam("hash")), updates)
        conn.execute(_heads.insert(), [{"org_id": org_id, "seq": seq, "hash": digest, "checkpoint_seq": 0}
                                       for org_id, (seq, digest) in heads.items()])


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint(batch.f("uq_audit_log_org_id_seq"), type_="unique")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
    op.drop_index(op.f("ix_audit_checkpoints_org_id"), table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_heads")
