"""Ids beyond what the database holds (INTEGER) are a 404 on every route that takes one, and a status list URL
naming such an id is a status that could not be checked, never a 500 (SQLite overflows past 64 bits)."""
from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from sqlalchemy.orm import selectinload

from badges import proofs
from bootstrap.wiring import Services
from issuer import service
from store.db import transaction
from store.models import Credential, Org
from tests.factories import NOW, issue, make_course, make_org
from tests.issuer.test_console_auth import enter_console, make_member
from tests.issuer.test_isolation import ARGUMENT, METHODS, send, url_map

HUGE = ["2147483648", "9223372036854775808", "99999999999999999999999"]


def id_routes() -> list[tuple[str, str]]:
    """(rule, method) of every route with an <id:...> argument."""
    return sorted((rule.rule, method) for rule in url_map() if "<id:" in rule.rule
                  for method in sorted((rule.methods or set()) & METHODS))


def fill(rule: str, slug: str, course: str, number: str) -> str:
    """The rule's path with `number` for every id, the organisation and course for their arguments."""
    def value(match: re.Match[str]) -> str:
        if match["converter"] == "id":
            return number
        if match["converter"] == "any":
            return match["args"].split(",")[0].strip().strip("'\"")
        return {"org_slug": slug, "slug": slug, "public_id": course}.get(match["name"], "x")
    return ARGUMENT.sub(value, rule)


def test_the_walk_finds_every_kind_of_id_route() -> None:
    rules = {rule for rule, _ in id_routes()}
    assert len(rules) >= 14
    assert [rule.rule for rule in url_map() if "<int:" in rule.rule] == []  # <id:...> everywhere instead
    assert {"/orgs/<slug>/status/<id:list_id>", "/achievements/<public_id>/versions/<id:number>",
            "/api/v1/cohorts/<id:job_id>", "/console/<org_slug>/cohorts/<id:job_id>"} <= rules


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize("rule, method", id_routes())
def test_an_id_beyond_the_database_range_is_not_found(app: Flask, svc: Services, rule: str, method: str,
                                                       number: str) -> None:
    org, token = make_org(svc, with_token=True)
    course = make_course(svc, org)
    client = app.test_client()
    enter_console(client, make_member(svc, org, email="owner@acme.example"))
    path = fill(rule, org.slug, course.public_id, number)
    response = send(client, method, path) if not path.startswith("/api/") else \
        client.open(path, method=method, json={}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404, f"{method} {path}"


@pytest.mark.parametrize("rule, method", id_routes())
def test_the_largest_id_the_database_holds_is_looked_up_and_not_found(app: Flask, svc: Services, rule: str,
                                                                       method: str) -> None:
    org, token = make_org(svc, with_token=True)
    course = make_course(svc, org)
    client = app.test_client()
    enter_console(client, make_member(svc, org, email="owner@acme.example"))
    path = fill(rule, org.slug, course.public_id, "2147483647")
    response = send(client, method, path) if not path.startswith("/api/") else \
        client.open(path, method=method, json={}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, f"{method} {path}"


@pytest.mark.parametrize("query", ["?before=99999999999999999999999", "?page=99999999999999999999999"])
def test_console_query_ids_beyond_the_range_are_ignored(app: Flask, svc: Services, query: str) -> None:
    org, _ = make_org(svc)
    client = app.test_client()
    enter_console(client, make_member(svc, org, email="owner@acme.example"))
    page = "audit" if "before" in query else "credentials"
    assert client.get(f"/console/{org.slug}/{page}{query}").status_code == 200


def test_the_outbox_retry_refuses_ids_beyond_the_range(app: Flask, svc: Services) -> None:
    _org, token = make_org(svc, with_token=True)
    answer = app.test_client().post("/api/v1/outbox/retry", json={"ids": [99999999999999999999999]},
                                    headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 422


@pytest.mark.parametrize("number", HUGE)
def test_verifying_a_credential_that_names_a_status_list_beyond_the_range_reports_unknown(
        app: Flask, svc: Services, number: str) -> None:
    org, _ = make_org(svc)
    credential_id = issue(svc, org, make_course(svc, org))
    with transaction(svc.sessions) as session:
        stored = session.get_one(Org, org.id, options=[selectinload(Org.keys)])
        doc = json.loads(session.get_one(Credential, credential_id).document)
        doc.pop("proof")
        entries = doc["credentialStatus"] if isinstance(doc["credentialStatus"], list) else [doc["credentialStatus"]]
        for entry in entries:
            entry["statusListCredential"] = re.sub(r"/status/\d+$", f"/status/{number}", entry["statusListCredential"])
        signed = proofs.sign(doc, signer=service.signer(svc.issuing, stored), created=NOW)
    answer = app.test_client().post("/api/v1/verify", json={"credential": signed})
    assert answer.status_code == 200
    checks = {c["id"]: c["outcome"] for c in answer.json["checks"]}
    assert checks["proof"] == "passed" and checks["status"] == "unknown"
