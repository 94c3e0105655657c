"""Browser and multi-process fixtures for the end-to-end tests."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from bootstrap.wiring import Services, build_services
from tests.e2e import servers
from web.settings import Settings

WORKERS = 3


@pytest.fixture
def cluster(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Services]]:
    """gunicorn with several worker processes serving the app on the test database."""
    with gunicorn_cluster(settings, tmp_path) as (url, svc, _):
        yield url, svc


@contextmanager
def gunicorn_cluster(settings: Settings, tmp_path: Path, env: Mapping[str, str] | None = None,
                     ) -> Iterator[tuple[str, Services, servers.Process]]:
    """gunicorn with WORKERS worker processes and the project's settings (bootstrap/gunicorn_conf.py) on the test
    database (its environment plus `env`): its URL, services for the test's own changes, and the server (stopped
    at the end, unless the test stopped it)."""
    port = servers.free_port()
    settings = replace(settings, public_base_url=f"http://127.0.0.1:{port}", instance_dir=tmp_path)
    log = tmp_path / "gunicorn.log"
    server = servers.gunicorn(servers.environment(settings, BADGES_VERIFY_RATE_LIMIT="0", **(env or {})), port, log,
                              workers=WORKERS)
    try:
        svc = build_services(settings)
        yield settings.public_base_url, svc, server
        svc.engine.dispose()
    finally:
        server.stop()
        print(log.read_text())
