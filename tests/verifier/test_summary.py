"""The summary shows only short text and safe links from a credential, whatever the credential holds."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from flask.testing import FlaskClient

from badges.verify import verify_credential
from bootstrap.wiring import Services
from tests.other_issuer import MemoryResolver, OtherIssuer
from verifier.summary import member_of, summarise


def test_the_summary_never_links_to_javascript_and_cuts_long_text(client: FlaskClient, svc: Services) -> None:
    issuer = OtherIssuer("https://other.example")
    credential = issuer.credential(with_status=False)
    credential["issuer"]["url"] = "javascript:alert(document.cookie)"
    credential["credentialSubject"]["achievement"]["description"] = "가" * 5000
    credential["credentialSubject"]["achievement"]["criteria"] = {"id": "data:text/html,<script>", "narrative": 42}
    report = verify_credential(json.dumps(credential), resolve=MemoryResolver(issuer),
                               now=datetime(2026, 3, 10, tzinfo=UTC))
    with svc.sessions() as session:
        summary = summarise(report, links=svc.issuing.links,
                            member=lambda did, issued: member_of(session, did, svc.issuing.links, issued))
    assert (summary.issuer_url, summary.criteria_url, summary.criteria) == (None, None, None)
    assert summary.description == "가" * 2000
    assert summary.verdict == "not_genuine" and summary.member is None


def test_the_report_page_escapes_what_the_credential_says(client: FlaskClient) -> None:
    issuer = OtherIssuer("https://other.example")
    credential = issuer.credential(with_status=False)
    credential["credentialSubject"]["name"] = "<script>alert(1)</script>"
    page = client.post("/verify", data={"credential": json.dumps(credential)}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
