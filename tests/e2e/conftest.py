"""Browser and multi-process fixtures for the end-to-end tests."""
from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from bootstrap.wiring import Services, build_services
from tests.e2e.servers import GUNICORN_CONF
from web.settings import Settings

WORKERS = 3


@pytest.fixture
def cluster(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, Services]]:
    """gunicorn with several worker processes serving the app on the test database."""
    with gunicorn_cluster(settings, tmp_path) as (url, svc, _):
        yield url, svc


@contextmanager
def gunicorn_cluster(settings: Settings, tmp_path: Path, env: Mapping[str, str] | None = None,
                     ) -> Iterator[tuple[str, Services, subprocess.Popen[bytes]]]:
    """gunicorn with WORKERS worker processes and the project's settings (bootstrap/gunicorn_conf.py) on the test
    database (its environment plus `env`): its URL, services for the test's own changes, and the server (stopped
    with SIGTERM at the end, unless the test stopped it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BADGES_DATABASE_URL": settings.database_url, "BADGES_SECRET_KEY": settings.secret_key,
           "BADGES_KEY_ENCRYPTION_KEY": base64.b64encode(settings.key_encryption_key).decode(),
           "BADGES_PUBLIC_URL": url, "BADGES_INSTANCE": str(tmp_path), "BADGES_VERIFY_RATE_LIMIT": "0",
           **(env or {})}
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "-w", str(WORKERS),
                               "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "--timeout", "120",
                               "--error-logfile", str(log),
                               "bootstrap.app:serve()"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
        yield url, svc, server
        svc.engine.dispose()
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        print(log.read_text())
