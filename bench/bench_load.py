"""The verification API and the QR landing page under load: requests per second and latency percentiles.

Run `python bench/bench_load.py [--connections 200] [--seconds 15] [--workers N] [--database URL]`.
It makes a throwaway instance (a fresh PostgreSQL database by default, or SQLite with `--database sqlite`),
issues one badge, starts gunicorn with N worker processes on 127.0.0.1, and drives it with `wrk`
(Debian package wrk) from the same machine: GET /v/<id> (the QR landing page) and POST /api/v1/verify.
Only loopback is ever targeted. Correctness tests never assert on these figures.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import psycopg

import keys
from badges.model import Recipient
from issuer import service
from store.db import transaction, upgrade
from web.app import build_services
from web.settings import Settings

PG_ADMIN = os.environ.get("BADGES_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh migrated database: SQLite in `folder`, or a new PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        upgrade(url)
        yield url
        return
    name = f"badges_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wrk(url: str, *, connections: int, seconds: int, script: Path | None) -> dict[str, str]:
    """Run wrk and pull out requests/s, p50, p99 and errors."""
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Socket errors: (.*)$", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": re.search(r"Requests/sec:\s+(\S+)", out)[1], "p50": latency.get("50", "?"),
            "p99": latency.get("99", "?"), "errors": (errors[1] if errors else "none") +
            (f"; non-2xx {non2xx[1]}" if non2xx else "")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder, database(args.database, Path(folder)) as url:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        kek = keys.new_kek()
        settings = Settings(database_url=url, secret_key="bench", key_encryption_key=kek, public_base_url=base,
                            instance_dir=Path(folder))
        svc = build_services(settings)
        now = datetime.now(timezone.utc)
        with transaction(svc.sessions) as session:
            org = service.create_org(session, svc.issuing, slug="bench", name_ko="벤치 아카데미",
                                     name_en="Bench Academy", now=now)
            course = service.create_achievement(session, org=org, now=now, data=service.AchievementIn(
                "클라우드 기초", "Cloud Basics", "설명", "About", "수료", "Completed"))
            credential = service.issue_badge(session, svc.issuing, org=org, achievement=course, now=now,
                                             recipient=Recipient("김서연", "seoyeon@example.kr")).credential
        svc.engine.dispose()
        body = Path(folder) / "post.lua"
        body.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                        f"wrk.body = {json.dumps(credential.document.decode())}\n")
        env = {**os.environ, "BADGES_DATABASE_URL": url, "BADGES_SECRET_KEY": "bench", "BADGES_PUBLIC_URL": base,
               "BADGES_KEY_ENCRYPTION_KEY": base64.b64encode(kek).decode(), "BADGES_INSTANCE": folder}
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b",
                                   f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning",
                                   "web.app:create_app()"], env=env)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/v/{credential.id}", timeout=5).close()
                    break
                except OSError:
                    time.sleep(0.2)
            results = {
                "QR landing  GET /v/<id>": wrk(f"{base}/v/{credential.id}", connections=args.connections,
                                                seconds=args.seconds, script=None),
                "Verify API  POST /api/v1/verify": wrk(f"{base}/api/v1/verify", connections=args.connections,
                                                       seconds=args.seconds, script=body),
            }
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    print(f"{args.connections} concurrent connections, {args.seconds} s each, gunicorn {args.workers} workers, "
          f"{args.database}, {os.cpu_count()} cores (wrk on the same machine)\n")
    print(f"{'endpoint':<34}{'requests/s':>12}{'p50':>10}{'p99':>10}  errors")
    for name, r in results.items():
        print(f"{name:<34}{r['rps']:>12}{r['p50']:>10}{r['p99']:>10}  {r['errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
