"""Verification events across gunicorn workers (verifier.events): each worker writes what it counted in batches,
and what it still holds when gunicorn stops it (SIGTERM) before it exits, so every genuine verification is counted
exactly once."""
from __future__ import annotations

import time
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from bootstrap.wiring import Services
from store.credentials import get_credential
from store.models import VerificationEvent
from tests.e2e.conftest import gunicorn_cluster
from tests.factories import issue, make_course, make_org
from web.settings import Settings


def verify_both_ways(base: str, svc: Services, *, api: int, qr: int) -> None:
    """`api` verifications through the API and `qr` of the QR landing page, spread over the workers."""
    org, _ = make_org(svc, "acme")
    credential_id = issue(svc, org, make_course(svc, org))
    with svc.sessions() as session:
        document = get_credential(session, credential_id).document
    for _ in range(api):
        request = urllib.request.Request(f"{base}/api/v1/verify", data=document, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert b'"verdict":"valid"' in answer.read()
    for _ in range(qr):
        with urllib.request.urlopen(f"{base}/v/{credential_id}", timeout=30) as answer:
            assert b'data-verdict="valid"' in answer.read()


def counted(svc: Services) -> dict[str, int]:
    with svc.sessions() as session:
        return dict(session.execute(select(VerificationEvent.channel, func.count())  # type: ignore[arg-type]
                                    .group_by(VerificationEvent.channel)).all())


def test_what_the_workers_hold_is_written_when_gunicorn_stops_them(settings: Settings, tmp_path: Path) -> None:
    with gunicorn_cluster(settings, tmp_path, {"BADGES_VERIFY_EVENTS_SECONDS": "60"}) as (base, svc, server):
        verify_both_ways(base, svc, api=30, qr=15)
        assert counted(svc) == {}  # held by the workers (60 s)
        assert server.stop() == 0  # SIGTERM
        assert counted(svc) == {"api": 30, "qr": 15}


def test_the_workers_write_them_in_batches_and_never_twice(settings: Settings, tmp_path: Path) -> None:
    with gunicorn_cluster(settings, tmp_path) as (base, svc, server):
        verify_both_ways(base, svc, api=30, qr=15)
        deadline = time.monotonic() + 30  # 0.5 s unless the machine is very busy
        while counted(svc) != {"api": 30, "qr": 15} and time.monotonic() < deadline:
            time.sleep(0.1)
        assert counted(svc) == {"api": 30, "qr": 15}
        assert server.stop() == 0
        assert counted(svc) == {"api": 30, "qr": 15}
