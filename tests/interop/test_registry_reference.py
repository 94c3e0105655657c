"""The DCC verifier (@digitalcredentials/verifier-core, from npm) reads our member registry
(/alliance/registry.json, dcc-legacy format) from a live server: a member's badge is from a registered issuer;
a badge of an organisation that is not a member, or of another issuer altogether, is not."""
from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

from badges import model
from badges.jsonld import JsonObject
from issuer.dlc import grant
from store.db import transaction
from store.models import Credential
from tests import ob3
from tests.conftest import LiveServer
from tests.factories import issue, make_course, make_org
from tests.interop.conftest import INTEROP, TIMEOUT_S
from tests.other_issuer import OtherIssuer

REGISTERED_ISSUER = "registered_issuer"


def dcc_verify(node: str, server: LiveServer, credential: JsonObject, documents: dict[str, Any]) -> dict[str, Any]:
    """verifier-core's answer for `credential`, with our registry as its one known registry (`documents`: the
    contexts, and another issuer's DID document and status list, served by URL)."""
    schemas = {model.SCHEMA_BASE + path.name: json.loads(path.read_bytes()) for path in ob3.SCHEMAS.glob("*.json")}
    request = {"credential": credential, "http": server.url, "documents": {**schemas, **documents},
               "registries": [{"name": "Alliance member issuers", "type": "dcc-legacy",
                               "url": f"{server.url}/alliance/registry.json"}]}
    done = subprocess.run([node, str(INTEROP / "registry.mjs")], input=json.dumps(request), capture_output=True,
                          text=True, timeout=TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def step(answer: dict[str, Any], step_id: str) -> dict[str, Any]:
    found = [entry for entry in answer.get("log", []) if entry.get("id") == step_id]
    assert found, f"no {step_id} step in {json.dumps(answer)[:2000]}"
    return found[0]


def certified_badge(server: LiveServer, slug: str) -> JsonObject:
    """A badge of a new member certified in the Digital Leaders Club (so it carries the alliance's endorsement)."""
    svc, now = server.services, datetime.now(UTC)
    org, _ = make_org(svc, slug, member=True)
    with transaction(svc.sessions) as session:
        grant(session, svc.issuing, svc.platform.identity, slug=slug, valid_until=now + timedelta(days=365), now=now)
    credential_id = issue(svc, org, make_course(svc, org), now=datetime.now(UTC))
    with transaction(svc.sessions) as session:
        document: JsonObject = json.loads(session.get_one(Credential, credential_id).document)
    return document


def test_a_members_badge_is_from_a_registered_issuer(live_server: LiveServer, node: str,
                                                     bundled_contexts: dict[str, JsonObject]) -> None:
    make_org(live_server.services, "acme", member=True)  # another member
    member_badge = certified_badge(live_server, "beta")
    assert member_badge["issuer"]["endorsement"][0]["type"][1] == "EndorsementCredential"
    answer = dcc_verify(node, live_server, member_badge, bundled_contexts)
    assert "errors" not in answer, answer.get("errors")
    registered = step(answer, REGISTERED_ISSUER)
    assert registered["valid"] is True and registered["uncheckedRegistries"] == []
    [match] = registered["matchingIssuers"]
    assert match["issuer"]["federation_entity"]["organization_name"] == "beta 아카데미"
    assert match["registry"]["federation_entity"]["organization_name"] == "Alliance member issuers"
    assert step(answer, "valid_signature")["valid"] is True


def test_a_non_members_badge_is_not(live_server: LiveServer, node: str,
                                    bundled_contexts: dict[str, JsonObject]) -> None:
    outsider = OtherIssuer("https://other-issuer.example")  # its own did:web, in no registry
    published = {url: json.loads(body) for url, (_, body) in outsider.documents.items()
                 if body.lstrip().startswith(b"{")}
    answer = dcc_verify(node, live_server, outsider.data_integrity(), {**bundled_contexts, **published})
    assert step(answer, "valid_signature")["valid"] is True
    registered = step(answer, REGISTERED_ISSUER)
    assert registered["valid"] is False and registered["matchingIssuers"] == []
    assert registered["uncheckedRegistries"] == []  # the registry was read: the issuer is just not in it
