"""The console's credentials list reads a page's ids first, then its rows (issuer.console_credentials._page): the
pages together list every credential once, newest first (ties by id), filters included."""
from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from bootstrap.wiring import Services
from issuer.console_credentials import PAGE
from store.db import transaction
from store.models import Credential
from tests.factories import NOW, enter_as, issue, make_course, make_org


def listed(client: FlaskClient, query: str) -> list[str]:
    """Every credential id the list shows, following its "older" links from page 1."""
    found: list[str] = []
    page = 1
    while True:
        html = client.get(f"/console/acme/credentials?{query}page={page}").get_data(as_text=True)
        found += re.findall(r'href="/console/acme/credentials/([0-9a-f-]{36})"', html)
        if f"page={page + 1}" not in html:
            return found
        page += 1


def test_pages_list_every_credential_once_in_order(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    for n in range(PAGE * 2 + 7):  # three pages; three instants shared by many, so ties are broken by id
        issue(svc, org, course, email=f"learner{n}@example.com", name="김민지" if n % 4 else "이서준",
              now=NOW + timedelta(hours=n % 3))
    enter_as(client, svc, org, email="owner@example.com", role="owner")
    with transaction(svc.sessions) as session:
        rows = session.execute(select(Credential.id, Credential.issued_at, Credential.recipient_name)).all()
    newest_first = [r.id for r in sorted(rows, key=lambda r: (r.issued_at, r.id), reverse=True)]

    assert listed(client, "") == newest_first
    assert listed(client, "q=이서준&") == [i for i in newest_first
                                          if next(r.recipient_name for r in rows if r.id == i) == "이서준"]
    html = client.get("/console/acme/credentials?page=99").get_data(as_text=True)
    assert "/console/acme/credentials/" not in html.split("<tbody", 1)[-1].split("</tbody>", 1)[0]
