"""An assessment's credential, with a score and a level, verifies in Digital Bazaar's reference stack (node) as in
ours, and a changed score breaks its signature in both."""
from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from badges.jsonld import JsonObject
from badges.results import ResultIn
from badges.verify import verify_credential
from bootstrap.wiring import Services
from store import orgs
from store.db import transaction
from store.models import Credential, Org
from tests import ob3
from tests.interop.conftest import Reference
from tests.factories import issue, make_assessment, make_org

pytestmark = pytest.mark.node


def test_the_reference_verifies_a_topcit_result_and_refuses_a_changed_score(
        svc: Services, reference: Reference, bundled_contexts: dict[str, JsonObject]) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_assessment(svc, org),
                          results=(ResultIn("score", "720"), ResultIn("level", "Level 4")))
    with transaction(svc.sessions) as session:
        document = json.loads(session.get_one(Credential, credential_id).document)
        did_document = orgs.did_document(session.get_one(Org, org.id))
    assert ob3.problems(document) == [] and document["credentialSubject"]["result"][0]["value"] == "720"
    assert verify_credential(json.dumps(document), resolve=svc.resolver, now=datetime.now(UTC)).verdict == "valid"
    documents = {**bundled_contexts, org.did: did_document}
    assert reference({"mode": "verify", "credential": document, "documents": documents,
                      "statusUnrevoked": True}) == {"verified": True, "error": None}
    raised = copy.deepcopy(document)
    raised["credentialSubject"]["result"][0]["value"] = "990"
    assert reference({"mode": "verify", "credential": raised, "documents": documents,
                      "statusUnrevoked": True}) == {"verified": False, "error": "Invalid signature."}
    assert verify_credential(json.dumps(raised), resolve=svc.resolver, now=datetime.now(UTC)).verdict != "valid"
