"""The alliance's figures kept as counts (store.tallies) equal what the credentials say after every kind of change:
issue (one and in bulk), revoke, suspend and reinstate, deletion, an organisation joining with badges already
issued; and migrations 0026 and 0027 fill them from the rows already there. On both databases."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import delete, select

from bootstrap.wiring import Services, build_services
from issuer import alliance, service
from keys import new_kek
from store import tallies
from store.db import MIGRATIONS, transaction
from store.membership import MemberKind, MemberRole, enrol
from store.models import Credential, Org
from tests.factories import NOW, issue, make_course, make_org
from tests.issuer.test_courses_migration import empty_url, migrate
from verifier.events import EventRecorder
from web.settings import Settings

__all__ = ["empty_url"]  # the fixture, on both databases


def counted(svc: Services) -> tuple[list[tuple[str, int]], int]:
    """The figures as the tallies give them, after checking they are what the credentials say."""
    with transaction(svc.sessions) as session:
        kept = (tallies.badges_by_month(session), tallies.learners(session))
        assert kept == tallies.recount(session)
        assert tallies.rows(session) == tallies.recounted_rows(session)  # by course and month, revoked ones too
        figures = alliance.figures(session)
        assert (figures.badges_by_month, figures.learners) == kept
    return kept


def change(svc: Services, org: Org, credential_id: str, action: str) -> None:
    with transaction(svc.sessions) as session:
        [(_, error)] = service.change_status(session, svc.issuing, org=session.get_one(Org, org.id),
                                             credential_ids=[credential_id], action=action, reason="test",
                                             actor="test", now=NOW)
        assert error is None


def member(svc: Services, slug: str) -> Org:
    org, _ = make_org(svc, slug, member=True)
    return org


def test_the_counts_follow_issue_revoke_reinstate_and_deletion(svc: Services) -> None:
    a, b = member(svc, "academy"), member(svc, "college")
    outsider, _ = make_org(svc, "outsider")
    course_a, course_b, course_o = make_course(svc, a), make_course(svc, b), make_course(svc, outsider)
    assert counted(svc) == ([], 0)
    # 30 November 15:30 UTC is 1 December in Korea
    first = issue(svc, a, course_a, email="one@example.com", now=datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
    second = issue(svc, b, course_b, email="one@example.com", now=datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
    third = issue(svc, a, course_a, email="two@example.com", now=datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
    outside = issue(svc, outsider, course_o, email="three@example.com")
    assert counted(svc) == ([("2026-11", 2), ("2026-12", 1)], 2)
    change(svc, a, first, "revoke")  # one@ still holds b's badge
    assert counted(svc) == ([("2026-11", 2), ("2026-12", 1)], 2)
    change(svc, b, second, "suspend")  # a suspended badge still counts; it may come back
    assert counted(svc)[1] == 2
    change(svc, b, second, "reinstate")
    change(svc, b, second, "revoke")  # now one@ holds none
    assert counted(svc) == ([("2026-11", 2), ("2026-12", 1)], 1)
    with transaction(svc.sessions) as session:  # the outsider joins: its badge counts from now on
        enrol(session, org=session.get_one(Org, outsider.id), role=MemberRole.HIRING, kind=MemberKind.COMPANY,
              actor="test", now=NOW)
    assert counted(svc) == ([("2026-03", 1), ("2026-11", 2), ("2026-12", 1)], 2)
    for gone in ([third], [outside, first]):  # deleting a live badge, then a live and a revoked one
        with transaction(svc.sessions) as session:
            rows = list(session.scalars(select(Credential).where(Credential.id.in_(gone))))
            tallies.deleted(session, rows)
            session.execute(delete(Credential).where(Credential.id.in_(gone)))
        counted(svc)
    assert counted(svc) == ([("2026-11", 1)], 0)


def test_a_batch_to_the_same_person_counts_them_once(svc: Services) -> None:
    org = member(svc, "academy")
    for n in range(3):
        issue(svc, org, make_course(svc, org, name_en=f"Course {n}"), email="same@example.com")
    course = make_course(svc, org)
    issue(svc, org, course, email="other@example.com")
    assert counted(svc) == ([("2026-03", 4)], 2)
    with transaction(svc.sessions) as session:  # straight through the store, several of one person in one call
        tallies.issued(session, org_id=org.id, achievement_id=course.id, at=NOW,
                       lookups=["x" * 64, "x" * 64, "y" * 64])
        assert tallies.learners(session) == 4 and tallies.badges_by_month(session) == [("2026-03", 7)]

        def gone(*lookups: str) -> list[Credential]:
            return [Credential(org_id=org.id, achievement_id=course.id, issued_at=NOW, recipient_lookup=k)
                    for k in lookups]

        tallies.revoked(session, org_id=org.id, credentials=gone("x" * 64))
        assert tallies.learners(session) == 4
        tallies.revoked(session, org_id=org.id, credentials=gone("x" * 64, "y" * 64))
        assert tallies.learners(session) == 2
        assert tallies.rows(session)[-1][2:] == ("2026-03", 4, 3)
        session.rollback()


@contextmanager
def services_on(url: str, tmp_path: Path) -> Iterator[Services]:
    """The services on the database at `url`, migrated to head."""
    migrate(url, "head")
    svc = build_services(Settings(database_url=url, secret_key="test", key_encryption_key=new_kek(),
                                  public_base_url="https://badges.test", instance_dir=tmp_path))
    try:
        yield svc
    finally:
        svc.engine.dispose()


def down_and_up(svc: Services, url: str, revision: str) -> None:
    """Migrate the database down to `revision` and up to head again: what the later migrations fill, they fill."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.downgrade(config, revision)
    svc.engine.dispose()
    migrate(url, "head")


