"""Cohorts, bulk status changes and the outbox through the JSON API, and the OpenAPI document describing them."""
from __future__ import annotations

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from bootstrap.openapi import document
from bootstrap.wiring import Services
from issuer import jobs
from tests.factories import make_course, make_org

ROWS = [{"name": "김민지", "email": "minji@example.com", "completedAt": "2026-02-27"},
        {"name": "박지우", "email": "jiwoo(at)example.com", "completedAt": "2026-02-27"},
        {"name": "Alex Kim", "email": "alex@example.com"}]


@pytest.fixture
def acme(svc: Services) -> tuple[str, dict[str, str]]:
    org, token = make_org(svc, with_token=True)
    return make_course(svc, org).public_id, {"Authorization": f"Bearer {token}"}


def conforms(answer: object, schema_name: str) -> None:
    """The answer matches the schema the OpenAPI document gives for it."""
    spec = document()
    jsonschema.Draft202012Validator({**spec["components"]["schemas"][schema_name],
                                     "components": spec["components"]}).validate(answer)


def test_a_cohort_is_issued_in_the_background_and_reported_row_by_row(
        app: Flask, client: FlaskClient, acme: tuple[str, dict[str, str]]) -> None:
    course, auth = acme
    response = client.post(f"/api/v1/achievements/{course}/cohorts", headers=auth,
                           json={"rows": ROWS, "completedAt": "2026-02-28"})
    assert response.status_code == 202
    assert app.extensions[jobs.EXTENSION].wait(60)
    job = client.get(response.headers["Location"], headers=auth).get_json()
    conforms(job, "CohortJob")
    assert (job["state"], job["issued"], job["invalid"], job["total"]) == ("done", 2, 1, 3)
    assert [r["state"] for r in job["rows"]] == ["issued", "invalid", "issued"]
    assert job["rows"][1]["problem"]["column"] == "email" and "이메일 주소가 아닙니다" in job["rows"][1]["problem"]["message"]
    issued = client.get(job["rows"][2]["credential"].removeprefix("http://badges.test") + ".json").get_json()
    assert issued["credentialSubject"]["activityEndDate"] == "2026-02-28T00:00:00Z"

    again = client.post(f"/api/v1/achievements/{course}/cohorts", headers=auth, json={"rows": ROWS})
    assert app.extensions[jobs.EXTENSION].wait(60)
    repeat = client.get(again.headers["Location"], headers=auth).get_json()
    assert (repeat["issued"], repeat["duplicate"]) == (0, 1)  # the third row now defaults to no date: invalid


def test_a_dry_run_checks_the_rows_and_keeps_nothing(client: FlaskClient, acme: tuple[str, dict[str, str]]) -> None:
    course, auth = acme
    response = client.post(f"/api/v1/achievements/{course}/cohorts", headers=auth,
                           json={"rows": ROWS, "completedAt": "2026-02-28", "dryRun": True})
    assert response.status_code == 200
    checked = response.get_json()
    conforms(checked, "CohortJob")
    assert (checked["state"], checked["id"], checked["pending"], checked["invalid"]) == ("checked", None, 2, 1)
    assert client.get("/api/v1/cohorts/1", headers=auth).status_code == 404


def test_bulk_suspension_and_reinstatement_through_the_api(client: FlaskClient,
                                                           acme: tuple[str, dict[str, str]]) -> None:
    course, auth = acme
    ids = [client.post(f"/api/v1/achievements/{course}/credentials", headers=auth, json={
        "recipient": {"name": f"P{i}", "email": f"p{i}@example.com"}}).get_json()["id"].rsplit("/", 1)[1]
        for i in range(2)]
    answer = client.post("/api/v1/credentials/bulk", headers=auth,
                         json={"action": "suspend", "ids": [*ids, "missing"], "reason": "재확인"}).get_json()
    conforms(answer, "BulkResult")
    assert [(r["ok"], r.get("state")) for r in answer["results"]] == [(True, "suspended"), (True, "suspended"),
                                                                      (False, None)]
    assert answer["results"][2]["problem"]["code"] == "credential.not_found"
    state = client.post(f"/api/v1/credentials/{ids[0]}/reinstate", headers=auth).get_json()
    conforms(state, "CredentialState")
    assert state["state"] == "active"
    assert client.get(f"/api/v1/credentials/{ids[1]}", headers=auth).get_json()["suspensionReason"] == "재확인"


def test_status_changes_need_the_revoke_scope(client: FlaskClient, svc: Services) -> None:
    org, token = make_org(svc, with_token=True, scopes=("read", "issue"))
    course = make_course(svc, org)
    auth = {"Authorization": f"Bearer {token}"}
    issued = client.post(f"/api/v1/achievements/{course.public_id}/credentials", headers=auth, json={
        "recipient": {"name": "A", "email": "a@example.com"}}).get_json()["id"].rsplit("/", 1)[1]
    for path, body in ((f"/api/v1/credentials/{issued}/suspend", {"reason": "x"}),
                       ("/api/v1/credentials/bulk", {"action": "revoke", "ids": [issued], "reason": "x"})):
        assert client.post(path, headers=auth, json=body).status_code == 403


def test_the_outbox_lists_unsent_mail_and_retries_it(app: Flask, client: FlaskClient,
                                                     acme: tuple[str, dict[str, str]]) -> None:
    course, auth = acme  # no SMTP server is configured: the send fails and is kept
    told = client.post(f"/api/v1/achievements/{course}/credentials", headers=auth, json={
        "recipient": {"name": "A", "email": "alex@example.com"}, "notify": True})
    assert told.status_code == 201 and told.headers["Notification-State"] == "failed"
    [mail] = client.get("/api/v1/outbox", headers=auth).get_json()
    assert (mail["to"], mail["state"], mail["attempts"]) == ("a***@example.com", "failed", 1)
    assert "BADGES_SMTP_URL" in mail["error"]
    [retried] = client.post("/api/v1/outbox/retry", headers=auth, json={}).get_json()
    assert (retried["state"], retried["attempts"]) == ("failed", 2)


def test_the_openapi_document_describes_the_issuing_api_and_stays_valid(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    for path in ("/api/v1/achievements/{publicId}/versions", "/api/v1/achievements/{publicId}/cohorts",
                 "/api/v1/cohorts/{jobId}", "/api/v1/credentials/{credentialId}/suspend",
                 "/api/v1/credentials/bulk", "/api/v1/outbox/retry", "/api/v1/verify"):
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    assert all(operation["responses"] for item in spec["paths"].values() for operation in item.values())


def test_every_issuing_route_of_the_api_is_in_the_openapi_document(app: Flask) -> None:
    documented = {(path, method.upper()) for path, item in document()["paths"].items() for method in item}
    served = {(rule.rule.replace("<public_id>", "{publicId}").replace("<credential_id>", "{credentialId}")
               .replace("<id:job_id>", "{jobId}"), method)
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith(("issuer_api.", "issuer_api_cohorts."))
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert _expand(served) <= documented, _expand(served) - documented


def _expand(routes: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Routes with an <any(...)> part written out, one per choice."""
    out = set()
    for path, method in routes:
        if "<any(archive, restore):action>" in path:
            out |= {(path.replace("<any(archive, restore):action>", a), method) for a in ("archive", "restore")}
        else:
            out.add((path, method))
    return out
