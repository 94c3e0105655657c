"""Our CLR 2.0 transcripts in Digital Bazaar's reference verifier (vc + data-integrity, run in node): the platform's
proof over the ClrCredential, and each badge inside by its own issuer's proof."""
from __future__ import annotations

import copy

import pytest

from badges.jsonld import JsonObject
from bootstrap.wiring import Services
from store import orgs
from store.db import transaction
from tests.clr.test_clr import signed_clr, three_badges
from tests.interop.conftest import Reference

pytestmark = pytest.mark.node
CHECKED_AT = "2026-03-03T00:00:00Z"


def did_documents(svc: Services, dids: set[str]) -> dict[str, JsonObject]:
    with transaction(svc.sessions) as session:
        return {did: orgs.did_document_of(session, did) for did in dids}  # type: ignore[misc]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_reference_verifies_our_clr_and_every_badge_inside(
        reference: Reference, bundled_contexts: dict[str, JsonObject], svc: Services) -> None:
    badges = three_badges(svc)
    doc = signed_clr(svc, badges)
    documents = {**bundled_contexts, **did_documents(svc, {doc["issuer"]["id"], *(b["issuer"]["id"] for b in badges)})}
    answer = reference({"mode": "verify", "credential": doc, "documents": documents, "now": CHECKED_AT})
    assert answer == {"verified": True, "error": None}
    for badge in doc["credentialSubject"]["verifiableCredential"]:
        answer = reference({"mode": "verify", "credential": badge, "documents": documents, "now": CHECKED_AT,
                            "statusUnrevoked": True})
        assert answer == {"verified": True, "error": None}
    changed = copy.deepcopy(doc)
    changed["credentialSubject"]["verifiableCredential"][2]["credentialSubject"]["achievement"]["name"] = "위조"
    answer = reference({"mode": "verify", "credential": changed, "documents": documents, "now": CHECKED_AT})
    assert answer["verified"] is False
