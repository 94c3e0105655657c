"""Sessions that only read (store.db.read_only: the verifier's, the lookup key's) on PostgreSQL: autocommit, so a
read is one round trip and no transaction stays open between reads (a long verification keeps no snapshot that
would hold back VACUUM); each read sees what was committed before it, as under READ COMMITTED in a transaction.
On SQLite they are DEFERRED transactions (a WAL snapshot), which the verifier's tests cover."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from bootstrap.wiring import Services
from store.db import read_only, session_factory, transaction
from store.models import Org
from tests.factories import make_org


def test_a_read_session_sees_each_commit_and_holds_no_transaction(svc: Services) -> None:
    if svc.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's read sessions only")
    readers = session_factory(read_only(svc.engine))
    with readers() as session:
        assert session.scalar(select(Org.id).where(Org.slug == "acme")) is None
        raw = session.connection().connection.dbapi_connection
        assert raw is not None and raw.info.transaction_status.name == "IDLE"  # type: ignore[attr-defined]
        make_org(svc, "acme")  # committed by another session while this one is open
        assert session.scalar(select(Org.id).where(Org.slug == "acme")) is not None
    with transaction(svc.sessions) as session:  # the writers' sessions are transactions as before
        session.execute(text("SELECT 1"))
        raw = session.connection().connection.dbapi_connection
        assert raw is not None and raw.info.transaction_status.name == "INTRANS"  # type: ignore[attr-defined]
