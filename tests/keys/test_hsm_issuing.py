"""An organisation whose keys live in a PKCS#11 token (SoftHSM2): every credential and status list is signed
there, rotation keeps old keys published, the database names keys and never holds them; SQLite and PostgreSQL."""
from __future__ import annotations

import json
from dataclasses import replace

import pkcs11
import pytest
from flask.testing import FlaskClient
from pkcs11 import Attribute, KeyType, ObjectClass
from sqlalchemy import func, select

import keys
from badges import multikey, status
from badges.errors import Unavailable
from bootstrap.app import create_app
from bootstrap.wiring import Services
from issuer import service
from keys.hsm import TokenConfig
from store.db import transaction
from store.models import Credential, Org, SigningKey
from tests.factories import NOW, issue, make_course, make_org
from tests.issuer.test_console_auth import csrf, enter_console, make_member
from tests.softhsm import LABEL, PIN, hsm_settings, softhsm  # noqa: F401  (fixtures)
from web.settings import Settings


@pytest.fixture
def settings(settings: Settings, softhsm: TokenConfig) -> Settings:
    """The shared settings, with new keys made in this test's token."""
    return hsm_settings(settings, softhsm)


def stored_keys(svc: Services, org: Org) -> list[SigningKey]:
    with transaction(svc.sessions) as session:
        return list(session.scalars(select(SigningKey).where(SigningKey.org_id == org.id).order_by(SigningKey.id)))


def verify(client: FlaskClient, document: bytes) -> str:
    return client.post("/api/v1/verify", data=document, content_type="application/json").get_json()["verdict"]


def test_the_database_names_the_key_in_the_token_and_never_holds_it(svc: Services, client: FlaskClient,
                                                                   softhsm: TokenConfig) -> None:
    org, _ = make_org(svc)
    [key] = stored_keys(svc, org)
    assert (key.custody, key.sealed, key.token_label) == (keys.PKCS11, None, LABEL)
    assert len(bytes.fromhex(key.token_key_id or "")) == 16
    did = client.get("/orgs/acme/did.json").get_json()
    assert [m["publicKeyMultibase"] for m in did["verificationMethod"]] == [key.public_multibase]
    with pkcs11.lib(softhsm.module).get_token(token_label=LABEL).open() as session:  # logged in by the app already
        public = session.get_key(object_class=ObjectClass.PUBLIC_KEY, key_type=KeyType.EC_EDWARDS,
                                 id=bytes.fromhex(key.token_key_id or ""))
        assert public[Attribute.LABEL] == f"badges {org.did}#key-1"
        assert public[Attribute.EC_POINT][2:] == multikey.public_key(key.public_multibase).public_bytes_raw()


