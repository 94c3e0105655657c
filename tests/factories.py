"""Plain functions that make test data through the real services (real keys, real signatures)."""
from __future__ import annotations

from datetime import datetime, timezone

from badges.model import Recipient
from issuer import service, staff, tokens
from store.db import transaction
from store.console import Role, StaffUser
from store.models import Achievement, Org
from web.app import Services

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def make_org(svc: Services, slug: str = "acme", *, with_token: bool = False,
             scopes: tuple[str, ...] = tokens.SCOPES) -> tuple[Org, str | None]:
    """A new organisation (and an API token with `scopes` when asked)."""
    with transaction(svc.sessions) as session:
        org = service.create_org(session, svc.issuing, slug=slug, name_ko=f"{slug} 아카데미",
                                 name_en=f"{slug.title()} Academy", url=f"https://{slug}.example", now=NOW)
        token = tokens.create_api_token(session, org=org, label="test", now=NOW,
                                        scopes=scopes) if with_token else None
    return org, token


def make_course(svc: Services, org: Org, *, valid_months: int | None = None) -> Achievement:
    """A course of `org` with Korean and English text."""
    with transaction(svc.sessions) as session:
        return service.create_achievement(session, org=session.get(Org, org.id), now=NOW, data=service.AchievementIn(
            name_ko="클라우드 네이티브 개발", name_en="Cloud Native Development",
            description_ko="쿠버네티스로 서비스를 배포하는 과정", description_en="Deploying services on Kubernetes",
            criteria_ko="최종 프로젝트 통과", criteria_en="Passed the final project", valid_months=valid_months))


def issue(svc: Services, org: Org, course: Achievement, *, email: str = "minji.kim@example.com",
          name: str = "김민지", now: datetime = NOW) -> str:
    """Issue one badge; returns the credential id."""
    with transaction(svc.sessions) as session:
        issued = service.issue_badge(session, svc.issuing, org=session.get(Org, org.id),
                                     achievement=session.get(Achievement, course.id), recipient=Recipient(name, email), now=now)
        return issued.credential.id


PASSWORD = "correct horse battery staple"


def make_staff(svc: Services, org: Org | None, *, email: str, role: str = "owner") -> StaffUser:
    """A console account (password PASSWORD) with `role` in `org` (no membership when org is None)."""
    with transaction(svc.sessions) as session:
        person = staff.create_staff(session, email=email, name=email.split("@")[0], password=PASSWORD, now=NOW)
        if org is not None:
            staff.grant(session, staff=person, org=session.get(Org, org.id), role=Role(role), now=NOW)
        return person