def test_migration_0026_fills_the_counts_from_existing_badges(empty_url: str, tmp_path: Path) -> None:
    with services_on(empty_url, tmp_path) as svc:
        a, b = member(svc, "academy"), member(svc, "college")
        outsider, _ = make_org(svc, "outsider")
        course_a, course_b = make_course(svc, a), make_course(svc, b)
        revoked = issue(svc, a, course_a, email="one@example.com", now=datetime(2026, 11, 30, 15, 30, tzinfo=UTC))
        issue(svc, b, course_b, email="two@example.com", now=datetime(2026, 10, 5, tzinfo=UTC))
        issue(svc, b, course_b, email="three@example.com", now=datetime(2026, 10, 6, tzinfo=UTC))
        issue(svc, outsider, make_course(svc, outsider), email="four@example.com")
        change(svc, a, revoked, "revoke")
        before = counted(svc)
        assert before == ([("2026-10", 2), ("2026-12", 1)], 2)
        down_and_up(svc, empty_url, "0025")
        assert counted(svc) == before


def test_migration_0027_counts_the_verifications_already_written(empty_url: str, tmp_path: Path) -> None:
    with services_on(empty_url, tmp_path) as svc:
        a, b = member(svc, "academy"), member(svc, "college")
        mine, theirs = issue(svc, a, make_course(svc, a)), issue(svc, b, make_course(svc, b))
        recorder = EventRecorder(svc.sessions, interval=3600)
        for org, credential_id, channel, when in (  # 30 November 15:30 UTC is 1 December in Korea
                (a, mine, "qr", datetime(2026, 11, 30, 15, 30, tzinfo=UTC)),
                (a, mine, "qr", datetime(2026, 11, 30, 14, 30, tzinfo=UTC)),
                (a, mine, "api", datetime(2026, 11, 30, 14, 30, tzinfo=UTC)),
                (b, theirs, "page", datetime(2026, 12, 2, tzinfo=UTC))):
            recorder.add(org_id=org.id, credential_id=credential_id, channel=channel, verdict="valid", at=when)
        recorder.flush()
        with svc.sessions() as session:
            before = tallies.verification_rows(session)
        assert before == [(a.id, "2026-11", "api", 1), (a.id, "2026-11", "qr", 1), (a.id, "2026-12", "qr", 1),
                          (b.id, "2026-12", "page", 1)]
        down_and_up(svc, empty_url, "0026")
        with svc.sessions() as session:
            assert tallies.verification_rows(session) == before