def test_issue_revoke_and_rotate_all_sign_in_the_token_and_verify(client: FlaskClient, svc: Services) -> None:
    org, token = make_org(svc, with_token=True)
    course = make_course(svc, org)
    first = issue(svc, org, course)
    other = issue(svc, org, course, email="other@example.com")
    document = client.get(f"/credentials/{first}.json").data
    assert json.loads(document)["proof"]["verificationMethod"] == f"{org.did}#key-1"
    assert verify(client, document) == "valid"
    entry = json.loads(document)["credentialStatus"]
    list_path = entry["statusListCredential"].removeprefix("http://badges.test")
    before = client.get(list_path).get_json()

    revoked = client.post(f"/api/v1/credentials/{first}/revoke", json={"reason": "부정행위 확인"},
                          headers={"Authorization": f"Bearer {token}"})

    assert revoked.status_code == 200
    after = client.get(list_path).get_json()
    assert after["proof"]["proofValue"] != before["proof"]["proofValue"]
    assert after["proof"]["verificationMethod"] == f"{org.did}#key-1"
    assert status.get_bit(status.decode_list(after["credentialSubject"]["encodedList"]), int(entry["statusListIndex"]))
    assert verify(client, document) == "revoked"

    with transaction(svc.sessions) as session:
        rotated = service.rotate_key(session, svc.issuing, org=session.get_one(Org, org.id), now=NOW)
        assert rotated.custody == keys.PKCS11
    second = issue(svc, org, course, email="second@example.com")
    second_document = client.get(f"/credentials/{second}.json").data
    assert json.loads(second_document)["proof"]["verificationMethod"] == f"{org.did}#key-2"
    assert verify(client, second_document) == "valid"
    other_document = client.get(f"/credentials/{other}.json").data
    assert verify(client, other_document) == "valid"  # signed by key-1, which stays in did.json
    did = client.get("/orgs/acme/did.json").get_json()
    assert did["assertionMethod"] == [f"{org.did}#key-1", f"{org.did}#key-2"]
    assert client.post(f"/api/v1/credentials/{other}/revoke", json={"reason": "철회"},
                       headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get(list_path).get_json()["proof"]["verificationMethod"] == f"{org.did}#key-2"
    assert verify(client, other_document) == "revoked"
    assert [k.token_key_id is not None and k.sealed is None for k in stored_keys(svc, org)] == [True, True]


def test_software_and_token_custody_side_by_side(svc: Services, client: FlaskClient) -> None:
    with transaction(svc.sessions) as session:
        sealed = service.create_org(session, svc.issuing, slug="sealed", name_ko="봉인 아카데미",
                                    name_en="Sealed Academy", now=NOW, key_custody=keys.SOFTWARE)
    in_token, _ = make_org(svc, "in-token")
    [sealed_key], [token_key] = stored_keys(svc, sealed), stored_keys(svc, in_token)
    assert sealed_key.custody == keys.SOFTWARE and sealed_key.sealed and sealed_key.token_key_id is None
    assert token_key.custody == keys.PKCS11 and token_key.sealed is None
    for org in (sealed, in_token):
        credential_id = issue(svc, org, make_course(svc, org))
        assert verify(client, client.get(f"/credentials/{credential_id}.json").data) == "valid"
    with transaction(svc.sessions) as session:  # an org's choice holds for its later keys too
        assert service.rotate_key(session, svc.issuing, org=session.get_one(Org, sealed.id), now=NOW).custody \
            == keys.SOFTWARE
        moved = service.rotate_key(session, svc.issuing, org=session.get_one(Org, sealed.id), now=NOW,
                                   custody=keys.PKCS11)
        assert moved.custody == keys.PKCS11


def test_a_wrong_pin_is_a_clear_503_and_nothing_is_written(settings: Settings, svc: Services) -> None:
    org, token = make_org(svc, with_token=True)
    course = make_course(svc, org)
    assert settings.pkcs11 is not None and svc.issuing.token is not None
    svc.issuing.token.close()  # logs out: a PKCS#11 login is the process's, and another app here would share it
    wrong = create_app(replace(settings, pkcs11=replace(settings.pkcs11, pin="0000-0000")))
    try:
        response = wrong.test_client().post(
            f"/api/v1/achievements/{course.public_id}/credentials",
            json={"recipient": {"name": "이서준", "email": "seojun@example.com"}},
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "ko"})
        assert response.status_code == 503
        problem = response.get_json()
        assert problem["code"] == "keys.hsm_pin_incorrect" and "PIN" in problem["message"]
        assert "0000-0000" not in response.get_data(as_text=True) and PIN not in response.get_data(as_text=True)
        wrong_svc: Services = wrong.extensions["badges"]
        with pytest.raises(Unavailable, match="refused the PIN"), transaction(wrong_svc.sessions) as session:
            service.create_org(session, wrong_svc.issuing, slug="never", name_ko="없음", name_en="None", now=NOW)
    finally:
        wrong.extensions["badges"].engine.dispose()
    with transaction(svc.sessions) as session:
        assert session.scalar(select(func.count()).select_from(Credential)) == 0
        assert session.scalar(select(func.count()).select_from(Org).where(Org.slug == "never")) == 0


def test_a_key_in_a_token_with_no_token_configured_says_so(settings: Settings, svc: Services) -> None:
    org, _ = make_org(svc)
    course = make_course(svc, org)
    without = create_app(replace(settings, pkcs11=None, key_custody=keys.SOFTWARE))
    try:
        with pytest.raises(Unavailable) as caught:
            issue(without.extensions["badges"], org, course)
        assert caught.value.code == "keys.hsm_not_configured"
    finally:
        without.extensions["badges"].engine.dispose()


def test_the_owner_rotates_in_the_console_and_sees_where_each_key_is_kept(client: FlaskClient, svc: Services) -> None:
    org, _ = make_org(svc)
    enter_console(client, make_member(svc, org, email="owner@acme.example"))
    rotated = client.post("/console/acme/keys/rotate", data={"csrf_token": csrf(client, "/console/acme/keys")})
    assert rotated.status_code == 302
    page = client.get("/console/acme/keys?lang=en").get_data(as_text=True)
    assert page.count(f"Kept in the hardware security module token &#39;{LABEL}&#39;; it never leaves it") == 2
    assert [k.custody for k in stored_keys(svc, org)] == [keys.PKCS11, keys.PKCS11]
