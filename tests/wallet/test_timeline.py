"""The wallet page reads its entries from summaries kept per credential (wallet.timeline): they show what the
whole documents show (course, results, image), a second view reads no credential document, and an imported badge
is read from its own row."""
from __future__ import annotations

import json

from flask.testing import FlaskClient
from sqlalchemy import event

from badges.results import ResultIn, summary
from bootstrap.wiring import Services
from store.db import transaction
from store.wallet import verified_email
from tests.factories import issue, make_assessment, make_course, make_org
from tests.wallet.foreign import foreign_issuer
from tests.wallet.people import Mailbox, post, sign_up
from wallet import service, timeline


def test_the_timeline_shows_what_the_whole_documents_show(client: FlaskClient, svc: Services,
                                                          mailbox: Mailbox) -> None:
    org, _ = make_org(svc, "acme")
    issue(svc, org, make_assessment(svc, org), email="minji@example.com",
          results=(ResultIn("score", "720"), ResultIn("level", "Level 4")))
    issue(svc, org, make_course(svc, org, tags=["Kubernetes"]), email="minji@example.com")
    sign_up(client, mailbox, address="minji@example.com")
    with foreign_issuer(name="Busan Coding School") as busan:
        credential = busan.credential(email="minji@example.com", name="김민지", title="Python 기초", hours=40,
                                      tags=["Python"])
        assert post(client, "/wallet/import", {"credential": json.dumps(credential, ensure_ascii=False)}
                    ).status_code == 302
    client.get("/wallet")  # collects the issued badges (and shows the welcome once)
    first = client.get("/wallet").get_data(as_text=True)
    assert "720" in first and "Kubernetes" in first and "Busan Coding School" in first
    with transaction(svc.sessions) as session:
        email = verified_email(session, "minji@example.com")
        assert email is not None
        whole = service.entries(session, email.learner_id)
        kept = timeline.Summaries()
        shown = timeline.entries(session, email.learner_id, kept=kept)
        assert len(shown) == len(whole) == 3
        for a, b in zip(shown, whole, strict=True):
            assert a.item.id == b.item.id and a.course == b.course
            subject, full = a.document.get("credentialSubject", {}), b.document.get("credentialSubject", {})
            assert summary(subject.get("achievement"), subject) == summary(full.get("achievement"), full)
            assert a.issued_image(svc.issuing.links) == b.issued_image(svc.issuing.links)
        assert sum(1 for e in whole if e.item.credential_id and kept.get(e.item.credential_id)) == 2

    read: list[str] = []

    def documents_read(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "credentials.document" in statement or "wallet_items.document" in statement:
            read.append(statement)

    event.listen(svc.engine, "before_cursor_execute", documents_read)
    try:
        again = client.get("/wallet").get_data(as_text=True)
    finally:
        event.remove(svc.engine, "before_cursor_execute", documents_read)
    assert again.replace(csrf(again), "") == first.replace(csrf(first), "")
    assert len(read) == 1  # the imported badge's own row; the issued ones come from the summaries


def csrf(page: str) -> str:
    marker = 'name="csrf_token" value="'
    start = page.find(marker)
    return page[start:page.find('"', start + len(marker))] if start >= 0 else "\0"
