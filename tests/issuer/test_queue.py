"""Cohort jobs on RQ and a real Redis: the app only queues them (the job id and nothing else), `badges worker`
processes issue them, and workers that race or die never issue a row twice nor leave one out."""
from __future__ import annotations

import base64
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq.job import Job
from sqlalchemy import func, select, update

from badges.errors import Unavailable
from badges.verify import verify_credential
from bootstrap.app import create_app
from bootstrap.cli import main
from bootstrap.wiring import Services
from issuer import jobs
from issuer.queue import RqRunner
from store.db import transaction
from store.issuing import CohortJob, CohortRow, JobState, RowState
from store.models import Credential
from tests.e2e import servers
from tests.factories import make_course, make_org
from web.settings import ConfigError, Settings

REDIS_URL = os.environ.get("BADGES_TEST_REDIS", "redis://127.0.0.1:6379/0")
PEOPLE = 4 * jobs.BATCH  # four transactions: the worker is killed after the first, surely before the last


@pytest.fixture
def queue_name() -> Iterator[str]:
    """A queue of this test's own; its keys are deleted afterwards."""
    name = f"badges-test-{uuid.uuid4().hex[:12]}"
    yield name
    forget(name)


@pytest.fixture
def queued(settings: Settings, queue_name: str) -> Iterator[Flask]:
    """The app with BADGES_REDIS_URL set, sending its jobs to this test's queue."""
    app = create_app(replace(settings, redis_url=REDIS_URL))
    assert isinstance(app.extensions[jobs.EXTENSION], RqRunner)  # the queue, not the app's own threads
    app.extensions[jobs.EXTENSION] = RqRunner(REDIS_URL, queue_name)
    yield app
    app.extensions["badges"].engine.dispose()


def forget(queue_name: str) -> None:
    """Delete what RQ keeps for the queue: its list and registries, and the jobs, workers and schedulers that
    served it (hashes naming the queue) with their results and executions."""
    with Redis.from_url(REDIS_URL) as redis:
        owners = [key.decode() for key in redis.scan_iter("rq:*") if redis.type(key) == b"hash"
                  and any(queue_name.encode() in value for value in redis.hvals(key))]
        ids = {key.split(":")[2] for key in owners}  # rq:job:<id>, rq:worker:<name>, rq:scheduler:<name>
        doomed = {key for pattern in (f"*{queue_name}*", *(f"rq:*{i}*" for i in ids))
                  for key in redis.scan_iter(pattern)}
        redis.srem("rq:queues", f"rq:queue:{queue_name}")
        for i in ids:
            redis.srem("rq:workers", f"rq:worker:{i}")
        if doomed:
            redis.delete(*doomed)


