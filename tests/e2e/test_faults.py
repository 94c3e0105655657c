"""Fault drills: a 2,000-person cohort issued through gunicorn and `badges worker` on a PostgreSQL and a Redis of
the drill's own, while a worker is killed with SIGKILL, the app is killed with SIGKILL, PostgreSQL restarts and
Redis restarts (losing what it held). After each, the job finishes with every person issued exactly once, no status
index used twice, and the API answered 503 with Retry-After while the database was down, recovering by itself."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select

import keys
from bootstrap.wiring import Services, build_services
from store.db import transaction, upgrade
from store.issuing import CohortJob, CohortRow, JobState, RowState
from store.models import Achievement, Credential, Org
from tests.e2e import servers
from tests.factories import make_course, make_org
from web.settings import Settings

pytestmark = pytest.mark.faults
PEOPLE = 2000


@dataclass
class Site:
    """The drill's own PostgreSQL, Redis and gunicorn, the environment every process of the service shares,
    and the services, for looking into the database."""

    folder: Path
    postgres: servers.Postgres
    redis: servers.RedisServer
    env: dict[str, str]
    url: str
    svc: Services
    app: servers.Process | None = None

    def start_app(self) -> None:
        self.app = servers.gunicorn(self.env, int(self.url.rsplit(":", 1)[1]), self.folder / "gunicorn.log")

    def start_worker(self, name: str) -> servers.Process:
        return servers.Process([str(servers.BADGES), "worker"], self.env, self.folder / f"{name}.log")

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in sorted(self.folder.glob("*.log"))
                         if log.name != "postgres.log")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("faults")
    postgres = servers.Postgres()
    with psycopg.connect(postgres.url().replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("CREATE DATABASE badges")
    upgrade(postgres.url("badges"))
    redis = servers.RedisServer(folder)
    url = f"http://127.0.0.1:{servers.free_port()}"
    settings = Settings(database_url=postgres.url("badges"), secret_key="drill-secret", key_encryption_key=keys.new_kek(),
                        public_base_url=url, instance_dir=folder, redis_url=redis.url)
    site = Site(folder, postgres, redis, servers.environment(settings), url, build_services(settings))
    try:
        site.start_app()
        yield site
    finally:
        if site.app is not None:
            site.app.stop()
        site.svc.engine.dispose()
        redis.stop()
        postgres.remove()


def call(site: Site, method: str, path: str, token: str, body: object = None) -> tuple[int, dict[str, str], dict]:
    """(status, headers, JSON body) of an API call to the drill's gunicorn."""
    request = urllib.request.Request(f"{site.url}{path}", method=method, data=None if body is None else
                                     json.dumps(body).encode(), headers={"Authorization": f"Bearer {token}",
                                                                         "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())


def new_course(site: Site) -> tuple[str, str]:
    """A new organisation's API token and the public id of its course."""
    org, token = make_org(site.svc, f"org-{uuid.uuid4().hex[:8]}", with_token=True)
    assert token is not None
    return token, make_course(site.svc, org).public_id


def submit(site: Site, token: str, course: str, first: int, last: int) -> tuple[int, dict[str, str], dict]:
    """POST a cohort of people `first` to `last` - 1 (the same person always has the same e-mail)."""
    rows = [{"name": f"수강생 {i}", "email": f"student{i}@example.com", "completedAt": "2026-02-27"}
            for i in range(first, last)]
    return call(site, "POST", f"/api/v1/achievements/{course}/cohorts", token, {"rows": rows})


def cohort(site: Site) -> tuple[str, str, int]:
    """(token, course, job id) of a new organisation's 2,000-person cohort, accepted by the app."""
    token, course = new_course(site)
    status, _, body = submit(site, token, course, 0, PEOPLE)
    assert status == 202, body
    return token, course, body["id"]


def issued(site: Site, job_id: int) -> int:
    with transaction(site.svc.sessions) as session:
        return session.scalar(select(func.count()).select_from(CohortRow).where(
            CohortRow.job_id == job_id, CohortRow.state == RowState.ISSUED)) or 0


def until_issued(site: Site, job_id: int, count: int = 1) -> None:
    servers.wait_for(lambda: issued(site, job_id) >= count, f"{count} rows of job {job_id} issued\n{site.logs()}",
                     timeout=120)


def until_done(site: Site, token: str, job_id: int) -> None:
    """Wait for the job to be done, as a client polling the API sees it."""
    servers.wait_for(lambda: call(site, "GET", f"/api/v1/cohorts/{job_id}", token)[2].get("state") == "done",
                     f"job {job_id} to finish\n{site.logs()}", timeout=120)


def assert_issued_exactly_once(site: Site, course: str, jobs: list[int], people: int) -> None:
    """The jobs are done; the course has one credential per award key and per e-mail, `people` in all; every
    row of the jobs names its person's credential; no status index is used twice in the whole database."""
    with transaction(site.svc.sessions) as session:
        assert {session.get_one(CohortJob, job).state for job in jobs} == {JobState.DONE}, site.logs()
        achievement = session.scalar(select(Achievement.id).where(Achievement.public_id == course))
        per_key = dict(session.execute(select(Credential.idempotency_key, func.count()).where(
            Credential.achievement_id == achievement).group_by(Credential.idempotency_key)).all())
        per_email = dict(session.execute(select(Credential.recipient_lookup, func.count()).where(
            Credential.achievement_id == achievement).group_by(Credential.recipient_lookup)).all())
        rows = session.execute(select(CohortRow.state, CohortRow.credential_id).where(
            CohortRow.job_id.in_(jobs))).all()
        slots, distinct = session.execute(select(func.count(), func.count(func.distinct(
            func.concat(Credential.status_list_id, ":", Credential.status_index))))).one()
    assert len(per_key) == len(per_email) == people and set(per_key.values()) == set(per_email.values()) == {1}
    assert {state for state, _ in rows} <= {RowState.ISSUED, RowState.DUPLICATE}
    assert sum(state == RowState.ISSUED for state, _ in rows) == len({c for _, c in rows if c}) == people
    assert slots == distinct


def test_a_worker_killed_mid_cohort_leaves_it_to_the_next_worker(site: Site) -> None:
    token, course, job_id = cohort(site)
    victim = site.start_worker("worker-killed")
    until_issued(site, job_id)
    victim.kill()  # kill -9: the batch under way rolls back with its connection
    assert 0 < issued(site, job_id) < PEOPLE, "the worker was not killed mid-job"
    with transaction(site.svc.sessions) as session:  # as when jobs.LEASE (30 s) has gone by
        session.get_one(CohortJob, job_id).lease_until = None
    successor = site.start_worker("worker-successor")  # e.g. started again by its supervisor
    try:
        until_done(site, token, job_id)  # its sweep found the job nobody held and the queue did not hold
    finally:
        assert successor.stop() == 0, site.logs()
    assert_issued_exactly_once(site, course, [job_id], PEOPLE)
    with transaction(site.svc.sessions) as session:
        assert session.get_one(CohortJob, job_id).runs == 2


def test_the_app_killed_mid_cohort_loses_nothing_and_the_clients_retry_issues_nothing_twice(site: Site) -> None:
    token, course, job_id = cohort(site)
    worker = site.start_worker("worker-app-killed")
    try:
        until_issued(site, job_id)
        assert site.app is not None
        site.app.kill()  # kill -9 of gunicorn, master and workers, mid-cohort
        site.start_app()
        # the client, whose connection may have died with the app, sends the same cohort again: a new job
        status, _, retry = submit(site, token, course, 0, PEOPLE)
        assert status == 202, retry
        until_done(site, token, job_id)
        until_done(site, token, retry["id"])
    finally:
        assert worker.stop() == 0, site.logs()
    assert_issued_exactly_once(site, course, [job_id, retry["id"]], PEOPLE)


def test_postgresql_restarting_mid_cohort_gives_503_and_everything_carries_on(site: Site) -> None:
    token, course, job_id = cohort(site)
    worker = site.start_worker("worker-postgres")
    try:
        until_issued(site, job_id)
        site.postgres.stop("immediate")  # as a crash: connections cut, no checkpoint
        for path in (f"/api/v1/cohorts/{job_id}", "/readyz"):
            status, headers, body = call(site, "GET", path, token)
            assert (status, headers.get("Retry-After")) == (503, "5"), body
        assert body["down"] == ["database"]
        status, headers, body = call(site, "GET", f"/api/v1/cohorts/{job_id}", token)
        assert (headers["Content-Type"], body["code"]) == ("application/problem+json",
                                                            "service.database_unavailable")
        assert "Traceback" not in json.dumps(body) and "psycopg" not in json.dumps(body)
        site.postgres.start()  # same app and worker processes: nobody restarts them
        until_done(site, token, job_id)
        assert call(site, "GET", "/readyz", token)[0] == 200
        assert worker.alive(), site.logs()
    finally:
        assert worker.stop() == 0, site.logs()
    assert_issued_exactly_once(site, course, [job_id], PEOPLE)


def test_redis_restarting_mid_cohort_loses_no_job_and_the_worker_reconnects(site: Site) -> None:
    token, course, job_id = cohort(site)
    worker = site.start_worker("worker-redis")
    try:
        until_issued(site, job_id)
        site.redis.stop()  # SIGKILL, no snapshot: whatever the queue held is gone
        status, headers, body = submit(site, token, course, PEOPLE, PEOPLE + 20)  # a cohort while it is away
        assert (status, headers.get("Retry-After"), body["code"]) == (503, "5", "queue.unavailable"), body
        ready = call(site, "GET", "/readyz", token)
        assert (ready[0], ready[2]["down"]) == (503, ["redis"])
        # the worker issues on without Redis; RQ cannot record the end of the job and stops its loop
        until_issued(site, job_id, PEOPLE)
        servers.wait_for(lambda: "Redis at" in worker.log.read_text(), f"the worker to wait\n{site.logs()}", 60)
        assert worker.alive(), site.logs()
        site.redis.start()  # empty
        with transaction(site.svc.sessions) as session:  # the job the app saved but could not queue
            [saved] = session.scalars(select(CohortJob.id).join(Org).where(
                CohortJob.id != job_id, Org.id == session.get_one(CohortJob, job_id).org_id)).all()
        until_done(site, token, saved)  # queued again by the worker's sweep
        until_done(site, token, job_id)
        assert worker.alive(), site.logs()
    finally:
        assert worker.stop() == 0, site.logs()
    assert_issued_exactly_once(site, course, [job_id, saved], PEOPLE + 20)
