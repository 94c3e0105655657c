"""One verification reads each of our own documents once, on one session, and still sees a revocation at once."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from badges.verify import verify_credential
from bootstrap.wiring import Services
from issuer import service
from store.credentials import get_credential
from store.db import transaction
from store.models import Org
from tests.factories import NOW, issue, make_course, make_org


@contextmanager
def statements(svc: Services) -> Iterator[list[str]]:
    """The SQL statements run on the app's engine meanwhile."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)
    event.listen(svc.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(svc.engine, "before_cursor_execute", record)


def test_a_verification_reads_the_did_document_and_each_status_list_once(svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    with transaction(svc.sessions) as session:
        document = get_credential(session, credential_id).document

    with statements(svc) as seen, svc.resolver.reading() as resolve:
        report = verify_credential(document, resolve=resolve, now=NOW)

    assert report.verified
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert sum("signing_keys" in s for s in reads) == 1  # asked for twice: the credential and its list
    assert sum("status_lists" in s for s in reads) == 1  # the revocation list (suspension is kept here)


def test_a_revocation_shows_in_the_next_verification(svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    with transaction(svc.sessions) as session:
        document = get_credential(session, credential_id).document
    with svc.resolver.reading() as resolve:
        assert verify_credential(document, resolve=resolve, now=NOW).verified

    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, actor="test", org=session.get_one(Org, org.id), credential_id=credential_id,
                       reason="잘못 발급됨", now=NOW)

    with svc.resolver.reading() as resolve:
        assert verify_credential(document, resolve=resolve, now=NOW).verdict == "revoked"


def test_a_first_scan_reads_the_credential_once_with_its_organisation_and_suspension(svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))

    with statements(svc) as seen, svc.resolver.reading() as resolve:
        document = resolve.stored_document(credential_id)
        report = verify_credential(document, resolve=resolve, now=NOW)
        assert resolve.issued_by(credential_id) == (org.id, org.did)

    assert report.verified
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert sum("FROM credentials" in s for s in reads) == 1  # not again for its issuer or its suspension


def test_a_suspension_after_a_first_scan_shows_in_the_next(svc: Services) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    with svc.resolver.reading() as resolve:
        document = resolve.stored_document(credential_id)
        assert verify_credential(document, resolve=resolve, now=NOW).verified

    with transaction(svc.sessions) as session:
        service.suspend(session, svc.issuing, actor="test", org=session.get_one(Org, org.id),
                        credential_id=credential_id, reason="확인 중", now=NOW)

    with svc.resolver.reading() as resolve:
        report = verify_credential(resolve.stored_document(credential_id), resolve=resolve, now=NOW)
    assert report.verdict != "valid"
    assert any(c.problem is not None and c.problem.code == "status.suspended" for c in report.checks)


def test_what_was_read_before_the_memory_forgot_is_not_kept(svc: Services) -> None:
    remembered = svc.resolver.remembered
    generation = remembered.generation
    remembered.forget()  # a change committed while the read was under way
    remembered.keep(("issued_by", "x"), (1, "did:web:old"), generation)
    assert remembered.get(("issued_by", "x"), lambda: (2, "did:web:new")) == (2, "did:web:new")
