"""Several app processes (gunicorn workers) on one database issue at once: no status index is reused,
no credential is lost, and one idempotency key gives one credential however many clients race."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from bootstrap.wiring import Services
from store.models import Credential
from tests.factories import make_course, make_org


def post(url: str, body: dict[str, object], token: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_workers_issuing_concurrently_never_share_a_status_index(cluster: tuple[str, Services]) -> None:
    url, svc = cluster
    org, token = make_org(svc, "busy", with_token=True)
    course = make_course(svc, org)
    endpoint = f"{url}/api/v1/achievements/{course.public_id}/credentials"
    bodies = [{"recipient": {"name": f"수강생 {n}", "email": f"learner{n}@example.com"}} for n in range(120)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda body: post(endpoint, body, token or ""), bodies))
    assert [status for status, _ in results] == [201] * len(bodies)
    entries = {(doc["credentialStatus"][0] if isinstance(doc["credentialStatus"], list)
                else doc["credentialStatus"])["statusListIndex"] for _, doc in results}
    assert len(entries) == len(bodies)
    with svc.sessions() as session:
        stored = session.execute(select(Credential.status_list_id, Credential.status_index)).all()
    assert len(stored) == len(set(stored)) == len(bodies)


def test_one_idempotency_key_raced_by_many_clients_gives_one_credential(cluster: tuple[str, Services]) -> None:
    url, svc = cluster
    org, token = make_org(svc, "racers", with_token=True)
    course = make_course(svc, org)
    endpoint = f"{url}/api/v1/achievements/{course.public_id}/credentials"
    body = {"id": "cohort-9/row-1", "recipient": {"name": "한 사람", "email": "one@example.com"}}
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda _: post(endpoint, body, token or ""), range(24)))
    assert sorted({status for status, _ in results}) in ([200, 201], [201])
    assert len({doc["id"] for _, doc in results}) == 1
    with svc.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Credential)) == 1


def test_one_award_without_an_id_raced_by_many_clients_gives_one_credential(cluster: tuple[str, Services]) -> None:
    url, svc = cluster
    org, token = make_org(svc, "award-racers", with_token=True)
    course = make_course(svc, org)
    endpoint = f"{url}/api/v1/achievements/{course.public_id}/credentials"
    body = {"recipient": {"name": "한 사람", "email": "one@example.com"}, "completedAt": "2026-11-20"}
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda _: post(endpoint, body, token or ""), range(24)))
    assert sorted({status for status, _ in results}) in ([200, 201], [201])
    assert len({doc["id"] for _, doc in results}) == 1
    with svc.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Credential)) == 1


def test_cohorts_and_single_issues_racing_across_workers_share_no_index_and_lose_no_row(
        cluster: tuple[str, Services]) -> None:
    url, svc = cluster
    org, token = make_org(svc, "cohorts", with_token=True)
    course = make_course(svc, org)
    cohort_url = f"{url}/api/v1/achievements/{course.public_id}/cohorts"
    cohorts = [{"completedAt": "2026-11-20", "rows": [{"name": f"수강생 {c}-{n}", "email": f"c{c}-{n}@example.com"}
                                                      for n in range(150)]} for c in range(3)]
    singles = [{"recipient": {"name": f"개인 {n}", "email": f"single{n}@example.com"}} for n in range(60)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        submitted = pool.map(lambda body: post(cohort_url, body, token or ""), cohorts)
        issued = pool.map(lambda body: post(f"{url}/api/v1/achievements/{course.public_id}/credentials", body,
                                            token or ""), singles)
        jobs = [answer["id"] for status, answer in submitted if status == 202]
        assert [status for status, _ in issued] == [201] * len(singles)
    assert len(jobs) == len(cohorts)
    deadline = time.monotonic() + 120
    for job in jobs:  # each job runs on a thread of whichever worker accepted it
        while (report := get(f"{url}/api/v1/cohorts/{job}", token or ""))["state"] != "done":
            assert time.monotonic() < deadline, report
            time.sleep(0.2)
        assert report["issued"] == 150 and report["failed"] == 0
    with svc.sessions() as session:
        revocation = session.execute(select(Credential.status_list_id, Credential.status_index)).all()
    total = len(singles) + 150 * len(cohorts)
    assert len(revocation) == len(set(revocation)) == total


def get(url: str, token: str) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())