def start_worker(settings: Settings, queue_name: str, log: Path, *, burst: bool = True) -> subprocess.Popen[bytes]:
    """`badges worker [--burst]` in a process (and session) of its own, configured like a deployment."""
    env = servers.environment(replace(settings, redis_url=REDIS_URL))
    with log.open("wb") as out:
        return subprocess.Popen([str(servers.BADGES), "worker", "--queue", queue_name, *(["--burst"] if burst else [])],
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def finish(worker: subprocess.Popen[bytes], log: Path) -> None:
    assert worker.wait(timeout=90) == 0, log.read_text()


def api(app: Flask) -> tuple[FlaskClient, Services, str, dict[str, str]]:
    """A client, the services, a course id and the bearer header of a new organisation."""
    svc = app.extensions["badges"]
    org, token = make_org(svc, with_token=True)
    return app.test_client(), svc, make_course(svc, org).public_id, {"Authorization": f"Bearer {token}"}


def people(first: int, last: int) -> list[dict[str, str]]:
    return [{"name": f"수강생 {i}", "email": f"student{i}@example.com", "completedAt": "2026-02-27"}
            for i in range(first, last)]


def submit(client: FlaskClient, course: str, auth: dict[str, str], rows: list[dict[str, str]]) -> int:
    response = client.post(f"/api/v1/achievements/{course}/cohorts", headers=auth, json={"rows": rows})
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def row_states(svc: Services, job_id: int) -> dict[str, int]:
    with transaction(svc.sessions) as session:
        return dict(session.execute(select(CohortRow.state, func.count()).where(CohortRow.job_id == job_id)
                                    .group_by(CohortRow.state)).all())


def issued_exactly_once(svc: Services, awards: int) -> None:
    """`awards` credentials, one per award key, each in a status-list slot of its own."""
    with transaction(svc.sessions) as session:
        keys = session.scalars(select(Credential.idempotency_key)).all()
        slots = session.execute(select(Credential.status_list_id, Credential.status_index)).all()
    assert len(keys) == len(set(keys)) == len(set(slots)) == awards


def until(condition: Callable[[], object], workers: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    """Wait (up to a minute) for `condition`, failing at once if a worker exits."""
    deadline = time.monotonic() + 60
    while not condition():
        assert all(w.poll() is None for w in workers), "\n".join(log.read_text() for log in logs)
        assert time.monotonic() < deadline, "\n".join(log.read_text() for log in logs)
        time.sleep(0.02)


def busy(runner: RqRunner) -> int:
    """The process id of the worker running the queue's one started job.

    The other worker's sweep may queue the job again in the moment between the first taking it from the queue
    and taking its lease (a job submitted twice runs once: see issuer.queue); that second run finds the lease
    taken and ends at once, so it is waited out."""
    deadline = time.monotonic() + 60
    while len(ids := runner.queue.started_job_registry.get_job_ids()) != 1:
        assert time.monotonic() < deadline, f"started jobs: {ids}"
        time.sleep(0.02)
    [started] = ids
    name = Job.fetch(started, connection=runner.queue.connection).worker_name
    return int(runner.queue.connection.hget(f"rq:worker:{name}", "pid"))


def test_the_app_only_queues_a_cohort_and_a_worker_process_issues_it(
        queued: Flask, queue_name: str, settings: Settings, tmp_path: Path) -> None:
    client, svc, course, auth = api(queued)
    rows = [*people(0, 12), {"name": "박지우", "email": "jiwoo(at)example.com", "completedAt": "2026-02-27"}]
    job_id = submit(client, course, auth, rows)

    [queued_job] = queued.extensions[jobs.EXTENSION].queue.get_jobs()
    assert (queued_job.func_name, queued_job.args, queued_job.kwargs) == ("issuer.queue.perform", (job_id,), {})
    assert queued_job.timeout == 3600
    # no thread of this process runs the job (an in-process runner would have started one at submit)
    assert not [t for t in threading.enumerate() if t.name == f"cohort-job-{job_id}"]
    report = client.get(f"/api/v1/cohorts/{job_id}", headers=auth).get_json()
    assert (report["state"], report["issued"], report["pending"]) == ("queued", 0, 12)
    issued_exactly_once(svc, 0)

    log = tmp_path / "worker.log"
    finish(start_worker(settings, queue_name, log), log)

    report = client.get(f"/api/v1/cohorts/{job_id}", headers=auth).get_json()
    assert (report["state"], report["issued"], report["invalid"]) == ("done", 12, 1)
    now = datetime.now(UTC)
    for row in report["rows"][:12]:
        document = client.get(row["credential"].removeprefix(settings.public_base_url) + ".json").data
        verdict = verify_credential(document, resolve=svc.resolver, now=now)
        assert verdict.verified, verdict.as_json()
    issued_exactly_once(svc, 12)
    queued_job.refresh()
    assert (queued_job.get_status(), queued_job.return_value()) == ("finished", True)


def test_two_workers_on_one_queue_issue_every_row_once(
        queued: Flask, queue_name: str, settings: Settings, tmp_path: Path) -> None:
    client, svc, course, auth = api(queued)
    first, second = submit(client, course, auth, people(0, 40)), submit(client, course, auth, people(20, 60))
    runner: RqRunner = queued.extensions[jobs.EXTENSION]
    runner.submit(first)  # each job is queued twice, as a restarted app would
    runner.submit(second, delay=0.05)  # due before a worker is up: its scheduler must move it to the queue

    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [start_worker(settings, queue_name, log) for log in logs]
    for worker, log in zip(workers, logs):
        finish(worker, log)

    for job_id in (first, second):
        with transaction(svc.sessions) as session:
            assert session.get_one(CohortJob, job_id).state == JobState.DONE
    # the people both cohorts share (20 to 39) were issued by whichever job came first and marked in the other
    states = [row_states(svc, first), row_states(svc, second)]
    assert sum(s.get(RowState.ISSUED, 0) for s in states) == 60
    assert sum(s.get(RowState.DUPLICATE, 0) for s in states) == 20
    issued_exactly_once(svc, 60)
    assert runner.queue.scheduled_job_registry.count == 0 and runner.queue.failed_job_registry.count == 0
    results = sorted(Job.fetch(i, connection=runner.queue.connection).return_value()
                     for i in runner.queue.finished_job_registry.get_job_ids())
    assert results == [False, False, True, True]  # one run per job took it; its second call found it taken


def test_a_worker_killed_mid_job_leaves_it_for_another_to_finish_exactly(
        queued: Flask, queue_name: str, settings: Settings, tmp_path: Path) -> None:
    client, svc, course, auth = api(queued)
    job_id = submit(client, course, auth, people(0, PEOPLE))
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [start_worker(settings, queue_name, log, burst=False) for log in logs]  # waiting for jobs
    try:
        until(lambda: row_states(svc, job_id).get(RowState.ISSUED), workers, logs)
        victim = [w.pid for w in workers].index(busy(queued.extensions[jobs.EXTENSION]))
        os.killpg(workers[victim].pid, signal.SIGKILL)  # the machine goes away: no clean-up runs
        workers[victim].wait()
        issued_before = row_states(svc, job_id).get(RowState.ISSUED, 0)
        assert 0 < issued_before < PEOPLE, "the worker was not killed mid-job"

        resume = f"/api/v1/cohorts/{job_id}/resume"
        assert client.post(resume, headers=auth).get_json()["code"] == "cohort.still_running"  # its lease holds
        with transaction(svc.sessions) as session:  # ... until it runs out, as it would within jobs.LEASE
            session.execute(update(CohortJob).where(CohortJob.id == job_id).values(
                lease_until=datetime.now(UTC) - timedelta(seconds=1)))
        assert client.post(resume, headers=auth).status_code == 202
        until(lambda: row_states(svc, job_id) == {RowState.ISSUED: PEOPLE}, [workers[1 - victim]],
              [logs[1 - victim]])
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)  # a warm shutdown: a job under way ends first
        for worker, log in zip(workers, logs):
            worker.wait(timeout=90)
    assert workers[1 - victim].returncode == 0, logs[1 - victim].read_text()

    issued_exactly_once(svc, PEOPLE)
    with transaction(svc.sessions) as session:
        job = session.get_one(CohortJob, job_id)
        assert (job.state, job.runs) == (JobState.DONE, 2)
        assert session.scalar(select(func.count()).select_from(CohortRow).where(
            CohortRow.job_id == job_id, CohortRow.credential_id.is_(None))) == 0


def test_a_delayed_submission_waits_in_the_scheduled_registry(queue_name: str) -> None:
    runner = RqRunner(REDIS_URL, queue_name)
    runner.submit(41, delay=30)
    assert runner.queue.count == 0
    [job_id] = runner.queue.scheduled_job_registry.get_job_ids()
    job = Job.fetch(job_id, connection=runner.queue.connection)
    assert (job.func_name, job.args, job.kwargs) == ("issuer.queue.perform", (41,), {})
    due = runner.queue.scheduled_job_registry.get_scheduled_time(job_id)
    assert timedelta(seconds=25) < due - datetime.now(UTC) <= timedelta(seconds=30)


def test_redis_that_does_not_answer_stops_the_app_and_the_worker_with_a_clear_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    nowhere = "redis://:hunter2@127.0.0.1:1/0"  # nothing listens on port 1
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'badges.sqlite3'}", secret_key="s",
                        key_encryption_key=bytes(32), public_base_url="http://badges.test", instance_dir=tmp_path,
                        redis_url=nowhere)
    with pytest.raises(ConfigError, match="BADGES_REDIS_URL is set, but Redis at 127.0.0.1:1/0 does not answer"):
        create_app(settings)
    with pytest.raises(Unavailable, match="The job is saved"):  # Redis gone after start-up: 503, not lost
        RqRunner(nowhere).submit(7)

    monkeypatch.setenv("BADGES_INSTANCE", str(tmp_path))
    monkeypatch.setenv("BADGES_SECRET_KEY", "s")
    monkeypatch.setenv("BADGES_KEY_ENCRYPTION_KEY", base64.b64encode(bytes(32)).decode())
    monkeypatch.setenv("BADGES_REDIS_URL", nowhere)
    assert main(["worker", "--burst"]) == 2
    error = capsys.readouterr().err
    assert "does not answer" in error and "hunter2" not in error
    monkeypatch.delenv("BADGES_REDIS_URL")
    assert main(["worker", "--burst"]) == 2
    assert "BADGES_REDIS_URL is not set" in capsys.readouterr().err
