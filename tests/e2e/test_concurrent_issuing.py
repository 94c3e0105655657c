"""Several app processes (gunicorn workers) on one database issue at once: no status index is reused,
no credential is lost, and one idempotency key gives one credential however many clients race."""
from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.models import Credential
from tests.factories import make_course, make_org
from web.app import Services, build_services
from web.settings import Settings

WORKERS = 3


@pytest.fixture
def cluster(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Services]]:
    """gunicorn with several worker processes serving the app on the test database."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BADGES_DATABASE_URL": settings.database_url, "BADGES_SECRET_KEY": settings.secret_key,
           "BADGES_KEY_ENCRYPTION_KEY": base64.b64encode(settings.key_encryption_key).decode(),
           "BADGES_PUBLIC_URL": url, "BADGES_INSTANCE": str(tmp_path)}
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
                               "--graceful-timeout", "5", "--timeout", "120", "--error-logfile", str(log),
                               "web.app:create_app()"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/verify", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"gunicorn did not start: {log.read_text()}")
        svc = build_services(replace(settings, public_base_url=url))
        yield url, svc
        svc.engine.dispose()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        print(log.read_text())


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
