"""Migration 0006 on a database that already has courses and badges: each course becomes its own version 1,
its badges point at it, and their expiry is copied from the signed documents (which are not touched)."""
from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from store.db import MIGRATIONS, make_engine

PG_ADMIN = os.environ.get("BADGES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DOCUMENT = {"id": "http://badges.test/credentials/c1", "validUntil": "2028-03-02T09:30:00Z"}


def migrate(url: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, revision)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    name = f"badges_migration_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def seed_before_0006(engine: Engine) -> None:
    """One organisation, one course and one badge as the schema before 0006 stored them."""
    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO orgs (id, slug, did, name_ko, name_en, description_ko, description_en, "
                          "created_at) VALUES (1, 'acme', 'did:web:x', '아크미', 'Acme', '', '', :now)"), {"now": now})
        conn.execute(text("INSERT INTO achievements (id, public_id, org_id, achievement_type, name_ko, name_en, "
                          "description_ko, description_en, criteria_ko, criteria_en, image_png, valid_months, "
                          "created_at) VALUES (1, 'course-1', 1, 'Course', '과정', 'Course', 'd', 'd', 'c', 'c', "
                          ":png, 24, :now)"), {"png": b"\x89PNG old", "now": now})
        conn.execute(text("INSERT INTO status_lists (id, org_id, purpose, length, multiplier, \"offset\", "
                          "allocated, bits, updated_at) VALUES (1, 1, 'revocation', 8, 3, 0, 1, :bits, :now)"),
                     {"bits": b"\0", "now": now})
        conn.execute(text("INSERT INTO credentials (id, org_id, achievement_id, recipient_hash, recipient_lookup, "
                          "status_list_id, status_index, request_hash, document, issued_at) VALUES ('c1', 1, 1, "
                          "'h', 'l', 1, 0, 'r', :doc, :now)"), {"doc": json.dumps(DOCUMENT).encode(), "now": now})


def test_existing_courses_and_badges_are_carried_into_versions(empty_url: str) -> None:
    migrate(empty_url, "0005")
    engine = make_engine(empty_url)
    try:
        seed_before_0006(engine)
        migrate(empty_url, "head")
        with engine.connect() as conn:
            course = conn.execute(text("SELECT version, image, image_type, image_generated, tags, archived_at "
                                       "FROM achievements")).one()
            version = conn.execute(text("SELECT id, achievement_id, version, name_ko, image, valid_months "
                                        "FROM achievement_versions")).one()
            badge = conn.execute(text("SELECT version_id, valid_until, suspension_list_id, document "
                                      "FROM credentials")).one()
    finally:
        engine.dispose()
    assert (course.version, bytes(course.image), course.image_type, bool(course.image_generated)) == (
        1, b"\x89PNG old", "image/png", True)
    assert (json.loads(course.tags) if isinstance(course.tags, str) else course.tags) == []
    assert (version.achievement_id, version.version, version.name_ko, bytes(version.image), version.valid_months) == (
        1, 1, "과정", b"\x89PNG old", 24)
    assert badge.version_id == version.id and badge.suspension_list_id is None
    until = badge.valid_until if isinstance(badge.valid_until, datetime) else datetime.fromisoformat(badge.valid_until)
    until = until.astimezone(UTC) if until.tzinfo else until.replace(tzinfo=UTC)
    assert until == datetime(2028, 3, 2, 9, 30, tzinfo=UTC)
    assert json.loads(bytes(badge.document)) == DOCUMENT
