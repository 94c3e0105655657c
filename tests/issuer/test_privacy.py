"""The public credential holds only what the learner agreed to publish: the salted hash of their e-mail always,
their name only when the issuing request says so; the public page and QR landing still let an employer check
the holder by e-mail."""
from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bootstrap.wiring import Services
from issuer import jobs
from store.db import transaction
from store.models import Credential
from tests.factories import console_post, enter_as, make_course, make_org


@pytest.fixture
def acme(svc: Services) -> tuple[str, dict[str, str]]:
    org, token = make_org(svc, with_token=True)
    return make_course(svc, org).public_id, {"Authorization": f"Bearer {token}"}


def issue(client: FlaskClient, acme: tuple[str, dict[str, str]], **body: object) -> dict[str, object]:
    course, auth = acme
    response = client.post(f"/api/v1/achievements/{course}/credentials", headers=auth,
                           json={"recipient": {"name": "이서준", "email": "seojun@example.com"}, **body})
    assert response.status_code == 201
    return response.get_json()


def test_by_default_the_credential_names_the_holder_only_by_a_hash_of_their_e_mail(
        client: FlaskClient, acme: tuple[str, dict[str, str]]) -> None:
    document = issue(client, acme)
    raw = client.get(document["id"].removeprefix("http://badges.test") + ".json").get_data(as_text=True)
    assert "이서준" not in raw and "seojun" not in raw.lower()
    assert "name" not in json.loads(raw)["credentialSubject"]
    credential_id = document["id"].rsplit("/", 1)[1]
    page = client.get(f"/credentials/{credential_id}?lang=ko").get_data(as_text=True)
    assert "이서준" not in page and "이름 비공개" in page and f'href="http://badges.test/v/{credential_id}#holder"' in page
    landing = client.get(f"/v/{credential_id}?email=seojun@example.com").get_data(as_text=True)
    assert "이서준" not in landing
    checked = client.post("/api/v1/verify", json={"credential": document, "recipientEmail": "SeoJun@example.com"})
    assert checked.get_json()["verdict"] == "valid"


def test_the_name_is_published_when_the_request_says_the_learner_agreed(
        client: FlaskClient, acme: tuple[str, dict[str, str]]) -> None:
    document = issue(client, acme, publishName=True)
    assert document["credentialSubject"]["name"] == "이서준"
    page = client.get(f"/credentials/{document['id'].rsplit('/', 1)[1]}").get_data(as_text=True)
    assert "이서준" in page


def test_a_cohort_publishes_names_only_when_asked(app: Flask, client: FlaskClient,
                                                  acme: tuple[str, dict[str, str]]) -> None:
    course, auth = acme
    for n, publish in enumerate((False, True)):
        client.post(f"/api/v1/achievements/{course}/cohorts", headers=auth, json={
            "rows": [{"name": f"수강생{n}", "email": f"p{n}@example.com", "completedAt": "2026-02-27"}],
            "publishName": publish})
        assert app.extensions[jobs.EXTENSION].wait(60)
    with transaction(app.extensions["badges"].sessions) as session:
        names = sorted(json.loads(d)["credentialSubject"].get("name", "") for d in
                       session.scalars(select(Credential.document)))
    assert names == ["", "수강생1"]


def test_the_console_form_publishes_the_name_only_when_ticked(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    enter_as(client, svc, org, email="lee@acme.example", role="issuer")
    form = {"course": course.public_id, "name": "김민지", "completed": "2026-02-27"}
    for email, tick in (("a@example.com", ""), ("b@example.com", "1")):
        location = console_post(client, "/console/acme/issue", {**form, "email": email, "publish_name": tick})
        credential_id = location.headers["Location"].rsplit("/", 1)[1]
        subject = json.loads(client.get(f"/credentials/{credential_id}.json").data)["credentialSubject"]
        assert subject.get("name") == ("김민지" if tick else None)
