"""the audit log as a hash chain per organisation (sequence, previous hash, hash), its heads and signed checkpoints;
cohort rows erase their e-mail addresses once done (erased_at) and are found by award key

Existing entries are chained in the order they were written (by id), each organisation from 1. Rows already
issued (or found issued) keep only the masked address from now on, as issuer.cohort_privacy does for new ones.

Revision ID: 0011
Revises: 0016
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from store.audit import GENESIS, entry_hash
from store.models import UtcDateTime

revision = "0011"
down_revision = "0016"
branch_labels = None
depends_on = None

_log = sa.table("audit_log", sa.column("id", sa.Integer), sa.column("org_id", sa.Integer),
                sa.column("actor", sa.String), sa.column("action", sa.String), sa.column("target", sa.String),
                sa.column("detail", sa.JSON), sa.column("at", UtcDateTime()), sa.column("seq", sa.Integer),
                sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
_rows = sa.table("cohort_rows", sa.column("id", sa.Integer), sa.column("email", sa.String),
                 sa.column("raw", sa.JSON), sa.column("state", sa.String), sa.column("erased_at", UtcDateTime()))
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
    with op.batch_alter_table("cohort_rows") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_cohort_rows_award_key"), ["award_key"], unique=False)
    _chain_existing(op.get_bind())
    _erase_done_rows(op.get_bind())
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


def _erase_done_rows(conn: sa.Connection) -> None:
    """The address of every issued or duplicate row masked (m***@example.com), in `email` and in `raw`."""
    now = datetime.now(UTC)
    changes = []
    for row in conn.execute(sa.select(_rows.c.id, _rows.c.email, _rows.c.raw)
                            .where(_rows.c.state.in_(("issued", "duplicate")))):
        email = (row.email or "").strip()
        if not email:
            continue
        local, _, domain = email.partition("@")
        masked = f"{local[:1]}***@{domain}"
        raw = {k: masked if isinstance(v, str) and v.strip().lower() == email.lower() else v
               for k, v in (row.raw or {}).items()}
        changes.append({"row_id": row.id, "email": masked, "raw": raw, "erased_at": now})
    if changes:
        conn.execute(_rows.update().where(_rows.c.id == sa.bindparam("row_id"))
                     .values(email=sa.bindparam("email"), raw=sa.bindparam("raw"),
                             erased_at=sa.bindparam("erased_at")), changes)


def downgrade() -> None:
    with op.batch_alter_table("cohort_rows") as batch:
        batch.drop_index(batch.f("ix_cohort_rows_award_key"))
        batch.drop_column("erased_at")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint(batch.f("uq_audit_log_org_id_seq"), type_="unique")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
    op.drop_index(op.f("ix_audit_checkpoints_org_id"), table_name="audit_checkpoints")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_heads")
