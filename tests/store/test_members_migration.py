"""Migration 0022 on a database with organisations: each becomes an active training member from the day it was
created, with that as its first history entry; the platform's own organisation does not."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from store.db import make_engine
from store.membership import MemberState, member_at, member_now
from tests.issuer.test_courses_migration import empty_url, migrate

__all__ = ["empty_url"]  # the fixture, on both databases


def test_existing_organisations_become_active_training_members(empty_url: str) -> None:
    migrate(empty_url, "0021")
    engine = make_engine(empty_url)
    created = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            for i, slug in ((1, "acme"), (2, "alliance")):
                conn.execute(text("INSERT INTO orgs (id, slug, did, name_ko, name_en, description_ko, description_en, "
                                  "created_at) VALUES (:id, :slug, :did, '이름', 'Name', '', '', :now)"),
                             {"id": i, "slug": slug, "did": f"did:web:x:{slug}", "now": created})
        migrate(empty_url, "head")
        with Session(engine) as session:
            acme = member_now(session, 1)
            assert acme is not None and (acme.role, acme.kind, acme.state) == ("training", "company", "active")
            assert acme.joined_at == created
            assert member_at(session, 1, created) is MemberState.ACTIVE
            assert member_at(session, 1, datetime(2026, 3, 1, tzinfo=UTC)) is None
            assert member_now(session, 2) is None  # the platform is the alliance, not a member of it
    finally:
        engine.dispose()
