"""Korean and English as OB 3.0 allows: each Achievement's `inLanguage` names the language of its text, and the
other language's version is a `Related` achievement (id, type, inLanguage, version), kept in the signed data."""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from flask.testing import FlaskClient

from badges.jsonld import canonicalize
from bootstrap.wiring import Services
from issuer import service
from store.db import transaction
from store.models import Org
from tests.factories import issue, make_org
from tests.test_ob3_conformance import BOTH, ENGLISH_ONLY, KOREAN_ONLY


def course_json(client: FlaskClient, public_id: str, lang: str) -> dict[str, Any]:
    """The hosted Achievement in `lang`, without its @context (as a credential embeds it)."""
    document = client.get(f"/achievements/{public_id}?format=json&lang={lang}").get_json()
    assert document.pop("@context") == ["https://www.w3.org/ns/credentials/v2",
                                         "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    return document


def embedded(client: FlaskClient, svc: Services, data: service.AchievementIn) -> tuple[str, dict[str, Any]]:
    """(course public id, the Achievement embedded in a credential issued for it)."""
    org, _ = make_org(svc, "acme")
    with transaction(svc.sessions) as session:
        course = service.create_achievement(session, org=session.get_one(Org, org.id), data=data, now=org.created_at)
    credential_id = issue(svc, org, course)
    document = json.loads(client.get(f"/credentials/{credential_id}.json").data)
    return course.public_id, document["credentialSubject"]["achievement"]


def test_an_english_only_course_is_embedded_in_english(client: FlaskClient, svc: Services) -> None:
    public_id, achievement = embedded(client, svc, ENGLISH_ONLY)
    assert (achievement["inLanguage"], achievement["name"]) == ("en", "Cloud Native Development")
    assert achievement["id"].endswith("/versions/1") and "related" not in achievement
    assert course_json(client, public_id, "ko") == achievement  # no Korean text: the English one, labelled so


def test_a_korean_only_course_never_calls_its_korean_text_english(client: FlaskClient, svc: Services) -> None:
    public_id, achievement = embedded(client, svc, KOREAN_ONLY)
    english = course_json(client, public_id, "en")
    assert (english["inLanguage"], english["name"]) == ("ko", "클라우드 네이티브 개발")
    assert english == achievement and "related" not in english


def test_a_bilingual_course_links_each_language_to_the_other(client: FlaskClient, svc: Services) -> None:
    public_id, achievement = embedded(client, svc, replace(BOTH, image=None))
    korean, english = course_json(client, public_id, "ko"), course_json(client, public_id, "en")
    assert korean == achievement and (korean["inLanguage"], korean["name"]) == ("ko", "클라우드 네이티브 개발")
    assert (english["inLanguage"], english["name"], english["description"], english["criteria"]["narrative"]) == (
        "en", "Cloud Native Development", "Deploying services on Kubernetes", "Passed the final project")
    assert english["id"] == f"{korean['id']}?lang=en"
    assert korean["related"] == [{"id": english["id"], "type": ["Related"], "inLanguage": "en", "version": "1"}]
    assert english["related"] == [{"id": korean["id"], "type": ["Related"], "inLanguage": "ko", "version": "1"}]
    assert all(isinstance(korean[k], str) for k in ("name", "description", "inLanguage"))  # no language maps


def test_the_other_language_survives_into_the_signed_data(client: FlaskClient, svc: Services) -> None:
    _, achievement = embedded(client, svc, replace(BOTH, image=None))
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2",
                               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
                  "type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": "did:web:x",
                  "validFrom": "2026-01-01T00:00:00Z",
                  "credentialSubject": {"type": ["AchievementSubject"], "achievement": achievement}}
    quads = canonicalize(credential)
    related = achievement["related"][0]["id"]
    assert f"<{related}> <https://schema.org/inLanguage> \"en\"" in quads
    assert "\"Cloud Native Development\"" not in quads  # the English text lives at its own URL
