"""Migration 0011 on a database with an audit log: the entries already written are chained in the order they were
written, each organisation from 1, the heads recorded, and appending carries on from there."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from issuer import audit, audit_verify
from store import audit as chain
from store.audit import GENESIS
from store.db import make_engine, session_factory, transaction
from store.models import Org
from tests.issuer.test_courses_migration import empty_url, migrate  # noqa: F401  (fixture)

NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


def test_existing_entries_are_chained_per_organisation_in_the_order_written(empty_url: str) -> None:
    migrate(empty_url, "0010")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            for org_id, slug in ((1, "acme"), (2, "beta")):
                conn.execute(text("INSERT INTO orgs (id, slug, did, name_ko, name_en, description_ko, description_en, "
                                  "created_at) VALUES (:id, :slug, :did, '이름', 'Name', '', '', :now)"),
                             {"id": org_id, "slug": slug, "did": f"did:web:x:{slug}", "now": NOW})
            for n, org_id in enumerate((1, 2, 1, 1, 2)):
                conn.execute(text("INSERT INTO audit_log (org_id, actor, action, target, detail, at) VALUES "
                                  "(:org, 'cli', 'course.create', :target, :detail, :at)"),
                             {"org": org_id, "target": f"t{n}", "detail": f'{{"name": "과정", "n": {n}}}',
                              "at": NOW + timedelta(seconds=n)})
        migrate(empty_url, "head")
        sessions = session_factory(engine)
        with transaction(sessions) as session:
            acme = chain.chain(session, 1)
            assert [(e.seq, e.target) for e in acme] == [(1, "t0"), (2, "t2"), (3, "t3")]
            assert acme[0].prev_hash == GENESIS and acme[1].prev_hash == acme[0].hash
            assert [(e.seq, e.target) for e in chain.chain(session, 2)] == [(1, "t1"), (2, "t4")]
            for org_id in (1, 2):
                assert audit_verify.verify_org(session, session.get_one(Org, org_id)).intact
        with transaction(sessions) as session:
            head = audit.record(session, org_id=1, actor="cli", action="key.rotate", target="key-2", now=NOW)
        assert head.seq == 4
        with transaction(sessions) as session:
            assert audit_verify.verify_org(session, session.get_one(Org, 1)).intact
    finally:
        engine.dispose()
