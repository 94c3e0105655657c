"""Every app process keeps what verification reads in memory (store.freshness), yet a revocation, a suspension or
a reinstatement committed by another process is reported by all of them within the stated bound, one second."""
from __future__ import annotations

import json
import time
import urllib.request

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from bootstrap.wiring import Services
from issuer import service
from store.credentials import get_credential
from store.db import transaction
from store.models import Org, VerificationEvent
from tests.factories import NOW, issue, make_course, make_org

BOUND = 1.0  # seconds: what README promises for a change to reach every process


def verdicts(base: str, document: bytes, times: int) -> set[str]:
    """The verdicts of `times` verifications of `document` through the cluster's workers."""
    found = set()
    for _ in range(times):
        request = urllib.request.Request(f"{base}/api/v1/verify", data=document, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            found.add(json.loads(response.read())["verdict"])
    return found


def test_a_change_made_by_another_process_reaches_every_worker_within_the_bound(
        cluster: tuple[str, Services]) -> None:
    base, svc = cluster
    org, _ = make_org(svc, "acme")
    credential_id = issue(svc, org, make_course(svc, org))
    with svc.sessions() as session:
        document = get_credential(session, credential_id).document
    assert verdicts(base, document, 30) == {"valid"}  # every worker has read (and keeps) the list

    for change, expected in (("suspend", "suspended"), ("reinstate", "valid"), ("revoke", "revoked")):
        with transaction(svc.sessions) as session:
            acme = session.get_one(Org, org.id)
            if change == "reinstate":
                service.reinstate(session, svc.issuing, org=acme, credential_id=credential_id, actor="test", now=NOW)
            else:
                getattr(service, change)(session, svc.issuing, org=acme, credential_id=credential_id,
                                         reason="test", actor="test", now=NOW)
        time.sleep(BOUND)
        assert verdicts(base, document, 30) == {expected}, change


def test_the_landing_page_of_a_revoked_badge_says_so_on_every_worker_within_the_bound(
        cluster: tuple[str, Services]) -> None:
    base, svc = cluster
    org, _ = make_org(svc, "acme")
    credential_id = issue(svc, org, make_course(svc, org))

    def landing_verdicts() -> set[str]:
        found = set()
        for _ in range(30):
            with urllib.request.urlopen(f"{base}/v/{credential_id}", timeout=30) as response:
                found.add(response.read().decode().split('data-verdict="', 1)[1].split('"', 1)[0])
        return found
    assert landing_verdicts() == {"valid"}  # every worker keeps the badge, its list and its issuer
    with transaction(svc.sessions) as session:
        service.revoke(session, svc.issuing, org=session.get_one(Org, org.id), credential_id=credential_id,
                       reason="test", actor="test", now=NOW)
    time.sleep(BOUND)
    assert landing_verdicts() == {"revoked"}


@pytest.fixture
def statements(svc: Services) -> list[str]:
    seen: list[str] = []
    event.listen(svc.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def reads_of_a_verification(client: FlaskClient, document: bytes, statements: list[str]) -> list[str]:
    """The SELECTs (the stamp's aside) that verifying `document` through the API made; it must be valid."""
    statements.clear()
    assert client.post("/api/v1/verify", data=document, content_type="application/json").get_json()[
        "verdict"] == "valid"
    return [s for s in statements if s.lstrip().upper().startswith("SELECT") and "published_state" not in s]


def test_a_warm_verification_reads_nothing_it_remembers(client: FlaskClient, svc: Services,
                                                        statements: list[str]) -> None:
    org, _ = make_org(svc, "acme")
    credential_id = issue(svc, org, make_course(svc, org))
    document = client.get(f"/credentials/{credential_id}.json").data
    reads_of_a_verification(client, document, statements)
    reads = reads_of_a_verification(client, document, statements)
    assert reads == [], reads  # DID document, status list, suspension, issuer and member all remembered
    assert svc.events.flush() == 2  # the genuine verifications are counted, written in a batch (verifier.events)
    with transaction(svc.sessions) as session:
        assert session.scalar(select(func.count()).select_from(VerificationEvent)) == 2


def test_a_first_verification_of_a_badge_reads_its_row_once(client: FlaskClient, svc: Services,
                                                             statements: list[str]) -> None:
    """Its issuer's documents already seen, a badge's first verification through the API reads its credential's
    row once: the suspension and the organisation that counts it come from the same statement."""
    org, _ = make_org(svc, "acme")
    course = make_course(svc, org)
    issued = [issue(svc, org, course, email=f"learner{n}@example.kr") for n in range(2)]
    with transaction(svc.sessions) as session:
        seen, new = (get_credential(session, credential_id).document for credential_id in issued)
    svc.resolver.remembered.forget()  # as a process that did not issue them (issuing here remembers their rows)
    svc.resolver.documents.forget()
    reads_of_a_verification(client, seen, statements)  # its issuer's DID document, status list, membership
    reads = reads_of_a_verification(client, new, statements)
    assert len(reads) == 1 and "FROM credentials" in reads[0], reads
    assert svc.events.flush() == 2  # and both are counted
