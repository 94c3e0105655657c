"""Plain functions that make test data through the real services (real keys, real signatures)."""
from __future__ import annotations

import json
import re
import secrets
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from badges import proofs, status
from badges.jsontext import to_json
from badges.model import Recipient
from badges.results import Level, ResultIn, ResultSpec
from bootstrap.wiring import Services
from issuer import awards, service, staff, tokens
from issuer.console import STAFF
from store import membership
from store.console import Role, StaffUser
from store.db import transaction
from store.models import Achievement, Credential, Org
from web.security import CSRF_FIELD, generation_key

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def make_org(svc: Services, slug: str = "acme", *, with_token: bool = False,
             scopes: tuple[str, ...] = tokens.SCOPES, member: bool = False) -> tuple[Org, str | None]:
    """A new organisation (and an API token with `scopes` when asked; an active training member of the alliance
    with `member`)."""
    with transaction(svc.sessions) as session:
        org = service.create_org(session, svc.issuing, slug=slug, name_ko=f"{slug} 아카데미",
                                 name_en=f"{slug.title()} Academy", url=f"https://{slug}.example", now=NOW)
        if member:
            membership.enrol(session, org=org, role=membership.MemberRole.TRAINING,
                             kind=membership.MemberKind.COMPANY, actor="test", now=NOW)
        token = tokens.create_api_token(session, org=org, label="test", now=NOW,
                                        scopes=scopes) if with_token else None
    return org, token


def make_course(svc: Services, org: Org, *, valid_months: int | None = None, **fields: Any) -> Achievement:
    """A course of `org` with Korean and English text (`fields` override AchievementIn's, e.g. tags=...)."""
    data = service.AchievementIn(
        name_ko="클라우드 네이티브 개발", name_en="Cloud Native Development",
        description_ko="쿠버네티스로 서비스를 배포하는 과정", description_en="Deploying services on Kubernetes",
        criteria_ko="최종 프로젝트 통과", criteria_en="Passed the final project", valid_months=valid_months)
    with transaction(svc.sessions) as session:
        return service.create_achievement(session, org=session.get_one(Org, org.id), now=NOW,
                                          data=replace(data, **fields))


def issue(svc: Services, org: Org, course: Achievement, *, email: str = "minji.kim@example.com",
          name: str = "김민지", now: datetime = NOW, publish_name: bool = True,
          results: tuple[ResultIn, ...] = ()) -> str:
    """Issue one badge (its name published unless told otherwise, with an assessment's `results`); returns the
    credential id."""
    with transaction(svc.sessions) as session:
        issued = awards.issue_one(session, svc.issuing, org=session.get_one(Org, org.id), actor="test", now=now,
                                  achievement=session.get_one(Achievement, course.id),
                                  award=service.Award(Recipient(name, email, publish_name=publish_name),
                                                      results=results))
        return issued.credential.id


def issue_with_two_status_entries(svc: Services, org: Org, course: Achievement, **kwargs: Any) -> str:
    """A badge as the service issued them before OB 3.0 conformance: revocation and suspension entries (an
    array), the suspension list in the row; returns the credential id."""
    credential_id = issue(svc, org, course, **kwargs)
    with transaction(svc.sessions) as session:
        row, stored_org = session.get_one(Credential, credential_id), session.get_one(Org, org.id)
        [(suspension, index)] = service._allocate(session, svc.issuing, stored_org, "suspension", NOW, 1)
        unsigned = {k: v for k, v in json.loads(row.document).items() if k != "proof"}
        unsigned["credentialStatus"] = [unsigned["credentialStatus"], status.status_entry(
            list_url=svc.issuing.links.status_list(stored_org.slug, suspension.id), index=index,
            purpose="suspension")]
        signed = proofs.sign(unsigned, signer=service.signer(svc.issuing, stored_org),
                             created=kwargs.get("now", NOW))
        row.document, row.suspension_list_id, row.suspension_index = to_json(signed), suspension.id, index
    return credential_id


TOPCIT = (ResultSpec("score", "ScaledScore", "TOPCIT 점수", "TOPCIT score", value_min="0", value_max="1000"),
          ResultSpec("level", "RubricCriterionLevel", "TOPCIT 수준", "TOPCIT level",
                     levels=tuple(Level(str(n), f"수준 {n}", f"Level {n}") for n in range(1, 6))))


def make_assessment(svc: Services, org: Org) -> Achievement:
    """A TOPCIT-like assessment of `org`: a score 0-1000 and levels 1-5."""
    return make_course(svc, org, name_ko="TOPCIT 정기평가", name_en="TOPCIT assessment",
                       achievement_type="Assessment", result_descriptions=TOPCIT)


PASSWORD = "correct horse battery staple"


def make_staff(svc: Services, org: Org | None, *, email: str, role: str = "owner") -> StaffUser:
    """A console account (password PASSWORD) with `role` in `org` (no membership when org is None)."""
    with transaction(svc.sessions) as session:
        person = staff.create_staff(session, email=email, name=email.split("@")[0], password=PASSWORD, now=NOW)
        if org is not None:
            staff.grant(session, staff=person, org=session.get(Org, org.id), role=Role(role), now=NOW)
        return person


def csrf_token(client: FlaskClient, path: str = "/console/sign-in") -> str:
    """The CSRF token the page at `path` puts in its forms."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match[1]


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    """Sign a console account in on `client`."""
    return client.post("/console/sign-in", data={"email": email, "password": password,
                                                 "csrf_token": csrf_token(client)})


def console_post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
    """POST a console form with the session's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client)}, **kwargs)



def enter_as(client: FlaskClient, svc: Services, org: Org, *, email: str, role: str = "issuer") -> StaffUser:
    """A member of `org` with `role`, signed in on `client` by session (argon2's deliberate slowness is skipped:
    the sign-in form itself is tested in tests/issuer/test_console_auth.py)."""
    with transaction(svc.sessions) as session:
        person = StaffUser(email=email, name=email.split("@")[0], password_hash="!", created_at=NOW)
        session.add(person)
        session.flush()
        staff.grant(session, staff=person, org=session.get_one(Org, org.id), role=Role(role), now=NOW)
    with client.session_transaction() as cookie:
        cookie[STAFF] = person.id
        cookie[generation_key(STAFF)] = person.session_generation
        cookie[CSRF_FIELD] = secrets.token_urlsafe(32)
    return person
