"""Migration 0010 on a database with badges: a client's `id` moves from the award-key column to request_id, award
keys stay where they are, and the same id can then name one request per organisation only."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from store.db import make_engine
from tests.issuer.test_courses_migration import empty_url, migrate, seed_before_0006  # noqa: F401  (fixture)


def test_client_ids_move_to_request_id_and_award_keys_stay(empty_url: str) -> None:
    migrate(empty_url, "0005")
    engine = make_engine(empty_url)
    try:
        seed_before_0006(engine)
        migrate(empty_url, "0009")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO credentials (id, org_id, achievement_id, version_id, recipient_hash, "
                              "recipient_lookup, status_list_id, status_index, request_hash, document, issued_at) "
                              "SELECT 'c2', org_id, achievement_id, version_id, 'h', 'l', 1, 1, 'r', document, "
                              "issued_at FROM credentials WHERE id = 'c1'"))
            conn.execute(text("UPDATE credentials SET idempotency_key = 'lms-42' WHERE id = 'c1'"))
            conn.execute(text("UPDATE credentials SET idempotency_key = 'award:abc' WHERE id = 'c2'"))
        migrate(empty_url, "head")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, idempotency_key, request_id FROM credentials ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("c1", None, "lms-42"), ("c2", "award:abc", None)]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE credentials SET request_id = 'lms-42' WHERE id = 'c2'"))
    finally:
        engine.dispose()
